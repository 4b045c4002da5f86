package hunt_test

import (
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/money"
)

func Example() {
	now := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	start, _ := money.Parse("$1,000")
	h, _ := hunt.New("Friday", start, now)
	_ = h.Add("Gates of Olympus", 200, "i1") // $2.00 bets
	_ = h.Add("Sweet Bonanza", 100, "i2")    // $1.00
	_ = h.Add("Wanted Dead or a Wild", 300, "i3")
	_, _ = h.Pay("gates of olympus", 15000) // paid $150.00: 75.00x
	_, _ = h.Pay("#2", 3333)                // $33.33: 33.33x

	t := h.Totals()
	fmt.Println("won", t.Won, "profit", t.Profit)
	fmt.Println("average", t.Average, "break-even", t.BreakEven)
	fmt.Println(h.Summary())
	// Output:
	// won $183.33 profit -$816.67
	// average 61.11x break-even 272.23x
	// 🎰 Bonus hunt Friday: 3 bonuses, 2 opened | start $1,000.00 | won $183.33 | profit -$816.67 | avg 61.11x | break-even 272.23x
}
