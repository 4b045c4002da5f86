package sweep_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// statsLog records StreamMinute calls; failNext fails the next one.
type statsLog struct {
	mu       sync.Mutex
	minutes  []sweep.StreamMinute
	starts   []time.Time
	failNext error
}

func (s *statsLog) StreamMinute(_ context.Context, _ string, start time.Time, m sweep.StreamMinute) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.failNext; err != nil {
		s.failNext = nil
		return err
	}
	s.minutes = append(s.minutes, m)
	s.starts = append(s.starts, start)
	return nil
}

func names(acts []audience.Activity) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.Username)
	}
	slices.Sort(out)
	return out
}

func TestStreamMinuteStats(t *testing.T) {
	m := watchtime.MinuteOf(now)
	start := m.Start().Add(-10 * time.Minute)
	prev := m.Start().Add(-30 * time.Second)
	st := newStore()
	st.streams["g"] = stream.State{Guild: "g", Live: true, StartedAt: start, StatusAt: start}
	st.activity["g"] = []audience.Activity{
		{UserID: 1, Username: "ann", At: prev}, {UserID: 1, Username: "ann", At: prev.Add(time.Second)},
		{UserID: 2, Username: "bob", At: prev},
		{UserID: 99, Username: "thebot", At: prev},
		// Chatted two minutes back: credited, not a chatter of the minute.
		{UserID: 3, Username: "cy", At: prev.Add(-time.Minute)},
	}
	st.through["g"] = m - 1
	stats := &statsLog{}
	s := &sweep.Sweeper{Store: st, Stats: stats, BotUserID: 99}
	if _, err := s.Run(t.Context(), m, now); err != nil {
		t.Fatal(err)
	}
	if len(stats.minutes) != 1 {
		t.Fatalf("StreamMinute calls = %+v, want one", stats.minutes)
	}
	got := stats.minutes[0]
	if got.Minute != m || !stats.starts[0].Equal(start) || !slices.Equal(names(got.Chatters), []string{"ann", "bob"}) ||
		got.Credits != 4 || got.PointsMilli != 800 {
		// The bot is credited like anyone (the guild ignores it by name
		// if it wants), but never counts as a chatter.
		t.Errorf("StreamMinute(start %v) = minute %d, chatters %v, %d credits, %d milli; want %d at %v, [ann bob], 4, 800",
			stats.starts[0], got.Minute, names(got.Chatters), got.Credits, got.PointsMilli, m, start)
	}
}

func TestStreamMinuteOutsideStream(t *testing.T) {
	m := watchtime.MinuteOf(now)
	for _, tt := range []struct {
		name string
		st   stream.State
	}{
		{"no start known", stream.State{Guild: "g", Live: true}},
		{"after the end", stream.State{Guild: "g", StartedAt: m.Start().Add(-time.Hour), EndedAt: m.Start().Add(-5 * time.Minute), StatusAt: m.Start()}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore()
			st.liveGuild("g", 2)
			st.streams["g"] = tt.st
			st.settings["g"] = settingsTrackingOffline()
			stats := &statsLog{}
			s := &sweep.Sweeper{Store: st, Stats: stats}
			if _, err := s.Run(t.Context(), m, now); err != nil {
				t.Fatal(err)
			}
			if len(stats.minutes) != 0 {
				t.Errorf("StreamMinute calls = %+v, want none", stats.minutes)
			}
		})
	}
}

