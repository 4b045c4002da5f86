package rewards_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/rewards"
)

// fakeStore keeps settings and credits in memory, once per cause like the
// real store; a mock of our own interface.
type fakeStore struct {
	set      rewards.Settings
	credits  map[string]rewards.Credit // by cause
	followed map[int64]string          // follower → the cause of their first follow
	err      error                     // returned by every call when set
	applied  map[string]bool           // interaction ids that took effect
}

func (f *fakeStore) Rewards(context.Context, string) (rewards.Settings, error) {
	return f.set, f.err
}

func (f *fakeStore) CreditEvent(_ context.Context, _ string, c rewards.Credit) (points.Entry, bool, error) {
	if f.err != nil {
		return points.Entry{}, false, f.err
	}
	if f.credits == nil {
		f.credits, f.followed = map[string]rewards.Credit{}, map[int64]string{}
	}
	if c.FirstFollow {
		if first, ok := f.followed[c.User.ID]; ok && first != c.Change.Cause {
			return points.Entry{}, false, nil
		}
		f.followed[c.User.ID] = c.Change.Cause
	}
	f.credits[c.Change.Cause] = c
	return points.Entry{Change: c.Change}, true, nil
}

func (f *fakeStore) PutRewardsOnce(_ context.Context, _ string, s rewards.Settings, c interact.Cause) error {
	if f.err != nil {
		return f.err
	}
	if f.applied[c.ID] {
		return interact.ErrApplied
	}
	if s.Version != f.set.Version {
		return fault.E(fault.Conflict, "changed meanwhile")
	}
	if f.applied == nil {
		f.applied = map[string]bool{}
	}
	f.applied[c.ID] = true
	s.Version++
	f.set = s
	return nil
}

// fakeSayer says each (broadcaster, cause) once, as chat.Sender does.
type fakeSayer struct {
	said []chat.Message
	err  error
}

func (f *fakeSayer) Say(_ context.Context, m chat.Message, _ time.Time) (chat.Outcome, error) {
	if f.err != nil {
		return 0, f.err
	}
	for _, s := range f.said {
		if s.Broadcaster == m.Broadcaster && s.Cause == m.Cause {
			return chat.Repeated, nil
		}
	}
	f.said = append(f.said, m)
	return chat.Sent, nil
}

func TestServiceThanksOncePerCause(t *testing.T) {
	st := &fakeStore{set: rewards.Settings{Sub: 10, Thanks: map[rewards.Kind]string{rewards.Sub: "Thanks {user}, {months} months!"}}}
	say := &fakeSayer{}
	svc := &rewards.Service{Store: st, Say: say}
	ev := sub("d1", event.SubscriptionRenew, user(7, "alice"), 3)
	for range 3 { // a duplicated delivery and a retried job
		if err := svc.Event(t.Context(), "g", ev, sent.Add(time.Second)); err != nil {
			t.Fatalf("Event = %v", err)
		}
	}
	want := []chat.Message{{Broadcaster: 1, Text: "Thanks alice, 3 months!", Cause: "thanks/d1"}}
	if diff := cmp.Diff(want, say.said); diff != "" {
		t.Errorf("said (-want +got):\n%s", diff)
	}
	if c, ok := st.credits["d1"]; len(st.credits) != 1 || !ok || c.Change.Milli != points.FromWhole(10) {
		t.Errorf("credits = %v, want one of 10 points for d1", st.credits)
	}
}

