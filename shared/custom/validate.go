package custom

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/fault"
)

// MaxCooldown bounds both cooldowns of a command.
const MaxCooldown = 24 * time.Hour

// New returns the command name, answering response, with the defaults:
// everyone may run it, it rests DefaultCooldown after each use, has no
// per-user cooldown and is enabled. Name is normalized (NormalizeName);
// the result still needs Validate.
func New(name, response string) Command {
	return Command{
		Name:     NormalizeName(name),
		Response: response,
		Level:    DefaultLevel,
		Cooldown: DefaultCooldown,
		Enabled:  true,
	}
}

// NormalizeName is the form a typed name is stored in: trimmed, without a
// leading "!", lower-case. It does not check the name (ValidName does).
func NormalizeName(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), command.Prefix))
}

// ParseAliases reads a comma-separated list such as "hi, !Hello" into
// normalized names, dropping empty entries. It checks nothing else.
func ParseAliases(s string) []string {
	var out []string
	for a := range strings.SplitSeq(s, ",") {
		if a = NormalizeName(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// ValidName reports, as fault.Invalid, why name cannot name a custom
// command: it must be 1 to MaxName of a-z, 0-9 and '_' (so normalized
// already), and neither a built-in's name or alias nor kept for one.
func ValidName(name string) error {
	if name == "" || len(name) > MaxName {
		return fault.E(fault.Invalid, "a command name is 1 to %d characters: %q is not", MaxName, name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return fault.E(fault.Invalid, "a command name holds only a-z, 0-9 and _: %q does not", name)
		}
	}
	if command.Reserved(name) {
		return fault.E(fault.Invalid, "%q is a built-in command's name (or kept for one); choose another", name)
	}
	return nil
}

// Validate reports, as fault.Invalid, the first reason c cannot be stored:
// a bad name or alias, more than MaxAliases aliases, an alias repeated or
// equal to the name, a response blank or longer than MaxResponse
// characters, an unknown level, or a cooldown outside 0..MaxCooldown.
func (c Command) Validate() error {
	if err := ValidName(c.Name); err != nil {
		return err
	}
	if len(c.Aliases) > MaxAliases {
		return fault.E(fault.Invalid, "a command has at most %d aliases, not %d", MaxAliases, len(c.Aliases))
	}
	seen := map[string]bool{c.Name: true}
	for _, a := range c.Aliases {
		if err := ValidName(a); err != nil {
			return err
		}
		if seen[a] {
			return fault.E(fault.Invalid, "%q is given twice among the name and aliases", a)
		}
		seen[a] = true
	}
	if strings.TrimSpace(c.Response) == "" {
		return fault.E(fault.Invalid, "a command needs a response")
	}
	if n := utf8.RuneCountInString(c.Response); n > MaxResponse || !utf8.ValidString(c.Response) {
		return fault.E(fault.Invalid, "a response is at most %d characters, not %d", MaxResponse, n)
	}
	if c.Level < command.Everyone || c.Level > command.Broadcaster {
		return fault.E(fault.Invalid, "unknown level %d", int(c.Level))
	}
	for _, d := range []time.Duration{c.Cooldown, c.UserCooldown} {
		if d < 0 || d > MaxCooldown {
			return fault.E(fault.Invalid, "a cooldown is 0 to %d seconds, not %d", int64(MaxCooldown/time.Second), int64(d/time.Second))
		}
	}
	return nil
}

// Names returns c's name followed by its aliases: every name it answers to.
func (c Command) Names() []string {
	return append([]string{c.Name}, c.Aliases...)
}

// Edit is a change to a command: each non-nil field replaces that part,
// the others stay as they are. The name cannot change.
type Edit struct {
	Response               *string
	Aliases                *[]string
	Level                  *command.Level
	Cooldown, UserCooldown *time.Duration
	Enabled                *bool
}

// Empty reports whether e changes nothing.
func (e Edit) Empty() bool {
	return e.Response == nil && e.Aliases == nil && e.Level == nil && e.Cooldown == nil && e.UserCooldown == nil && e.Enabled == nil
}

// Apply returns c changed by e, validated: fault.Invalid when e changes
// nothing or the result does not validate. c itself is not changed.
func (e Edit) Apply(c Command) (Command, error) {
	if e.Empty() {
		return Command{}, fault.E(fault.Invalid, "choose at least one thing to change")
	}
	c.Aliases = append([]string(nil), c.Aliases...)
	if e.Response != nil {
		c.Response = *e.Response
	}
	if e.Aliases != nil {
		c.Aliases = append([]string(nil), (*e.Aliases)...)
	}
	if e.Level != nil {
		c.Level = *e.Level
	}
	if e.Cooldown != nil {
		c.Cooldown = *e.Cooldown
	}
	if e.UserCooldown != nil {
		c.UserCooldown = *e.UserCooldown
	}
	if e.Enabled != nil {
		c.Enabled = *e.Enabled
	}
	if err := c.Validate(); err != nil {
		return Command{}, err
	}
	return c, nil
}
