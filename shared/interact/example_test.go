package interact_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

func Example() {
	// The Discord adapter builds Requests from interactions; a fake store
	// plays DynamoDB.
	h := &interact.Handler{Store: newFakeStore()}
	ctx := context.Background()
	at := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)

	// An admin grants points; the interaction id is the ledger cause.
	grant := interact.Request{
		ID: "1482453932679757825", Guild: "883082587327823872", UserID: "774998079505039360", CanManage: true,
		Command: "points", Sub: "add", Options: map[string]string{"user": "mossyrock", "amount": "50"}, At: at,
	}
	resp, err := h.Handle(ctx, grant)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Ephemeral, resp.Embeds[0].Description)

	// The same interaction again changes nothing.
	h.Handle(ctx, grant)

	// A member looks the balance up.
	show := interact.Request{
		ID: "1482453932679757826", Guild: "883082587327823872", UserID: "569802374110117888",
		Command: "points", Sub: "show", Options: map[string]string{"user": "MossyRock"}, At: at,
	}
	resp, _ = h.Handle(ctx, show)
	fmt.Println(resp.Ephemeral, resp.Embeds[0].Description)

	// A member may not grant points.
	grant.CanManage = false
	_, err = h.Handle(ctx, grant)
	fmt.Println(fault.KindOf(err), "—", fault.Message(err))

	// Output:
	// true **mossyrock** now has **31,927** points.
	// false **mossyrock** has **31,927** points.
	// forbidden — you need the Manage Server permission
}
