package localqueue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
)

// guard bounds every wait in these tests; reaching it means a deadlock.
const guard = 10 * time.Second

var base = time.Date(2026, 3, 14, 19, 2, 0, 0, time.UTC)

// testJob returns the follow job named name (its event id) for guild.
func testJob(guild, name string) job.Job {
	ev := event.Event{
		ID: name, Type: event.Followed, Broadcaster: 4402117, SentAt: base,
		Follow: &event.Follow{Follower: event.User{ID: 7, Username: "pixelpanda"}},
	}
	return job.ForEvent(guild, ev, nil)
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// start runs q until the test ends.
func start(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want %v", err, context.Canceled)
		}
	})
}

func drain(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), guard)
	defer cancel()
	if err := q.Drain(ctx); err != nil {
		t.Fatalf("Drain = %v, want nil", err)
	}
}

func enqueue(t *testing.T, q *Queue, jobs ...job.Job) {
	t.Helper()
	if err := q.Enqueue(t.Context(), jobs...); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
}

// delivery names a record as "name#receive".
func delivery(t *testing.T, m events.SQSMessage) string {
	t.Helper()
	j, err := job.Decode([]byte(m.Body))
	if err != nil {
		t.Errorf("record %s: Decode: %v", m.MessageId, err)
		return "?"
	}
	return j.Event.ID + "#" + m.Attributes["ApproximateReceiveCount"]
}

// recorder is a scripted handler that records what it is given.
type recorder struct {
	t *testing.T
	// fail reports whether the handler reports a record as failed.
	fail func(name string, receive int) bool
	// fifo also reports every later record of a failed record's group, as
	// jobqueue.Handler does.
	fifo bool
	// onCall may change the n-th call's answer (from 1), return an error
	// or panic.
	onCall func(n int, resp *events.SQSEventResponse) error

	mu    sync.Mutex
	calls int
	// seq lists each group's deliveries in order.
	seq map[string][]string
	// done counts each job's successful runs.
	done map[string]int
}

func (r *recorder) handle(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	resp := events.SQSEventResponse{}
	blocked := make(map[string]bool)
	var ok []string
	for _, m := range ev.Records {
		d := delivery(r.t, m)
		group := m.Attributes["MessageGroupId"]
		r.seq[group] = append(r.seq[group], d)
		name, rc, _ := cut(d)
		if blocked[group] || r.fail != nil && r.fail(name, rc) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			blocked[group] = r.fifo
			continue
		}
		ok = append(ok, name)
	}
	if r.onCall != nil {
		if err := r.onCall(r.calls, &resp); err != nil {
			return resp, err
		}
	}
	for _, name := range ok {
		r.done[name]++
	}
	return resp, nil
}

func cut(d string) (string, int, error) {
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] == '#' {
			n, err := strconv.Atoi(d[i+1:])
			return d[:i], n, err
		}
	}
	return d, 0, fmt.Errorf("no # in %q", d)
}

