// Package gtb runs guess the balance: a round that viewers guess the
// final balance of a bonus hunt in with !gtb, one guess each, and the
// guesses closest to the result that win it.
//
// Amounts are whole cents (money.Cents), never floats. A viewer's new
// guess replaces their old one and takes its time, so it loses the old
// one's place in ties. The order of a viewer's guesses is the order of
// their chat messages (Guess.After): the time the message was sent, then
// its id; a job that runs late or twice cannot put an older guess over a
// newer one.
package gtb

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/money"
)

// Limits of a round.
const (
	// DefaultWinners is how many guesses win a round opened without a
	// number.
	DefaultWinners = 3
	// MaxWinners bounds the winners of a round (and its stored results).
	MaxWinners = 10
	// MaxGuess is the largest guess: 1,000,000,000.00.
	MaxGuess = money.Max
	// MaxAnnouncement is the longest announcement, in characters: one
	// Kick chat message (reply.MaxLen).
	MaxAnnouncement = 500
)

// State is where a round is in its life.
type State string

// The states of a round, in the order it passes through them.
const (
	// Open rounds take guesses.
	Open State = "open"
	// Closed rounds take none and wait for their result.
	Closed State = "closed"
	// Resulted rounds have their result and winners.
	Resulted State = "resulted"
)

// Round is one round of a guild; a guild has one current round at a time.
type Round struct {
	// Number counts the guild's rounds from 1: "GTB #3".
	Number int64
	State  State
	// Winners is how many of the closest guesses win, 1 to MaxWinners.
	Winners  int
	OpenedAt time.Time
	// ClosedAt is zero while the round is open.
	ClosedAt time.Time
	// Result and Placed are set once the round is Resulted: the final
	// balance and the winning guesses, best first.
	Result money.Cents
	Placed []Winner
	// Announced says the result was posted to Discord, so that a job run
	// again does not post it twice.
	Announced bool
}

// Guess is one viewer's guess in a round.
type Guess struct {
	UserID   int64
	Username string
	Amount   money.Cents
	// At is when the chat message was sent; MessageID is its id.
	At        time.Time
	MessageID string
}

// After reports whether g comes after h in the order of a viewer's
// guesses: sent later, or at the same time with a greater message id.
func (g Guess) After(h Guess) bool {
	if c := g.At.Compare(h.At); c != 0 {
		return c > 0
	}
	return g.MessageID > h.MessageID
}

// Winner is a winning guess, its place (from 1) and how far it was off
// the result.
type Winner struct {
	Place int
	Guess
	Off money.Cents
}

// Outcome is what storing a guess did.
type Outcome int

// The outcomes of storing a guess.
const (
	// Added: the viewer's first guess of the round.
	Added Outcome = iota + 1
	// Replaced: the guess replaced the viewer's earlier one.
	Replaced
	// Repeated: the same chat message was stored before (a retried job).
	Repeated
	// Superseded: the viewer has a later guess already (this one's job
	// ran late); nothing changed.
	Superseded
)

// ValidWinners checks a round's number of winners.
func ValidWinners(n int) error {
	if n < 1 || n > MaxWinners {
		return fault.E(fault.Invalid, "a round has 1 to %d winners", MaxWinners)
	}
	return nil
}

// ParseGuess reads the amount of "!gtb <amount>": money.Parse's forms
// ("1234.50", "$1,234.50", "1.5k"), above zero and at most MaxGuess.
// Anything else is fault.Invalid with a message to show the viewer.
func ParseGuess(args string) (money.Cents, error) {
	word, rest, _ := strings.Cut(strings.TrimSpace(args), " ")
	if word == "" || strings.TrimSpace(rest) != "" {
		return 0, fault.E(fault.Invalid, "guess with !gtb <amount>, like !gtb 1234.50 or !gtb 1.5k")
	}
	c, err := money.Parse(word)
	switch {
	case err != nil:
		return 0, err
	case c <= 0:
		return 0, fault.E(fault.Invalid, "a guess must be more than $0.00")
	case c > MaxGuess:
		return 0, fault.E(fault.Invalid, "a guess can be at most %s", MaxGuess)
	}
	return c, nil
}

// Takes reports whether r counts a guess sent at: an open round takes any
// guess sent after it opened; a closed one still takes a guess sent
// before it closed whose job ran late. Guesses sent later are refused,
// and Winners is given only the guesses Takes. Kick dates a message to
// the second, so a guess sent in the second the round opened counts.
func (r Round) Takes(at time.Time) bool {
	if at.Before(r.OpenedAt.Truncate(time.Second)) {
		return false
	}
	switch r.State {
	case Open:
		return true
	case Closed:
		return at.Before(r.ClosedAt)
	}
	return false
}

// Winners returns the n guesses closest to result, best first: of each
// viewer's guesses only the latest (Guess.After) counts, and of two as
// close the earlier wins (then the smaller message id, then user id, so
// that the order is total).
func Winners(guesses []Guess, result money.Cents, n int) []Winner {
	latest := map[int64]Guess{}
	for _, g := range guesses {
		if old, ok := latest[g.UserID]; !ok || g.After(old) {
			latest[g.UserID] = g
		}
	}
	ws := make([]Winner, 0, len(latest))
	for _, g := range latest {
		ws = append(ws, Winner{Guess: g, Off: distance(g.Amount, result)})
	}
	slices.SortFunc(ws, func(a, b Winner) int {
		return cmp.Or(cmp.Compare(a.Off, b.Off), a.At.Compare(b.At),
			cmp.Compare(a.MessageID, b.MessageID), cmp.Compare(a.UserID, b.UserID))
	})
	ws = ws[:min(max(n, 0), len(ws))]
	for i := range ws {
		ws[i].Place = i + 1
	}
	return ws
}

func distance(a, b money.Cents) money.Cents {
	if a > b {
		return a - b
	}
	return b - a
}

// medals mark the first three places.
var medals = []string{"🥇", "🥈", "🥉"}

// Announcement is the chat message of r's result:
//
//	GTB #3 result: $1,240.00 🏆 🥇 u $1,234.00 ($6.00 off) | 🥈 …
//
// with as many winners as fit in MaxAnnouncement characters, then "…".
func Announcement(r Round) string {
	head := fmt.Sprintf("GTB #%d result: %s", r.Number, r.Result)
	if len(r.Placed) == 0 {
		return head + " — no guesses this round"
	}
	const more = " | …"
	text := head + " 🏆"
	for i, w := range r.Placed {
		entry := fmt.Sprintf("%s %s %s (%s off)", place(w.Place), name(w), w.Amount, w.Off)
		sep := " "
		if i > 0 {
			sep = " | "
		}
		reserve := 0
		if i < len(r.Placed)-1 {
			reserve = utf8.RuneCountInString(more)
		}
		if utf8.RuneCountInString(text+sep+entry)+reserve > MaxAnnouncement {
			return text + more
		}
		text += sep + entry
	}
	return text
}

func place(p int) string {
	if p >= 1 && p <= len(medals) {
		return medals[p-1]
	}
	return fmt.Sprintf("%d.", p)
}

// name is how a winner is shown: their Kick name, or their user id.
func name(w Winner) string {
	if w.Username != "" {
		return w.Username
	}
	return fmt.Sprintf("user %d", w.UserID)
}
