package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// announced records what the go-live alerts announce.
type announced struct{ posts []string }

func (a *announced) Announce(_ context.Context, g string, k announce.Kind, cause string, p announce.Post) error {
	a.posts = append(a.posts, string(k)+" "+cause+" "+p.Embed.Title+" "+p.Embed.Image)
	return nil
}

// TestGoLiveThroughWorker runs a stream's status events and the sweep's
// live jobs through the worker as main wires it, against the fake Kick
// and the embedded store: the alert waits a minute for the thumbnail, a
// duplicated status posts nothing more, and the recap follows the flap
// window.
func TestGoLiveThroughWorker(t *testing.T) {
	ctx := context.Background()
	store := dynamo.New(dynamotest.Table(t, "kickbot"), "kickbot")
	kf, kick, _, rest := fakes(t)
	if liveAlerts(store, nil, &announced{}) != nil || liveAlerts(store, kick, nil) != nil {
		t.Error("go-live alerts wired without Kick or an announcer")
	}
	start := time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)
	now := start
	rec := &announced{}
	w := worker(store, rest, kick, slog.New(slog.NewTextHandler(io.Discard, nil)))
	w.Live = liveAlerts(store, kick, rec)
	w.Now = func() time.Time { return now }
	ch := kickfake.Channel{BroadcasterUserID: broadcaster, Slug: "northwind", Title: "BONUS HUNT", CategoryName: "Slots & Casino", Live: true, StartedAt: start}
	kf.SetChannel(ch)

	status := func(id string, at time.Time, live bool) job.Job {
		st := event.Status{Live: live, StartedAt: start}
		if !live {
			st.EndedAt = at
		}
		return job.ForEvent(guild, event.Event{ID: id, Type: event.LivestreamStatus, SentAt: at, Broadcaster: broadcaster, Status: &st}, nil)
	}
	tick := func(at time.Time) job.Job { return job.ForLive(guild, int64(watchtime.MinuteOf(at)), at) }
	steps := []struct {
		at    time.Duration
		j     func(time.Time) job.Job
		thumb bool
	}{
		{0, func(at time.Time) job.Job { return status("01A", at, true) }, false},
		{time.Second, func(at time.Time) job.Job { return status("01B", at, true) }, false}, // Kick sent it twice
		{time.Minute, tick, true},
		{2 * time.Minute, tick, true},
		{30 * time.Minute, func(at time.Time) job.Job { return status("01C", at, false) }, true},
		{39 * time.Minute, tick, true},
		{40 * time.Minute, tick, true},
		{41 * time.Minute, tick, true},
	}
	for _, s := range steps {
		now = start.Add(s.at)
		if s.thumb && ch.Thumbnail == "" {
			ch.Thumbnail = "https://images.kick.com/video_thumbnails/northwind/1/480.webp"
			kf.SetChannel(ch)
		}
		if err := w.Do(ctx, s.j(now)); err != nil {
			t.Fatalf("at %v: %v", s.at, err)
		}
	}
	cause := golive.Cause(start)
	want := []string{
		"live " + cause + " BONUS HUNT https://images.kick.com/video_thumbnails/northwind/1/480.webp",
		"offline " + cause + " Stream recap: BONUS HUNT ",
	}
	if !slices.Equal(rec.posts, want) {
		t.Errorf("announced %q, want %q", rec.posts, want)
	}
	if f := kf.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
}
