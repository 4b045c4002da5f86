package gtb_test

import (
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/gtb"
)

func Example() {
	opened := time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)
	r := gtb.Round{Number: 3, State: gtb.Open, Winners: 2, OpenedAt: opened}

	var guesses []gtb.Guess
	chat := []struct {
		user    int64
		name    string
		args    string
		seconds int
	}{
		{1, "ana", "$1,250", 5},
		{2, "bo", "1.2k", 8},
		{3, "cy", "1230", 9},
		{1, "ana", "1230", 12}, // replaces ana's guess and takes its time
	}
	for i, m := range chat {
		at := opened.Add(time.Duration(m.seconds) * time.Second)
		amount, err := gtb.ParseGuess(m.args)
		if err != nil || !r.Takes(at) {
			continue
		}
		guesses = append(guesses, gtb.Guess{UserID: m.user, Username: m.name, Amount: amount, At: at, MessageID: fmt.Sprint("m", i)})
	}

	r.State, r.ClosedAt, r.Result = gtb.Resulted, opened.Add(time.Minute), 1240_00
	r.Placed = gtb.Winners(guesses, r.Result, r.Winners)
	fmt.Println(gtb.Announcement(r))
	// Output:
	// GTB #3 result: $1,240.00 🏆 🥇 cy $1,230.00 ($10.00 off) | 🥈 ana $1,230.00 ($10.00 off)
}
