package dynamo

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/rewards"
)

// Helpers to build the Kick events the tests deliver, each with its
// delivery id.
func kickUser(id int64) event.User { return event.User{ID: id, Username: fmt.Sprint("user", id)} }

func followEvent(id string, user int64) event.Event {
	return event.Event{ID: id, Type: event.Followed, SentAt: at(5), Broadcaster: 1, Follow: &event.Follow{Follower: kickUser(user)}}
}

func subEvent(id string, user int64) event.Event {
	return event.Event{ID: id, Type: event.SubscriptionNew, SentAt: at(5), Broadcaster: 1, Sub: &event.Sub{Subscriber: kickUser(user), Months: 1}}
}

func giftEvent(id string, gifter event.User, giftees ...int64) event.Event {
	ev := event.Event{ID: id, Type: event.SubscriptionGifts, SentAt: at(5), Broadcaster: 1, Gifts: &event.Gifts{Gifter: gifter}}
	for _, g := range giftees {
		ev.Gifts.Giftees = append(ev.Gifts.Giftees, kickUser(g))
	}
	return ev
}

func kicksEvent(id string, user, amount int64) event.Event {
	return event.Event{ID: id, Type: event.KicksGifted, SentAt: at(5), Broadcaster: 1, Kicks: &event.Kicks{Sender: kickUser(user), Amount: amount}}
}

// setRewards stores the guild's event rewards.
func setRewards(t *testing.T, s *Store, guild string, set rewards.Settings) {
	t.Helper()
	check(t, "PutRewardsOnce", s.PutRewardsOnce(t.Context(), guild, set, interact.Cause{ID: "set-" + guild, Expires: at(60)}))
}

// deliver runs ev through the rewards service as the worker does.
func deliver(t *testing.T, s *Store, guild string, ev event.Event) {
	t.Helper()
	svc := &rewards.Service{Store: s}
	check(t, "Event "+ev.ID, svc.Event(t.Context(), guild, ev, ev.SentAt))
}

// wantNoViewer checks that the guild never recorded user.
func wantNoViewer(t *testing.T, s *Store, guild string, user int64) {
	t.Helper()
	if _, err := s.Viewer(t.Context(), guild, user); !fault.Is(err, fault.NotFound) {
		t.Errorf("Viewer(%s, %d) = %v, want not found", guild, user, err)
	}
}