func TestServiceEvents(t *testing.T) {
	thanks := map[rewards.Kind]string{rewards.Sub: "sub {user}", rewards.Gift: "gift {gifter} {count}", rewards.Kicks: "kicks {user} {amount}"}
	late := sent.Add(3 * time.Minute)
	tests := []struct {
		name        string
		set         rewards.Settings
		ev          event.Event
		now         time.Time
		sayErr      error
		wantSaid    []string
		wantCredits int
		wantKind    fault.Kind // of the error, 0 for none
	}{
		{"off by default", rewards.Settings{}, sub("d1", event.SubscriptionNew, user(7, "a"), 1), sent, nil, nil, 0, 0},
		{"points without thanks", rewards.Settings{Sub: 1}, sub("d1", event.SubscriptionNew, user(7, "a"), 1), sent, nil, nil, 1, 0},
		{"thanks without points", rewards.Settings{Thanks: thanks}, gifts("d1", user(8, "bob"), 2), sent, nil, []string{"gift bob 2"}, 0, 0},
		{"an anonymous gift is thanked, credits nobody", rewards.Settings{Gift: 5, Thanks: thanks}, gifts("d1", event.User{Anonymous: true}, 2), sent,
			nil, []string{"gift Anonymous 2"}, 0, 0},
		{"KICKs below 100 are thanked, earn nothing", rewards.Settings{Kicks: 5, Thanks: thanks}, kicks("d1", user(9, "c"), 50), sent,
			nil, []string{"kicks c 50"}, 0, 0},
		{"a late thank-you is dropped, the points stay", rewards.Settings{Sub: 1, Thanks: thanks}, sub("d1", event.SubscriptionNew, user(7, "a"), 1), late,
			nil, nil, 1, 0},
		{"a channel to reconnect drops the thank-you", rewards.Settings{Sub: 1, Thanks: thanks}, sub("d1", event.SubscriptionNew, user(7, "a"), 1), sent,
			fault.E(fault.Forbidden, "reconnect"), nil, 1, 0},
		{"a transient failure is retried", rewards.Settings{Sub: 1, Thanks: thanks}, sub("d1", event.SubscriptionNew, user(7, "a"), 1), sent,
			fault.E(fault.Transient, "kick down"), nil, 1, fault.Transient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, say := &fakeStore{set: tc.set}, &fakeSayer{err: tc.sayErr}
			err := (&rewards.Service{Store: st, Say: say}).Event(t.Context(), "g", tc.ev, tc.now)
			if fault.KindOf(err) != tc.wantKind || (err == nil) != (tc.wantKind == 0) {
				t.Errorf("Event = %v, want kind %v", err, tc.wantKind)
			}
			var said []string
			for _, m := range say.said {
				said = append(said, m.Text)
			}
			if diff := cmp.Diff(tc.wantSaid, said); diff != "" {
				t.Errorf("said (-want +got):\n%s", diff)
			}
			if len(st.credits) != tc.wantCredits {
				t.Errorf("credits = %v, want %d", st.credits, tc.wantCredits)
			}
		})
	}
}

func TestServiceStoreFailure(t *testing.T) {
	st := &fakeStore{set: rewards.Settings{Thanks: map[rewards.Kind]string{rewards.Sub: "x"}}, err: fault.E(fault.Transient, "throttled")}
	say := &fakeSayer{}
	err := (&rewards.Service{Store: st, Say: say}).Event(t.Context(), "g", sub("d1", event.SubscriptionNew, user(7, "a"), 1), sent)
	if !fault.Is(err, fault.Transient) || len(say.said) != 0 {
		t.Errorf("Event with a failing store = %v, said %v; want transient, nothing said", err, say.said)
	}
}

// TestServiceSkipsOtherEvents: events that can earn nothing cost no read
// (the store here would fail any).
func TestServiceSkipsOtherEvents(t *testing.T) {
	st := &fakeStore{err: fault.E(fault.Transient, "no reads expected")}
	for _, ev := range []event.Event{
		{ID: "d1", Type: event.RewardRedemption, SentAt: sent, Redemption: &event.Redemption{Redeemer: user(7, "a")}},
		{ID: "d2", Type: event.Banned, SentAt: sent, Ban: &event.Ban{Target: user(7, "a")}},
	} {
		if err := (&rewards.Service{Store: st}).Event(t.Context(), "g", ev, sent); err != nil {
			t.Errorf("Event(%s) = %v, want nil without a read", ev.Type, err)
		}
	}
}

func TestServiceFirstFollow(t *testing.T) {
	st := &fakeStore{set: rewards.Settings{Follow: 3}}
	svc := &rewards.Service{Store: st} // no Say: points only
	for _, id := range []string{"f1", "f1", "f2"} {
		if err := svc.Event(t.Context(), "g", follow(id, user(7, "a")), sent); err != nil {
			t.Fatalf("Event(%s) = %v", id, err)
		}
	}
	if _, ok := st.credits["f2"]; ok || len(st.credits) != 1 {
		t.Errorf("credits = %v, want only the first follow f1", st.credits)
	}
}
