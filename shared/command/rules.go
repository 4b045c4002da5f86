package command

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/reply"
)

// Rules are who may run a command and how often: every command, built-in
// or custom, has them.
type Rules struct {
	// Level is the lowest level that may run it.
	Level Level
	// Cooldown rests the command after any use in the channel,
	// UserCooldown after a use by the same viewer.
	Cooldown, UserCooldown time.Duration
}

// Gate is what Rules say about one use by a sender, before any cooldown
// is looked at.
type Gate struct {
	// Allowed is false when the sender's level is below the command's; the
	// command is then answered with silence, as chat users expect.
	Allowed bool
	// Cooldown and UserCooldown are the cooldowns the use must find free
	// and take; both 0 when the sender skips cooldowns (moderators and the
	// broadcaster) or the command has none.
	Cooldown, UserCooldown time.Duration
}

// For applies r to a use by a sender at level sender.
func (r Rules) For(sender Level) Gate {
	if !sender.Allows(r.Level) {
		return Gate{}
	}
	if sender.SkipsCooldowns() {
		return Gate{Allowed: true}
	}
	return Gate{Allowed: true, Cooldown: max(r.Cooldown, 0), UserCooldown: max(r.UserCooldown, 0)}
}

// Cooled reports whether the use must take a cooldown before it runs; a
// use that finds its cooldown taken is answered with silence.
func (g Gate) Cooled() bool { return g.Cooldown > 0 || g.UserCooldown > 0 }

// Free reports whether a cooldown of d last taken at taken has ended at
// now. A cooldown never taken (zero taken) is free.
func Free(taken time.Time, d time.Duration, now time.Time) bool {
	return taken.IsZero() || d <= 0 || !now.Before(taken.Add(d))
}

// Rules are the built-in's rules.
func (b Builtin) Rules() Rules {
	return Rules{Level: b.Level, Cooldown: b.Cooldown, UserCooldown: b.UserCooldown}
}

// List is the !commands answer: every built-in (from Builtins) and then
// the names of the guild's enabled custom commands, in the order given,
// fitted to one chat message. Names that do not fit are left out and
// counted ("+12 more"), never cut in half.
func List(custom []string) string {
	var names []string
	for _, b := range Builtins {
		names = append(names, Prefix+b.Name)
	}
	for _, c := range custom {
		if c != "" {
			names = append(names, Prefix+c)
		}
	}
	const head = "Commands: "
	var b strings.Builder
	b.WriteString(head)
	for i, n := range names {
		sep := ""
		if i > 0 {
			sep = ", "
		}
		more := ""
		if left := len(names) - i - 1; left > 0 {
			more = " +" + strconv.Itoa(left) + " more" // room kept for the tail
		}
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(sep+n)+len(more) > reply.MaxLen {
			b.WriteString(" +" + strconv.Itoa(len(names)-i) + " more")
			break
		}
		b.WriteString(sep + n)
	}
	return b.String()
}
