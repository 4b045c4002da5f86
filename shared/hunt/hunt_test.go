package hunt_test

import (
	"context"
	"errors"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/money"
)

var t0 = time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)

// bonus is a test bonus; payout < 0 leaves it unopened.
type bonus struct {
	bet, payout money.Cents
}

func build(t *testing.T, start money.Cents, bonuses ...bonus) hunt.Hunt {
	t.Helper()
	h, err := hunt.New("test", start, t0)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range bonuses {
		slot := "slot " + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if err := h.Add(slot, b.bet, slot); err != nil {
			t.Fatalf("Add(%q, %v): %v", slot, b.bet, err)
		}
		if b.payout >= 0 {
			if _, err := h.Pay(slot, b.payout); err != nil {
				t.Fatalf("Pay(%q, %v): %v", slot, b.payout, err)
			}
		}
	}
	return h
}

const unopened = -1

func TestTotals(t *testing.T) {
	many := make([]bonus, hunt.MaxBonuses)
	for i := range many {
		many[i] = bonus{money.Max, money.Max}
	}
	many[0].payout = unopened
	tests := []struct {
		name    string
		start   money.Cents
		bonuses []bonus
		want    hunt.Totals
	}{
		{"no bonuses", 100000, nil, hunt.Totals{Cost: 100000, Profit: -100000}},
		{"nothing opened: the break-even is cost over all bets, rounded up", 1000, []bonus{{300, unopened}},
			// 1,000 / 300 = 3.3333…x
			hunt.Totals{Bonuses: 1, Cost: 1000, Bet: 300, Profit: -1000, BreakEven: 334, HasBreakEven: true}},
		{"a known hunt, part opened", 100000, []bonus{{200, 15000}, {100, 3333}, {300, 1}, {200, unopened}, {60, unopened}},
			// won 150 + 33.33 + 0.01 = 183.34 on bets of 6.00: 30.5566…x;
			// 1,000 − 183.34 = 816.66 still to win on 2.60 of bets: 314.10x.
			hunt.Totals{Bonuses: 5, Opened: 3, Cost: 100000, Bet: 860, Won: 18334, Profit: -81666,
				Average: 3056, HasAverage: true, BreakEven: 31410, HasBreakEven: true}},
		{"all opened: no break-even left", 5000, []bonus{{100, 2500}, {100, 3000}},
			hunt.Totals{Bonuses: 2, Opened: 2, Cost: 5000, Bet: 200, Won: 5500, Profit: 500, Average: 2750, HasAverage: true}},
		{"already in profit: break-even 0", 1000, []bonus{{100, 1500}, {100, unopened}},
			hunt.Totals{Bonuses: 2, Opened: 1, Cost: 1000, Bet: 200, Won: 1500, Profit: 500,
				Average: 1500, HasAverage: true, HasBreakEven: true}},
		{"half a hundredth rounds up", 1000, []bonus{{200, 1}, {300, unopened}},
			// 0.01 / 2.00 = 0.005x → 0.01x; 9.99 / 3.00 = 3.33x exactly.
			hunt.Totals{Bonuses: 2, Opened: 1, Cost: 1000, Bet: 500, Won: 1, Profit: -999,
				Average: 1, HasAverage: true, BreakEven: 333, HasBreakEven: true}},
		{"below half a hundredth rounds down", 1000, []bonus{{300, 1}},
			hunt.Totals{Bonuses: 1, Opened: 1, Cost: 1000, Bet: 300, Won: 1, Profit: -999, Average: 0, HasAverage: true}},
		{"a zero payout counts as opened", 1000, []bonus{{100, 0}, {100, unopened}},
			hunt.Totals{Bonuses: 2, Opened: 1, Cost: 1000, Bet: 200, Profit: -1000,
				Average: 0, HasAverage: true, BreakEven: 1000, HasBreakEven: true}},
		{"the largest hunt does not overflow", money.Max, many,
			hunt.Totals{Bonuses: 200, Opened: 199, Cost: money.Max, Bet: 200 * money.Max, Won: 199 * money.Max,
				Profit: 198 * money.Max, Average: 100, HasAverage: true, HasBreakEven: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := build(t, tt.start, tt.bonuses...)
			if diff := cmp.Diff(tt.want, h.Totals()); diff != "" {
				t.Errorf("Totals() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMultiplierString(t *testing.T) {
	for _, tt := range []struct {
		m    hunt.Multiplier
		want string
	}{{0, "0.00x"}, {1, "0.01x"}, {1234, "12.34x"}, {100000, "1000.00x"}, {-250, "-2.50x"}} {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("Multiplier(%d).String() = %q, want %q", int64(tt.m), got, tt.want)
		}
	}
}

func TestBonusMultiplier(t *testing.T) {
	for _, tt := range []struct {
		name string
		b    hunt.Bonus
		want hunt.Multiplier
	}{
		{"unopened", hunt.Bonus{Bet: 100}, 0},
		{"even", hunt.Bonus{Bet: 200, Payout: 15000, Opened: true}, 7500},
		{"rounded half up", hunt.Bonus{Bet: 300, Payout: 5, Opened: true}, 2}, // 0.0166…x
		{"nothing paid", hunt.Bonus{Bet: 300, Opened: true}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Multiplier(); got != tt.want {
				t.Errorf("Multiplier() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name  string
		title string
		start money.Cents
		want  fault.Kind // 0: accepted
	}{
		{"accepted", " Friday ", 500000, 0},
		{"no name", "", 1, 0},
		{"zero balance", "x", 0, fault.Invalid},
		{"negative balance", "x", -1, fault.Invalid},
		{"over the limit", "x", money.Max + 1, fault.Invalid},
		{"name too long", strings.Repeat("é", hunt.MaxName+1), 100, fault.Invalid},
		{"longest name", strings.Repeat("é", hunt.MaxName), 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := hunt.New(tt.title, tt.start, t0)
			if tt.want != 0 {
				if !fault.Is(err, tt.want) {
					t.Errorf("New(%q, %v) = %v, want kind %v", tt.title, tt.start, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q, %v) = %v", tt.title, tt.start, err)
			}
			if h.Name != strings.TrimSpace(tt.title) || h.Start != tt.start || !h.Open() {
				t.Errorf("New(%q, %v) = %+v", tt.title, tt.start, h)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	full := build(t, 1000)
	for i := range hunt.MaxBonuses {
		if err := full.Add("s", 1, string(rune(i))); err != nil {
			t.Fatal(err)
		}
	}
	finished := build(t, 1000, bonus{100, unopened})
	if err := finished.Finish(t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		hunt   hunt.Hunt
		change func(h *hunt.Hunt) error
		want   fault.Kind
	}{
		{"add an empty slot", build(t, 1000), func(h *hunt.Hunt) error { return h.Add("  ", 100, "i") }, fault.Invalid},
		{"add a long slot", build(t, 1000), func(h *hunt.Hunt) error { return h.Add(strings.Repeat("a", hunt.MaxSlot+1), 100, "i") }, fault.Invalid},
		{"add a zero bet", build(t, 1000), func(h *hunt.Hunt) error { return h.Add("a", 0, "i") }, fault.Invalid},
		{"add over the limit", build(t, 1000), func(h *hunt.Hunt) error { return h.Add("a", money.Max+1, "i") }, fault.Invalid},
		{"add to a full hunt", full, func(h *hunt.Hunt) error { return h.Add("a", 1, "i") }, fault.Invalid},
		{"add to a finished hunt", finished, func(h *hunt.Hunt) error { return h.Add("a", 1, "i") }, fault.Conflict},
		{"pay a finished hunt", finished, func(h *hunt.Hunt) error { _, err := h.Pay("#1", 1); return err }, fault.Conflict},
		{"pay a negative amount", build(t, 1000, bonus{100, unopened}), func(h *hunt.Hunt) error { _, err := h.Pay("#1", -1); return err }, fault.Invalid},
		{"pay #0", build(t, 1000, bonus{100, unopened}), func(h *hunt.Hunt) error { _, err := h.Pay("#0", 1); return err }, fault.NotFound},
		{"pay #2 of 1", build(t, 1000, bonus{100, unopened}), func(h *hunt.Hunt) error { _, err := h.Pay("#2", 1); return err }, fault.NotFound},
		{"pay an unknown slot", build(t, 1000, bonus{100, unopened}), func(h *hunt.Hunt) error { _, err := h.Pay("nope", 1); return err }, fault.NotFound},
		{"remove from an empty hunt", build(t, 1000), func(h *hunt.Hunt) error { _, err := h.Remove(""); return err }, fault.NotFound},
		{"remove from a finished hunt", finished, func(h *hunt.Hunt) error { _, err := h.Remove(""); return err }, fault.Conflict},
		{"finish twice", finished, func(h *hunt.Hunt) error { return h.Finish(t0) }, fault.Conflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.hunt.Totals()
			h := tt.hunt
			h.Bonuses = append([]hunt.Bonus(nil), h.Bonuses...)
			if err := tt.change(&h); !fault.Is(err, tt.want) {
				t.Fatalf("change = %v, want kind %v", err, tt.want)
			}
			if diff := cmp.Diff(before, h.Totals()); diff != "" {
				t.Errorf("a refused change changed the hunt (-before +after):\n%s", diff)
			}
		})
	}
}

func TestFindPayRemove(t *testing.T) {
	h, _ := hunt.New("", 10000, t0)
	for i, s := range []string{"Gates of Olympus", "Sweet  Bonanza", "gates of olympus", "Wanted"} {
		if err := h.Add(s, money.Cents(100*(i+1)), s); err != nil {
			t.Fatal(err)
		}
	}
	slots := func() []string {
		var out []string
		for _, b := range h.Bonuses {
			s := b.Slot
			if b.Opened {
				s += "=" + b.Payout.String()
			}
			out = append(out, s)
		}
		return out
	}
	steps := []struct {
		name string
		do   func() (int, error)
		want []string
	}{
		{"a slot names its first unopened bonus, in any case", func() (int, error) { return h.Pay("GATES OF  olympus", 5000) },
			[]string{"Gates of Olympus=$50.00", "Sweet Bonanza", "gates of olympus", "Wanted"}},
		{"then the next one", func() (int, error) { return h.Pay("gates of olympus", 700) },
			[]string{"Gates of Olympus=$50.00", "Sweet Bonanza", "gates of olympus=$7.00", "Wanted"}},
		{"with all opened, the last, whose payout is replaced", func() (int, error) { return h.Pay("gates of olympus", 800) },
			[]string{"Gates of Olympus=$50.00", "Sweet Bonanza", "gates of olympus=$8.00", "Wanted"}},
		{"#n counts from 1", func() (int, error) { return h.Pay("#2", 0) },
			[]string{"Gates of Olympus=$50.00", "Sweet Bonanza=$0.00", "gates of olympus=$8.00", "Wanted"}},
		{"remove by number", func() (int, error) { _, err := h.Remove("#1"); return 0, err },
			[]string{"Sweet Bonanza=$0.00", "gates of olympus=$8.00", "Wanted"}},
		{"remove the last", func() (int, error) { _, err := h.Remove(""); return 0, err },
			[]string{"Sweet Bonanza=$0.00", "gates of olympus=$8.00"}},
		{"remove by slot", func() (int, error) { _, err := h.Remove("sweet bonanza"); return 0, err },
			[]string{"gates of olympus=$8.00"}},
	}
	for _, st := range steps {
		if _, err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if diff := cmp.Diff(st.want, slots()); diff != "" {
			t.Errorf("%s: bonuses mismatch (-want +got):\n%s", st.name, diff)
		}
	}
}

func TestSummary(t *testing.T) {
	h := build(t, 100000, bonus{200, 15000}, bonus{100, 3333}, bonus{300, 1}, bonus{200, unopened}, bonus{60, unopened})
	h.Name = "Friday"
	if got, want := h.Summary(), "🎰 Bonus hunt Friday: 5 bonuses, 3 opened | start $1,000.00 | won $183.34 | profit -$816.66 | avg 30.56x | break-even 314.10x"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	empty, _ := hunt.New("", 5000, t0)
	if got, want := empty.Summary(), "🎰 Bonus hunt: 0 bonuses, 0 opened | start $50.00 | won $0.00 | profit -$50.00"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	// The longest: the longest name, every figure at its widest.
	big, _ := hunt.New(strings.Repeat("W", hunt.MaxName), money.Max, t0)
	for i := range hunt.MaxBonuses {
		_ = big.Add("s", 1, string(rune(i)))
	}
	if _, err := big.Pay("#1", money.Max); err != nil {
		t.Fatal(err)
	}
	_ = big.Finish(t0)
	if got := big.Summary(); utf8.RuneCountInString(got) > hunt.MaxSummary || !strings.Contains(got, "(finished)") {
		t.Errorf("Summary() = %q (%d characters), want at most %d, finished", got, utf8.RuneCountInString(got), hunt.MaxSummary)
	}
}

type reader struct {
	h   hunt.Hunt
	ok  bool
	err error
}

func (r reader) LatestHunt(context.Context, string) (hunt.Hunt, bool, error) { return r.h, r.ok, r.err }

func TestAnswer(t *testing.T) {
	h := build(t, 1000, bonus{100, unopened})
	boom := fault.E(fault.Transient, "boom")
	tests := []struct {
		name    string
		r       reader
		want    string
		wantErr error
	}{
		{"a hunt", reader{h: h, ok: true}, h.Summary(), nil},
		{"none yet", reader{}, hunt.NoHunt, nil},
		{"a store error", reader{err: boom}, "", boom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := hunt.Answerer{Hunts: tt.r}.Answer(context.Background(), chat.Ask{Guild: "g", Name: "hunt"})
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("Answer() = %q, %v, want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestMultipliersExact checks the integer rounding against exact
// rationals (math/big) over random and extreme amounts: a bonus's
// multiplier rounds half up, the break-even rounds up.
func TestMultipliersExact(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	amount := func() money.Cents {
		switch r.IntN(4) {
		case 0:
			return money.Cents(1 + r.Int64N(1000))
		case 1:
			return money.Max - money.Cents(r.Int64N(1000))
		}
		return money.Cents(1 + r.Int64N(int64(money.Max)))
	}
	// want is a/b·100 rounded: floor(x + ½) half up, ceil(x) up.
	want := func(a, b money.Cents, up bool) hunt.Multiplier {
		x := new(big.Rat).SetFrac(big.NewInt(int64(a)*100), big.NewInt(int64(b)))
		if up {
			q, m := new(big.Int).DivMod(x.Num(), x.Denom(), new(big.Int))
			if m.Sign() != 0 {
				q.Add(q, big.NewInt(1))
			}
			return hunt.Multiplier(q.Int64())
		}
		x.Add(x, big.NewRat(1, 2))
		return hunt.Multiplier(new(big.Int).Div(x.Num(), x.Denom()).Int64())
	}
	for range 10000 {
		bet, pay := amount(), amount()
		b := hunt.Bonus{Bet: bet, Payout: pay, Opened: true}
		if got, w := b.Multiplier(), want(pay, bet, false); got != w {
			t.Fatalf("Bonus{Bet: %d, Payout: %d}.Multiplier() = %d, want %d", bet, pay, got, w)
		}
		h := hunt.Hunt{Start: pay, Bonuses: []hunt.Bonus{{Bet: bet}}}
		if got, w := h.Totals().BreakEven, want(pay, bet, true); got != w {
			t.Fatalf("break-even of %d on a bet of %d = %d, want %d", pay, bet, got, w)
		}
	}
}
