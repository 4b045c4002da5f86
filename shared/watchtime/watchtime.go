// Package watchtime decides who earns a minute of watchtime, and how many
// points with it, when the sweep runs: the activity window, live gating,
// bans and the ignore list, and the per-minute rate.
//
// A credit names its minute. The store applies it only if that minute (or
// a later one) was not credited yet, so a sweep that runs twice, late or
// concurrently for the same minute credits each viewer once.
package watchtime

import (
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
)

// Minute is a sweep minute: whole minutes since the Unix epoch.
type Minute int64

// MinuteOf returns the minute t falls in.
func MinuteOf(t time.Time) Minute { return Minute(t.Unix() / 60) }

// Start returns the first instant of m.
func (m Minute) Start() time.Time { return time.Unix(int64(m)*60, 0).UTC() }

// Tracking reports whether watchtime counts for a guild: while its stream
// is live, or always when the guild tracks offline.
func Tracking(st stream.State, s settings.Settings) bool { return st.Live || s.TrackOffline }

// Since returns the earliest activity that makes a viewer active at now.
func Since(now time.Time, s settings.Settings) time.Time { return now.Add(-s.ActivityWindow) }

// Credit is one viewer-minute to credit.
type Credit struct {
	UserID      int64
	Minute      Minute
	PointsMilli int64
}

// Plan returns the credits a sweep at now owes the guild's viewers for
// minute m: none when the guild is not tracking; otherwise one for each
// viewer active since Since(now), not banned at now and not ignored, with
// the points rate for subscribers where the viewer is one.
func Plan(m Minute, now time.Time, st stream.State, s settings.Settings, viewers []audience.Viewer) []Credit {
	if !Tracking(st, s) {
		return nil
	}
	since := Since(now, s)
	var out []Credit
	for _, v := range viewers {
		if v.LastChatAt.Before(since) || v.Banned(now) || s.IsIgnored(v.Username) {
			continue
		}
		out = append(out, Credit{UserID: v.UserID, Minute: m, PointsMilli: points.PerMinute(s, v.Subscriber(now))})
	}
	return out
}
