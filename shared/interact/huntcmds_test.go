package interact_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/money"
)

// fakeHunts keeps one guild's hunt as the store does: each change once
// per cause, by package hunt's rules.
type fakeHunts struct {
	mu     sync.Mutex
	h      hunt.Hunt
	exists bool
	claims claims
}

var noHunt = fault.E(fault.NotFound, "there is no bonus hunt")

func (f *fakeHunts) LatestHunt(context.Context, string) (hunt.Hunt, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.h, f.exists, nil
}

func (f *fakeHunts) change(c interact.Cause, needHunt bool, apply func(h *hunt.Hunt) error) (hunt.Hunt, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(c); err != nil {
		return hunt.Hunt{}, err
	}
	if needHunt && !f.exists {
		return hunt.Hunt{}, noHunt
	}
	h := f.h
	h.Bonuses = append([]hunt.Bonus(nil), h.Bonuses...)
	if err := apply(&h); err != nil {
		return hunt.Hunt{}, err
	}
	f.h, f.exists, f.claims[c.ID] = h, true, true
	return h, nil
}

func (f *fakeHunts) StartHunt(_ context.Context, _ string, h hunt.Hunt, c interact.Cause) (hunt.Hunt, error) {
	return f.change(c, false, func(cur *hunt.Hunt) error {
		if f.exists && cur.Open() {
			return fault.E(fault.Conflict, "a hunt is open")
		}
		*cur = h
		return nil
	})
}

func (f *fakeHunts) AddBonus(_ context.Context, _, slot string, bet money.Cents, c interact.Cause) (hunt.Hunt, error) {
	return f.change(c, true, func(h *hunt.Hunt) error { return h.Add(slot, bet, c.ID) })
}

func (f *fakeHunts) PayBonus(_ context.Context, _, ref string, amount money.Cents, c interact.Cause) (hunt.Hunt, int, error) {
	var i int
	h, err := f.change(c, true, func(h *hunt.Hunt) (err error) { i, err = h.Pay(ref, amount); return err })
	return h, i, err
}

func (f *fakeHunts) RemoveBonus(_ context.Context, _, ref string, c interact.Cause) (hunt.Hunt, hunt.Bonus, error) {
	var b hunt.Bonus
	h, err := f.change(c, true, func(h *hunt.Hunt) (err error) { b, err = h.Remove(ref); return err })
	return h, b, err
}

func (f *fakeHunts) FinishHunt(_ context.Context, _ string, now time.Time, c interact.Cause) (hunt.Hunt, error) {
	return f.change(c, true, func(h *hunt.Hunt) error { return h.Finish(now) })
}

