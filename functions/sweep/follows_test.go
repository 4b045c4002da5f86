package main

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/sweep"
)

type jobQueue struct{ jobs []job.Job }

func (q *jobQueue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// TestSweepQueuesDueFollows: the minute tick queues the follow batch
// whose five minutes are up, and not before.
func TestSweepQueuesDueFollows(t *testing.T) {
	// The worker opens the batch; the sweep only reads the due list.
	table := dynamotest.Table(t, "sweep")
	worker, s := dynamo.New(table, "sweep"), dynamo.New(dynamotest.Restrict(t, table, "SweepFunction"), "sweep")
	ctx := context.Background()
	ev := scheduled(t, 0)
	opened := ev.Time.Add(-4*time.Minute - 30*time.Second)
	if _, _, err := worker.AddFollowerOnce(ctx, "g", "follow-1", "ann", opened); err != nil {
		t.Fatal(err)
	}
	if err := worker.ScheduleFollows(ctx, "g", opened); err != nil {
		t.Fatal(err)
	}
	q := &jobQueue{}
	h := handler(&sweep.Sweeper{Store: s, Queue: q, Follows: s}, quiet)
	if err := h(ctx, ev); err != nil || len(q.jobs) != 0 {
		t.Fatalf("sweep at 4m30s = %v, jobs %v; want none yet", err, q.jobs)
	}
	if err := h(ctx, scheduled(t, 1)); err != nil {
		t.Fatal(err)
	}
	if want := job.ForFollows("g", opened); len(q.jobs) != 1 || q.jobs[0].ID != want.ID {
		t.Errorf("jobs = %v, want %s", q.jobs, want.ID)
	}
}
