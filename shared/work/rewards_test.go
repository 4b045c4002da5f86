package work_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/work"
)

// rewardsFunc is a Worker's Rewards hook.
type rewardsFunc func(ctx context.Context, guild string, ev event.Event, now time.Time) error

func (f rewardsFunc) Event(ctx context.Context, guild string, ev event.Event, now time.Time) error {
	return f(ctx, guild, ev, now)
}

// TestRewardsHook: the hook sees each logged event (after the log), with
// the worker's clock; its errors keep their kind; status events and a
// failed log do not reach it.
func TestRewardsHook(t *testing.T) {
	now := t0.Add(time.Second)
	tests := []struct {
		name     string
		typ      event.Type
		storeErr error
		hookErr  error
		wantSeen bool
		wantKind fault.Kind
	}{
		{"follow", event.Followed, nil, nil, true, 0},
		{"gifts", event.SubscriptionGifts, nil, nil, true, 0},
		{"kicks", event.KicksGifted, nil, nil, true, 0},
		{"a status is not an event to reward", event.LivestreamStatus, nil, nil, false, 0},
		{"a failed log stops before the hook", event.SubscriptionNew, fault.E(fault.Transient, "throttled"), nil, false, fault.Transient},
		{"the hook's error is the job's", event.SubscriptionNew, nil, fault.E(fault.Transient, "kick down"), true, fault.Transient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := &recStore{err: tc.storeErr}
			var seen []string
			w := &work.Worker{Store: st, Now: func() time.Time { return now },
				Rewards: rewardsFunc(func(_ context.Context, guild string, ev event.Event, at time.Time) error {
					if len(st.calls) == 0 || st.calls[0].method != "log" {
						t.Errorf("Rewards before the event was logged (store calls %v)", st.calls)
					}
					if !at.Equal(now) {
						t.Errorf("Rewards at %v, want the worker's now %v", at, now)
					}
					seen = append(seen, guild+"/"+ev.ID)
					return tc.hookErr
				})}
			err := w.Do(t.Context(), job.ForEvent("g1", ev(tc.typ), nil))
			if fault.KindOf(err) != tc.wantKind || (err == nil) != (tc.wantKind == 0) {
				t.Errorf("Do = %v, want kind %v", err, tc.wantKind)
			}
			if got := len(seen) == 1 && seen[0] == "g1/01ID"; got != tc.wantSeen {
				t.Errorf("Rewards saw %v, want seen %v", seen, tc.wantSeen)
			}
		})
	}
}
