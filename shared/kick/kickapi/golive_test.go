package kickapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

// liveStore keeps one guild's go-live state in memory; a stream has no
// stats or events here.
type liveStore struct{ s golive.State }

func (m *liveStore) LiveAlert(context.Context, string) (golive.State, error) { return m.s, nil }
func (m *liveStore) SaveLiveAlert(_ context.Context, _ string, s golive.State) error {
	if s.Version != m.s.Version {
		return fault.E(fault.Conflict, "stale")
	}
	s.Version++
	m.s = s
	return nil
}
func (m *liveStore) StreamStats(context.Context, string, time.Time) (golive.Stats, error) {
	return golive.Stats{}, nil
}
func (m *liveStore) EventCounts(context.Context, string, time.Time, time.Time) (golive.Counts, error) {
	return golive.Counts{}, nil
}

// alertLog records each Announce with the minute it came in.
type alertLog struct {
	now   func() time.Time
	posts []announce.Post
	at    []time.Duration
}

func (l *alertLog) Announce(_ context.Context, _ string, k announce.Kind, _ string, p announce.Post) error {
	if k == announce.Live {
		l.posts = append(l.posts, p)
		l.at = append(l.at, l.now().Sub(t0))
	}
	return nil
}

func TestGoLiveLooksUpChannel(t *testing.T) {
	f := newFixture(t)
	f.kick.SetChannel(kickfake.Channel{
		BroadcasterUserID: streamer.ID, Slug: "northwind", Title: "BONUS HUNT 40", CategoryID: 28, CategoryName: "Slots & Casino",
		Live: true, ViewerCount: 1873, StartedAt: t0, Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp",
	})
	got, err := f.client.GoLive(t.Context(), streamer.ID)
	want := golive.Channel{Slug: "northwind", Title: "BONUS HUNT 40", Category: "Slots & Casino", Live: true, StartedAt: t0,
		Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp"}
	if err != nil || got != want {
		t.Errorf("GoLive(%d) = %+v, %v; want %+v", streamer.ID, got, err, want)
	}
	if _, err := f.client.GoLive(t.Context(), 999); !fault.Is(err, fault.NotFound) {
		t.Errorf("GoLive(unknown) error = %v, want NotFound", err)
	}
}

// TestThumbnailRetryWithKick: the alert waits for Kick's thumbnail, one
// try a minute, and goes without it after five minutes.
func TestThumbnailRetryWithKick(t *testing.T) {
	thumb := "https://images.kick.com/video_thumbnails/northwind/1/480.webp"
	tests := []struct {
		name    string
		appears int // the minute Kick has a thumbnail from; -1 never
		wantAt  time.Duration
		image   string
	}{
		{"thumbnail at minute 3", 3, 3 * time.Minute, thumb},
		{"no thumbnail in 5 minutes", -1, 5 * time.Minute, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ch := kickfake.Channel{BroadcasterUserID: streamer.ID, Slug: "northwind", Title: "BONUS HUNT 40", CategoryName: "Slots & Casino", Live: true, StartedAt: t0}
			f.kick.SetChannel(ch)
			log := &alertLog{now: f.clock.Now}
			a := &golive.Alerts{Store: &liveStore{}, Kick: f.client, Announce: log}
			if err := a.Status(t.Context(), "g1", streamer.ID, t0, event.Status{Live: true, StartedAt: t0}, t0); err != nil {
				t.Fatalf("Status: %v", err)
			}
			for m := 1; m <= 7; m++ {
				f.clock.Set(t0.Add(time.Duration(m) * time.Minute))
				if m == tt.appears {
					ch.Thumbnail = thumb
					f.kick.SetChannel(ch)
				}
				if err := a.Tick(t.Context(), "g1", f.clock.Now()); err != nil {
					t.Fatalf("Tick at minute %d: %v", m, err)
				}
			}
			if len(log.posts) != 1 {
				t.Fatalf("alerts posted at %v, want one", log.at)
			}
			if log.at[0] != tt.wantAt || log.posts[0].Embed.Image != tt.image {
				t.Errorf("alert at %v with image %q, want at %v with %q", log.at[0], log.posts[0].Embed.Image, tt.wantAt, tt.image)
			}
			if e := log.posts[0].Embed; e.Title != "BONUS HUNT 40" || e.URL != "https://kick.com/northwind" || e.Fields[0].Value != "Slots & Casino" || !e.Timestamp.Equal(t0) {
				t.Errorf("alert embed = %+v, want the channel's title, page, category and start", e)
			}
			// One channels request at the event and one per minute until
			// the alert went.
			calls := 0
			f.mu.Lock()
			for _, r := range f.requests {
				if r == "GET /public/v1/channels" {
					calls++
				}
			}
			f.mu.Unlock()
			if want := int(tt.wantAt/time.Minute) + 1; calls != want {
				t.Errorf("channels requests = %d, want %d", calls, want)
			}
		})
	}
}