// TestHuntCommands runs a hunt through /hunt, one step after another,
// each under its own interaction id.
func TestHuntCommands(t *testing.T) {
	ctx := context.Background()
	hunts := &fakeHunts{claims: claims{}}
	h := &interact.Handler{Store: newFakeStore(), Hunts: hunts}
	n := 0
	step := func(sub string, opts ...string) interact.Request {
		n++
		r := admin("hunt", sub, opts...)
		r.ID = fmt.Sprint("14824539326797", 10000+n)
		return r
	}
	steps := []struct {
		name    string
		r       interact.Request
		content string // the answer's text
		fields  string // its embed's figures, "name=value" joined by " | "
		list    string // its embed's description
	}{
		{"start", step("start", "balance", "$1,000", "name", "Friday"),
			"Hunt started. Add bonuses with /hunt add bet:<amount> slot:<slot>, or without a slot for the picked call.",
			"Start=$1,000.00 | Bonuses=0 (0 opened) | Total bet=$0.00 | Won=$0.00 | Profit=-$1,000.00", "No bonuses yet."},
		{"add", step("add", "slot", "Gates of Olympus", "bet", "2"), "Added bonus #1: **Gates of Olympus** at $2.00.",
			"Start=$1,000.00 | Bonuses=1 (0 opened) | Total bet=$2.00 | Won=$0.00 | Profit=-$1,000.00 | Break-even=500.00x on the unopened bonuses",
			"`#1` Gates of Olympus — $2.00"},
		{"add another", step("add", "slot", "Sweet_Bonanza", "bet", "$1.00"), "Added bonus #2: **Sweet\\_Bonanza** at $1.00.",
			"Start=$1,000.00 | Bonuses=2 (0 opened) | Total bet=$3.00 | Won=$0.00 | Profit=-$1,000.00 | Break-even=333.34x on the unopened bonuses",
			"`#1` Gates of Olympus — $2.00\n`#2` Sweet\\_Bonanza — $1.00"},
		{"payout by slot", step("payout", "slot", "gates of olympus", "amount", "150"), "Bonus #1 **Gates of Olympus** paid $150.00: 75.00x.",
			"Start=$1,000.00 | Bonuses=2 (1 opened) | Total bet=$3.00 | Won=$150.00 | Profit=-$850.00 | Average=75.00x | Break-even=850.00x on the unopened bonuses",
			"`#1` Gates of Olympus — $2.00 → $150.00 (**75.00x**)\n`#2` Sweet\\_Bonanza — $1.00"},
		{"remove the last", step("remove"), "Removed the bonus on **Sweet\\_Bonanza** at $1.00.",
			"Start=$1,000.00 | Bonuses=1 (1 opened) | Total bet=$2.00 | Won=$150.00 | Profit=-$850.00 | Average=75.00x",
			"`#1` Gates of Olympus — $2.00 → $150.00 (**75.00x**)"},
		{"add one left unopened", step("add", "slot", "Wanted", "bet", "1"), "Added bonus #2: **Wanted** at $1.00.",
			"Start=$1,000.00 | Bonuses=2 (1 opened) | Total bet=$3.00 | Won=$150.00 | Profit=-$850.00 | Average=75.00x | Break-even=850.00x on the unopened bonuses",
			"`#1` Gates of Olympus — $2.00 → $150.00 (**75.00x**)\n`#2` Wanted — $1.00"},
		{"finish", step("finish"), "Hunt finished with a final balance of $150.00. 1 unopened bonus was counted as paying nothing.",
			"Start=$1,000.00 | Bonuses=2 (1 opened) | Total bet=$3.00 | Won=$150.00 | Profit=-$850.00 | Average=75.00x | Break-even=850.00x on the unopened bonuses",
			"`#1` Gates of Olympus — $2.00 → $150.00 (**75.00x**)\n`#2` Wanted — $1.00"},
	}
	for _, st := range steps {
		resp, err := h.Handle(ctx, st.r)
		if err != nil {
			t.Fatalf("%s: Handle = %v", st.name, err)
		}
		if len(resp.Embeds) != 1 {
			t.Fatalf("%s: %d embeds, want 1", st.name, len(resp.Embeds))
		}
		e := resp.Embeds[0]
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Name+"="+f.Value)
		}
		got := []string{resp.Content, strings.Join(fields, " | "), e.Description}
		if diff := cmp.Diff([]string{st.content, st.fields, st.list}, got); diff != "" || !resp.Ephemeral {
			t.Errorf("%s: answer (ephemeral %v) mismatch (-want +got):\n%s", st.name, resp.Ephemeral, diff)
		}
	}
	// /hunt show answers in the channel, with the finished hunt.
	resp, err := h.Handle(ctx, step("show"))
	if err != nil || resp.Ephemeral || len(resp.Embeds) != 1 || resp.Embeds[0].Title != "Bonus hunt: Friday (finished)" {
		t.Errorf("show = %+v, %v; want the public embed of the finished hunt", resp, err)
	}
	// Replayed, a change is answered as done.
	replay := steps[1].r
	if resp, err := h.Handle(ctx, replay); err != nil || resp.Content != interact.AppliedMessage {
		t.Errorf("replay = %+v, %v, want %q", resp, err, interact.AppliedMessage)
	}
}

