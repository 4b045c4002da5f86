// Package raffle keeps a guild's raffle periods: their settings, the
// tickets viewers earn in them by source (watchtime, gifted subs, subs,
// KICKs, admins' grants), gift holds, and the ticket table a draw is
// made from.
//
// Every ticket change is an Entry keyed by its cause (a Kick delivery id,
// a watch hour, an interaction id): the store applies each cause once.
// Gift tickets are held for Settings.GiftHold before they count, because
// Kick sends gift events for payments that later fail; a hold may be
// voided until it ends. A viewer's count never goes below zero.
package raffle

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
)

// Limits of a period and its settings.
const (
	MaxDays    = 93
	MaxWinners = 20
	MaxPrize   = 100
	// MaxPer bounds each tickets-per setting; MaxGrant one admin grant.
	MaxPer       = 1000
	MaxGrant     = 1_000_000
	MaxHoldHours = 168
	// MaxExcluded bounds the excluded viewers kept on the period.
	MaxExcluded = 500
)

// Source is where tickets came from.
type Source string

// The ticket sources.
const (
	Watch  Source = "watch"
	Gift   Source = "gift"
	Sub    Source = "sub"
	Kicks  Source = "kicks"
	Manual Source = "manual"
)

// Sources lists every source in the order they are shown.
var Sources = []Source{Watch, Gift, Sub, Kicks, Manual}

// Settings say how many tickets each source gives.
type Settings struct {
	PerHour     int64 // per full hour watched during the period
	PerGift     int64 // per gifted sub, to the gifter
	PerSub      int64 // per new sub or renewal, to the subscriber
	Per100Kicks int64 // per 100 KICKs sent in one gift
	GiftHold    time.Duration
}

// Defaults are the settings of a new guild.
func Defaults() Settings {
	return Settings{PerHour: 10, PerGift: 15, PerSub: 5, Per100Kicks: 1, GiftHold: 24 * time.Hour}
}

// Validate returns fault.Invalid for a setting out of range.
func (s Settings) Validate() error {
	for _, v := range []struct {
		name string
		n    int64
	}{{"tickets_per_hour", s.PerHour}, {"tickets_per_gift", s.PerGift}, {"tickets_per_sub", s.PerSub}, {"tickets_per_100_kicks", s.Per100Kicks}} {
		if v.n < 0 || v.n > MaxPer {
			return fault.E(fault.Invalid, "%s must be from 0 to %d", v.name, MaxPer)
		}
	}
	if s.GiftHold < 0 || s.GiftHold > MaxHoldHours*time.Hour || s.GiftHold%time.Hour != 0 {
		return fault.E(fault.Invalid, "gift_hold_hours must be whole hours from 0 to %d", MaxHoldHours)
	}
	return nil
}

// GiftEntry is the entry for count subs gifted at, caused by the
// delivery cause: held until at + GiftHold. Zero tickets (a setting of 0
// or no giftees) is false: nothing to record.
func (s Settings) GiftEntry(cause string, count int, at time.Time) (Entry, bool) {
	e := Entry{Cause: cause, Source: Gift, Tickets: s.PerGift * int64(count), At: at}
	if s.GiftHold > 0 {
		e.HoldUntil = at.Add(s.GiftHold)
	}
	return e, e.Tickets > 0
}

// SubEntry is the entry for a new sub or renewal.
func (s Settings) SubEntry(cause string, at time.Time) (Entry, bool) {
	return Entry{Cause: cause, Source: Sub, Tickets: s.PerSub, At: at}, s.PerSub > 0
}

// KicksEntry is the entry for amount KICKs sent in one gift: Per100Kicks
// per full 100 of that gift (gifts are not added up).
func (s Settings) KicksEntry(cause string, amount int64, at time.Time) (Entry, bool) {
	n := amount / 100 * s.Per100Kicks
	return Entry{Cause: cause, Source: Kicks, Tickets: n, At: at}, n > 0
}

// WatchHours is how many full hours of watchtime a viewer earned in the
// period: from base, their watch minutes when the period first saw them,
// to now. Minutes before the period never count.
func WatchHours(base, now int64) int64 {
	if now <= base {
		return 0
	}
	return (now - base) / 60
}

// WatchCause is the cause of the conversion that brings a viewer's
// converted hours to hours: each hour is converted once.
func WatchCause(hours int64) string { return "watch-" + strconv.FormatInt(hours, 10) }