// runRewardsSuite runs the event-reward cases against a Store that
// newStore makes on an empty table.
func runRewardsSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("DuplicatesCreditOnce", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		setRewards(t, s, "g", rewards.Settings{Sub: 50, Gift: 10, Kicks: 3})
		seedViewer(t, s, "g", 7, 0)
		events := []event.Event{subEvent("d-sub", 7), giftEvent("d-gift", kickUser(8), 20, 21, 22), kicksEvent("d-kicks", 9, 250)}
		// Each delivery three times in a row and four times at once: Kick
		// resending it, SQS delivering the job twice, the job retried.
		for _, ev := range events {
			for range 3 {
				deliver(t, s, "g", ev)
			}
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() { deliver(t, s, "g", ev) })
			}
			wg.Wait()
		}
		wantBalance(t, s, "g", 7, points.FromWhole(50))
		wantBalance(t, s, "g", 8, points.FromWhole(30)) // three gifted subs
		wantBalance(t, s, "g", 9, points.FromWhole(6))  // two whole hundreds
		wantCauses(t, s, "g", 7, "d-sub")
		wantCauses(t, s, "g", 8, "d-gift")
		wantCauses(t, s, "g", 9, "d-kicks")
		for _, giftee := range []int64{20, 21, 22} {
			wantNoViewer(t, s, "g", giftee) // the gifter earns, not the giftees
		}
		e, err := s.Ledger(t.Context(), "g", 8, 1)
		check(t, "Ledger", err)
		want := points.Change{Cause: "d-gift", Op: points.Add, Milli: points.FromWhole(30), Reason: "3 gifted subs", By: rewards.By, At: at(5)}
		if diff := cmp.Diff(want, e[0].Change); diff != "" {
			t.Errorf("gift's ledger entry (-want +got):\n%s", diff)
		}
	})

	t.Run("FirstFollowOnceEver", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		setRewards(t, s, "g", rewards.Settings{Follow: 25})
		// A follower the guild never saw in chat is recorded, with a name
		// /points show can find.
		deliver(t, s, "g", followEvent("f1", 5))
		deliver(t, s, "g", followEvent("f1", 5)) // the same delivery again
		// Unfollow (Kick sends nothing) and follow again: a new delivery.
		deliver(t, s, "g", followEvent("f2", 5))
		deliver(t, s, "g", followEvent("f3", 5))
		wantBalance(t, s, "g", 5, points.FromWhole(25))
		wantCauses(t, s, "g", 5, "f1")
		v, err := s.ViewerByName(t.Context(), "g", "User5")
		check(t, "ViewerByName", err)
		if v.UserID != 5 {
			t.Errorf("ViewerByName(user5) = viewer %d, want 5", v.UserID)
		}
		if got := decodeItem[struct{ Cause string }](t, s, followedKey("g", 5)).Cause; got != "f1" {
			t.Errorf("follow marker's cause = %q, want f1", got)
		}
		// Another viewer's first follow still earns.
		deliver(t, s, "g", followEvent("f4", 6))
		wantBalance(t, s, "g", 6, points.FromWhole(25))
		// The first follow is per guild.
		setRewards(t, s, "h", rewards.Settings{Follow: 2})
		deliver(t, s, "h", followEvent("f2", 5))
		wantBalance(t, s, "h", 5, points.FromWhole(2))
	})

	t.Run("FollowRetryAfterMarker", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		c, _ := rewards.Earned(rewards.Settings{Follow: 4}, followEvent("f1", 5))
		// The first run claimed the marker and stopped before the credit.
		seedViewer(t, s, "g", 5, 0)
		first, err := s.claimFollow(t.Context(), "g", 5, c.Change)
		check(t, "claimFollow", err)
		if !first {
			t.Fatal("claimFollow of a new follower = false, want true")
		}
		// Its retry finishes; another follow does not.
		_, ok, err := s.CreditEvent(t.Context(), "g", c)
		check(t, "CreditEvent", err)
		other, _ := rewards.Earned(rewards.Settings{Follow: 4}, followEvent("f2", 5))
		_, ok2, err := s.CreditEvent(t.Context(), "g", other)
		check(t, "CreditEvent of another follow", err)
		if !ok || ok2 {
			t.Errorf("CreditEvent(retry, other follow) = %v, %v, want true, false", ok, ok2)
		}
		wantBalance(t, s, "g", 5, points.FromWhole(4))
		wantCauses(t, s, "g", 5, "f1")
	})

	t.Run("NothingEarned", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		// Off by default: a guild that set nothing credits nothing.
		deliver(t, s, "off", subEvent("d1", 7))
		deliver(t, s, "off", followEvent("d2", 7))
		wantNoViewer(t, s, "off", 7)

		setRewards(t, s, "g", rewards.Settings{Follow: 1, Sub: 1, Gift: 10, Kicks: 5})
		// An anonymous gift credits nobody: not the giftees, not user 0.
		deliver(t, s, "g", giftEvent("d3", event.User{Anonymous: true}, 20, 21))
		deliver(t, s, "g", giftEvent("d4", event.User{ID: 8, Username: "user8", Anonymous: true}, 22))
		// Fewer than 100 KICKs earn nothing; 199 earn one hundred's worth.
		deliver(t, s, "g", kicksEvent("d5", 9, 99))
		deliver(t, s, "g", kicksEvent("d6", 10, 199))
		for _, u := range []int64{8, 9, 20, 21, 22} {
			wantNoViewer(t, s, "g", u)
		}
		wantBalance(t, s, "g", 10, points.FromWhole(5))
	})

	t.Run("Settings", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		got, err := s.Rewards(ctx, "g")
		check(t, "Rewards", err)
		if diff := cmp.Diff(rewards.Settings{}, got); diff != "" {
			t.Errorf("Rewards of a new guild (-want +got):\n%s", diff)
		}
		set := rewards.Settings{Follow: 1, Sub: 2, Gift: 3, Kicks: 4, Thanks: map[rewards.Kind]string{rewards.Sub: "ty {user}"}}
		c := interact.Cause{ID: "i1", Expires: at(60)}
		check(t, "PutRewardsOnce", s.PutRewardsOnce(ctx, "g", set, c))
		got, err = s.Rewards(ctx, "g")
		check(t, "Rewards", err)
		set.Version = 1
		if diff := cmp.Diff(set, got); diff != "" {
			t.Errorf("Rewards (-want +got):\n%s", diff)
		}
		// A replay changes nothing, even over the version it read.
		if err := s.PutRewardsOnce(ctx, "g", got, c); err != interact.ErrApplied {
			t.Errorf("PutRewardsOnce replayed = %v, want ErrApplied", err)
		}
		stale := rewards.Settings{Sub: 9}
		if err := s.PutRewardsOnce(ctx, "g", stale, interact.Cause{ID: "i2", Expires: at(60)}); !fault.Is(err, fault.Conflict) {
			t.Errorf("PutRewardsOnce over a newer version = %v, want conflict", err)
		}
		if err := s.PutRewardsOnce(ctx, "g", rewards.Settings{Sub: -1, Version: 1}, interact.Cause{ID: "i3", Expires: at(60)}); !fault.Is(err, fault.Invalid) {
			t.Errorf("PutRewardsOnce(negative) = %v, want invalid", err)
		}
		got, err = s.Rewards(ctx, "g")
		check(t, "Rewards", err)
		if diff := cmp.Diff(set, got); diff != "" {
			t.Errorf("Rewards after refused changes (-want +got):\n%s", diff)
		}
	})
}

func TestRewardsEmbedded(t *testing.T) {
	runRewardsSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}
