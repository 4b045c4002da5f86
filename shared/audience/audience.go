// Package audience describes the viewers of a guild's Kick channel as the
// bot tracks them: who they are, when they last took part, and what they
// have earned.
package audience

import "time"

// Viewer is one Kick user's standing in one guild.
type Viewer struct {
	Guild    string
	UserID   int64
	Username string
	// LastChatAt is the latest time the viewer chatted (or did another
	// attributable action) that the bot recorded.
	LastChatAt   time.Time
	WatchMinutes int64
	Points       int64
}
