package work_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/rolesync"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
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
	// issued holds the issue time of each RecordBan call.
	issued []time.Time
	err    error
}

func (r *recStore) SetStreamStatus(_ context.Context, g string, at time.Time, _ event.Status) error {
	r.calls = append(r.calls, call{"status", g, at, ""})
	return r.err
}

func (r *recStore) SetStreamMetadata(_ context.Context, g string, at time.Time, _ event.Metadata) error {
	r.calls = append(r.calls, call{"metadata", g, at, ""})
	return r.err
}

func (r *recStore) RecordBan(_ context.Context, g string, u event.User, at, until time.Time) error {
	r.calls = append(r.calls, call{"ban", g, until, fmt.Sprint(u.ID)})
	r.issued = append(r.issued, at)
	return r.err
}

func (r *recStore) RecordSubscription(_ context.Context, g string, u event.User, from, until time.Time) error {
	r.calls = append(r.calls, call{"sub", g, until, fmt.Sprint(u.ID, " from ", from.Format(time.RFC3339))})
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
		e.Sub = &event.Sub{Subscriber: event.User{ID: 5}, CreatedAt: t0.Add(-time.Minute)}
	case event.SubscriptionGifts:
		e.Gifts = &event.Gifts{Giftees: []event.User{{ID: 6}, {ID: 7}}, ExpiresAt: t0.AddDate(0, 1, 0)}
	case event.KicksGifted:
		e.Kicks = &event.Kicks{}
	case event.RewardRedemption:
		e.Redemption = &event.Redemption{}
	case event.Banned:
		e.Ban = &event.Ban{Target: event.User{ID: 8}}
	case event.ChatMessage:
		e.Chat = &event.Chat{}
	}
	return e
}

