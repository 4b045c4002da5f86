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

func viewer(id int64, name string, ago time.Duration) audience.Viewer {
	return audience.Viewer{Guild: "g", UserID: id, Username: name, LastChatAt: now.Add(-ago)}
}

func TestMinute(t *testing.T) {
	m := watchtime.MinuteOf(now)
	if got, want := m.Start(), time.Date(2026, 3, 14, 20, 10, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("MinuteOf(%v).Start() = %v, want %v", now, got, want)
	}
	if watchtime.MinuteOf(now.Add(57*time.Second-time.Nanosecond)) != m || watchtime.MinuteOf(now.Add(57*time.Second)) != m+1 {
		t.Error("minute boundaries wrong")
	}
}

func TestPlan(t *testing.T) {
	m := watchtime.MinuteOf(now)
	live := stream.State{Live: true}
	def := settings.Defaults()
	tests := []struct {
		name    string
		st      stream.State
		set     func(*settings.Settings)
		viewers []audience.Viewer
		want    []watchtime.Credit
	}{
		{
			name:    "live: active viewers earn a minute and 0.2 points",
			st:      live,
			viewers: []audience.Viewer{viewer(1, "a", time.Minute), viewer(2, "b", 0)},
			want:    []watchtime.Credit{{UserID: 1, Minute: m, PointsMilli: 200}, {UserID: 2, Minute: m, PointsMilli: 200}},
		},
		{
			name:    "offline: nobody",
			viewers: []audience.Viewer{viewer(1, "a", time.Minute)},
		},
		{
			name:    "offline but tracking offline",
			set:     func(s *settings.Settings) { s.TrackOffline = true },
			viewers: []audience.Viewer{viewer(1, "a", time.Minute)},
			want:    []watchtime.Credit{{UserID: 1, Minute: m, PointsMilli: 200}},
		},
		{
			name:    "window edge: exactly 5 minutes ago counts, a moment more does not",
			st:      live,
			viewers: []audience.Viewer{viewer(1, "a", 5*time.Minute), viewer(2, "b", 5*time.Minute+time.Millisecond)},
			want:    []watchtime.Credit{{UserID: 1, Minute: m, PointsMilli: 200}},
		},
		{
			name:    "a wider window",
			st:      live,
			set:     func(s *settings.Settings) { s.ActivityWindow = 10 * time.Minute },
			viewers: []audience.Viewer{viewer(2, "b", 9*time.Minute)},
			want:    []watchtime.Credit{{UserID: 2, Minute: m, PointsMilli: 200}},
		},
		{
			name: "banned until later: nothing; a timeout that ended: credited",
			st:   live,
			viewers: func() []audience.Viewer {
				a, b := viewer(1, "a", 0), viewer(2, "b", 0)
				a.BannedUntil = now.Add(time.Minute)
				b.BannedUntil = now.Add(-time.Second)
				return []audience.Viewer{a, b}
			}(),
			want: []watchtime.Credit{{UserID: 2, Minute: m, PointsMilli: 200}},
		},
		{
			name:    "ignored bots earn nothing, whatever their case",
			st:      live,
			set:     func(s *settings.Settings) { s.Ignored = []string{"botrix"} },
			viewers: []audience.Viewer{viewer(1, "BotRix", 0), viewer(2, "b", 0)},
			want:    []watchtime.Credit{{UserID: 2, Minute: m, PointsMilli: 200}},
		},
		{
			name: "subscribers (badge or sub event) get the multiplier",
			st:   live,
			set:  func(s *settings.Settings) { s.SubMultiplierPct = 200 },
			viewers: func() []audience.Viewer {
				a, b, c, d := viewer(1, "a", 0), viewer(2, "b", 0), viewer(3, "c", 0), viewer(4, "d", 0)
				a.SubBadge = true
				b.SubUntil = now.Add(24 * time.Hour)
				c.SubUntil = now.Add(-time.Hour) // lapsed
				return []audience.Viewer{a, b, c, d}
			}(),
			want: []watchtime.Credit{
				{UserID: 1, Minute: m, PointsMilli: 400}, {UserID: 2, Minute: m, PointsMilli: 400},
				{UserID: 3, Minute: m, PointsMilli: 200}, {UserID: 4, Minute: m, PointsMilli: 200},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := def
			if tt.set != nil {
				tt.set(&s)
			}
			got := watchtime.Plan(m, now, tt.st, s, tt.viewers)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}

func ExamplePlan() {
	viewers := []audience.Viewer{
		{UserID: 1, Username: "pixelpanda", LastChatAt: now.Add(-2 * time.Minute)},
		{UserID: 2, Username: "lurker", LastChatAt: now.Add(-time.Hour)},
	}
	credits := watchtime.Plan(watchtime.MinuteOf(now), now, stream.State{Live: true}, settings.Defaults(), viewers)
	fmt.Printf("%d credit(s): viewer %d, %d milli-points\n", len(credits), credits[0].UserID, credits[0].PointsMilli)
	// Output: 1 credit(s): viewer 1, 200 milli-points
}
