package calls_test

import (
	"context"
	"fmt"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
)

func Example() {
	ctx := context.Background()
	store := &memStore{}
	// /calls open: one call per viewer, no duplicates.
	st, _ := calls.Open(calls.State{}, "round-1", 1, false, seed(7), t0)
	store.st = st

	c := &calls.Chat{Store: store}
	say := func(user string, id int64, args, msg string) {
		out, _ := c.Answer(ctx, chat.Ask{Guild: "g", Asker: event.User{ID: id, Username: user}, Name: "call", Args: args, MessageID: msg, Now: t0})
		fmt.Println(out)
	}
	say("alice", 1, "Sweet Bonanza", "m1")
	say("bob", 2, "sweet  bonanza", "m2")
	say("alice", 1, "Big Bass", "m3")
	say("bob", 2, "Big Bass", "m4")

	// /calls pick: a verifiable draw among the pending calls.
	all, _ := store.Calls(ctx, "g", "round-1")
	p, _ := calls.Draw(store.st.Round, calls.Pending(all), t0)
	fmt.Printf("picked #%d %s, %d entries, nonce %d\n", p.Call.Number, p.Call.Slot, p.Proof.Entries, p.Proof.Nonce)
	// Output:
	// @alice your call for Sweet Bonanza is in (#1)
	// @bob sweet bonanza was called already
	// @alice you have made your 1 call this round
	// @bob your call for Big Bass is in (#2)
	// picked #1 Sweet Bonanza, 2 entries, nonce 1
}
