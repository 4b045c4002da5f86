// Package custom is a guild's own chat commands: a name, its aliases, the
// response the bot says (with variables, see shared/response), who may
// run it and how often.
package custom

import (
	"time"

	"github.com/kickbot/kickbot/shared/command"
)

// Limits of a guild's custom commands.
const (
	MaxCommands = 200
	MaxAliases  = 10
	MaxResponse = 500
	MaxName     = 25
)

// Defaults of a new command.
const (
	DefaultLevel    = command.Everyone
	DefaultCooldown = 5 * time.Second
)

// Command is one custom command of a guild.
type Command struct {
	// Name is lower-case, [a-z0-9_]{1,25}; Aliases follow the same rule.
	Name    string
	Aliases []string
	// Response is what the bot says, with variables such as {user}.
	Response string
	Level    command.Level
	// Cooldown rests the command after any use in the channel,
	// UserCooldown after a use by the same viewer.
	Cooldown, UserCooldown time.Duration
	Enabled                bool
	// Uses counts the command's uses, each once.
	Uses int64
}
