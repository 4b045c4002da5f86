package command

import (
	"fmt"
	"strings"

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
