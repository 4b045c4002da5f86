// Package hunt keeps a bonus hunt's figures: the bonuses a streamer
// collected with a start balance, what each paid when opened, and from
// them the totals, the average multiplier and the multiplier the unopened
// bonuses still need to break even, all in exact cents.
//
// The start balance is what the hunt cost: the money spent collecting
// its bonuses. What the bonuses pay is the hunt's final balance, so
// profit is total won minus that cost.
package hunt

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/money"
)

// Limits of a hunt: they bound its stored size (see the store).
const (
	// MaxBonuses is the most bonuses one hunt holds.
	MaxBonuses = 200
	// MaxSlot is the most characters of a slot's name.
	MaxSlot = 100
	// MaxName is the most characters of a hunt's name.
	MaxName = 60
)

// Bonus is one bonus of a hunt: a slot's bonus bought or triggered at
// Bet, and once opened, what it paid.
type Bonus struct {
	Slot string
	Bet  money.Cents
	// Payout is what the bonus paid; it counts only when Opened.
	Payout money.Cents
	Opened bool
	// ID is the cause that added it (an interaction id), which tells two
	// bonuses of the same slot apart.
	ID string
}

// Multiplier is payout ÷ bet in hundredths: 1234 is 12.34x.
type Multiplier int64

// String writes m as "12.34x".
func (m Multiplier) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + strconv.FormatInt(v%100/10, 10) + strconv.FormatInt(v%10, 10) + "x"
}

// Hunt is a bonus hunt.
type Hunt struct {
	Name string
	// Start is the balance the hunt started with: its cost.
	Start   money.Cents
	Bonuses []Bonus
	// Started is when it started; Finished when it finished, zero while
	// it is open.
	Started, Finished time.Time
}

// New returns an open hunt called name (trimmed; may be empty) that
// started at now with the balance start. A start of zero or less, or a
// name over MaxName characters, is fault.Invalid.
func New(name string, start money.Cents, now time.Time) (Hunt, error) {
	name = strings.TrimSpace(name)
	switch {
	case start <= 0:
		return Hunt{}, fault.E(fault.Invalid, "the start balance must be more than $0.00")
	case start > money.Max:
		return Hunt{}, fault.E(fault.Invalid, "the start balance is over the limit of %s", money.Max)
	case utf8.RuneCountInString(name) > MaxName:
		return Hunt{}, fault.E(fault.Invalid, "a hunt's name has at most %d characters", MaxName)
	}
	return Hunt{Name: name, Start: start, Started: now}, nil
}

// Open reports whether bonuses may still be added and paid.
func (h Hunt) Open() bool { return h.Finished.IsZero() }

func (h Hunt) open() error {
	if !h.Open() {
		return fault.E(fault.Conflict, "the hunt is finished; start a new one with /hunt start")
	}
	return nil
}

// Add adds a bonus of slot (trimmed) at bet, caused by id, as the last
// bonus. Errors: fault.Conflict when the hunt is finished, fault.Invalid
// for an empty or too long slot, a bet of zero or less or over
// money.Max, or a hunt with MaxBonuses already.
func (h *Hunt) Add(slot string, bet money.Cents, id string) error {
	if err := h.open(); err != nil {
		return err
	}
	slot = strings.Join(strings.Fields(slot), " ")
	switch {
	case slot == "":
		return fault.E(fault.Invalid, "name the slot of the bonus")
	case utf8.RuneCountInString(slot) > MaxSlot:
		return fault.E(fault.Invalid, "a slot's name has at most %d characters", MaxSlot)
	case bet <= 0:
		return fault.E(fault.Invalid, "the bet must be more than $0.00")
	case bet > money.Max:
		return fault.E(fault.Invalid, "the bet is over the limit of %s", money.Max)
	case len(h.Bonuses) >= MaxBonuses:
		return fault.E(fault.Invalid, "a hunt holds at most %d bonuses", MaxBonuses)
	}
	h.Bonuses = append(h.Bonuses, Bonus{Slot: slot, Bet: bet, ID: id})
	return nil
}

// Find returns the index of the bonus ref names: "#n" is the n-th bonus
// (from 1); otherwise a slot's name, in any case and spacing, names its
// first unopened bonus, or when all of that slot's are opened, its last.
// An unknown bonus is fault.NotFound.
func (h Hunt) Find(ref string) (int, error) {
	ref = strings.TrimSpace(ref)
	if n, ok := strings.CutPrefix(ref, "#"); ok {
		i, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || i < 1 || i > len(h.Bonuses) {
			return 0, fault.E(fault.NotFound, "there is no bonus %s: the hunt has %d", truncate(ref), len(h.Bonuses))
		}
		return i - 1, nil
	}
	key := slotKey(ref)
	found := -1
	for i, b := range h.Bonuses {
		if slotKey(b.Slot) != key {
			continue
		}
		if !b.Opened {
			return i, nil
		}
		found = i
	}
	if found < 0 || key == "" {
		return 0, fault.E(fault.NotFound, "no bonus of the hunt is on %q", truncate(ref))
	}
	return found, nil
}

