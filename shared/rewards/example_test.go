package rewards_test

import (
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/rewards"
)

func Example() {
	set := rewards.Settings{Gift: 50, Thanks: map[rewards.Kind]string{rewards.Gift: "Thank you {gifter} for {count} subs!"}}
	ev := event.Event{
		ID: "01JDELIVERY", Type: event.SubscriptionGifts, SentAt: time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC), Broadcaster: 1,
		Gifts: &event.Gifts{Gifter: event.User{ID: 7, Username: "alice"}, Giftees: []event.User{{ID: 8}, {ID: 9}}},
	}
	if c, ok := rewards.Earned(set, ev); ok {
		fmt.Printf("%s earns %d points (%s), cause %s\n", c.User.Username, points.Whole(c.Change.Milli), c.Change.Reason, c.Change.Cause)
	}
	if line, ok := rewards.Thanks(set, ev); ok {
		fmt.Println(line)
	}
	// Output:
	// alice earns 100 points (2 gifted subs), cause 01JDELIVERY
	// Thank you alice for 2 subs!
}