func TestDoDispatchesEveryEventType(t *testing.T) {
	tests := []struct {
		typ      event.Type
		want     string // store methods called, "" for none
		wantKind fault.Kind
		wantErr  bool
	}{
		{event.LivestreamStatus, "status", 0, false},
		{event.LivestreamMetadata, "metadata", 0, false},
		{event.Followed, "log", 0, false},
		{event.SubscriptionNew, "log sub", 0, false},
		{event.SubscriptionRenew, "log sub", 0, false},
		{event.SubscriptionGifts, "log sub sub", 0, false},
		{event.KicksGifted, "log", 0, false},
		{event.RewardRedemption, "log", 0, false},
		{event.Banned, "log ban", 0, false},
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
			var methods []string
			for _, c := range st.calls {
				methods = append(methods, c.method)
				if c.guild != "g1" {
					t.Errorf("store call %v for guild %s, want g1", c, c.guild)
				}
			}
			if got := strings.Join(methods, " "); got != tt.want {
				t.Errorf("store calls %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEventLogExpiresFromDelivery: a renewal's created_at may be the
// subscription's start, months back; the log entry must live its TTL from
// the signed delivery time, not expire on arrival.
func TestEventLogExpiresFromDelivery(t *testing.T) {
	st := &recStore{}
	w := &work.Worker{Store: st, EventTTL: 90 * 24 * time.Hour}
	renewal := ev(event.SubscriptionRenew)
	renewal.Sub.CreatedAt = t0.AddDate(0, -7, 0)
	if err := w.Do(context.Background(), job.ForEvent("g1", renewal, nil)); err != nil {
		t.Fatal(err)
	}
	if got, want := st.calls[0].at, t0.Add(90*24*time.Hour); !got.Equal(want) {
		t.Errorf("expires = %v, want %v (delivery time + TTL)", got, want)
	}
	// Without expires_at the subscription runs a month from the delivery;
	// it began at created_at.
	if got, want := st.calls[1], (call{"sub", "g1", t0.AddDate(0, 1, 0), "5 from " + renewal.Sub.CreatedAt.Format(time.RFC3339)}); got != want {
		t.Errorf("subscription call = %+v, want %+v", got, want)
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

// chatFunc and syncFunc adapt functions to the worker's Chat and Roles.
type chatFunc func(ctx context.Context, guild string, ev event.Event, cmd command.Command, now time.Time) error

func (f chatFunc) Run(ctx context.Context, guild string, ev event.Event, cmd command.Command, now time.Time) error {
	return f(ctx, guild, ev, cmd, now)
}

type syncFunc func(ctx context.Context, guild string) error

func (f syncFunc) Guild(ctx context.Context, guild string) (rolesync.Report, error) {
	return rolesync.Report{}, f(ctx, guild)
}

func TestCommandAndRolesJobs(t *testing.T) {
	at := time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)
	var got []string
	w := &work.Worker{
		Store: &recStore{},
		Now:   func() time.Time { return at },
		Chat: chatFunc(func(_ context.Context, guild string, e event.Event, cmd command.Command, now time.Time) error {
			got = append(got, fmt.Sprintf("chat %s %s !%s %s", guild, e.ID, cmd.Name, now.Format(time.RFC3339)))
			return nil
		}),
		Roles: syncFunc(func(_ context.Context, guild string) error {
			got = append(got, "roles "+guild)
			return fault.E(fault.Transient, "Discord is busy")
		}),
	}
	if err := w.Do(context.Background(), job.ForEvent("g1", ev(event.ChatMessage), &command.Command{Name: "points"})); err != nil {
		t.Fatal(err)
	}
	err := w.Do(context.Background(), job.ForRoles("g2", at, 10*time.Minute))
	if !fault.Is(err, fault.Transient) {
		t.Errorf("roles job = %v, want the sync's Transient error, for a retry", err)
	}
	want := []string{"chat g1 " + ev(event.ChatMessage).ID + " !points 2026-03-14T20:00:00Z", "roles g2"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("calls (-got +want):\n%s", diff)
	}
	if err := (&work.Worker{}).Do(context.Background(), job.ForRoles("g2", at, 10*time.Minute)); !fault.Is(err, fault.Internal) {
		t.Errorf("roles job without a sync = %v, want Internal", err)
	}
}

type reauthFunc func(ctx context.Context, broadcaster int64) error

func (f reauthFunc) Reauth(ctx context.Context, b int64) error { return f(ctx, b) }

func TestChatReconnectTellsAdmins(t *testing.T) {
	var told []int64
	w := &work.Worker{
		Store: &recStore{},
		Chat: chatFunc(func(context.Context, string, event.Event, command.Command, time.Time) error {
			return credential.ErrReconnect
		}),
		Reconnect: reauthFunc(func(_ context.Context, b int64) error { told = append(told, b); return nil }),
	}
	j := job.ForEvent("g1", ev(event.ChatMessage), &command.Command{Name: "points"})
	if err := w.Do(context.Background(), j); !errors.Is(err, credential.ErrReconnect) {
		t.Errorf("Do = %v, want the chat's ErrReconnect (not retried: Forbidden)", err)
	}
	if len(told) != 1 || told[0] != j.Event.Broadcaster {
		t.Errorf("told %v, want broadcaster %d once", told, j.Event.Broadcaster)
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

func TestBansAndSubscriptionsMarkTheViewer(t *testing.T) {
	timeout := ev(event.Banned)
	timeout.Ban.ExpiresAt = t0.Add(10 * time.Minute)
	timeout.Ban.CreatedAt = t0.Add(-time.Second)
	sub := ev(event.SubscriptionNew) // no expires_at: a month from created_at
	tests := []struct {
		name string
		ev   event.Event
		want call
		// issued is the ban's time passed on, which orders it.
		issued time.Time
	}{
		// No created_at in the payload: the delivery time.
		{"permanent ban", ev(event.Banned), call{"ban", "g1", audience.Forever, "8"}, t0},
		{"timeout", timeout, call{"ban", "g1", t0.Add(10 * time.Minute), "8"}, t0.Add(-time.Second)},
		// The sweep counts a subscription from its start: the event's time.
		{"sub without expiry", sub, call{"sub", "g1", t0.Add(-time.Minute).AddDate(0, 1, 0), "5 from " + t0.Add(-time.Minute).Format(time.RFC3339)}, time.Time{}},
	}
	for _, tt := range tests {
		st := &recStore{}
		if err := (&work.Worker{Store: st}).Do(context.Background(), job.ForEvent("g1", tt.ev, nil)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := st.calls[len(st.calls)-1]
		if got.method != tt.want.method || got.id != tt.want.id || !got.at.Equal(tt.want.at) {
			t.Errorf("%s: last call %+v, want %+v", tt.name, got, tt.want)
		}
		if got.method == "ban" && (len(st.issued) != 1 || !st.issued[0].Equal(tt.issued)) {
			t.Errorf("%s: RecordBan issued at %v, want %v", tt.name, st.issued, tt.issued)
		}
	}
}

type sweepFunc func(ctx context.Context, guild string, m watchtime.Minute, now time.Time) (sweep.Report, error)

func (f sweepFunc) Guild(ctx context.Context, guild string, m watchtime.Minute, now time.Time) (sweep.Report, error) {
	return f(ctx, guild, m, now)
}

func TestSweepJob(t *testing.T) {
	var got []string
	w := &work.Worker{Store: &recStore{}, Sweep: sweepFunc(func(_ context.Context, g string, m watchtime.Minute, now time.Time) (sweep.Report, error) {
		got = append(got, fmt.Sprint(g, " ", m, " ", now.Format(time.RFC3339)))
		return sweep.Report{}, nil
	})}
	if err := w.Do(context.Background(), job.ForSweep("g1", 29_577_000, t0)); err != nil {
		t.Fatal(err)
	}
	if want := "g1 29577000 2026-03-14T20:00:00Z"; len(got) != 1 || got[0] != want {
		t.Errorf("sweeps %q, want [%q]", got, want)
	}
	if err := (&work.Worker{Store: &recStore{}}).Do(context.Background(), job.ForSweep("g1", 1, t0)); !fault.Is(err, fault.Internal) {
		t.Errorf("sweep job without a sweeper = %v, want an internal error", err)
	}
}