func TestHuntCommandErrors(t *testing.T) {
	ctx := context.Background()
	open := &fakeHunts{claims: claims{}, exists: true, h: hunt.Hunt{Start: 1000, Started: at}}
	tests := []struct {
		name  string
		hunts interact.Hunts
		r     interact.Request
		want  fault.Kind
	}{
		{"not set up", nil, admin("hunt", "show"), fault.NotFound},
		{"a member", open, member("hunt", "add", "slot", "a", "bet", "1"), fault.Forbidden},
		{"no amount", open, admin("hunt", "start", "balance", "lots"), fault.Invalid},
		{"a zero balance", &fakeHunts{claims: claims{}}, admin("hunt", "start", "balance", "0"), fault.Invalid},
		{"a hunt open", open, admin("hunt", "start", "balance", "100"), fault.Conflict},
		{"a bad bet", open, admin("hunt", "add", "slot", "a", "bet", "1.234"), fault.Invalid},
		{"a negative payout", open, admin("hunt", "payout", "slot", "#1", "amount", "-5"), fault.Invalid},
		{"no such bonus", open, admin("hunt", "payout", "slot", "#1", "amount", "5"), fault.NotFound},
		{"add without a hunt", &fakeHunts{claims: claims{}}, admin("hunt", "add", "slot", "a", "bet", "1"), fault.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &interact.Handler{Store: newFakeStore(), Hunts: tt.hunts}
			if _, err := h.Handle(ctx, tt.r); !fault.Is(err, tt.want) {
				t.Errorf("Handle(/hunt %s %v) = %v, want kind %v", tt.r.Sub, tt.r.Options, err, tt.want)
			}
		})
	}
	h := &interact.Handler{Store: newFakeStore(), Hunts: &fakeHunts{claims: claims{}}}
	resp, err := h.Handle(ctx, admin("hunt", "show"))
	if err != nil || !resp.Ephemeral || !strings.HasPrefix(resp.Content, "No bonus hunt yet") {
		t.Errorf("show without a hunt = %+v, %v", resp, err)
	}
}

// TestHuntEmbedBounded: a full hunt's bonus list stays within an embed.
func TestHuntEmbedBounded(t *testing.T) {
	hunts := &fakeHunts{claims: claims{}, exists: true}
	hunts.h, _ = hunt.New(strings.Repeat("N", hunt.MaxName), money.Max, at)
	for i := range hunt.MaxBonuses {
		_ = hunts.h.Add(strings.Repeat("s", hunt.MaxSlot), money.Max, fmt.Sprint(i))
		_, _ = hunts.h.Pay(fmt.Sprint("#", i+1), money.Max)
	}
	h := &interact.Handler{Store: newFakeStore(), Hunts: hunts}
	resp, err := h.Handle(context.Background(), admin("hunt", "show"))
	if err != nil {
		t.Fatal(err)
	}
	e := resp.Embeds[0]
	total := len([]rune(e.Title)) + len([]rune(e.Description)) + len([]rune(e.Footer))
	for _, f := range e.Fields {
		total += len([]rune(f.Name)) + len([]rune(f.Value))
	}
	if d := len([]rune(e.Description)); d > 4096 || total > 6000 || !strings.Contains(e.Description, "more") {
		t.Errorf("embed of a full hunt: description %d characters, all %d; want ≤ 4,096 and ≤ 6,000, with \"…and n more\"", d, total)
	}
}

// fakePicked is the guild's picked call, as the calls state holds it.
type fakePicked struct {
	p   interact.PickedCall
	ok  bool
	err error
}

func (f *fakePicked) PickedCall(context.Context, string) (interact.PickedCall, bool, error) {
	return f.p, f.ok, f.err
}