func TestRetries(t *testing.T) {
	failX := func(name string, _ int) bool { return name == "x" }
	tests := []struct {
		name     string
		opts     Options
		jobs     []job.Job
		fail     func(name string, receive int) bool
		fifo     bool
		onCall   func(n int, resp *events.SQSEventResponse) error
		wantSeq  map[string][]string
		wantDone map[string]int
		wantDead []string
	}{
		{
			name:     "fails twice then succeeds",
			jobs:     []job.Job{testJob("g", "x")},
			fail:     func(_ string, receive int) bool { return receive <= 2 },
			wantSeq:  map[string][]string{"g": {"x#1", "x#2", "x#3"}},
			wantDone: map[string]int{"x": 1},
		},
		{
			name:     "always failing message goes to the DLQ and its group goes on",
			opts:     Options{BatchSize: 1, MaxReceiveCount: 3},
			jobs:     []job.Job{testJob("g", "x"), testJob("g", "y"), testJob("g", "z")},
			fail:     failX,
			wantSeq:  map[string][]string{"g": {"x#1", "x#2", "x#3", "y#1", "z#1"}},
			wantDone: map[string]int{"y": 1, "z": 1},
			wantDead: []string{"x#3"},
		},
		{
			name:     "retry delay",
			opts:     Options{BatchSize: 1, MaxReceiveCount: 2, RetryDelay: time.Millisecond},
			jobs:     []job.Job{testJob("g", "x"), testJob("g", "y")},
			fail:     failX,
			wantSeq:  map[string][]string{"g": {"x#1", "x#2", "y#1"}},
			wantDone: map[string]int{"y": 1},
			wantDead: []string{"x#2"},
		},
		{
			// As in SQS: y is received with x each time, so it reaches the
			// DLQ with x although it never failed.
			name:     "messages behind a failing one in its batch share its fate",
			opts:     Options{MaxReceiveCount: 2},
			jobs:     []job.Job{testJob("g", "x"), testJob("g", "y"), testJob("h", "w")},
			fail:     failX,
			fifo:     true,
			wantSeq:  map[string][]string{"g": {"x#1", "y#1", "x#2", "y#2"}, "h": {"w#1"}},
			wantDone: map[string]int{"w": 1},
			wantDead: []string{"x#2", "y#2"},
		},
		{
			name: "handler error delivers the whole batch again",
			jobs: []job.Job{testJob("g", "a"), testJob("h", "b")},
			onCall: func(n int, _ *events.SQSEventResponse) error {
				if n == 1 {
					return errors.New("boom")
				}
				return nil
			},
			wantSeq:  map[string][]string{"g": {"a#1", "a#2"}, "h": {"b#1", "b#2"}},
			wantDone: map[string]int{"a": 1, "b": 1},
		},
		{
			name: "handler panic delivers the whole batch again",
			jobs: []job.Job{testJob("g", "a"), testJob("h", "b")},
			onCall: func(n int, _ *events.SQSEventResponse) error {
				if n == 1 {
					panic("nil map")
				}
				return nil
			},
			wantSeq:  map[string][]string{"g": {"a#1", "a#2"}, "h": {"b#1", "b#2"}},
			wantDone: map[string]int{"a": 1, "b": 1},
		},
		{
			name: "unknown item identifier delivers the whole batch again",
			jobs: []job.Job{testJob("g", "a"), testJob("h", "b")},
			onCall: func(n int, resp *events.SQSEventResponse) error {
				if n == 1 {
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: "no-such-message"})
				}
				return nil
			},
			// The recorder counted the first call's runs as done; SQS would
			// not know, and delivers both again.
			wantSeq:  map[string][]string{"g": {"a#1", "a#2"}, "h": {"b#1", "b#2"}},
			wantDone: map[string]int{"a": 2, "b": 2},
		},
		{
			name:     "handler error on the last receive sends the batch to the DLQ",
			opts:     Options{MaxReceiveCount: 2},
			jobs:     []job.Job{testJob("g", "a"), testJob("h", "b")},
			onCall:   func(int, *events.SQSEventResponse) error { return errors.New("boom") },
			wantSeq:  map[string][]string{"g": {"a#1", "a#2"}, "h": {"b#1", "b#2"}},
			wantDone: map[string]int{},
			wantDead: []string{"a#2", "b#2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &recorder{t: t, fail: tt.fail, fifo: tt.fifo, onCall: tt.onCall, seq: map[string][]string{}, done: map[string]int{}}
			opts := tt.opts
			opts.Log = quiet()
			q := New(r.handle, opts)
			// Enqueued before Run, so the first batch holds every group.
			enqueue(t, q, tt.jobs...)
			start(t, q)
			drain(t, q)

			r.mu.Lock()
			defer r.mu.Unlock()
			if diff := cmp.Diff(tt.wantSeq, r.seq); diff != "" {
				t.Errorf("deliveries per group (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantDone, r.done); diff != "" {
				t.Errorf("successful runs (-want +got):\n%s", diff)
			}
			var dead []string
			for _, m := range q.DeadLetters() {
				dead = append(dead, delivery(t, m))
			}
			if diff := cmp.Diff(tt.wantDead, dead); diff != "" {
				t.Errorf("dead letters (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrderPerGroup(t *testing.T) {
	groups := []string{"g", "h", "i"}
	var jobs []job.Job
	want := make(map[string][]string)
	for n := range 40 {
		g := groups[n*7/3%len(groups)] // uneven interleaving
		name := fmt.Sprintf("j%02d", n)
		jobs = append(jobs, testJob(g, name))
		want[g] = append(want[g], name+"#1")
	}
	for _, opts := range []Options{
		{BatchSize: 1, Concurrency: 4},
		{BatchSize: 3, Concurrency: 2},
		{},
	} {
		t.Run(fmt.Sprintf("batch %d concurrency %d", opts.BatchSize, opts.Concurrency), func(t *testing.T) {
			var mu sync.Mutex
			got := make(map[string][]string)
			active := make(map[string]int)
			overlap := false
			opts.Log = quiet()
			q := New(func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				mu.Lock()
				in := make(map[string]bool)
				for _, m := range ev.Records {
					g := m.Attributes["MessageGroupId"]
					got[g] = append(got[g], delivery(t, m))
					if !in[g] {
						in[g] = true
						active[g]++
						overlap = overlap || active[g] > 1
					}
				}
				mu.Unlock()
				defer func() {
					mu.Lock()
					for g := range in {
						active[g]--
					}
					mu.Unlock()
				}()
				return events.SQSEventResponse{}, nil
			}, opts)
			start(t, q)
			// Half before Run gets to them, half while it runs.
			enqueue(t, q, jobs[:20]...)
			for _, j := range jobs[20:] {
				enqueue(t, q, j)
			}
			drain(t, q)
			mu.Lock()
			defer mu.Unlock()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("deliveries per group (-want +got):\n%s", diff)
			}
			if overlap {
				t.Errorf("a group had two batches in flight at once")
			}
		})
	}
}

func TestGroupInFlight(t *testing.T) {
	// While g's first batch is in flight, g's next message waits, even
	// though the batch that h's message goes out in has room for it.
	inside, release := make(chan struct{}), make(chan struct{})
	batches := make(chan []string, 3)
	q := New(func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var got []string
		for _, m := range ev.Records {
			got = append(got, delivery(t, m))
		}
		batches <- got
		if got[0] == "a1#1" {
			close(inside)
			<-release
		}
		return events.SQSEventResponse{}, nil
	}, Options{BatchSize: 2, Concurrency: 2, Log: quiet()})
	enqueue(t, q, testJob("g", "a1"))
	start(t, q)
	<-inside
	enqueue(t, q, testJob("g", "a2"), testJob("h", "b1"))
	<-batches // a1's
	if diff := cmp.Diff([]string{"b1#1"}, <-batches); diff != "" {
		t.Errorf("batch while g is in flight (-want +got):\n%s", diff)
	}
	close(release)
	drain(t, q)
	if diff := cmp.Diff([]string{"a2#1"}, <-batches); diff != "" {
		t.Errorf("batch after g's first one (-want +got):\n%s", diff)
	}
}

func TestConcurrencyAcrossGroups(t *testing.T) {
	// Each group's handler waits until the other group's has started: it
	// finishes only if the two batches are in flight at the same time.
	started := map[string]chan struct{}{"g": make(chan struct{}), "h": make(chan struct{})}
	other := map[string]string{"g": "h", "h": "g"}
	q := New(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		g := ev.Records[0].Attributes["MessageGroupId"]
		close(started[g])
		select {
		case <-started[other[g]]:
			return events.SQSEventResponse{}, nil
		case <-ctx.Done():
			return events.SQSEventResponse{}, ctx.Err()
		}
	}, Options{BatchSize: 1, Concurrency: 2, Log: quiet()})
	enqueue(t, q, testJob("g", "a"), testJob("h", "b"))
	start(t, q)
	drain(t, q)
}

