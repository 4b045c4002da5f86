package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestConvertRaffleWatch: the viewers' watchtime becomes tickets of the
// open period at full hours past the minutes the period first saw, once
// per hour however often it runs, and a run with nothing new writes
// nothing.
func TestConvertRaffleWatch(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	client := dynamotest.Table(t, "watch")
	s := dynamo.New(client, "watch")
	// credit adds minutes to a viewer's watchtime, each under a minute
	// later than any before (a viewer's credits only go forward).
	minute := watchtime.MinuteOf(start)
	credit := func(user int64, minutes int) {
		t.Helper()
		for range minutes {
			minute++
			if _, err := s.Credit(ctx, "g", watchtime.Credit{UserID: user, Username: fmt.Sprint("viewer", user), Minute: minute}); err != nil {
				t.Fatal(err)
			}
		}
	}
	convert := func(at time.Time) (int64, dynamotest.Cost) {
		t.Helper()
		var got int64
		cost := dynamotest.Measure(t, client, "watch", func(s *dynamo.Store) (err error) {
			got, err = s.ConvertRaffleWatch(ctx, "g", at)
			return err
		})
		return got, cost
	}
	tickets := func(p raffle.Period, user int64) int64 {
		t.Helper()
		got, err := s.ViewerTickets(ctx, "g", p.ID, user, start.Add(time.Hour), true)
		if err != nil {
			t.Fatal(err)
		}
		return got.Counted(raffle.Watch)
	}

	credit(1, 30) // before the period: never counts
	if got, _ := convert(start); got != 0 {
		t.Errorf("ConvertRaffleWatch without a period = %d, want 0", got)
	}
	seed := pick.Seed(make([]byte, pick.SeedSize))
	p, err := raffle.New(start, 0, 1, "a chair", seed.Commitment(), raffle.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	if p, err = s.StartRaffle(ctx, "g", p, seed, interact.Cause{ID: "start", Expires: start.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	if got, _ := convert(start.Add(5 * time.Minute)); got != 0 {
		t.Errorf("first run = %d tickets, want 0 (baselines only)", got)
	}
	credit(1, 65) // 95 in all: one full hour past the baseline of 30
	credit(2, 10) // first seen now
	if got, _ := convert(start.Add(10 * time.Minute)); got != 10 {
		t.Errorf("after an hour = %d tickets, want 10 (tickets_per_hour)", got)
	}
	got, cost := convert(start.Add(15 * time.Minute))
	if got != 0 || cost.Writes != 0 {
		t.Errorf("run with nothing new = %d tickets, %d writes, want 0 and 0", got, cost.Writes)
	}
	credit(2, 59) // 69: 59 past its baseline of 10, not yet an hour
	credit(1, 60) // 155: two hours past 30
	if got, _ := convert(start.Add(20 * time.Minute)); got != 10 {
		t.Errorf("viewer 1's second hour = %d tickets, want 10", got)
	}
	if a, b := tickets(p, 1), tickets(p, 2); a != 20 || b != 0 {
		t.Errorf("watch tickets = %d and %d, want 20 and 0", a, b)
	}
}