// TestHuntAddPickedCall: /hunt add without a slot adds the guild's
// picked call, once per interaction, even when a replay finds a later
// pick.
func TestHuntAddPickedCall(t *testing.T) {
	ctx := context.Background()
	open := func() *fakeHunts {
		return &fakeHunts{claims: claims{}, exists: true, h: hunt.Hunt{Start: 100000, Started: at}}
	}
	picked := &fakePicked{p: interact.PickedCall{Slot: "Sweet_Bonanza", By: "viewer007", Number: 12}, ok: true}
	withID := func(r interact.Request, id string) interact.Request { r.ID = id; return r }
	tests := []struct {
		name     string
		r        interact.Request
		want     string // the answer
		wantSlot string // the bonus added
	}{
		{"no slot: the picked call", admin("hunt", "add", "bet", "2"),
			"Added bonus #1: **Sweet\\_Bonanza** at $2.00 (picked call #12, called by viewer007).", "Sweet_Bonanza"},
		{"a blank slot: the picked call", admin("hunt", "add", "slot", "  ", "bet", "$0.40"),
			"Added bonus #1: **Sweet\\_Bonanza** at $0.40 (picked call #12, called by viewer007).", "Sweet_Bonanza"},
		{"a slot named: that slot", admin("hunt", "add", "slot", "Wanted", "bet", "1"),
			"Added bonus #1: **Wanted** at $1.00.", "Wanted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hunts := open()
			h := &interact.Handler{Store: newFakeStore(), Hunts: hunts, Picked: picked}
			resp, err := h.Handle(ctx, tt.r)
			if err != nil || resp.Content != tt.want {
				t.Fatalf("Handle(/hunt add %v) = %q, %v, want %q", tt.r.Options, resp.Content, err, tt.want)
			}
			if len(hunts.h.Bonuses) != 1 || hunts.h.Bonuses[0].Slot != tt.wantSlot {
				t.Errorf("bonuses = %+v, want one on %q", hunts.h.Bonuses, tt.wantSlot)
			}
		})
	}

	t.Run("a replay after the next pick changes nothing", func(t *testing.T) {
		hunts := open()
		p := *picked
		h := &interact.Handler{Store: newFakeStore(), Hunts: hunts, Picked: &p}
		r := withID(admin("hunt", "add", "bet", "2"), "1482453932679757001")
		if _, err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		p.p = interact.PickedCall{Slot: "Wanted", By: "viewer003", Number: 4}
		resp, err := h.Handle(ctx, r)
		if err != nil || resp.Content != interact.AppliedMessage {
			t.Errorf("replay = %q, %v, want %q", resp.Content, err, interact.AppliedMessage)
		}
		if len(hunts.h.Bonuses) != 1 || hunts.h.Bonuses[0].Slot != "Sweet_Bonanza" {
			t.Errorf("bonuses after the replay = %+v, want only Sweet_Bonanza", hunts.h.Bonuses)
		}
	})

	errs := []struct {
		name   string
		picked interact.PickedCalls
		want   fault.Kind
		text   string
	}{
		{"calls not set up", nil, fault.Invalid, "name the slot"},
		{"nothing picked", &fakePicked{}, fault.Invalid, "no call has been picked"},
		{"the store failing", &fakePicked{err: fault.E(fault.Transient, "throttled")}, fault.Transient, "throttled"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			hunts := open()
			h := &interact.Handler{Store: newFakeStore(), Hunts: hunts, Picked: tt.picked}
			_, err := h.Handle(ctx, admin("hunt", "add", "bet", "2"))
			if !fault.Is(err, tt.want) || !strings.Contains(fault.Message(err), tt.text) {
				t.Errorf("Handle(/hunt add bet:2) = %v, want kind %v saying %q", err, tt.want, tt.text)
			}
			if len(hunts.h.Bonuses) != 0 || len(hunts.claims) != 0 {
				t.Errorf("after the refusal: bonuses %+v, claims %v; want none", hunts.h.Bonuses, hunts.claims)
			}
		})
	}
}