// Pay records that the bonus ref names (see Find) paid amount, replacing
// a payout recorded before, and returns its index. Errors: fault.Conflict
// when the hunt is finished, fault.NotFound for no such bonus,
// fault.Invalid for an amount below zero or over money.Max.
func (h *Hunt) Pay(ref string, amount money.Cents) (int, error) {
	if err := h.open(); err != nil {
		return 0, err
	}
	if amount < 0 || amount > money.Max {
		return 0, fault.E(fault.Invalid, "a payout is from $0.00 to %s", money.Max)
	}
	i, err := h.Find(ref)
	if err != nil {
		return 0, err
	}
	h.Bonuses[i].Payout, h.Bonuses[i].Opened = amount, true
	return i, nil
}

// Remove removes the bonus ref names (see Find), or the last bonus when
// ref is empty, and returns it. Errors: fault.Conflict when the hunt is
// finished, fault.NotFound for no such bonus or an empty hunt.
func (h *Hunt) Remove(ref string) (Bonus, error) {
	if err := h.open(); err != nil {
		return Bonus{}, err
	}
	i := len(h.Bonuses) - 1
	if strings.TrimSpace(ref) != "" {
		var err error
		if i, err = h.Find(ref); err != nil {
			return Bonus{}, err
		}
	} else if i < 0 {
		return Bonus{}, fault.E(fault.NotFound, "the hunt has no bonuses")
	}
	b := h.Bonuses[i]
	h.Bonuses = append(h.Bonuses[:i:i], h.Bonuses[i+1:]...)
	return b, nil
}

// Finish ends the hunt at now; its figures stay. A finished hunt is
// fault.Conflict.
func (h *Hunt) Finish(now time.Time) error {
	if err := h.open(); err != nil {
		return err
	}
	h.Finished = now
	return nil
}

// Totals are a hunt's figures.
type Totals struct {
	Bonuses, Opened int
	// Cost is the start balance; Bet the bets of all bonuses; Won what
	// the opened ones paid, the balance so far; Profit is Won − Cost.
	Cost, Bet, Won, Profit money.Cents
	// Average is the opened bonuses' multiplier: their payouts ÷ their
	// bets, rounded half up; valid when HasAverage (a bonus is opened).
	Average    Multiplier
	HasAverage bool
	// BreakEven is the multiplier the unopened bonuses still need, on
	// average over their bets, for the hunt to win back its cost:
	// (Cost − Won) ÷ their bets, rounded up, so that reaching it does
	// break even; 0 once Won covers the cost. Valid when HasBreakEven
	// (a bonus is unopened).
	BreakEven    Multiplier
	HasBreakEven bool
}

// Totals computes h's figures, in exact cents. Sums cannot overflow:
// MaxBonuses amounts of at most money.Max are far below 2⁶³.
func (h Hunt) Totals() Totals {
	t := Totals{Bonuses: len(h.Bonuses), Cost: h.Start}
	var openBet, restBet money.Cents
	for _, b := range h.Bonuses {
		t.Bet += b.Bet
		if b.Opened {
			t.Opened++
			t.Won += b.Payout
			openBet += b.Bet
		} else {
			restBet += b.Bet
		}
	}
	t.Profit = t.Won - t.Cost
	if openBet > 0 {
		t.Average, t.HasAverage = ratio(t.Won, openBet, false), true
	}
	if restBet > 0 {
		t.BreakEven, t.HasBreakEven = ratio(max(t.Cost-t.Won, 0), restBet, true), true
	}
	return t
}

// Multiplier is the bonus's multiplier, payout ÷ bet rounded half up to
// hundredths; 0 while it is unopened.
func (b Bonus) Multiplier() Multiplier {
	if !b.Opened || b.Bet <= 0 {
		return 0
	}
	return ratio(b.Payout, b.Bet, false)
}

// ratio is a ÷ b in hundredths for a ≥ 0 and b > 0, rounded half up, or
// up when ceil: integer arithmetic, exact. a·200 stays below 2⁶³ for
// a up to 4.6·10¹⁶ cents, far above MaxBonuses·money.Max.
func ratio(a, b money.Cents, ceil bool) Multiplier {
	n, d := int64(a)*100, int64(b)
	if ceil {
		return Multiplier((n + d - 1) / d)
	}
	return Multiplier((2*n + d) / (2 * d))
}

// slotKey is a slot's name for comparison: lower case, single spaces.
func slotKey(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

func truncate(s string) string {
	if utf8.RuneCountInString(s) > 32 {
		return string([]rune(s)[:32]) + "…"
	}
	return s
}
