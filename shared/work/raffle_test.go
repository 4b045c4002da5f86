package work_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/work"
)

// raffleRec is a raffle store keeping entries once per cause, as the
// real one does.
type raffleRec struct {
	period  raffle.Period
	none    bool
	entries map[string]raffle.Entry
	users   map[string]int64
}

func (r *raffleRec) Raffle(context.Context, string) (raffle.Period, bool, error) {
	return r.period, !r.none, nil
}

func (r *raffleRec) AddTickets(_ context.Context, _, _ string, user int64, _ string, e raffle.Entry) (raffle.Entry, bool, error) {
	if prev, ok := r.entries[e.Cause]; ok {
		return prev, false, nil
	}
	r.entries[e.Cause], r.users[e.Cause] = e, user
	return e, true, nil
}

func TestRaffleTicketsFromEvents(t *testing.T) {
	period, err := raffle.New(t0.Add(-time.Hour), 0, 1, "", "c", raffle.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	gift := ev(event.SubscriptionGifts)
	gift.Gifts.Gifter = event.User{ID: 11, Username: "gifter"}
	anon := ev(event.SubscriptionGifts)
	anon.Gifts.Gifter = event.User{Anonymous: true}
	renew := ev(event.SubscriptionRenew)
	kicks := ev(event.KicksGifted)
	kicks.Kicks = &event.Kicks{Sender: event.User{ID: 12}, Amount: 500}
	fewKicks := ev(event.KicksGifted)
	fewKicks.Kicks = &event.Kicks{Sender: event.User{ID: 12}, Amount: 99}
	early := ev(event.SubscriptionNew)
	early.SentAt = t0.Add(-2 * time.Hour)
	tests := []struct {
		name     string
		ev       event.Event
		none     bool
		user     int64
		tickets  int64
		heldTill time.Time
	}{
		{name: "gifted subs to the gifter, held", ev: gift, user: 11, tickets: 30, heldTill: t0.Add(24 * time.Hour)},
		{name: "anonymous gift credits nobody", ev: anon},
		{name: "new sub", ev: ev(event.SubscriptionNew), user: 5, tickets: 5},
		{name: "renewal", ev: renew, user: 5, tickets: 5},
		{name: "kicks", ev: kicks, user: 12, tickets: 5},
		{name: "under 100 kicks", ev: fewKicks},
		{name: "before the period", ev: early},
		{name: "no raffle", ev: gift, none: true},
		{name: "follow earns nothing", ev: ev(event.Followed)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := &raffleRec{period: period, none: tt.none, entries: map[string]raffle.Entry{}, users: map[string]int64{}}
			w := &work.Worker{Store: &recStore{}, Raffle: rs}
			for range 2 { // a retried job grants nothing twice
				if err := w.Do(context.Background(), job.ForEvent("g1", tt.ev, nil)); err != nil {
					t.Fatalf("Do() = %v", err)
				}
			}
			e, ok := rs.entries[tt.ev.ID]
			if tt.tickets == 0 {
				if ok {
					t.Errorf("Do(%s) granted %+v, want nothing", tt.name, e)
				}
				return
			}
			if !ok || len(rs.entries) != 1 || rs.users[tt.ev.ID] != tt.user || e.Tickets != tt.tickets || !e.HoldUntil.Equal(tt.heldTill) {
				t.Errorf("Do(%s) granted %+v to %d, want %d tickets held till %v to %d", tt.name, e, rs.users[tt.ev.ID], tt.tickets, tt.heldTill, tt.user)
			}
		})
	}
}
