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
	// PointsMilli is the points balance in thousandths of a point, so that
	// fractional accrual carries over exactly; see Points.
	PointsMilli int64
	// SubBadge says the viewer's latest chat message carried a subscriber
	// badge; SubUntil is when a subscription seen in a sub event ends.
	SubBadge bool
	SubUntil time.Time
	// BannedUntil is when a ban or timeout ends; the far future for a
	// permanent ban, zero when not banned.
	BannedUntil time.Time
	// BannedAt is when the latest ban, timeout or unban applied was
	// issued (zero when none): moderation is ordered by it.
	BannedAt time.Time
}

// Points is the whole-point balance: fractions are kept, not shown.
func (v Viewer) Points() int64 { return v.PointsMilli / 1000 }

// Subscriber reports whether v counts as a subscriber at t.
func (v Viewer) Subscriber(t time.Time) bool { return v.SubBadge || v.SubUntil.After(t) }

// Banned reports whether v is banned or timed out at t.
func (v Viewer) Banned(t time.Time) bool { return v.BannedUntil.After(t) }

// Forever is the end of a permanent ban.
var Forever = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// Activity is one attributable action of a viewer in a guild.
type Activity struct {
	UserID   int64
	Username string
	At       time.Time
	// Subscriber is what the action says about a subscription: set for chat
	// messages (from their badges), nil for actions that do not say.
	Subscriber *bool
}

// Board is a leaderboard: what it orders a guild's viewers by. Only
// viewers who have that counter are on it.
type Board string

// The leaderboards.
const (
	WatchtimeBoard Board = "watchtime" // by minutes watched
	PointsBoard    Board = "points"    // by points balance
)

// BoardSize is how many viewers a leaderboard lists.
const BoardSize = 100

// Page is one page of a leaderboard, best first.
type Page struct {
	Viewers []Viewer
	// Next is an opaque cursor for the page after this one (short enough
	// for a Discord button's custom id); "" when no viewer follows.
	Next string
	// At is when the standings were read; zero when they never were.
	At time.Time
}
