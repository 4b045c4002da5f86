// Package watchtime decides who earns a minute of watchtime, and how many
// points with it: the activity window, live gating, bans and the ignore
// list, and the per-minute rate.
//
// # Minutes, judged from what was known about them
//
// Activity is kept per minute: a viewer who took part at any time in minute
// b is active in b. A viewer is eligible for minute m when they were active
// in one of the window's minutes before it, [m-W, m-1], the stream was live
// (or the guild tracks offline) in m, and they were not banned at m's start.
// So whether m is owed depends only on what happened before m, and a sweep
// that credits m late, or again, reaches the same answer as one that ran on
// time.
//
// # Exactly once
//
// A credit names its minute, and the store applies it only if no minute at
// or after it was credited to the viewer. That alone would make a late
// minute impossible to credit once a later one was; so the sweep keeps, per
// guild, a checkpoint (the last minute whose credits all succeeded), credits
// the minutes after it in order, and never starts a minute before every
// credit of the one before succeeded (see Span and package sweep). Under
// that order "the viewer's latest credited minute" is exactly the set of
// minutes done.
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

// MaxSpan is the most minutes one sweep run credits for a guild: how far back
// a guild's first run reaches, and how fast a guild that fell behind
// catches up (MaxSpan-1 minutes a run beyond the one due).
const MaxSpan = 30

// TrackedAt reports whether minute m counts for a guild whose stream state
// is st: when it tracks offline, or when m lies in the stream's latest
// session (from the minute it started, to the minute before it ended).
func TrackedAt(m Minute, st stream.State, s settings.Settings) bool {
	if s.TrackOffline {
		return true
	}
	start := sessionStart(st)
	if !start.IsZero() && m < MinuteOf(start) {
		return false
	}
	if st.Live {
		return true
	}
	return !start.IsZero() && !st.EndedAt.IsZero() && m < MinuteOf(st.EndedAt)
}

// sessionStart is when the stream's latest session began; when Kick did
// not say (a go-live the reconcile found), from when the bot learnt it.
func sessionStart(st stream.State) time.Time {
	if st.StartedAt.IsZero() {
		return st.StatusAt
	}
	return st.StartedAt
}

// Window returns the activity minutes that make a viewer eligible for m.
func Window(m Minute, s settings.Settings) (from, to Minute) {
	w := Minute(s.ActivityWindow / time.Minute)
	if w < 1 {
		w = 1
	}
	return m - w, m - 1
}

// Credit is one viewer-minute to credit.
type Credit struct {
	UserID   int64
	Username string
	Minute   Minute
	// At is the viewer's latest activity in the window.
	At          time.Time
	PointsMilli int64
}

// Subscription is a viewer's latest known subscription.
type Subscription struct {
	// From is when it began (zero: not known); Until when it ends.
	From, Until time.Time
}

// Covers reports whether the subscription ran at m's start. One whose
// start is not known counts from any minute. Like eligibility, this
// depends on m alone: a subscription that began during or after m does
// not raise m's rate, however late m is credited.
func (sub Subscription) Covers(m Minute) bool {
	start := m.Start()
	return sub.Until.After(start) && (sub.From.IsZero() || !sub.From.After(start))
}

// Plan returns the credits owed for minute m: one for each viewer with
// activity in Window(m), unless m is not tracked or the viewer is ignored.
// acts holds one entry per viewer and activity minute (more are harmless);
// subs maps viewers to their latest known subscription. A viewer counts
// as a subscriber when the latest activity in the window that says so
// carried the badge, or a subscription covers m (see Subscription.Covers).
// Bans are for the store to check where the ban is kept (see Credit).
func Plan(m Minute, st stream.State, s settings.Settings, acts []audience.Activity, subs map[int64]Subscription) []Credit {
	if !TrackedAt(m, st, s) {
		return nil
	}
	from, to := Window(m, s)
	// What the window's activity says of each viewer's badge, beside the
	// viewer's credit (same index).
	type badge struct {
		at  time.Time // the latest activity that said whether they subscribe
		sub bool      // what it said
	}
	index := make(map[int64]int, len(acts))
	out := make([]Credit, 0, len(acts))
	badges := make([]badge, 0, len(acts))
	for _, a := range acts {
		am := MinuteOf(a.At)
		if am < from || am > to || a.UserID <= 0 || s.IsIgnored(a.Username) {
			continue
		}
		i, ok := index[a.UserID]
		if !ok {
			i = len(out)
			index[a.UserID] = i
			out = append(out, Credit{UserID: a.UserID, Minute: m})
			badges = append(badges, badge{})
		}
		if c := &out[i]; c.At.IsZero() || a.At.After(c.At) {
			c.At = a.At
			if a.Username != "" {
				c.Username = a.Username
			}
		}
		if b := &badges[i]; a.Subscriber != nil && (b.at.IsZero() || !a.At.Before(b.at)) {
			b.at, b.sub = a.At, *a.Subscriber
		}
	}
	for i := range out {
		c := &out[i]
		c.PointsMilli = points.PerMinute(s, badges[i].sub || subs[c.UserID].Covers(m))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Banned reports whether a viewer banned at bannedAt until bannedUntil may
// not earn minute m: the ban had begun by m's start and not yet ended. A
// ban with an unknown start counts from any minute.
func Banned(m Minute, bannedAt, bannedUntil time.Time) bool {
	start := m.Start()
	return bannedUntil.After(start) && (bannedAt.IsZero() || !bannedAt.After(start))
}

// Span returns the minutes a sweep at minute now should credit for a guild
// whose checkpoint is through (every minute up to and including it is
// done; ok false when the guild has none yet): from through+1 to now, at
// most MaxSpan of them. Minutes that the
// stream state says were not tracked are skipped at the front, so a guild
// that was offline for days starts at its stream's first minute. A guild
// without a checkpoint starts MaxSpan minutes back. empty reports that there
// is nothing to credit yet.
func Span(through Minute, ok bool, now Minute, st stream.State, s settings.Settings) (from, to Minute, empty bool) {
	if !ok {
		through = now - MaxSpan
	}
	from = through + 1
	if start := sessionStart(st); !s.TrackOffline && !start.IsZero() && from < MinuteOf(start) {
		from = MinuteOf(start)
	}
	to = min(now, from+MaxSpan-1)
	if from > to {
		return from, to, true
	}
	return from, to, false
}

// Settled reports whether a guild whose checkpoint is through has nothing
// left to credit until its stream goes live again: it does not track
// offline, its stream is offline, and through has reached the end of the
// stream's last session.
func Settled(through Minute, st stream.State, s settings.Settings) bool {
	if s.TrackOffline || st.Live {
		return false
	}
	return st.EndedAt.IsZero() || sessionStart(st).IsZero() || through >= MinuteOf(st.EndedAt)-1
}
