package dynamo

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// runSweepSuite covers what the sweep needs from the store; it runs in
// both tiers as part of runStoreSuite.
func runSweepSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Credit", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		m := watchtime.MinuteOf(at(10))
		steps := []struct {
			name   string
			minute watchtime.Minute
			want   bool
		}{
			{"first credit of minute M", m, true},
			{"M again (a repeated sweep)", m, false},
			{"M+1", m + 1, true},
			{"M-1 after M+1 (a stale run)", m - 1, false},
			{"M+5 (minutes the viewer did not earn between)", m + 5, true},
		}
		for _, st := range steps {
			got, err := s.Credit(ctx, "g", watchtime.Credit{UserID: 1, Username: "a", Minute: st.minute, PointsMilli: 200, At: at(9)})
			check(t, st.name, err)
			if got != st.want {
				t.Errorf("%s: Credit = %v, want %v", st.name, got, st.want)
			}
		}
		v, err := s.Viewer(ctx, "g", 1)
		check(t, "Viewer", err)
		if v.WatchMinutes != 3 || v.PointsMilli != 600 || v.Username != "a" || !v.LastChatAt.Equal(at(9)) {
			t.Errorf("viewer 1 = %+v; want 3 minutes, 600 milli-points, named a, last active at %v", v, at(9))
		}
	})

	t.Run("CreditConcurrently", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		var credited atomic.Int64
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				ok, err := s.Credit(ctx, "g", watchtime.Credit{UserID: 1, Minute: watchtime.MinuteOf(at(10)), PointsMilli: 200})
				if err != nil {
					t.Error(err)
				}
				if ok {
					credited.Add(1)
				}
			})
		}
		wg.Wait()
		v, err := s.Viewer(ctx, "g", 1)
		check(t, "Viewer", err)
		if credited.Load() != 1 || v.WatchMinutes != 1 {
			t.Errorf("10 concurrent credits of one minute: %d succeeded, %d minutes stored; want 1, 1", credited.Load(), v.WatchMinutes)
		}
	})

	t.Run("Bans", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		u := event.User{ID: 1, Username: "a"}
		check(t, "RecordBan", s.RecordBan(ctx, "g", u, at(8), at(20)))
		credit := func(minute int) bool {
			ok, err := s.Credit(ctx, "g", watchtime.Credit{UserID: 1, Minute: watchtime.MinuteOf(at(minute)), PointsMilli: 200})
			check(t, "Credit", err)
			return ok
		}
		if credit(10) {
			t.Error("a viewer timed out until minute 20 was credited at minute 10")
		}
		if !credit(20) {
			t.Error("a viewer whose timeout ended was not credited")
		}
		check(t, "RecordBan", s.RecordBan(ctx, "g", u, at(20), audience.Forever))
		if credit(21) {
			t.Error("a permanently banned viewer was credited")
		}
	})

	t.Run("BanOrder", func(t *testing.T) {
		t.Parallel()
		// Each case applies its steps in arrival order to a fresh viewer and
		// checks the ban stored: the latest issued wins, whatever arrived
		// last.
		type step struct {
			unban         bool
			issued, until time.Time
		}
		ban := func(issued, until time.Time) step { return step{issued: issued, until: until} }
		unban := func(issued time.Time) step { return step{unban: true, issued: issued} }
		tests := []struct {
			name      string
			steps     []step
			wantUntil time.Time
		}{
			{"an older timeout arriving after a permanent ban", []step{ban(at(5), audience.Forever), ban(at(4), at(14))}, audience.Forever},
			{"a newer timeout after a permanent ban (the moderator changed it)", []step{ban(at(4), audience.Forever), ban(at(5), at(15))}, at(15)},
			{"a permanent ban arriving after a newer timeout", []step{ban(at(5), at(15)), ban(at(4), audience.Forever)}, at(15)},
			{"the same ban twice", []step{ban(at(5), at(15)), ban(at(5), at(15))}, at(15)},
			{"same millisecond, timeout first", []step{ban(at(5), at(15)), ban(at(5), audience.Forever)}, audience.Forever},
			{"same millisecond, ban first", []step{ban(at(5), audience.Forever), ban(at(5), at(15))}, audience.Forever},
			{"an unban after the ban", []step{ban(at(5), audience.Forever), unban(at(6))}, time.Time{}},
			{"an older ban arriving after an unban", []step{unban(at(6)), ban(at(5), audience.Forever)}, time.Time{}},
			{"a newer ban after an unban", []step{ban(at(4), audience.Forever), unban(at(5)), ban(at(6), at(16))}, at(16)},
			{"an unban older than the ban", []step{ban(at(6), audience.Forever), unban(at(5))}, audience.Forever},
			{"the same unban twice", []step{ban(at(4), audience.Forever), unban(at(5)), unban(at(5))}, time.Time{}},
		}
		s := newStore(t)
		ctx := t.Context()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				u := event.User{ID: int64(i + 1), Username: fmt.Sprintf("v%d", i)}
				_, err := s.Credit(ctx, "g", watchtime.Credit{UserID: u.ID, Username: u.Username, Minute: 1})
				check(t, "Credit", err)
				for _, st := range tt.steps {
					if st.unban {
						_, err := s.Unban(ctx, "g", u.ID, st.issued)
						check(t, "Unban", err)
					} else {
						check(t, "RecordBan", s.RecordBan(ctx, "g", u, st.issued, st.until))
					}
				}
				v, err := s.Viewer(ctx, "g", u.ID)
				check(t, "Viewer", err)
				if !v.BannedUntil.Equal(tt.wantUntil) {
					t.Errorf("BannedUntil = %v, want %v", v.BannedUntil, tt.wantUntil)
				}
			})
		}
	})

	t.Run("Unban", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		u := event.User{ID: 1, Username: "a"}
		check(t, "RecordBan", s.RecordBan(ctx, "g", u, at(1), audience.Forever))
		v, err := s.Unban(ctx, "g", 1, at(10))
		check(t, "Unban", err)
		if v.Banned(at(10)) || !v.BannedAt.Equal(at(10)) || v.UserID != 1 {
			t.Errorf("Unban = %+v, want viewer 1 not banned, bannedAt %v", v, at(10))
		}
		ok, err := s.Credit(ctx, "g", watchtime.Credit{UserID: 1, Minute: watchtime.MinuteOf(at(11)), PointsMilli: 200})
		check(t, "Credit", err)
		if !ok {
			t.Error("an unbanned viewer was not credited")
		}
		// A newer ban stands; the answer shows it.
		check(t, "RecordBan", s.RecordBan(ctx, "g", u, at(12), at(30)))
		v, err = s.Unban(ctx, "g", 1, at(11))
		check(t, "Unban (older than the ban)", err)
		if !v.BannedUntil.Equal(at(30)) {
			t.Errorf("Unban older than the ban = %+v, want the ban until %v kept", v, at(30))
		}
		if _, err := s.Unban(ctx, "g", 99, at(13)); !fault.Is(err, fault.NotFound) {
			t.Errorf("Unban(never seen) = %v, want not found", err)
		}
		if _, err := s.Viewer(ctx, "g", 99); !fault.Is(err, fault.NotFound) {
			t.Errorf("Viewer(99) after Unban = %v, want not found (no item created)", err)
		}
		for name, err := range map[string]error{
			"Unban without a guild":  func() error { _, err := s.Unban(ctx, "", 1, at(1)); return err }(),
			"Unban without a time":   func() error { _, err := s.Unban(ctx, "g", 1, time.Time{}); return err }(),
			"RecordBan without time": s.RecordBan(ctx, "g", u, time.Time{}, audience.Forever),
		} {
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("%s = %v, want invalid", name, err)
			}
		}
	})

	t.Run("ActivityAndSubscriptions", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		sub, notSub := true, false
		// Viewers over every shard, some twice in a minute, one a minute later.
		for id := int64(1); id <= 40; id++ {
			check(t, "TouchViewer", s.TouchViewer(ctx, "g", audience.Activity{UserID: id, Username: "v", At: at(1)}))
		}
		check(t, "TouchViewer (again, badge)", s.TouchViewer(ctx, "g", audience.Activity{UserID: 1, Username: "v", At: at(1).Add(20 * time.Second), Subscriber: &sub}))
		check(t, "TouchViewer (next minute, no badge)", s.TouchViewer(ctx, "g", audience.Activity{UserID: 1, Username: "v", At: at(2), Subscriber: &notSub}))
		check(t, "TouchViewer (other guild)", s.TouchViewer(ctx, "other", audience.Activity{UserID: 1, Username: "v", At: at(1)}))
		acts, err := s.Activity(ctx, "g", watchtime.MinuteOf(at(1)), watchtime.MinuteOf(at(1)))
		check(t, "Activity", err)
		seen := map[int64]audience.Activity{}
		for _, a := range acts {
			if _, dup := seen[a.UserID]; dup {
				t.Errorf("Activity lists viewer %d twice in one minute", a.UserID)
			}
			seen[a.UserID] = a
		}
		if len(seen) != 40 || seen[1].Subscriber == nil || !*seen[1].Subscriber || !seen[1].At.Equal(at(1).Add(20*time.Second)) {
			t.Errorf("Activity(minute 1) = %d viewers, viewer 1 %+v; want 40, with the badge and the later time", len(seen), seen[1])
		}
		acts, err = s.Activity(ctx, "g", watchtime.MinuteOf(at(2)), watchtime.MinuteOf(at(5)))
		check(t, "Activity", err)
		if len(acts) != 1 || acts[0].UserID != 1 || *acts[0].Subscriber {
			t.Errorf("Activity(minutes 2-5) = %+v, want viewer 1 without the badge", acts)
		}
		u := event.User{ID: 1, Username: "a"}
		check(t, "RecordSubscription", s.RecordSubscription(ctx, "g", u, at(10), at(100)))
		check(t, "RecordSubscription (earlier end)", s.RecordSubscription(ctx, "g", u, at(20), at(50)))
		subs, err := s.Subscriptions(ctx, "g")
		check(t, "Subscriptions", err)
		if want := (watchtime.Subscription{From: at(10), Until: at(100)}); len(subs) != 1 || !subs[1].From.Equal(want.From) || !subs[1].Until.Equal(want.Until) {
			t.Errorf("Subscriptions = %v, want viewer 1 %v", subs, want)
		}
	})

	t.Run("Checkpoint", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		if cp, err := s.Checkpoint(ctx, "g"); cp.OK || err != nil {
			t.Errorf("Checkpoint of a new guild = %+v, %v; want none", cp, err)
		}
		check(t, "Advance", s.Advance(ctx, "g", 100, true))
		check(t, "Advance (back)", s.Advance(ctx, "g", 90, true))
		if cp, err := s.Checkpoint(ctx, "g"); cp.Through != 100 || !cp.OK || err != nil {
			t.Errorf("Checkpoint = %+v, %v; want 100 (never moved back)", cp, err)
		}
		got, err := s.SweepGuilds(ctx)
		check(t, "SweepGuilds", err)
		if diff := cmp.Diff([]string{"g"}, got); diff != "" {
			t.Errorf("SweepGuilds with a listed checkpoint (-want +got):\n%s", diff)
		}
		check(t, "Advance (settled)", s.Advance(ctx, "g", 101, false))
		if got, err := s.SweepGuilds(ctx); err != nil || len(got) != 0 {
			t.Errorf("SweepGuilds after the guild settled = %v, %v; want none", got, err)
		}
	})

	t.Run("Settings", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		got, err := s.Settings(ctx, "g")
		check(t, "Settings", err)
		if diff := cmp.Diff(settings.Defaults(), got); diff != "" {
			t.Errorf("unset settings (-defaults +got):\n%s", diff)
		}
		want := settings.Settings{ActivityWindow: 10 * time.Minute, PointsPer5Min: 3, SubMultiplierPct: 150,
			TrackOffline: true, Ignored: []string{"botrix"}, AnnounceChannel: "555"}
		check(t, "PutSettings", s.PutSettings(ctx, "g", want))
		got, err = s.Settings(ctx, "g")
		check(t, "Settings", err)
		want.Version = 1
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("settings round trip (-want +got):\n%s", diff)
		}
		// A write over a version that is no longer stored changes nothing:
		// two admins at once, or a stale read.
		stale := want
		stale.Version, stale.PointsPer5Min = 0, 9
		if err := s.PutSettings(ctx, "g", stale); !fault.Is(err, fault.Conflict) {
			t.Errorf("PutSettings over a stale version = %v, want Conflict", err)
		}
		next := got
		next.PointsPer5Min = 4
		check(t, "PutSettings", s.PutSettings(ctx, "g", next))
		if err := s.PutSettings(ctx, "g", next); !fault.Is(err, fault.Conflict) {
			t.Errorf("PutSettings of the same read twice = %v, want Conflict", err)
		}
		if got, err := s.Settings(ctx, "g"); err != nil || got.PointsPer5Min != 4 || got.Version != 2 {
			t.Errorf("after one update: %+v, %v; want 4 points per 5 minutes at version 2", got, err)
		}
		bad := want
		bad.PointsPer5Min = -1
		if err := s.PutSettings(ctx, "g", bad); !fault.Is(err, fault.Invalid) {
			t.Errorf("PutSettings(out of range) = %v, want invalid", err)
		}
	})

	t.Run("SweepGuilds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "live", at(1), event.Status{Live: true}))
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "ended", at(1), event.Status{Live: true}))
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "ended", at(2), event.Status{Live: false}))
		offline := settings.Defaults()
		offline.TrackOffline = true
		check(t, "PutSettings", s.PutSettings(ctx, "offline-tracker", offline))
		check(t, "PutSettings", s.PutSettings(ctx, "live", offline)) // live and tracking: listed once
		check(t, "PutSettings", s.PutSettings(ctx, "plain", settings.Defaults()))
		got, err := s.SweepGuilds(ctx)
		check(t, "SweepGuilds", err)
		if diff := cmp.Diff([]string{"live", "offline-tracker"}, got); diff != "" {
			t.Errorf("SweepGuilds (-want +got):\n%s", diff)
		}
		live, err := s.LiveGuilds(ctx)
		check(t, "LiveGuilds", err)
		if diff := cmp.Diff([]string{"live"}, live); diff != "" {
			t.Errorf("LiveGuilds (-want +got):\n%s", diff)
		}
		stored, err := s.Settings(ctx, "offline-tracker")
		check(t, "Settings", err)
		stored.TrackOffline = false
		check(t, "PutSettings", s.PutSettings(ctx, "offline-tracker", stored))
		got, err = s.SweepGuilds(ctx)
		check(t, "SweepGuilds", err)
		if diff := cmp.Diff([]string{"live"}, got); diff != "" {
			t.Errorf("SweepGuilds after tracking offline was turned off (-want +got):\n%s", diff)
		}
	})

	t.Run("ViewerByName", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		credit := func(guild string, id int64, name string, active time.Time) {
			_, err := s.Credit(ctx, guild, watchtime.Credit{UserID: id, Username: name, Minute: watchtime.MinuteOf(active) + 1, At: active})
			check(t, "Credit", err)
		}
		credit("g", 1, "PixelPanda", at(1))
		credit("other", 9, "pixelpanda", at(5))
		// Kick reuses a name after a rename: the most recently active wins.
		credit("g", 2, "Reused", at(1))
		credit("g", 3, "reused", at(2))
		check(t, "RecordBan", s.RecordBan(ctx, "g", event.User{ID: 4, Username: "Spammer"}, at(1), at(60)))
		for _, tc := range []struct {
			name string
			want int64
		}{{"pixelpanda", 1}, {" PIXELPANDA ", 1}, {"reused", 3}, {"spammer", 4}} {
			v, err := s.ViewerByName(ctx, "g", tc.name)
			if err != nil || v.UserID != tc.want {
				t.Errorf("ViewerByName(g, %q) = %d, %v; want %d", tc.name, v.UserID, err, tc.want)
			}
		}
		if _, err := s.ViewerByName(ctx, "g", "nobody"); !fault.Is(err, fault.NotFound) {
			t.Errorf("ViewerByName(nobody) = %v, want not found", err)
		}
		if _, err := s.ViewerByName(ctx, "g", "  "); !fault.Is(err, fault.Invalid) {
			t.Errorf("ViewerByName(blank) = %v, want invalid", err)
		}
	})

	t.Run("Connections", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "Connect", s.Connect(ctx, "g1", 100, at(0)))
		check(t, "Connect", s.Connect(ctx, "g2", 100, at(0)))
		check(t, "Connect", s.Connect(ctx, "g3", 7, at(0)))
		got, err := s.Connections(ctx)
		check(t, "Connections", err)
		slices.SortFunc(got, func(a, b stream.Connection) int { return strings.Compare(a.Guild, b.Guild) })
		want := []stream.Connection{{Guild: "g1", Broadcaster: 100}, {Guild: "g2", Broadcaster: 100}, {Guild: "g3", Broadcaster: 7}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Connections (-want +got):\n%s", diff)
		}
		for guild, want := range map[string]bool{"g1": true, "g3": true, "unknown": false} {
			if got, err := s.Connected(ctx, guild); err != nil || got != want {
				t.Errorf("Connected(%s) = %v, %v; want %v", guild, got, err, want)
			}
		}
	})
}
