// Package reply shapes what the bot says in Kick chat: text that fits one
// chat message, a cut-off after which a reply is better left unsaid, and a
// per-channel outbound rate limit that holds across stateless Lambdas.
//
// The rate limit is a fixed window expressed as a pure calculation: Allow
// takes the stored Window and returns the next one, and the store persists
// it with a conditional write, so concurrent workers cannot both take the
// last slot. Windows are aligned to multiples of Per, so a store may also
// skip the read: an atomic add to the counter item of now's window,
// conditioned on the count being below Max, decides as Allow does.
package reply

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxLen is the longest chat message Kick accepts, in characters: Unicode
// code points, which is what Go's runes count (kick-api.md §6.1: "max 500
// characters"; the gokick client enforces 500 code points).
const MaxLen = 500

// Ellipsis ends a message Fit had to shorten.
const Ellipsis = "…"

// Fit returns text as one chat message can show it: on a single line, at
// most MaxLen runes. Line breaks, tabs and other whitespace become single
// spaces and the ends are trimmed; control characters, invalid UTF-8, a
// byte-order mark and bidirectional overrides (which can make a message
// read differently from what it says) are dropped. A longer text is cut on
// a rune boundary, never inside an emoji sequence or before a combining
// mark, and ends in Ellipsis. Fit may return "" (nothing to say): do not
// send that.
func Fit(text string) string {
	// One rune more than fits is enough to know the text must be cut.
	rs := make([]rune, 0, min(len(text), MaxLen+1))
	space := false
	for i, r := range text {
		if len(rs) > MaxLen {
			break
		}
		switch {
		case r == utf8.RuneError && invalid(text[i:]):
			continue
		case unicode.IsSpace(r):
			space = len(rs) > 0
			continue
		case dropped(r):
			continue
		}
		if space {
			rs = append(rs, ' ')
			space = false
		}
		rs = append(rs, r)
	}
	if len(rs) <= MaxLen {
		return string(rs)
	}
	// Keep MaxLen-1 runes and the ellipsis, backing off so the cut does
	// not split an emoji sequence, a flag or a letter from its accents.
	cut := MaxLen - 1
	for back := 0; back < maxBackoff && cut > 0 && splits(rs, cut); back++ {
		cut--
	}
	if cut == 0 || splits(rs, cut) {
		cut = MaxLen - 1 // a pathological run of joiners: cut anyway
	}
	return strings.TrimRight(string(rs[:cut]), " ") + Ellipsis
}

// maxBackoff bounds how far Fit moves a cut back to keep a character
// whole; no real emoji sequence is longer.
const maxBackoff = 32

// splits reports whether cutting rs before rs[i] splits one visible
// character: rs[i] attaches to what precedes it, a zero-width joiner
// precedes it, or it is the second of a pair of regional indicators (a
// flag).
func splits(rs []rune, i int) bool {
	if joins(rs[i]) || rs[i-1] == zwj {
		return true
	}
	if !regional(rs[i]) {
		return false
	}
	n := 0 // regional indicators just before i
	for j := i - 1; j >= 0 && regional(rs[j]); j-- {
		n++
	}
	return n%2 == 1
}

const zwj = '\u200D'

func regional(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }

// dropped reports whether r is removed from chat text: control characters,
// the byte-order mark, bidi embeddings, overrides and isolates.
func dropped(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == '\uFEFF':
		return true
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// joins reports whether r attaches to the rune before it, so that a cut
// just before r would split what the reader sees as one character:
// combining marks, zero-width joiners, variation selectors, emoji skin-tone
// modifiers and tag characters.
func joins(r rune) bool {
	switch {
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc):
		return true
	case r == zwj, r >= '\uFE00' && r <= '\uFE0F':
		return true
	case r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0020 && r <= 0xE007F, r >= 0xE0100 && r <= 0xE01EF:
		return true
	}
	return false
}

// invalid reports whether s starts with a byte that is not UTF-8 (rather
// than with a genuine U+FFFD).
func invalid(s string) bool {
	_, size := utf8.DecodeRuneInString(s)
	return size == 1
}

// StaleAfter is how old a chat message may be and still get a reply.
// Kick sometimes delivers webhooks late, and retries later still; a reply
// to "!points" two minutes on already reads as a non sequitur in a busy
// chat, and the viewer has likely asked again. Anything older is better
// dropped (logged, not retried) than answered.
const StaleAfter = 2 * time.Minute

// Stale reports whether a reply to a message sent at sentAt is too late at
// now: more than StaleAfter has passed. A message from the future (clock
// skew) is fresh; a zero sentAt, which means the time was lost, is stale.
func Stale(sentAt, now time.Time) bool {
	return sentAt.IsZero() || now.Sub(sentAt) > StaleAfter
}

// Limit is an outbound rate: at most Max messages per fixed window of Per.
type Limit struct {
	Max int
	Per time.Duration
}

// DefaultLimit is 20 messages per 30 seconds per Kick channel. Kick
// documents no chat rate limit (kick-api.md §9; POST /chat is the one
// operation that may answer 429), so this stays at the common chat-bot
// rate: well above what commands and timers need (a reply every 1.5 s on
// average), low enough not to flood a chat. A fixed window can let up to
// 2×Max through across a window boundary; 40 in a moment is still modest.
// Key the window by Kick channel (broadcaster), not by guild: several
// guilds may connect one channel, and it is the channel Kick counts.
var DefaultLimit = Limit{Max: 20, Per: 30 * time.Second}

// Window is the state of one channel's rate limit: the start of the
// current window and how many messages it has let through.
type Window struct {
	Start time.Time
	Count int
}

// Allow decides whether one more message may go out at now under l, given
// the stored window w, and returns the window to store. Windows start at
// multiples of l.Per (now.Truncate(l.Per)), so every worker agrees on them
// without coordination. A window that has passed is replaced by a fresh
// one; the window after now's (another worker's clock runs ahead) keeps
// counting, which errs on the side of sending less. When ok is false the
// window is returned unchanged and the message should be dropped or
// delayed until w.End(l). A Limit with Max or Per not positive allows
// nothing.
//
// The store must write next only if the stored window is still w (a
// conditional write on Start and Count), and on a failed condition read
// and decide again.
func Allow(w Window, now time.Time, l Limit) (next Window, ok bool) {
	if l.Max <= 0 || l.Per <= 0 {
		return w, false
	}
	// A window more than one ahead, or a negative count, is not skew but
	// a corrupt record.
	if start := now.Truncate(l.Per); w.Start.Before(start) || w.Start.After(start.Add(l.Per)) || w.Count < 0 {
		w = Window{Start: start}
	}
	if w.Count >= l.Max {
		return w, false
	}
	w.Count++
	return w, true
}

// End returns when w stops counting under l: the earliest time a message
// refused in w may be tried again.
func (w Window) End(l Limit) time.Time { return w.Start.Add(l.Per) }
