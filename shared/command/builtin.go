package command

import (
	"strings"
	"time"
)

// Builtin is a chat command the bot itself answers. Built-ins take
// precedence over a guild's custom commands, and no custom command may
// take a built-in's name or alias.
type Builtin struct {
	Name    string
	Aliases []string
	// Help is the one line !commands shows for it.
	Help string
	// Level is the lowest level that may run it.
	Level Level
	// Feature marks a built-in that a feature package answers (slot
	// calls, guess the balance, hunts), wired into the chat router as an
	// Answerer, rather than package chat itself.
	Feature bool
	// Cooldown is how long the command rests after any use in a channel;
	// UserCooldown how long after a use by the same viewer. Moderators and
	// the broadcaster skip both.
	Cooldown, UserCooldown time.Duration
}

// Builtins lists every built-in, in the order !commands shows them.
var Builtins = []Builtin{
	{Name: "points", Help: "!points [user]: loyalty points", Cooldown: 3 * time.Second, UserCooldown: 15 * time.Second},
	{Name: "watchtime", Help: "!watchtime [user]: time watched", Cooldown: 3 * time.Second, UserCooldown: 15 * time.Second},
	{Name: "commands", Help: "!commands [name]: this list, or one command's help", Cooldown: 10 * time.Second},
	{Name: "hunt", Aliases: []string{"bonushunt"}, Help: "!hunt: the bonus hunt's figures and break-even", Feature: true,
		Cooldown: 10 * time.Second, UserCooldown: 30 * time.Second},
	// A guess is one write of the viewer's own; the cooldown only spares
	// the channel's reply rate. No channel-wide one: every viewer guesses.
	{Name: "gtb", Help: "!gtb <amount>: guess the balance while a round is open (1234.50, $1,234.50, 1.5k)", Feature: true, UserCooldown: 10 * time.Second},
	{Name: "call", Aliases: []string{"sr"}, Help: "!call <slot>: call a slot for the streamer to play, while calls are open", Feature: true, UserCooldown: 30 * time.Second},
	{Name: "current", Help: "!current: the slot being played and who called it", Feature: true, Cooldown: 5 * time.Second},
	{Name: "tickets", Help: "!tickets: your raffle tickets by source, your total and your chance", Feature: true, UserCooldown: 30 * time.Second},
	{Name: "raffle", Help: "!raffle: the raffle's prize, end and how to earn tickets", Feature: true, Cooldown: 10 * time.Second, UserCooldown: 30 * time.Second},
	// No cooldowns here: package clip takes the guild's own (/clips
	// settings).
	{Name: "clip", Help: "!clip [title]: mark this moment of the stream for a clip", Feature: true},
}

// reserved are names kept for built-ins still to come, so a custom
// command made today does not break when they land.
var reserved = []string{"join"}

// LookupBuiltin returns the built-in called name or one of its aliases
// (name lower-case, without the prefix).
func LookupBuiltin(name string) (Builtin, bool) {
	for _, b := range Builtins {
		if b.Name == name {
			return b, true
		}
		for _, a := range b.Aliases {
			if a == name {
				return b, true
			}
		}
	}
	return Builtin{}, false
}

// Reserved reports whether name (any case) is a built-in's name or alias,
// or is kept for a coming built-in: a custom command may not use it.
func Reserved(name string) bool {
	name = strings.ToLower(name)
	if _, ok := LookupBuiltin(name); ok {
		return true
	}
	for _, r := range reserved {
		if r == name {
			return true
		}
	}
	return false
}

// MaxCustomName bounds a custom command's name and aliases
// (custom.MaxName, which package custom keeps equal).
const MaxCustomName = 25

// Routable reports whether a command called name (lower-case, without
// the prefix) may have an answer: it is a built-in's name or alias, or a
// name a custom command may have ([a-z0-9_], at most MaxCustomName, not
// Reserved). Anything else is answered by silence without a look.
func Routable(name string) bool {
	if _, ok := LookupBuiltin(name); ok {
		return true
	}
	if name == "" || len(name) > MaxCustomName || Reserved(name) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