func TestDedupWindow(t *testing.T) {
	x := testJob("g", "x")
	xElsewhere := x
	xElsewhere.Guild = "h" // same ID, another group
	type send struct {
		at time.Duration
		j  job.Job
	}
	tests := []struct {
		name  string
		sends []send
		want  map[string][]string
	}{
		{"twice", []send{{0, x}, {time.Minute, x}}, map[string][]string{"g": {"x#1"}}},
		{"twice in one call", []send{{0, x}, {0, x}}, map[string][]string{"g": {"x#1"}}},
		{"just inside the window", []send{{0, x}, {DefaultDedupWindow - time.Nanosecond, x}}, map[string][]string{"g": {"x#1"}}},
		{"after the window", []send{{0, x}, {DefaultDedupWindow, x}}, map[string][]string{"g": {"x#1", "x#1"}}},
		{
			"a dropped copy does not extend the window",
			[]send{{0, x}, {4 * time.Minute, x}, {DefaultDedupWindow, x}},
			map[string][]string{"g": {"x#1", "x#1"}},
		},
		{"same ID in another group", []send{{0, x}, {0, xElsewhere}}, map[string][]string{"g": {"x#1"}, "h": {"x#1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.New(base)
			r := &recorder{t: t, seq: map[string][]string{}, done: map[string]int{}}
			q := New(r.handle, Options{Now: c.Now, Log: quiet()})
			for i := 0; i < len(tt.sends); i++ {
				s := tt.sends[i]
				c.Set(base.Add(s.at))
				batch := []job.Job{s.j}
				// Sends at the same time go in one call.
				for i+1 < len(tt.sends) && tt.sends[i+1].at == s.at {
					i++
					batch = append(batch, tt.sends[i].j)
				}
				enqueue(t, q, batch...)
			}
			start(t, q)
			drain(t, q)
			r.mu.Lock()
			defer r.mu.Unlock()
			if diff := cmp.Diff(tt.want, r.seq); diff != "" {
				t.Errorf("deliveries per group (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	c := clock.New(base)
	j := testJob("1180000000000000001", "01JQ7ZC4M2T8Y1B5N0P6R3K9A1")
	body, err := j.Encode()
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(body)
	var got []events.SQSMessage
	q := New(func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		got = append(got, ev.Records...) // one batch, so no race
		return events.SQSEventResponse{}, nil
	}, Options{Now: c.Now, Log: quiet()})
	enqueue(t, q, j)
	start(t, q)
	drain(t, q)
	ms := strconv.FormatInt(base.UnixMilli(), 10)
	want := []events.SQSMessage{{
		MessageId:     "00000000-0000-4000-8000-000000000001",
		ReceiptHandle: "00000000-0000-4000-8000-000000000001#1",
		Body:          string(body),
		Md5OfBody:     hex.EncodeToString(sum[:]),
		Attributes: map[string]string{
			"ApproximateReceiveCount":          "1",
			"ApproximateFirstReceiveTimestamp": ms,
			"SentTimestamp":                    ms,
			"SenderId":                         "local",
			"MessageGroupId":                   j.Guild,
			"MessageDeduplicationId":           j.ID,
			"SequenceNumber":                   "00000000000000000001",
		},
		MessageAttributes: map[string]events.SQSMessageAttribute{},
		EventSourceARN:    EventSourceARN,
		EventSource:       "aws:sqs",
		AWSRegion:         "us-east-1",
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestEnqueueRejects(t *testing.T) {
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		jobs []job.Job
		want fault.Kind
	}{
		{"invalid job", t.Context(), []job.Job{testJob("g", "a"), {ID: "b", Kind: job.KindEvent}}, fault.Invalid},
		{"cancelled context", cancelled, []job.Job{testJob("g", "a")}, fault.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := New(func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
				t.Error("handler called")
				return events.SQSEventResponse{}, nil
			}, Options{Log: quiet()})
			if err := q.Enqueue(tt.ctx, tt.jobs...); fault.KindOf(err) != tt.want || err == nil {
				t.Errorf("Enqueue error = %v, want kind %v", err, tt.want)
			}
			// Nothing was added, so the queue drains without running.
			drain(t, q)
		})
	}
}

func TestDrain(t *testing.T) {
	t.Run("empty queue", func(t *testing.T) {
		q := New(nil, Options{Log: quiet()})
		drain(t, q)
	})
	t.Run("context ends first", func(t *testing.T) {
		q := New(nil, Options{Log: quiet()})
		enqueue(t, q, testJob("g", "a")) // and no Run
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := q.Drain(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("Drain = %v, want %v", err, context.Canceled)
		}
	})
	t.Run("waits for the batch in flight", func(t *testing.T) {
		inside, release := make(chan struct{}), make(chan struct{})
		q := New(func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
			close(inside)
			<-release
			return events.SQSEventResponse{}, nil
		}, Options{Log: quiet()})
		enqueue(t, q, testJob("g", "a"))
		start(t, q)
		<-inside
		drained := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), guard)
			defer cancel()
			drained <- q.Drain(ctx)
		}()
		select {
		case err := <-drained:
			t.Fatalf("Drain returned %v while a batch was in flight", err)
		default:
		}
		close(release)
		if err := <-drained; err != nil {
			t.Errorf("Drain = %v, want nil", err)
		}
	})
}

// TestJobqueueHandler runs the worker's real handler on the local queue: a
// transient failure holds back the rest of its group until it succeeds,
// another group runs on, and a job that can never succeed is dropped.
func TestJobqueueHandler(t *testing.T) {
	var mu sync.Mutex
	runs := make(map[string][]string)
	failed := false
	p := processorFunc(func(_ context.Context, j job.Job) error {
		mu.Lock()
		defer mu.Unlock()
		runs[j.Guild] = append(runs[j.Guild], j.Event.ID)
		switch {
		case j.Event.ID == "x" && !failed:
			failed = true
			return fault.E(fault.Transient, "discord unavailable")
		case j.Event.ID == "w":
			return fault.E(fault.NotFound, "unknown command")
		}
		return nil
	})
	q := New(jobqueue.Handler(p, quiet()), Options{MaxReceiveCount: 3, Log: quiet()})
	enqueue(t, q, testJob("g", "x"), testJob("h", "w"), testJob("g", "y"), testJob("h", "v"))
	start(t, q)
	drain(t, q)
	mu.Lock()
	defer mu.Unlock()
	want := map[string][]string{"g": {"x", "x", "y"}, "h": {"w", "v"}}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("jobs run per guild (-want +got):\n%s", diff)
	}
	if dead := q.DeadLetters(); len(dead) != 0 {
		t.Errorf("DeadLetters() = %d messages, want none", len(dead))
	}
}

type processorFunc func(ctx context.Context, j job.Job) error

func (f processorFunc) Do(ctx context.Context, j job.Job) error { return f(ctx, j) }
