// Package settings holds a guild's configuration of the bot: how activity
// is judged, how points accrue, who is left out, where announcements go.
// Every field has a default, so a guild that never configured anything
// gets sensible behaviour.
package settings

import (
	"slices"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// Settings is one guild's configuration.
type Settings struct {
	// ActivityWindow: a viewer is active at minute M if they took part in
	// the window before M.
	ActivityWindow time.Duration
	// PointsPer5Min is the points a viewer earns per five credited minutes.
	PointsPer5Min int64
	// SubMultiplierPct scales a subscriber's points, in percent (100 = 1×).
	SubMultiplierPct int64
	// TrackOffline credits watchtime while the stream is offline.
	TrackOffline bool
	// Ignored lists Kick usernames (lower-cased) that earn nothing: the
	// streamer's own bots.
	Ignored []string
	// AnnounceChannel is the Discord channel id for announcements; "" for none.
	AnnounceChannel string
	// Version counts the stored changes (0: never stored). A store writes
	// settings only over the version they were read at, so that of two
	// admins changing settings at once, one is told to try again rather
	// than one change silently undoing the other.
	Version int64
}

// Limits of each setting.
const (
	MinActivityWindow = time.Minute
	MaxActivityWindow = time.Hour
	MaxPointsPer5Min  = 1_000
	MaxSubMultiplier  = 1_000 // percent
	MaxIgnored        = 100
	maxUsername       = 25 // Kick's username limit
)

// Defaults returns the configuration of a guild that set nothing. The
// activity window is 5 minutes (the Python bot used 2, which dropped
// viewers between messages); 1 point per 5 minutes as before; subscribers
// earn the same unless the guild sets a multiplier.
func Defaults() Settings {
	return Settings{ActivityWindow: 5 * time.Minute, PointsPer5Min: 1, SubMultiplierPct: 100}
}

// Validate reports the first setting out of range, as an Invalid error
// whose message names the setting and its range.
func (s Settings) Validate() error {
	switch {
	case s.ActivityWindow < MinActivityWindow || s.ActivityWindow > MaxActivityWindow:
		return fault.E(fault.Invalid, "activity window must be between %v and %v", MinActivityWindow, MaxActivityWindow)
	case s.ActivityWindow%time.Minute != 0:
		return fault.E(fault.Invalid, "activity window must be whole minutes")
	case s.PointsPer5Min < 0 || s.PointsPer5Min > MaxPointsPer5Min:
		return fault.E(fault.Invalid, "points per 5 minutes must be between 0 and %d", MaxPointsPer5Min)
	case s.SubMultiplierPct < 100 || s.SubMultiplierPct > MaxSubMultiplier:
		return fault.E(fault.Invalid, "subscriber multiplier must be between 100%% and %d%%", MaxSubMultiplier)
	case len(s.Ignored) > MaxIgnored:
		return fault.E(fault.Invalid, "the ignore list holds at most %d names", MaxIgnored)
	}
	for _, name := range s.Ignored {
		if name == "" || len(name) > maxUsername || name != NormalizeName(name) {
			return fault.E(fault.Invalid, "%q is not a Kick username", name)
		}
	}
	return nil
}

// NormalizeName is the form usernames are compared in.
func NormalizeName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// IsIgnored reports whether username is on the ignore list.
func (s Settings) IsIgnored(username string) bool {
	return slices.Contains(s.Ignored, NormalizeName(username))
}
