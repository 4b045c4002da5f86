package dynamo_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var liveT0 = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)

func liveAt(m int) time.Time { return liveT0.Add(time.Duration(m) * time.Minute) }

func TestStreamMinuteCost(t *testing.T) {
	client := dynamotest.Table(t, "streamcost")
	m := watchtime.MinuteOf(liveAt(1))
	sm := sweep.StreamMinute{Minute: m, Credits: 3, PointsMilli: 600,
		Chatters: []audience.Activity{{UserID: 1, Username: "a"}, {UserID: 2, Username: "b"}, {UserID: 3, Username: "c"}}}
	cost := dynamotest.Measure(t, client, "streamcost", func(s *dynamo.Store) error {
		return s.StreamMinute(context.Background(), "g", liveAt(0), sm)
	})
	// One write per chatter of the minute, on the part's own sharded keys,
	// and two on the part's stats item; no index.
	if cost.Writes != 5 || cost.Units["GUILD#g"] != 2 {
		t.Errorf("StreamMinute of 3 chatters cost %+v, want 5 writes, 2 units on GUILD#g", cost)
	}
	var chat float64
	for k, u := range cost.Units {
		if k != "GUILD#g" {
			chat += u
		}
	}
	if chat != 3 {
		t.Errorf("chatter units = %v, want 3", chat)
	}
}

// announced records the Announce calls of a test.
type announced struct{ posts []announce.Post }

func (a *announced) Announce(_ context.Context, _ string, _ announce.Kind, _ string, p announce.Post) error {
	a.posts = append(a.posts, p)
	return nil
}

type fixedKick golive.Channel

func (k fixedKick) GoLive(context.Context, int64) (golive.Channel, error) {
	return golive.Channel(k), nil
}

// TestStreamRecap runs a small stream through the store: status events,
// chat, the sweep each minute (one minute twice), events, the end and the
// recap's tick, and checks the recap's numbers against the viewers'.
func TestStreamRecap(t *testing.T) {
	ctx := t.Context()
	s := dynamo.New(dynamotest.Table(t, "streamrecap"), "streamrecap")
	rec := &announced{}
	alerts := &golive.Alerts{Store: s, Announce: rec,
		Kick: fixedKick{Slug: "northwind", Title: "BONUS HUNT", Category: "Slots & Casino", Live: true, Thumbnail: "https://img"}}
	sw := &sweep.Sweeper{Store: s, Stats: s}
	status := func(m int, live bool) {
		t.Helper()
		st := event.Status{Live: live, StartedAt: liveAt(0)}
		if !live {
			st.EndedAt = liveAt(m)
		}
		if err := s.SetStreamStatus(ctx, "g", liveAt(m), st); err != nil {
			t.Fatal(err)
		}
		if err := alerts.Status(ctx, "g", 4402117, liveAt(m), st, liveAt(m)); err != nil {
			t.Fatal(err)
		}
	}
	chat := func(m int, sec int, id int64, name string) {
		t.Helper()
		a := audience.Activity{UserID: id, Username: name, At: liveAt(m).Add(time.Duration(sec) * time.Second)}
		if err := s.TouchViewer(ctx, "g", a); err != nil {
			t.Fatal(err)
		}
	}
	sweepAt := func(m int) {
		t.Helper()
		if _, err := sw.Guild(ctx, "g", watchtime.MinuteOf(liveAt(m)), liveAt(m)); err != nil {
			t.Fatal(err)
		}
	}
	status(0, true)
	chat(0, 5, 1, "ann")
	chat(0, 30, 1, "ann")
	chat(0, 40, 2, "bob")
	sweepAt(1)
	chat(1, 10, 1, "ann")
	chat(1, 20, 3, "cy")
	sweepAt(2)
	sweepAt(2)
	chat(2, 10, 1, "ann")
	sweepAt(3)
	for _, ev := range []event.Event{
		{ID: "f1", Type: event.Followed, SentAt: liveAt(1), Follow: &event.Follow{Follower: event.User{ID: 9}}},
		{ID: "k1", Type: event.KicksGifted, SentAt: liveAt(2), Kicks: &event.Kicks{Sender: event.User{ID: 2}, Amount: 100}},
	} {
		if err := s.LogEvent(ctx, "g", ev, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	sweepAt(4)
	status(5, false)
	for m := 5; m <= 8; m++ {
		sweepAt(m)
	}
	if err := alerts.Tick(ctx, "g", liveAt(14)); err != nil {
		t.Fatal(err)
	}
	if len(rec.posts) != 1 {
		t.Fatalf("posts before the flap window passed = %d, want the alert only", len(rec.posts))
	}
	if err := alerts.Tick(ctx, "g", liveAt(15)); err != nil {
		t.Fatal(err)
	}
	if len(rec.posts) != 2 {
		t.Fatalf("posts = %d, want the alert and the recap", len(rec.posts))
	}
	// The viewers' own totals, all from this stream, are what the recap
	// must have counted.
	var minutes, points int64
	for id := int64(1); id <= 3; id++ {
		v, err := s.Viewer(ctx, "g", id)
		if err != nil {
			t.Fatal(err)
		}
		minutes += v.WatchMinutes
		points += v.PointsMilli
	}
	got := rec.posts[1].Vars
	want := map[string]string{
		"channel": "northwind", "title": "BONUS HUNT", "category": "Slots & Casino", "url": "https://kick.com/northwind",
		"duration": "5m", "peak": "2", "chatters": "3", "minutes": strconv.FormatInt(minutes, 10), "points": strconv.FormatInt(points/1000, 10),
		"follows": "1", "subs": "0", "gifts": "0", "kicks": "100",
	}
	if !maps.Equal(got, want) {
		t.Errorf("recap vars = %v\nwant %v", got, want)
	}
	if minutes == 0 {
		t.Errorf("the viewers earned no minutes: the stream credited nothing")
	}
	top := rec.posts[1].Embed.Fields[len(rec.posts[1].Embed.Fields)-1]
	if wantTop := "1. ann (3 min)\n2. bob (1 min)\n3. cy (1 min)"; top.Value != wantTop {
		t.Errorf("top chatters = %q, want %q", top.Value, wantTop)
	}
}
