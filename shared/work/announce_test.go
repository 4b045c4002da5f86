package work_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/work"
)

// recAnnouncer records what it was asked to announce.
type recAnnouncer struct {
	events  []event.Type
	flushed []string
	err     error
}

func (r *recAnnouncer) Event(_ context.Context, guild string, ev event.Event) error {
	r.events = append(r.events, ev.Type)
	return r.err
}

func (r *recAnnouncer) FlushFollows(_ context.Context, guild string, opened time.Time) error {
	r.flushed = append(r.flushed, guild+"@"+opened.Format(time.RFC3339))
	return r.err
}

func TestAnnounceAfterTheLog(t *testing.T) {
	st, a := &recStore{}, &recAnnouncer{}
	w := &work.Worker{Store: st, Announce: a}
	types := []event.Type{event.Followed, event.SubscriptionNew, event.SubscriptionRenew, event.SubscriptionGifts,
		event.KicksGifted, event.RewardRedemption, event.Banned, event.LivestreamMetadata}
	for _, typ := range types {
		if err := w.Do(t.Context(), job.ForEvent("g", ev(typ), nil)); err != nil {
			t.Fatalf("Do(%s) = %v", typ, err)
		}
	}
	want := []event.Type{event.Followed, event.SubscriptionNew, event.SubscriptionRenew, event.SubscriptionGifts, event.KicksGifted, event.RewardRedemption}
	if diff := cmp.Diff(want, a.events); diff != "" {
		t.Errorf("announced (-want +got):\n%s", diff)
	}
	// A failed log announces nothing.
	st.err, a.events = fault.E(fault.Transient, "throttled"), nil
	if err := w.Do(t.Context(), job.ForEvent("g", ev(event.KicksGifted), nil)); !fault.Is(err, fault.Transient) || len(a.events) != 0 {
		t.Errorf("Do with the log failing = %v, announced %v; want transient and nothing", err, a.events)
	}
}

func TestAnnounceErrors(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		retry bool
	}{
		{"transient is retried", fault.E(fault.Transient, "discord is down"), true},
		{"a closed channel is not", fault.E(fault.Forbidden, "the bot may not post there"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &work.Worker{Store: &recStore{}, Announce: &recAnnouncer{err: tt.err}}
			err := w.Do(t.Context(), job.ForEvent("g", ev(event.KicksGifted), nil))
			if got := fault.Is(err, fault.Transient); got != tt.retry || !tt.retry && err != nil {
				t.Errorf("Do() = %v, want a retry %v", err, tt.retry)
			}
		})
	}
}

func TestFollowsJob(t *testing.T) {
	a := &recAnnouncer{}
	opened := t0.Add(30 * time.Second)
	if err := (&work.Worker{Store: &recStore{}, Announce: a}).Do(t.Context(), job.ForFollows("g", opened)); err != nil {
		t.Fatalf("Do(follows) = %v", err)
	}
	if want := []string{"g@2026-03-14T20:00:30Z"}; !cmp.Equal(a.flushed, want) {
		t.Errorf("flushed = %v, want %v", a.flushed, want)
	}
	if err := (&work.Worker{Store: &recStore{}}).Do(t.Context(), job.ForFollows("g", opened)); err != nil {
		t.Errorf("Do(follows) without an announcer = %v, want nil", err)
	}
}
