package localqueue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/job"
)

// fakeTimers is an AfterFunc on a Manual clock: nothing fires until the
// test fires it, and firing moves the clock to the timer's time.
type fakeTimers struct {
	c       *clock.Manual
	mu      sync.Mutex
	pending []fakeTimer
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func (ft *fakeTimers) AfterFunc(d time.Duration, f func()) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.pending = append(ft.pending, fakeTimer{ft.c.Now().Add(d), f})
}

// fireNext runs the earliest pending timer, reporting whether there was one.
func (ft *fakeTimers) fireNext() bool {
	ft.mu.Lock()
	if len(ft.pending) == 0 {
		ft.mu.Unlock()
		return false
	}
	i := 0
	for j, p := range ft.pending {
		if p.at.Before(ft.pending[i].at) {
			i = j
		}
	}
	next := ft.pending[i]
	ft.pending = slices.Delete(ft.pending, i, i+1)
	ft.mu.Unlock()
	if next.at.After(ft.c.Now()) {
		ft.c.Set(next.at)
	}
	next.f()
	return true
}

// settle lets q deliver everything it can, firing retry timers one by one
// in time order, until no message is left unfinished.
func settle(t *testing.T, q *Queue, timers *fakeTimers) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), guard)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.changed.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	for {
		q.mu.Lock()
		for ctx.Err() == nil && (q.inFlight > 0 || len(q.ready) > 0) {
			q.changed.Wait()
		}
		unfinished := q.unfinished
		q.mu.Unlock()
		if ctx.Err() != nil {
			t.Fatal("queue never went idle")
		}
		if unfinished == 0 {
			return
		}
		if !timers.fireNext() {
			t.Fatalf("%d messages unfinished and no retry pending", unfinished)
		}
	}
}

// TestAcceptedJobsOutlastAnOutage states the queue's promise under a store
// outage: a job that was queued (its delivery answered 2xx) is never lost,
// and a re-send of a job whose copy died is never silently dropped as a
// duplicate of it. The worker fails every batch while the store is down.
func TestAcceptedJobsOutlastAnOutage(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	vt, err := tpl.VisibilityTimeout(stack.JobsQueue)
	if err != nil {
		t.Fatal(err)
	}
	maxReceive, err := tpl.MaxReceiveCount(stack.JobsQueue)
	if err != nil {
		t.Fatal(err)
	}
	var jobs []job.Job
	for i := range 12 {
		jobs = append(jobs, testJob(fmt.Sprintf("g%d", i%3), fmt.Sprintf("e%02d", i)))
	}
	tests := []struct {
		name   string
		opts   Options
		outage time.Duration
		// resendAt, when not 0, sends every job again at this time after
		// the first copies settled, as Kick retries a delivery whose answer
		// failed after its job was queued.
		resendAt time.Duration
		wantDead int
	}{
		{"template timing, 9 s outage", Options{MaxReceiveCount: maxReceive, RetryDelay: vt}, 9 * time.Second, 0, 0},
		{"template timing, 20 min outage", Options{MaxReceiveCount: maxReceive, RetryDelay: vt}, 20 * time.Minute, 0, 0},
		{
			"1 s retries die in a 9 s outage, and the re-send inside the dedupe window is taken",
			Options{MaxReceiveCount: 5, RetryDelay: time.Second}, 9 * time.Second, 10 * time.Second, len(jobs),
		},
		{
			"template timing, outage longer than the retries, re-sent once the store is back",
			Options{MaxReceiveCount: maxReceive, RetryDelay: vt}, time.Hour, time.Hour + time.Second, len(jobs),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.New(base)
			timers := &fakeTimers{c: c}
			var mu sync.Mutex
			done := map[string]int{}
			handler := func(_ context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
				if c.Now().Before(base.Add(tt.outage)) {
					return events.SQSEventResponse{}, fmt.Errorf("dynamodb unavailable")
				}
				mu.Lock()
				defer mu.Unlock()
				for _, r := range ev.Records {
					done[r.Attributes["MessageDeduplicationId"]]++
				}
				return events.SQSEventResponse{}, nil
			}
			opts := tt.opts
			opts.Now, opts.AfterFunc, opts.Log = c.Now, timers.AfterFunc, quiet()
			q := New(handler, opts)
			start(t, q)
			enqueue(t, q, jobs...)
			settle(t, q, timers)
			if tt.resendAt > 0 {
				c.Set(base.Add(tt.resendAt))
				enqueue(t, q, jobs...)
				settle(t, q, timers)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, j := range jobs {
				if done[j.ID] != 1 {
					t.Errorf("job %s done %d times, want once", j.Event.ID, done[j.ID])
				}
			}
			if got := len(q.DeadLetters()); got != tt.wantDead {
				t.Errorf("DeadLetters() = %d messages, want %d", got, tt.wantDead)
			}
		})
	}
}
