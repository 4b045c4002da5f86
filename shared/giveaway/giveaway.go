// Package giveaway runs a giveaway for one stream: viewers enter by
// typing its keyword in Kick chat (once each), or, without a keyword,
// every viewer active in chat while it runs is in; its winners are drawn
// by tickets with the verifiable weighted draw of shared/pick.
//
// # Rules
//
//   - A giveaway is open from OpenedAt until EndsAt or /giveaway end,
//     whichever comes first (ClosedAt); Takes says whether a message sent
//     at a time is inside it. Kick dates messages to the second, so a
//     message in the second it opened counts.
//   - Keyword: a chat message whose whole text is the keyword (case and
//     surrounding spaces aside) enters its sender once; later ones change
//     nothing. Without a keyword every viewer with activity inside the
//     giveaway is an entrant.
//   - MinWatch: an entrant must have been active in at least that many
//     distinct minutes inside the giveaway (the activity items the sweep
//     reads), so an account that only typed the keyword cannot win.
//   - Tickets: one per entrant; a subscriber (badge at entry, or on their
//     latest activity inside the giveaway) gets SubLuck tickets.
//   - Viewers banned or timed out as the giveaway ended (by the bans
//     recorded then) are left out before the table is digested, so the
//     verification is exact and a reroll rebuilds the same table.
//
// Everything the table is built from is fixed once the giveaway closes,
// so the draw and every reroll rebuild the same table; a reroll refuses
// a table whose digest changed.
//
// # Draw
//
// The server seed is committed when the giveaway starts (its commitment
// is shown at once). The draw is pick.DrawWeighted over the ticket table
// with the period Period(guild, number); a reroll replaces one winner by
// the next winner of the same draw (one more nonce), so every winner,
// rerolled or not, can be checked with scripts/verifypick and -draw set
// to the number of winners drawn in all.
package giveaway

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// Limits and defaults of a giveaway.
const (
	DefaultMinutes = 10
	MaxMinutes     = 24 * 60
	DefaultWinners = 1
	MaxWinners     = 20
	// MaxRerolls bounds the rerolls of a giveaway (and its stored draw).
	MaxRerolls = 20
	// MaxLuck bounds the subscriber multiplier.
	MaxLuck = 10
	// MaxPrize is the longest prize text, in characters.
	MaxPrize = 200
	// MaxKeyword is the longest keyword, in characters.
	MaxKeyword = 32
	// MaxMinWatch bounds the minutes an entrant must have been active.
	MaxMinWatch = MaxMinutes
	// MaxAnnouncement is one Kick chat message (reply.MaxLen).
	MaxAnnouncement = 500
)

// State is where a giveaway is in its life.
type State string

// The states, in order.
const (
	Open   State = "open"
	Closed State = "closed"
	Drawn  State = "drawn"
)

// Options are what /giveaway start sets.
type Options struct {
	Prize string
	// Keyword enters a viewer who types it; "" enters every active viewer.
	Keyword string
	// Minutes it runs for (DefaultMinutes when 0).
	Minutes int
	// Winners drawn (DefaultWinners when 0).
	Winners int
	// MinWatch is the active minutes inside the giveaway an entrant needs.
	MinWatch int
	// SubLuck is a subscriber's tickets (1, no luck, when 0).
	SubLuck int
}

// Giveaway is one giveaway of a guild; a guild has one current giveaway.
type Giveaway struct {
	// Number counts the guild's giveaways from 1.
	Number  int64
	Prize   string
	Keyword string
	Winners int
	// MinWatch and SubLuck: see the package comment.
	MinWatch, SubLuck int
	State             State
	OpenedAt, EndsAt  time.Time
	// ClosedAt is when it stopped taking entries: /giveaway end, else
	// EndsAt. Zero while open.
	ClosedAt time.Time
	// Seed is the server seed: secret until the draw, Commitment at once.
	Seed       pick.Seed
	Commitment string
	// Proof is the draw once Drawn: every winner drawn, in order,
	// rerolled ones included; Rerolled are those replaced.
	Proof    pick.WeightedProof
	Rerolled []string
	// DrawCause and RerollCause are the interactions that drew and last
	// rerolled it: a job run again finds its own result, not a new one.
	DrawCause, RerollCause string
}