// Entry is one change of a viewer's tickets.
type Entry struct {
	Cause  string
	Source Source
	// Tickets is the change: negative for a removal.
	Tickets int64
	At      time.Time
	// HoldUntil is when held gift tickets start to count; zero for
	// tickets that count at once.
	HoldUntil time.Time
	// Reason and By (the admin's Discord id) explain a manual change.
	Reason, By string
}

// Validate returns fault.Invalid for an entry that cannot be recorded.
func (e Entry) Validate() error {
	switch {
	case e.Cause == "" || len(e.Cause) > 200 || strings.ContainsAny(e.Cause, "#\n"):
		return fault.E(fault.Invalid, "a ticket entry needs a cause of one line without #")
	case !slices.Contains(Sources, e.Source):
		return fault.E(fault.Invalid, "unknown ticket source %q", e.Source)
	case e.Tickets == 0 || e.Tickets > MaxGrant || e.Tickets < -MaxGrant:
		return fault.E(fault.Invalid, "a ticket change is from 1 to %d tickets", MaxGrant)
	case e.Tickets < 0 && e.Source != Manual:
		return fault.E(fault.Invalid, "only an admin removes tickets")
	case e.At.IsZero():
		return fault.E(fault.Invalid, "a ticket entry needs a time")
	}
	return nil
}

// Tickets is one viewer's tickets in a period.
type Tickets struct {
	UserID int64
	Name   string
	// By is each source's tickets, gift tickets still held included; a
	// removal counts under Manual and may make it negative.
	By map[Source]int64
	// Held is the part of By[Gift] whose hold has not ended.
	Held int64
}

// Total is the tickets that count: never below zero.
func (t Tickets) Total() int64 {
	var n int64
	for _, v := range t.By {
		n += v
	}
	return max(0, n-t.Held)
}

// Counted is source's tickets that count now (held gifts left out).
func (t Tickets) Counted(s Source) int64 {
	if s == Gift {
		return max(0, t.By[Gift]-t.Held)
	}
	return t.By[s]
}

// Chance is the chance in percent that a viewer with mine of total
// tickets wins at least one of winners places. Several winners are drawn
// without repeats; 1-(1-p)^winners is close to it (slightly below) and
// is what is shown.
func Chance(mine, total int64, winners int) float64 {
	if mine <= 0 || total <= 0 {
		return 0
	}
	p := float64(mine) / float64(total)
	if winners <= 1 || p >= 1 {
		return 100 * min(1, p)
	}
	return 100 * (1 - math.Pow(1-p, float64(winners)))
}

// State is where a period is in its life.
type State string

// The states: Open earns tickets; Drawn has winners; Ended was closed
// without a draw.
const (
	Open  State = "open"
	Drawn State = "drawn"
	Ended State = "ended"
)

// Result is a draw's outcome with its proof.
type Result struct {
	Proof pick.WeightedProof
	// Names are the winners' Kick names, in Proof.Winners' order.
	Names []string
	At    time.Time
}

// Period is one raffle of a guild.
type Period struct {
	ID       string
	Prize    string
	Winners  int
	Started  time.Time
	Ends     time.Time
	Settings Settings
	// Commitment is the SHA-256 of the server seed, published at the
	// start; the seed itself is kept by the store until the draw.
	Commitment string
	State      State
	// Excluded are the Kick user ids left out of the draw.
	Excluded []int64
	Result   *Result
}

// New returns an open period starting at now with the guild's settings
// and commitment. days 0 runs to the end of the month (UTC); winners 0 is
// 1. Out-of-range values are fault.Invalid.
func New(now time.Time, days, winners int, prize, commitment string, set Settings) (Period, error) {
	prize = strings.Join(strings.Fields(prize), " ")
	switch {
	case days < 0 || days > MaxDays:
		return Period{}, fault.E(fault.Invalid, "days must be from 1 to %d", MaxDays)
	case winners < 0 || winners > MaxWinners:
		return Period{}, fault.E(fault.Invalid, "winners must be from 1 to %d", MaxWinners)
	case utf8.RuneCountInString(prize) > MaxPrize:
		return Period{}, fault.E(fault.Invalid, "a prize has at most %d characters", MaxPrize)
	case commitment == "":
		return Period{}, fault.E(fault.Invalid, "a period needs a seed commitment")
	}
	if err := set.Validate(); err != nil {
		return Period{}, err
	}
	now = now.UTC()
	ends := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	if days > 0 {
		ends = now.Add(time.Duration(days) * 24 * time.Hour)
	}
	return Period{ID: now.Format("20060102-150405"), Prize: prize, Winners: max(1, winners), Started: now,
		Ends: ends, Settings: set, Commitment: commitment, State: Open}, nil
}

