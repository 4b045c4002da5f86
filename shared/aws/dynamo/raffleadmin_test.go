package dynamo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// zeros is a random source of zero bytes: a known seed.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestRaffleCommands runs /raffle through the slash handler on the
// emulator: start (once per interaction), status with the commitment,
// tickets add, remove (never below zero) and void, exclude, settings
// and their errors, end, and verify.
func TestRaffleCommands(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	s := dynamo.New(dynamotest.Table(t, "rafflecmds"), "rafflecmds")
	for _, v := range []struct {
		id   int64
		name string
	}{{41, "ann"}, {42, "bob"}} {
		if _, err := s.Credit(ctx, "g", watchtime.Credit{UserID: v.id, Username: v.name, Minute: watchtime.MinuteOf(t0), At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	h := &interact.Handler{Store: s, Raffle: &raffle.Admin{Store: s, Random: zeros{}}}
	n := 0
	run := func(sub string, opts map[string]string) (interact.Response, error) {
		n++
		return h.Handle(ctx, interact.Request{ID: "14824539326797" + strings.Repeat("0", 4) + string(rune('a'+n)), Guild: "g", UserID: "1900",
			CanManage: true, Command: "raffle", Sub: sub, Options: opts, At: t0.Add(time.Duration(n) * time.Minute)})
	}
	commitment := pick.Seed(make([]byte, pick.SeedSize)).Commitment()

	if _, err := run("status", nil); !fault.Is(err, fault.NotFound) {
		t.Errorf("/raffle status before a start = %v, want NotFound", err)
	}
	first := interact.Request{ID: "1482453932679700001", Guild: "g", UserID: "1900", CanManage: true, Command: "raffle", Sub: "start",
		Options: map[string]string{"winners": "2", "prize": "a PS5"}, At: t0}
	resp, err := h.Handle(ctx, first)
	if err != nil || len(resp.Embeds) != 1 || !strings.Contains(resp.Embeds[0].Fields[6].Value, commitment) {
		t.Fatalf("/raffle start = %+v, %v, want the commitment shown", resp, err)
	}
	if resp, err := h.Handle(ctx, first); err != nil || resp.Content != interact.AppliedMessage {
		t.Errorf("/raffle start replayed = %+v, %v, want Applied", resp, err)
	}
	if _, err := run("start", nil); !fault.Is(err, fault.Conflict) {
		t.Errorf("/raffle start while open = %v, want Conflict", err)
	}
	if resp, err := run("status", nil); err != nil || !strings.Contains(resp.Embeds[0].Fields[6].Value, commitment) {
		t.Errorf("/raffle status = %+v, %v, want the commitment", resp, err)
	}

	steps := []struct {
		name, sub string
		opts      map[string]string
		want      string
		kind      fault.Kind
	}{
		{"add", "tickets", map[string]string{"action": "add", "user": "ann", "amount": "30", "reason": "quiz"}, "Gave 30 tickets to ann.", 0},
		{"remove more than held", "tickets", map[string]string{"action": "remove", "user": "@ann", "amount": "50"}, "Took 30 tickets from ann.", 0},
		{"remove from none", "tickets", map[string]string{"action": "remove", "user": "ann", "amount": "1"}, "", fault.Conflict},
		{"unknown viewer", "tickets", map[string]string{"action": "add", "user": "nobody", "amount": "1"}, "", fault.NotFound},
		{"no amount", "tickets", map[string]string{"action": "add", "user": "bob"}, "", fault.Invalid},
		{"void unknown gift", "tickets", map[string]string{"action": "void", "gift": "01XYZ"}, "", fault.NotFound},
		{"exclude", "exclude", map[string]string{"action": "add", "user": "bob"}, "bob is left out of this raffle's draw.", 0},
		{"settings", "settings", map[string]string{"tickets_per_hour": "20", "gift_hold_hours": "48"}, "Saved. Tickets: 20 per hour watched, 15 per gifted sub (counted after 48h), 5 per sub, 1 per 100 KICKs. Tickets granted before keep their amounts.", 0},
		{"settings out of range", "settings", map[string]string{"tickets_per_sub": "5000"}, "", fault.Invalid},
		{"verify before the draw", "verify", nil, "", 0},
		{"end", "end", nil, "ended without a draw", 0},
		{"draw after the end", "draw", nil, "", fault.Conflict},
	}
	for _, st := range steps {
		resp, err := run(st.sub, st.opts)
		if st.kind != 0 {
			if !fault.Is(err, st.kind) {
				t.Errorf("%s: /raffle %s = %+v, %v, want kind %v", st.name, st.sub, resp, err, st.kind)
			}
			continue
		}
		if err != nil || !strings.Contains(resp.Content, st.want) {
			t.Errorf("%s: /raffle %s = %q, %v, want %q", st.name, st.sub, resp.Content, err, st.want)
		}
	}
	p, _, err := s.Raffle(ctx, "g")
	if err != nil || p.State != raffle.Ended || !p.IsExcluded(42) || p.Settings.PerHour != 20 {
		t.Errorf("the raffle after the steps = %+v, %v, want ended, bob excluded, 20 per hour", p, err)
	}
}
