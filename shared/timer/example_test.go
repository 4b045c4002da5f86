package timer_test

import (
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/timer"
)

func Example() {
	start := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	t := timer.Timer{
		Name: "socials", Variants: timer.Split("Follow on X! || Join the Discord!"),
		Interval: 10 * time.Minute, MinChatters: timer.DefaultMinChatters, Enabled: true, Created: start,
	}
	ch := timer.Channel{Live: true, LiveSince: start}
	for minute := 10; minute <= 30; minute += 10 {
		now := start.Add(time.Duration(minute) * time.Minute)
		// Three viewers chatted in the minute before.
		ch.Chats = []timer.Chat{{UserID: 1, At: now.Add(-time.Minute)}, {UserID: 2, At: now.Add(-time.Minute)}, {UserID: 3, At: now.Add(-time.Minute)}}
		if p, ok := timer.Pick([]timer.Timer{t}, now, ch); ok {
			fmt.Printf("%s %s\n", p.Slot.Format("15:04"), p.Text)
			t.LastPost, t.Next = p.Slot, p.Next
		}
	}
	// Output:
	// 20:10 Follow on X!
	// 20:20 Join the Discord!
	// 20:30 Follow on X!
}