// Accepts reports whether the period takes tickets at t.
func (p Period) Accepts(t time.Time) bool {
	return p.State == Open && !t.Before(p.Started) && t.Before(p.Ends)
}

// IsExcluded reports whether user is left out of the draw.
func (p Period) IsExcluded(user int64) bool { return slices.Contains(p.Excluded, user) }

// Exclude leaves user out of the draw (add) or lets them back in.
func (p *Period) Exclude(user int64, add bool) error {
	if p.State != Open {
		return fault.E(fault.Conflict, "the raffle is %s", p.State)
	}
	i := slices.Index(p.Excluded, user)
	switch {
	case add && i < 0:
		if len(p.Excluded) >= MaxExcluded {
			return fault.E(fault.Invalid, "a raffle excludes at most %d viewers", MaxExcluded)
		}
		p.Excluded = append(p.Excluded, user)
	case !add && i >= 0:
		p.Excluded = slices.Delete(p.Excluded, i, i+1)
	}
	return nil
}

// Table is the final ticket table of a draw: every viewer with tickets
// who is neither excluded nor banned (banned reports it), one line each,
// sorted by Kick user id as text (byte order, pick.TableDigest's order).
// Those are removed before the table's digest is taken, so the published
// table is exactly what was drawn from.
func (p Period) Table(all []Tickets, banned func(user int64) bool) []pick.Weighted {
	var t []pick.Weighted
	for _, v := range all {
		n := v.Total()
		if n <= 0 || p.IsExcluded(v.UserID) || (banned != nil && banned(v.UserID)) {
			continue
		}
		t = append(t, pick.Weighted{ID: strconv.FormatInt(v.UserID, 10), Weight: n})
	}
	slices.SortFunc(t, func(a, b pick.Weighted) int { return strings.Compare(a.ID, b.ID) })
	return t
}

// Draw draws p's winners from table with seed (whose commitment must be
// p's) and returns the result, winners' names from names. The period
// must be open; afterwards it is Drawn.
func (p *Period) Draw(seed pick.Seed, table []pick.Weighted, names map[string]string, now time.Time) error {
	switch {
	case p.State != Open:
		return fault.E(fault.Conflict, "the raffle is %s", p.State)
	case !pick.Check(p.Commitment, seed):
		return fault.E(fault.Internal, "the seed does not match the raffle's commitment")
	case len(table) == 0:
		return fault.E(fault.Conflict, "nobody has tickets to draw from")
	}
	// Fewer viewers than places: each of them wins one.
	proof, err := pick.DrawWeighted(seed, p.ID, table, min(p.Winners, len(table)))
	if err != nil {
		return err
	}
	r := &Result{Proof: proof, At: now}
	for _, w := range proof.Winners {
		r.Names = append(r.Names, names[w])
	}
	p.State, p.Result = Drawn, r
	return nil
}

// End closes the period without a draw.
func (p *Period) End() error {
	if p.State != Open {
		return fault.E(fault.Conflict, "the raffle is %s", p.State)
	}
	p.State = Ended
	return nil
}

// Describe is a one-line description of p for chat.
func (p Period) Describe() string {
	prize := p.Prize
	if prize == "" {
		prize = "a prize"
	}
	return fmt.Sprintf("Raffle for %s, %d %s, ends %s UTC.", prize, p.Winners, plural(p.Winners, "winner", "winners"), p.Ends.UTC().Format("Jan 2 15:04"))
}

// HowToEarn says how tickets are earned under s.
func (s Settings) HowToEarn() string {
	return fmt.Sprintf("Tickets: %d per hour watched, %d per gifted sub (counted after %dh), %d per sub, %d per 100 KICKs.",
		s.PerHour, s.PerGift, int(s.GiftHold/time.Hour), s.PerSub, s.Per100Kicks)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