// TestStreamMinuteAfterTheEnd: the stream ended within the minute before
// (whose credits the last run made, while it was live); the minute after
// credits nobody, but hands the recap the chatters of that last, partial
// minute, once.
func TestStreamMinuteAfterTheEnd(t *testing.T) {
	m := watchtime.MinuteOf(now)
	start, end := m.Start().Add(-time.Hour), m.Start().Add(-30*time.Second)
	st := newStore()
	st.streams["g"] = stream.State{Guild: "g", StartedAt: start, EndedAt: end, StatusAt: end}
	st.activity["g"] = []audience.Activity{
		{UserID: 1, Username: "ann", At: m.Start().Add(-50 * time.Second)},
		{UserID: 2, Username: "bob", At: m.Start().Add(-70 * time.Second)}, // the minute before: counted then
	}
	st.through["g"], st.listed["g"] = m-1, true // as the run of m-1, while live, left it
	stats := &statsLog{}
	s := &sweep.Sweeper{Store: st, Stats: stats}
	for range 2 { // a repeated run hands the same minute again: StreamMinute counts it once
		if _, err := s.Run(t.Context(), m, now); err != nil {
			t.Fatal(err)
		}
	}
	if len(stats.minutes) == 0 {
		t.Fatal("StreamMinute calls: none, want the minute after the end with its chatters")
	}
	got := stats.minutes[0]
	if got.Minute != m || !stats.starts[0].Equal(start) || !slices.Equal(names(got.Chatters), []string{"ann"}) || got.Credits != 0 {
		t.Errorf("StreamMinute(start %v) = minute %d, chatters %v, %d credits; want %d at %v, [ann], 0",
			stats.starts[0], got.Minute, names(got.Chatters), got.Credits, m, start)
	}
	// A minute later the stream is over: nothing more.
	n := len(stats.minutes)
	if _, err := s.Run(t.Context(), m+1, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(stats.minutes) != n {
		t.Errorf("StreamMinute calls after the minute after the end = %+v, want none", stats.minutes[n:])
	}
}

// TestStreamMinuteTransientFailure: the minute's checkpoint waits for its
// stats, so the retry hands them over again.
func TestStreamMinuteTransientFailure(t *testing.T) {
	m := watchtime.MinuteOf(now)
	st := newStore()
	st.liveGuild("g", 2)
	s0 := st.streams["g"]
	s0.StartedAt = m.Start().Add(-time.Hour)
	st.streams["g"] = s0
	stats := &statsLog{failNext: fault.Wrap(fault.Transient, errors.New("throttled"), "stats")}
	s := &sweep.Sweeper{Store: st, Stats: stats}
	if _, err := s.Run(t.Context(), m, now); !fault.Is(err, fault.Transient) {
		t.Fatalf("Run = %v, want Transient", err)
	}
	if _, err := s.Run(t.Context(), m, now); err != nil {
		t.Fatal(err)
	}
	if len(stats.minutes) != 1 || stats.minutes[0].Minute != m || stats.minutes[0].Credits != 2 {
		t.Errorf("StreamMinute calls = %+v, want minute %d with its 2 credits", stats.minutes, m)
	}
}

type pendingAlerts []string

func (p pendingAlerts) PendingLiveAlerts(context.Context) ([]string, error) { return p, nil }

func TestAlertTicksQueued(t *testing.T) {
	m := watchtime.MinuteOf(now)
	for _, inline := range []int{0, 1} {
		st := newStore()
		st.liveGuild("g1", 1)
		st.liveGuild("g2", 1)
		q := &memQueue{}
		s := &sweep.Sweeper{Store: st, Queue: q, Alerts: pendingAlerts{"g2", "g3"}, InlineGuilds: inline}
		for range 2 {
			if _, err := s.Run(t.Context(), m, now); err != nil {
				t.Fatal(err)
			}
		}
		var ticks []string
		for _, j := range q.jobs {
			if j.Kind == job.KindLive {
				ticks = append(ticks, j.ID)
			}
		}
		// A run repeated within the minute queues the same job ids,
		// which the FIFO queue drops.
		want := []string{job.ForLive("g2", int64(m), now).ID, job.ForLive("g3", int64(m), now).ID}
		want = append(want, want...)
		if !slices.Equal(ticks, want) {
			t.Errorf("inline %d: live jobs = %v, want %v", inline, ticks, want)
		}
	}
}

func settingsTrackingOffline() settings.Settings {
	s := settings.Defaults()
	s.TrackOffline = true
	return s
}
