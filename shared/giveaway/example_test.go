package giveaway_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/pick"
)

func Example() {
	opened := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	// /giveaway start prize:"a gaming chair" keyword:pizza winners:1:
	// the commitment is shown at once; the seed stays secret.
	g, err := giveaway.Start(giveaway.Options{Prize: "a gaming chair", Keyword: "pizza", SubLuck: 2}, 1, opened,
		bytes.NewReader(bytes.Repeat([]byte{7}, pick.SeedSize)))
	if err != nil {
		panic(err)
	}
	fmt.Println("commitment:", g.Commitment)

	// Chat: only the keyword enters, once per viewer.
	fmt.Println(`"pizza" enters:`, g.Matches("pizza", opened.Add(time.Minute)))
	fmt.Println(`"i like pizza" enters:`, g.Matches("i like pizza", opened.Add(time.Minute)))
	sub := true
	entries := []giveaway.Entry{
		{UserID: 11, Username: "alice", Subscriber: true, At: opened.Add(time.Minute)},
		{UserID: 12, Username: "bob", At: opened.Add(2 * time.Minute)},
	}
	activity := []audience.Activity{{UserID: 11, Username: "alice", At: opened.Add(time.Minute), Subscriber: &sub}}

	// /giveaway end, then /giveaway draw.
	g.State, g.ClosedAt = giveaway.Closed, opened.Add(5*time.Minute)
	table := giveaway.Table(g, entries, activity, nil)
	for _, e := range table {
		fmt.Println("entrant", e.ID, "tickets", e.Tickets)
	}
	p, err := giveaway.Draw(g, "guild-1", table)
	if err != nil {
		panic(err)
	}
	g.State, g.Proof = giveaway.Drawn, p
	fmt.Println(giveaway.Announcement(g))
	// Output:
	// commitment: 4bb06f8e4e3a7715d201d573d0aa423762e55dabd61a2c02278fa56cc6d294e0
	// "pizza" enters: true
	// "i like pizza" enters: false
	// entrant alice#11 tickets 2
	// entrant bob#12 tickets 1
	// 🎉 Giveaway #1 (a gaming chair): @alice won! 2 entrants, 3 tickets; the seed and table are in Discord.
}
