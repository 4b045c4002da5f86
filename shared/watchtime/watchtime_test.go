package watchtime_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// now is a fixed sweep time: 20:10:03, three seconds into its minute.
var now = time.Date(2026, 3, 14, 20, 10, 3, 0, time.UTC)

var m = watchtime.MinuteOf(now)

// act is viewer id's activity ago minutes before minute m's start, 30 s in.
func act(id int64, name string, ago int, badge ...bool) audience.Activity {
	a := audience.Activity{UserID: id, Username: name, At: (m - watchtime.Minute(ago)).Start().Add(30 * time.Second)}
	if len(badge) > 0 {
		a.Subscriber = &badge[0]
	}
	return a
}

func TestMinute(t *testing.T) {
	if got, want := m.Start(), time.Date(2026, 3, 14, 20, 10, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("MinuteOf(%v).Start() = %v, want %v", now, got, want)
	}
	if watchtime.MinuteOf(now.Add(57*time.Second-time.Nanosecond)) != m || watchtime.MinuteOf(now.Add(57*time.Second)) != m+1 {
		t.Error("minute boundaries wrong")
	}
}

func TestPlan(t *testing.T) {
	live := stream.State{Live: true}
	def := settings.Defaults()
	credit := func(id int64, name string, ago int, milli int64) watchtime.Credit {
		return watchtime.Credit{UserID: id, Username: name, Minute: m, At: act(id, name, ago).At, PointsMilli: milli}
	}
	tests := []struct {
		name string
		st   stream.State
		set  func(*settings.Settings)
		acts []audience.Activity
		subs map[int64]watchtime.Subscription
		want []watchtime.Credit
	}{
		{
			name: "live: viewers active in the window earn a minute and 0.2 points",
			st:   live,
			acts: []audience.Activity{act(1, "a", 1), act(2, "b", 3)},
			want: []watchtime.Credit{credit(1, "a", 1, 200), credit(2, "b", 3, 200)},
		},
		{
			name: "offline: nobody",
			acts: []audience.Activity{act(1, "a", 1)},
		},
		{
			name: "offline but tracking offline",
			set:  func(s *settings.Settings) { s.TrackOffline = true },
			acts: []audience.Activity{act(1, "a", 1)},
			want: []watchtime.Credit{credit(1, "a", 1, 200)},
		},
		{
			name: "window edges: five minutes before counts, six does not, nor the minute itself",
			st:   live,
			acts: []audience.Activity{act(1, "a", 5), act(2, "b", 6), act(3, "c", 0)},
			want: []watchtime.Credit{credit(1, "a", 5, 200)},
		},
		{
			name: "later activity does not make an earlier minute owed",
			st:   live,
			acts: []audience.Activity{act(1, "a", -3)},
		},
		{
			name: "a wider window",
			st:   live,
			set:  func(s *settings.Settings) { s.ActivityWindow = 10 * time.Minute },
			acts: []audience.Activity{act(2, "b", 9)},
			want: []watchtime.Credit{credit(2, "b", 9, 200)},
		},
		{
			name: "a stream that started after the minute, or ended before it, owes nothing",
			st:   stream.State{Live: true, StartedAt: now.Add(time.Minute)},
			acts: []audience.Activity{act(1, "a", 1)},
		},
		{
			name: "an ended stream still owes its minutes before the end",
			st:   stream.State{StartedAt: now.Add(-time.Hour), EndedAt: now.Add(2 * time.Minute)},
			acts: []audience.Activity{act(1, "a", 1)},
			want: []watchtime.Credit{credit(1, "a", 1, 200)},
		},
		{
			name: "ignored bots earn nothing, whatever their case",
			st:   live,
			set:  func(s *settings.Settings) { s.Ignored = []string{"botrix"} },
			acts: []audience.Activity{act(1, "BotRix", 1), act(2, "b", 1)},
			want: []watchtime.Credit{credit(2, "b", 1, 200)},
		},
		{
			name: "several activities: one credit, the latest time and name",
			st:   live,
			acts: []audience.Activity{act(1, "old", 4), act(1, "new", 2), act(1, "", 3)},
			want: []watchtime.Credit{credit(1, "new", 2, 200)},
		},
		{
			name: "subscribers (latest badge in the window, or a sub event) get the multiplier",
			st:   live,
			set:  func(s *settings.Settings) { s.SubMultiplierPct = 200 },
			acts: []audience.Activity{
				act(1, "a", 1, true),
				act(2, "b", 1),
				act(3, "c", 3, true), act(3, "c", 1, false), // the badge went away
				act(4, "d", 1),
			},
			subs: map[int64]watchtime.Subscription{2: {Until: now.Add(24 * time.Hour)}, 4: {Until: now.Add(-time.Hour)}},
			want: []watchtime.Credit{credit(1, "a", 1, 400), credit(2, "b", 1, 400), credit(3, "c", 1, 200), credit(4, "d", 1, 200)},
		},
		{
			// Judged from m alone: a run that credits m after a later
			// subscription was recorded pays what a run on time paid.
			name: "a subscription counts from its start: one begun at m's start does, one begun during m does not",
			st:   live,
			set:  func(s *settings.Settings) { s.SubMultiplierPct = 200 },
			acts: []audience.Activity{act(1, "a", 1), act(2, "b", 1), act(3, "c", 1)},
			subs: map[int64]watchtime.Subscription{
				1: {From: m.Start(), Until: m.Start().AddDate(0, 1, 0)},
				2: {From: m.Start().Add(20 * time.Second), Until: m.Start().AddDate(0, 1, 0)},
				3: {From: (m + 2).Start(), Until: m.Start().AddDate(0, 1, 0)},
			},
			want: []watchtime.Credit{credit(1, "a", 1, 400), credit(2, "b", 1, 200), credit(3, "c", 1, 200)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := def
			if tt.set != nil {
				tt.set(&s)
			}
			got := watchtime.Plan(m, tt.st, s, tt.acts, tt.subs)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	live, def := stream.State{Live: true}, settings.Defaults()
	tests := []struct {
		name             string
		through          watchtime.Minute
		ok               bool
		st               stream.State
		wantFrom, wantTo watchtime.Minute
		wantEmpty        bool
	}{
		{"on time: the one minute due", m - 1, true, live, m, m, false},
		{"already done", m, true, live, m + 1, m, true},
		{"behind: catches up at most MaxSpan minutes", m - 100, true, live, m - 99, m - 100 + watchtime.MaxSpan, false},
		{"a new guild reaches MaxSpan back", 0, false, live, m - watchtime.MaxSpan + 1, m, false},
		{"long offline: starts at the stream's start", m - 1000, true, stream.State{Live: true, StartedAt: (m - 2).Start()}, m - 2, m, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, empty := watchtime.Span(tt.through, tt.ok, m, tt.st, def)
			if from != tt.wantFrom || to != tt.wantTo || empty != tt.wantEmpty {
				t.Errorf("Span(%d, %v, %d) = %d, %d, %v; want %d, %d, %v", tt.through, tt.ok, m, from, to, empty, tt.wantFrom, tt.wantTo, tt.wantEmpty)
			}
		})
	}
}

func TestSettledAndBanned(t *testing.T) {
	def := settings.Defaults()
	ended := stream.State{StartedAt: (m - 60).Start(), EndedAt: (m - 5).Start()}
	for _, tt := range []struct {
		through watchtime.Minute
		st      stream.State
		want    bool
	}{
		{m - 7, ended, false}, {m - 6, ended, true}, {m, stream.State{Live: true}, false}, {m, stream.State{}, true},
	} {
		if got := watchtime.Settled(tt.through, tt.st, def); got != tt.want {
			t.Errorf("Settled(%d, %+v) = %v, want %v", tt.through, tt.st, got, tt.want)
		}
	}
	start := m.Start()
	for _, tt := range []struct {
		at, until time.Time
		want      bool
	}{
		{time.Time{}, start.Add(time.Minute), true},             // a ban of unknown start
		{start.Add(-time.Hour), start, false},                   // ended at the minute's start
		{start.Add(time.Second), audience.Forever, false},       // banned during the minute: it was earned
		{start.Add(-time.Second), audience.Forever, true},       // banned before it
		{start.Add(-time.Hour), start.Add(-time.Minute), false}, // a timeout long over
	} {
		if got := watchtime.Banned(m, tt.at, tt.until); got != tt.want {
			t.Errorf("Banned(m, %v, %v) = %v, want %v", tt.at, tt.until, got, tt.want)
		}
	}
}

func ExamplePlan() {
	acts := []audience.Activity{
		{UserID: 1, Username: "pixelpanda", At: now.Add(-2 * time.Minute)},
		{UserID: 2, Username: "lurker", At: now.Add(-time.Hour)},
	}
	credits := watchtime.Plan(watchtime.MinuteOf(now), stream.State{Live: true}, settings.Defaults(), acts, nil)
	fmt.Printf("%d credit(s): viewer %d, %d milli-points\n", len(credits), credits[0].UserID, credits[0].PointsMilli)
	// Output: 1 credit(s): viewer 1, 200 milli-points
}
