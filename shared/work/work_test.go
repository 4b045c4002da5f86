package work_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/work"
)

type call struct {
	method, guild string
	at            time.Time
	id            string
}

// recStore records calls; a mock of our own interface, fine in domain tests.
type recStore struct {
	calls []call
	err   error
}

func (r *recStore) SetStreamStatus(_ context.Context, g string, at time.Time, _ event.Status) error {
	r.calls = append(r.calls, call{"status", g, at, ""})
	return r.err
}

func (r *recStore) SetStreamMetadata(_ context.Context, g string, at time.Time, _ event.Metadata) error {
	r.calls = append(r.calls, call{"metadata", g, at, ""})
	return r.err
}

func (r *recStore) LogEvent(_ context.Context, g string, ev event.Event, expires time.Time) error {
	r.calls = append(r.calls, call{"log", g, expires, ev.ID})
	return r.err
}

var t0 = time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)

func ev(typ event.Type) event.Event {
	e := event.Event{ID: "01ID", Type: typ, SentAt: t0, Broadcaster: 1}
	switch typ {
	case event.LivestreamStatus:
		e.Status = &event.Status{Live: true}
	case event.LivestreamMetadata:
		e.Metadata = &event.Metadata{Title: "t"}
	case event.Followed:
		e.Follow = &event.Follow{}
	case event.SubscriptionNew, event.SubscriptionRenew:
		e.Sub = &event.Sub{CreatedAt: t0.Add(-time.Minute)}
	case event.SubscriptionGifts:
		e.Gifts = &event.Gifts{}
	case event.KicksGifted:
		e.Kicks = &event.Kicks{}
	case event.RewardRedemption:
		e.Redemption = &event.Redemption{}
	case event.Banned:
		e.Ban = &event.Ban{}
	case event.ChatMessage:
		e.Chat = &event.Chat{}
	}
	return e
}

func TestDoDispatchesEveryEventType(t *testing.T) {
	tests := []struct {
		typ      event.Type
		want     string // store method called, "" for none
		wantKind fault.Kind
		wantErr  bool
	}{
		{event.LivestreamStatus, "status", 0, false},
		{event.LivestreamMetadata, "metadata", 0, false},
		{event.Followed, "log", 0, false},
		{event.SubscriptionNew, "log", 0, false},
		{event.SubscriptionRenew, "log", 0, false},
		{event.SubscriptionGifts, "log", 0, false},
		{event.KicksGifted, "log", 0, false},
		{event.RewardRedemption, "log", 0, false},
		{event.Banned, "log", 0, false},
		{event.ChatMessage, "", fault.Invalid, true},
		{"channel.raided", "", fault.NotFound, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			st := &recStore{}
			w := &work.Worker{Store: st}
			err := w.Do(context.Background(), job.ForEvent("g1", ev(tt.typ), nil))
			if (err != nil) != tt.wantErr || (err != nil && fault.KindOf(err) != tt.wantKind) {
				t.Fatalf("Do = %v, want error %v of kind %v", err, tt.wantErr, tt.wantKind)
			}
			if tt.want == "" {
				if len(st.calls) != 0 {
					t.Errorf("store calls %v, want none", st.calls)
				}
				return
			}
			if len(st.calls) != 1 || st.calls[0].method != tt.want || st.calls[0].guild != "g1" {
				t.Errorf("store calls %v, want one %s for g1", st.calls, tt.want)
			}
		})
	}
}

func TestEventLogExpiresFromOccurrence(t *testing.T) {
	st := &recStore{}
	w := &work.Worker{Store: st, EventTTL: time.Hour}
	if err := w.Do(context.Background(), job.ForEvent("g1", ev(event.SubscriptionNew), nil)); err != nil {
		t.Fatal(err)
	}
	if got, want := st.calls[0].at, t0.Add(-time.Minute+time.Hour); !got.Equal(want) {
		t.Errorf("expires = %v, want %v (created_at + TTL)", got, want)
	}
}

func TestStatusUsesDeliveryTime(t *testing.T) {
	st := &recStore{}
	w := &work.Worker{Store: st}
	if err := w.Do(context.Background(), job.ForEvent("g1", ev(event.LivestreamStatus), nil)); err != nil {
		t.Fatal(err)
	}
	if got := st.calls[0].at; !got.Equal(t0) {
		t.Errorf("status applied at %v, want the delivery time %v", got, t0)
	}
}

func TestStoreErrorsKeepTheirKind(t *testing.T) {
	st := &recStore{err: fault.E(fault.Transient, "throttled")}
	w := &work.Worker{Store: st}
	err := w.Do(context.Background(), job.ForEvent("g1", ev(event.Followed), nil))
	if !fault.Is(err, fault.Transient) {
		t.Errorf("Do = %v, want the store's Transient error", err)
	}
}

func TestUnknownCommandIsNotRetried(t *testing.T) {
	st := &recStore{}
	w := &work.Worker{Store: st}
	err := w.Do(context.Background(), job.ForEvent("g1", ev(event.ChatMessage), &command.Command{Name: "nope"}))
	if !fault.Is(err, fault.NotFound) || len(st.calls) != 0 {
		t.Errorf("Do = %v with calls %v, want NotFound and no writes", err, st.calls)
	}
}

func TestInvalidJob(t *testing.T) {
	w := &work.Worker{Store: &recStore{}}
	broken := job.ForEvent("g1", ev(event.LivestreamStatus), nil)
	broken.Event.Status = nil
	for _, j := range []job.Job{{}, broken} {
		if err := w.Do(context.Background(), j); !fault.Is(err, fault.Invalid) {
			t.Errorf("Do(%v) = %v, want Invalid", j, err)
		}
	}
}

func ExampleWorker_Do() {
	st := &recStore{}
	w := &work.Worker{Store: st}
	_ = w.Do(context.Background(), job.ForEvent("g1", ev(event.LivestreamStatus), nil))
	_ = w.Do(context.Background(), job.ForEvent("g1", ev(event.Followed), nil))
	for _, c := range st.calls {
		fmt.Println(c.method, c.guild)
	}
	// Output:
	// status g1
	// log g1
}
