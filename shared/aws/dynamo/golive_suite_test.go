package dynamo

import (
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var liveT0 = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)

func liveAt(m int) time.Time { return liveT0.Add(time.Duration(m) * time.Minute) }

// runGoLiveSuite covers what the go-live alerts and the recap need from
// the store; it runs on the embedded emulator and on moto.
func runGoLiveSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("State", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newStore(t)
		if got, err := s.LiveAlert(ctx, "g"); err != nil || !cmp.Equal(got, golive.State{}) {
			t.Fatalf("LiveAlert of a new guild = %+v, %v; want the zero State", got, err)
		}
		st := golive.State{
			Broadcaster: 4402117, Live: true, Stream: liveAt(0), Segments: []time.Time{liveAt(0)},
			StatusAt: liveAt(0), AlertSince: liveAt(0), Title: "t", FlapWindow: 5 * time.Minute,
		}
		if err := s.SaveLiveAlert(ctx, "g", st); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveLiveAlert(ctx, "g", st); !fault.Is(err, fault.Conflict) {
			t.Errorf("SaveLiveAlert over a stale version = %v, want Conflict", err)
		}
		got, err := s.LiveAlert(ctx, "g")
		st.Version = 1
		if err != nil || !cmp.Equal(got, st) {
			t.Errorf("LiveAlert = %+v, %v; want %+v", got, err, st)
		}
		if err := s.SaveLiveAlert(ctx, "idle", golive.State{EndedAt: liveAt(1)}); err != nil {
			t.Fatal(err)
		}
		// Pending alerts are listed apart from the guilds the sweep credits.
		if got, err := s.PendingLiveAlerts(ctx); err != nil || !slices.Equal(got, []string{"g"}) {
			t.Errorf("PendingLiveAlerts = %v, %v; want [g]", got, err)
		}
		if got, err := s.SweepGuilds(ctx); err != nil || len(got) != 0 {
			t.Errorf("SweepGuilds = %v, %v; want none", got, err)
		}
		got.AlertSince = time.Time{}
		if err := s.SaveLiveAlert(ctx, "g", got); err != nil {
			t.Fatal(err)
		}
		if got, err := s.PendingLiveAlerts(ctx); err != nil || len(got) != 0 {
			t.Errorf("PendingLiveAlerts after the alert = %v, %v; want none", got, err)
		}
	})
	t.Run("StreamMinute", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newStore(t)
		chatters := func(ids ...int64) []audience.Activity {
			var out []audience.Activity
			for _, id := range ids {
				out = append(out, audience.Activity{UserID: id, Username: string(rune('a' + id))})
			}
			return out
		}
		m := watchtime.MinuteOf(liveAt(1))
		steps := []sweep.StreamMinute{
			{Minute: m, Chatters: chatters(1, 2), Credits: 2, PointsMilli: 400},
			{Minute: m, Chatters: chatters(1, 2), Credits: 2, PointsMilli: 400}, // the sweep again
			{Minute: m + 1, Chatters: chatters(1, 2, 3), Credits: 3, PointsMilli: 600},
			{Minute: m - 1, Chatters: chatters(4), Credits: 9, PointsMilli: 9}, // a stale run
			{Minute: m + 2, Chatters: chatters(3), Credits: 3, PointsMilli: 600},
		}
		for _, sm := range steps {
			if err := s.StreamMinute(ctx, "g", liveAt(0), sm); err != nil {
				t.Fatalf("StreamMinute(%d): %v", sm.Minute, err)
			}
		}
		got, err := s.StreamStats(ctx, "g", liveAt(0))
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got.Chatters, func(a, b golive.Chatter) int { return int(a.UserID - b.UserID) })
		want := golive.Stats{Peak: 3, Minutes: 8, PointsMilli: 1600, Chatters: []golive.Chatter{
			{UserID: 1, Name: "b", Minutes: 2}, {UserID: 2, Name: "c", Minutes: 2}, {UserID: 3, Name: "d", Minutes: 2},
		}}
		// The stale run's chatter 4 had no minute of this part yet: counted,
		// as a late minute of a viewer is; its totals are refused.
		want.Chatters = append(want.Chatters, golive.Chatter{UserID: 4, Name: "e", Minutes: 1})
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("StreamStats (-want +got):\n%s", diff)
		}
		if other, err := s.StreamStats(ctx, "g", liveAt(1)); err != nil || len(other.Chatters) != 0 || other.Minutes != 0 {
			t.Errorf("StreamStats of another part = %+v, %v; want nothing", other, err)
		}
	})
	t.Run("EventCounts", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		s := newStore(t)
		u := event.User{ID: 7, Username: "ann"}
		events := []event.Event{
			{ID: "before", Type: event.Followed, SentAt: liveAt(-1), Follow: &event.Follow{Follower: u}},
			{ID: "f1", Type: event.Followed, SentAt: liveAt(0), Follow: &event.Follow{Follower: u}},
			{ID: "f2", Type: event.Followed, SentAt: liveAt(3), Follow: &event.Follow{Follower: event.User{ID: 8}}},
			{ID: "s1", Type: event.SubscriptionNew, SentAt: liveAt(4), Sub: &event.Sub{Subscriber: u}},
			{ID: "s2", Type: event.SubscriptionRenew, SentAt: liveAt(5), Sub: &event.Sub{Subscriber: u}},
			{ID: "g1", Type: event.SubscriptionGifts, SentAt: liveAt(6), Gifts: &event.Gifts{Gifter: u, Giftees: []event.User{{ID: 1}, {ID: 2}, {ID: 3}}}},
			{ID: "k1", Type: event.KicksGifted, SentAt: liveAt(7), Kicks: &event.Kicks{Sender: u, Amount: 100}},
			{ID: "k2", Type: event.KicksGifted, SentAt: liveAt(8), Kicks: &event.Kicks{Sender: u, Amount: 50}},
			{ID: "r1", Type: event.RewardRedemption, SentAt: liveAt(8), Redemption: &event.Redemption{}},
			{ID: "after", Type: event.Followed, SentAt: liveAt(10), Follow: &event.Follow{Follower: u}},
		}
		for _, ev := range events {
			if err := s.LogEvent(ctx, "g", ev, time.Time{}); err != nil {
				t.Fatalf("LogEvent(%s): %v", ev.ID, err)
			}
		}
		got, err := s.EventCounts(ctx, "g", liveAt(0), liveAt(10))
		want := golive.Counts{Follows: 2, Subs: 2, GiftedSubs: 3, Kicks: 150}
		if err != nil || got != want {
			t.Errorf("EventCounts = %+v, %v; want %+v", got, err, want)
		}
	})
}

func TestGoLiveEmbedded(t *testing.T) {
	runGoLiveSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
