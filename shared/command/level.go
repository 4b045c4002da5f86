package command

import (
	"fmt"
	"strings"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
)

// Level is who may run a command, from Kick's chat badges. Levels are
// ordered: a sender at a level may run every command at it or below.
type Level int

// The levels, lowest first. The zero Level is Everyone.
const (
	Everyone Level = iota
	Subscriber
	VIP
	Moderator
	Broadcaster
)

var levelNames = [...]string{"everyone", "subscriber", "vip", "moderator", "broadcaster"}

// String is the level's name as typed in /command: "moderator".
func (l Level) String() string {
	if l < Everyone || l > Broadcaster {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel reads a level's name, in any case. An unknown name is
// fault.Invalid.
func ParseLevel(s string) (Level, error) {
	for i, n := range levelNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return Level(i), nil
		}
	}
	return Everyone, fault.E(fault.Invalid, "unknown level %q: want one of %s", s, strings.Join(levelNames[:], ", "))
}

// LevelOf is the level a chat sender's Kick badges give: the highest of
// broadcaster, moderator, vip, and subscriber (for which Kick's founder
// and OG badges count too); everyone without any of them. Badge types are
// compared in any case; unknown ones give nothing.
func LevelOf(u event.User) Level {
	l := Everyone
	for _, b := range u.Badges {
		if got := badgeLevel(b.Type); got > l {
			l = got
		}
	}
	return l
}

func badgeLevel(typ string) Level {
	switch strings.ToLower(typ) {
	case "broadcaster":
		return Broadcaster
	case "moderator":
		return Moderator
	case "vip":
		return VIP
	case "subscriber", "founder", "og":
		return Subscriber
	}
	return Everyone
}

// Allows reports whether a sender at level l may run a command that needs
// level need.
func (l Level) Allows(need Level) bool { return l >= need }

// SkipsCooldowns reports whether a sender at level l runs commands without
// waiting for or taking their cooldowns: moderators and the broadcaster.
func (l Level) SkipsCooldowns() bool { return l >= Moderator }
