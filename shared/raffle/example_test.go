package raffle_test

import (
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/raffle"
)

func Example() {
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	s := raffle.Defaults()
	gift, _ := s.GiftEntry("delivery-1", 2, at) // 2 gifted subs: held 24 h
	sub, _ := s.SubEntry("delivery-2", at)
	t := raffle.Tickets{UserID: 42, By: map[raffle.Source]int64{
		raffle.Gift:  gift.Tickets,
		raffle.Sub:   sub.Tickets,
		raffle.Watch: raffle.WatchHours(600, 725) * s.PerHour,
	}, Held: gift.Tickets}
	fmt.Println(gift.Tickets, "gift tickets held until", gift.HoldUntil.Format(time.DateTime))
	fmt.Println("counting now:", t.Total())
	t.Held = 0 // the hold ended
	fmt.Println("after the hold:", t.Total())
	fmt.Printf("chance with 100 tickets in all: %.0f%%\n", raffle.Chance(t.Total(), 100, 1))
	// Output:
	// 30 gift tickets held until 2026-12-04 10:00:00
	// counting now: 25
	// after the hold: 55
	// chance with 100 tickets in all: 55%
}
