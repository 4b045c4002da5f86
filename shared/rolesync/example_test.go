package rolesync_test

import (
	"context"
	"fmt"

	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/rolesync"
)

func Example() {
	// Ada has watched 650 minutes and Bob 130; the server rewards 120 and
	// 600 minutes, but the 600-minute role sits above the bot's role.
	store := newStore(tiers[:2], map[string]int64{ada: 650, bob: 130})
	discord := &memDiscord{errs: map[string]error{silver: refusal(roles.RoleAbove)}}
	admins := &memNotifier{}
	sync := &rolesync.Syncer{Store: store, Discord: discord, Notify: admins}

	for range 2 {
		rep, err := sync.Guild(context.Background(), guild)
		fmt.Printf("granted %d, problems %d, err %v\n", rep.Granted, len(rep.Problems), err)
	}
	fmt.Println(admins.posts)
	// Output:
	// granted 2, problems 1, err <nil>
	// granted 0, problems 1, err <nil>
	// [I can't give <@&1300000000000000002>: move my role above it in Server Settings → Roles.]
}