// Start checks o and returns the giveaway number opened at now, with a
// fresh seed read from random (crypto/rand's Reader in the bot). Bad
// options are fault.Invalid with a message for the admin.
func Start(o Options, number int64, now time.Time, random io.Reader) (Giveaway, error) {
	prize := strings.TrimSpace(o.Prize)
	if prize == "" || utf8.RuneCountInString(prize) > MaxPrize || strings.ContainsAny(prize, "\r\n") {
		return Giveaway{}, fault.E(fault.Invalid, "the prize is one line of 1 to %d characters", MaxPrize)
	}
	kw, err := NormalizeKeyword(o.Keyword)
	if err != nil {
		return Giveaway{}, err
	}
	minutes := cmp.Or(o.Minutes, DefaultMinutes)
	winners := cmp.Or(o.Winners, DefaultWinners)
	luck := cmp.Or(o.SubLuck, 1)
	switch {
	case minutes < 1 || minutes > MaxMinutes:
		return Giveaway{}, fault.E(fault.Invalid, "a giveaway runs 1 to %d minutes", MaxMinutes)
	case winners < 1 || winners > MaxWinners:
		return Giveaway{}, fault.E(fault.Invalid, "a giveaway has 1 to %d winners", MaxWinners)
	case o.MinWatch < 0 || o.MinWatch > min(minutes, MaxMinWatch):
		return Giveaway{}, fault.E(fault.Invalid, "the minimum watchtime is 0 to %d minutes, no longer than the giveaway", minutes)
	case luck < 1 || luck > MaxLuck:
		return Giveaway{}, fault.E(fault.Invalid, "the subscriber luck is 1 to %d tickets", MaxLuck)
	case number < 1 || now.IsZero():
		return Giveaway{}, fault.E(fault.Invalid, "a giveaway needs a number and a start time")
	}
	seed, err := pick.NewSeed(random)
	if err != nil {
		return Giveaway{}, err
	}
	return Giveaway{
		Number: number, Prize: prize, Keyword: kw, Winners: winners, MinWatch: o.MinWatch, SubLuck: luck,
		State: Open, OpenedAt: now, EndsAt: now.Add(time.Duration(minutes) * time.Minute),
		Seed: seed, Commitment: seed.Commitment(),
	}, nil
}

// NormalizeKeyword checks a keyword and returns it as matched: trimmed,
// lower case, one word of at most MaxKeyword characters ("" stays "").
func NormalizeKeyword(k string) (string, error) {
	k = strings.ToLower(strings.TrimSpace(k))
	if utf8.RuneCountInString(k) > MaxKeyword || strings.IndexFunc(k, unicode.IsSpace) >= 0 {
		return "", fault.E(fault.Invalid, "a keyword is one word of at most %d characters", MaxKeyword)
	}
	return k, nil
}

// Period is the period id of giveaway number of guild in its draw.
func Period(guild string, number int64) string {
	return "giveaway/" + guild + "/" + strconv.FormatInt(number, 10)
}

// End is when g stops taking entries: ClosedAt once closed, else EndsAt.
func (g Giveaway) End() time.Time {
	if !g.ClosedAt.IsZero() {
		return g.ClosedAt
	}
	return g.EndsAt
}

// OpenAt reports whether g still takes entries at now.
func (g Giveaway) OpenAt(now time.Time) bool { return g.State == Open && now.Before(g.EndsAt) }

// Takes reports whether a message sent at is inside g: from the second
// it opened until it ended.
func (g Giveaway) Takes(at time.Time) bool {
	return !at.Before(g.OpenedAt.Truncate(time.Second)) && at.Before(g.End())
}

