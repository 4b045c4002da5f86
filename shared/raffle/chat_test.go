package raffle

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
)

type fakeReader struct {
	p       Period
	ok      bool
	tickets Tickets
	total   int64
}

func (f fakeReader) Raffle(context.Context, string) (Period, bool, error) { return f.p, f.ok, nil }
func (f fakeReader) ViewerTickets(_ context.Context, _, _ string, user int64, _ time.Time, _ bool) (Tickets, error) {
	t := f.tickets
	t.UserID = user
	return t, nil
}
func (f fakeReader) RaffleTotal(context.Context, string, string) (int64, error) { return f.total, nil }

func TestChat(t *testing.T) {
	p, _ := New(t0, 7, 1, "a PS5", "c", Defaults())
	excluded := p
	excluded.Excluded = []int64{42}
	drawn := p
	drawn.State, drawn.Result = Drawn, &Result{Names: []string{"ann", "bob"}}
	mine := Tickets{By: map[Source]int64{Watch: 20, Gift: 30, Sub: 5}, Held: 15}
	tests := []struct {
		name, cmd string
		r         fakeReader
		want      string
	}{
		{"no raffle", "tickets", fakeReader{}, NoRaffle},
		{"raffle", "raffle", fakeReader{p: p, ok: true}, "🎟️ Raffle for a PS5, 1 winner, ends Dec 10 10:00 UTC. Tickets: 10 per hour watched, 15 per gifted sub (counted after 24h), 5 per sub, 1 per 100 KICKs. Check yours with !tickets."},
		{"tickets", "tickets", fakeReader{p: p, ok: true, tickets: mine, total: 160}, "🎟️ @viewer: 40 tickets (watch 20, gift 15, sub 5), 15 gift tickets on hold. Chance about 25.00% of 160 tickets."},
		{"excluded", "tickets", fakeReader{p: excluded, ok: true, tickets: mine, total: 160}, "🎟️ @viewer: 40 tickets (watch 20, gift 15, sub 5), 15 gift tickets on hold. You are excluded from this raffle."},
		{"none yet", "tickets", fakeReader{p: p, ok: true}, "🎟️ @viewer: 0 tickets. Chance about 0.00% of 0 tickets."},
		{"drawn", "raffle", fakeReader{p: drawn, ok: true}, "🎟️ The raffle was drawn: ann, bob. Next one soon!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Chat{Store: tt.r}.Answer(context.Background(), chat.Ask{Guild: "g", Name: tt.cmd, Asker: event.User{ID: 42, Username: "viewer"}, Now: t0})
			if err != nil || got != tt.want {
				t.Errorf("Answer(!%s) = %q, %v, want %q", tt.cmd, got, err, tt.want)
			}
		})
	}
}
