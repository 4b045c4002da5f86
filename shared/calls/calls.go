// Package calls runs slot calls: while a round is open, viewers name the
// slot they want played with !call <slot> (or !sr), under per-viewer
// limits, a duplicate rule and the guild's blacklists; the streamer draws
// one pending call with a verifiable pick (package pick), which becomes
// the slot being played (!current).
package calls

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/wording"
)

const (
	// MaxSlot bounds a call's text, in characters.
	MaxSlot = 100
	// DefaultLimit is the calls a viewer may make per round unless
	// /calls open says otherwise; 0 is unlimited.
	DefaultLimit = 1
	// MaxLimit bounds /calls open's limit_per_user.
	MaxLimit = 100
	// MaxBlacklist bounds each of a guild's blacklists (viewers, slots):
	// they live in one item that every !call reads.
	MaxBlacklist = 100
	// PageSize is the calls on one page of /calls list.
	PageSize = 15
	// CallLife is how long a call is kept after it was made: its round is
	// over long before.
	CallLife = 30 * 24 * time.Hour
)

// Round is a guild's round of calls: the one open now, or the last one.
type Round struct {
	// ID names the round: the id of the interaction that opened it (or
	// cleared the one before).
	ID   string
	Open bool
	// Limit is the calls one viewer may make in the round; 0 is no limit.
	Limit int
	// AllowDuplicates lets two viewers call the same slot.
	AllowDuplicates bool
	Opened          time.Time
	// Picks is how many picks the round has had; the next is Picks+1 (its
	// nonce).
	Picks int
	// Seed is the secret seed of the next pick; Commitment its SHA-256,
	// shown from the moment it is made.
	Seed       pick.Seed
	Commitment string
}

// Current is the slot being played: the last call picked.
type Current struct {
	Slot, By string
	Number   int
	Round    string
}

// State is a guild's calls: the round, the blacklists and the channel
// accepted calls are posted to. One item holds it, written only by admin
// commands, read once per !call.
type State struct {
	Round Round
	// Channel is the Discord channel accepted calls are posted to; "" for
	// none.
	Channel string
	// Viewers are blacklisted viewer names (NormalizeName), Slots
	// blacklisted slots (Key).
	Viewers, Slots []string
	Current        *Current
	// Last is the round's last pick, its seed revealed: /calls verify.
	Last *Pick
	// Version counts the state's writes; each is conditioned on it.
	Version int64
}

// Call is one accepted call.
type Call struct {
	Round string
	// ID is the chat message id of the !call: the call's cause.
	ID     string
	Number int
	UserID int64
	// Username is the caller's Kick name as it was.
	Username string
	Slot     string
	At       time.Time
	Picked   bool
	// Posted says its embed went to the calls channel.
	Posted bool
}

// Key is the call's slot as the duplicate rule compares it.
func (c Call) Key() string { return Key(c.Slot) }

// Pick is one pick of a round, with what verifies it.
type Pick struct {
	Round string
	// Call is the picked call.
	Call Call
	// Entries are the numbers of the calls it was drawn from, in the
	// order of the client seed.
	Entries []int
	Proof   pick.Proof
	At      time.Time
	// Cause is the id of the interaction that made the pick.
	Cause string
}

// Outcome is what the store did with a call.
type Outcome int

const (
	// Accepted: the call is in, numbered.
	Accepted Outcome = iota + 1
	// Again: the call was accepted before, under the same message id (a
	// retried job); the call returned is that one.
	Again
	// AtLimit: the viewer made the round's limit of calls already.
	AtLimit
	// Duplicate: another call of the round has the same slot (Key) and the
	// round does not allow duplicates.
	Duplicate
)

// Store keeps the guild's calls; *dynamo.Store is one. Methods return
// fault.Transient for failures a retry may fix.
type Store interface {
	// CallState returns guild's calls state: the zero State when it never
	// had a round.
	CallState(ctx context.Context, guild string) (State, error)
	// AddCall stores c (Number left 0) as a call of round r, once per
	// c.ID, enforcing r's Limit per c.UserID and, unless
	// r.AllowDuplicates, one call per Key, atomically against concurrent
	// calls. It returns the call as stored, numbered from 1 in the order
	// accepted, and the Outcome; refused calls change nothing.
	AddCall(ctx context.Context, guild string, r Round, c Call) (Call, Outcome, error)
	// MarkCallPosted records that c's embed was posted.
	MarkCallPosted(ctx context.Context, guild string, c Call) error
}

// Clean makes a call's text fit to store and repeat: Kick's emote markup
// removed, control characters dropped, runs of space made one, at most
// MaxSlot characters. Nothing left is fault.Invalid.
func Clean(s string) (string, error) {
	out := wording.Tidy(s, MaxSlot)
	if out == "" {
		return "", fault.E(fault.Invalid, "name a slot: !call <slot>")
	}
	return out, nil
}

// Key is slot as the duplicate rule and the slot blacklist compare it:
// lower-case, without spaces, so "Sweet Bonanza" and "sweetbonanza" are
// one slot.
func Key(slot string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, slot)
}

// NormalizeName is a Kick username as the viewer blacklist compares it:
// without a leading "@", lower-case.
func NormalizeName(name string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(name), "@"))
}

// Refusal is why a call is refused before the store looks at it.
type Refusal int

const (
	// None: the call may go to the store.
	None Refusal = iota
	// Closed: no round is open.
	Closed
	// BlockedViewer: the caller is on the viewer blacklist.
	BlockedViewer
	// BlockedSlot: the slot is on the slot blacklist.
	BlockedSlot
)

// Check applies the rules that need no store write to a call of slot
// (cleaned) by the viewer named username.
func (s State) Check(username, slot string) Refusal {
	switch {
	case !s.Round.Open:
		return Closed
	case contains(s.Viewers, NormalizeName(username)):
		return BlockedViewer
	case contains(s.Slots, Key(slot)):
		return BlockedSlot
	}
	return None
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// Pending returns the calls not yet picked, by number: the entries of the
// next pick, in the order its client seed lists them.
func Pending(all []Call) []Call {
	var out []Call
	for _, c := range all {
		if !c.Picked {
			out = append(out, c)
		}
	}
	sortByNumber(out)
	return out
}

func sortByNumber(cs []Call) {
	slices.SortFunc(cs, func(a, b Call) int { return cmp.Compare(a.Number, b.Number) })
}

// Draw picks one of pending (by number, as Pending returns them) with
// round's committed seed as the round's next pick, and returns the pick,
// its seed revealed. The entry ids of the client seed are the calls'
// numbers in decimal, which chat and /calls list show, so anyone can
// rebuild it. No pending call is fault.Invalid.
func Draw(r Round, pending []Call, now time.Time) (Pick, error) {
	if len(pending) == 0 {
		return Pick{}, fault.E(fault.Invalid, "there are no calls to pick from")
	}
	if len(r.Seed) == 0 {
		return Pick{}, fault.E(fault.Internal, "the round has no committed seed")
	}
	ids := make([]string, len(pending))
	numbers := make([]int, len(pending))
	for i, c := range pending {
		ids[i], numbers[i] = strconv.Itoa(c.Number), c.Number
	}
	p, err := pick.Draw(r.Seed, r.ID, ids, uint64(r.Picks+1))
	if err != nil {
		return Pick{}, err
	}
	c := pending[p.Index]
	c.Picked = true
	return Pick{Round: r.ID, Call: c, Entries: numbers, Proof: p, At: now}, nil
}