// Matches reports whether a chat message of text sent at enters g: g has
// a keyword, takes the message, and the text is the keyword in any case.
// EqualFold alone misses Turkish i's: ToLower, which stored the keyword,
// lowers "İ" to "i", and upper-case "ı" is "I"; both sides folded
// through upper then lower case ("İ", "I", "ı" and "i" all "i") match
// those too.
func (g Giveaway) Matches(text string, at time.Time) bool {
	t := strings.TrimSpace(text)
	return g.Keyword != "" && g.State == Open && g.Takes(at) && (strings.EqualFold(t, g.Keyword) || fold(t) == fold(g.Keyword))
}

// fold is s through upper then lower case.
func fold(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// Entry is a viewer's keyword entry.
type Entry struct {
	UserID   int64
	Username string
	// Subscriber is the badge on the entering message.
	Subscriber bool
	// At is when the message was sent; MessageID is its id (the cause).
	At        time.Time
	MessageID string
}

// Entrant is one line of the ticket table.
type Entrant struct {
	UserID   int64
	Username string
	Tickets  int64
	// ID is the table id: EntrantID.
	ID string
}

// EntrantID is a viewer's id in the published table: their Kick name and
// user id ("alice#123"), readable and unique however names change.
func EntrantID(user int64, name string) string {
	return strings.ReplaceAll(name, "\n", "") + "#" + strconv.FormatInt(user, 10)
}

// Table builds g's ticket table from its keyword entries (ignored
// without a keyword), the guild's activity around it, and the viewers to
// leave out, by the rules of the package comment. It is sorted by id.
func Table(g Giveaway, entries []Entry, activity []audience.Activity, excluded map[int64]bool) []Entrant {
	minutes := map[int64]map[watchtime.Minute]bool{}
	latest := map[int64]audience.Activity{}
	for _, a := range activity {
		if a.UserID <= 0 || !g.Takes(a.At) {
			continue
		}
		if minutes[a.UserID] == nil {
			minutes[a.UserID] = map[watchtime.Minute]bool{}
		}
		minutes[a.UserID][watchtime.MinuteOf(a.At)] = true
		if l, ok := latest[a.UserID]; !ok || a.At.After(l.At) || (a.At.Equal(l.At) && a.Subscriber != nil) {
			latest[a.UserID] = a
		}
	}
	type cand struct {
		name string
		sub  bool
	}
	cands := map[int64]cand{}
	if g.Keyword != "" {
		for _, e := range entries {
			if e.UserID > 0 && g.Takes(e.At) {
				cands[e.UserID] = cand{e.Username, e.Subscriber}
			}
		}
	} else {
		for u, a := range latest {
			cands[u] = cand{a.Username, a.Subscriber != nil && *a.Subscriber}
		}
	}
	out := make([]Entrant, 0, len(cands))
	for u, c := range cands {
		if excluded[u] || len(minutes[u]) < g.MinWatch {
			continue
		}
		t := int64(1)
		if c.sub {
			t = int64(max(g.SubLuck, 1))
		}
		out = append(out, Entrant{UserID: u, Username: c.name, Tickets: t, ID: EntrantID(u, c.name)})
	}
	slices.SortFunc(out, func(a, b Entrant) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// weighted is the table as shared/pick draws it.
func weighted(table []Entrant) []pick.Weighted {
	w := make([]pick.Weighted, len(table))
	for i, e := range table {
		w[i] = pick.Weighted{ID: e.ID, Weight: e.Tickets}
	}
	return w
}

// Draw draws g's winners of guild from table: g.Winners, or every
// entrant when fewer entered. A giveaway still open or already drawn is
// fault.Conflict; an empty table fault.NotFound.
func Draw(g Giveaway, guild string, table []Entrant) (pick.WeightedProof, error) {
	switch {
	case g.State == Open:
		return pick.WeightedProof{}, fault.E(fault.Conflict, "the giveaway is still open: end it with /giveaway end first")
	case g.State == Drawn:
		return pick.WeightedProof{}, fault.E(fault.Conflict, "the giveaway was drawn already: /giveaway reroll draws another winner")
	case len(table) == 0:
		return pick.WeightedProof{}, fault.E(fault.NotFound, "nobody entered the giveaway")
	}
	return pick.DrawWeighted(g.Seed, Period(guild, g.Number), weighted(table), min(g.Winners, len(table)))
}

// Reroll replaces winner who (an entrant id; "" for the last winner) of
// the drawn g by the next winner of the same draw, and returns the new
// proof and the id replaced. A table whose digest changed since the draw
// is fault.Conflict; nobody left to draw is fault.NotFound.
func Reroll(g Giveaway, guild string, table []Entrant, who string) (pick.WeightedProof, string, error) {
	if g.State != Drawn {
		return pick.WeightedProof{}, "", fault.E(fault.Conflict, "the giveaway has not been drawn: /giveaway draw first")
	}
	current := g.CurrentWinners()
	if who == "" && len(current) > 0 {
		who = current[len(current)-1]
	}
	if !slices.Contains(current, who) {
		return pick.WeightedProof{}, "", fault.E(fault.NotFound, "%s is not a winner of this giveaway", who)
	}
	if len(g.Rerolled) >= MaxRerolls {
		return pick.WeightedProof{}, "", fault.E(fault.Conflict, "a giveaway is rerolled at most %d times", MaxRerolls)
	}
	period := Period(guild, g.Number)
	w := weighted(table)
	if d, err := pick.TableDigest(period, w); err != nil || d != g.Proof.ClientSeed {
		return pick.WeightedProof{}, "", fault.E(fault.Conflict, "the entries changed since the draw (their activity may have expired): cannot reroll")
	}
	n := len(g.Proof.Winners) + 1
	if n > len(table) {
		return pick.WeightedProof{}, "", fault.E(fault.NotFound, "every entrant was drawn already")
	}
	p, err := pick.DrawWeighted(g.Seed, period, w, n)
	return p, who, err
}

// CurrentWinners are the winners drawn and not rerolled, in draw order.
func (g Giveaway) CurrentWinners() []string {
	var out []string
	for _, w := range g.Proof.Winners {
		if !slices.Contains(g.Rerolled, w) {
			out = append(out, w)
		}
	}
	return out
}

// Name is how an entrant id is shown: the Kick name before the '#'.
func Name(id string) string {
	if i := strings.LastIndexByte(id, '#'); i > 0 {
		return id[:i]
	}
	return id
}

// Announcement is the chat message of g's winners:
//
//	🎉 Giveaway #3 (a gaming chair): @alice, @bob won! 41 entrants, 52 tickets; the seed and table are in Discord.
//
// cut to MaxAnnouncement characters. The verification data is in the
// Discord embed: a chat message cannot hold it.
func Announcement(g Giveaway) string {
	ws := g.CurrentWinners()
	if len(ws) == 0 {
		return fmt.Sprintf("Giveaway #%d (%s): nobody entered", g.Number, g.Prize)
	}
	names := make([]string, len(ws))
	for i, w := range ws {
		names[i] = "@" + Name(w)
	}
	tail := fmt.Sprintf(" won! %d entrants, %d tickets; the seed and table are in Discord.", g.Proof.Entries, g.Proof.Total)
	head := fmt.Sprintf("🎉 Giveaway #%d (%s): ", g.Number, g.Prize)
	list := strings.Join(names, ", ")
	if room := MaxAnnouncement - utf8.RuneCountInString(head+tail); utf8.RuneCountInString(list) > room {
		list = string([]rune(list)[:max(room-1, 0)]) + "…"
	}
	return head + list + tail
}
