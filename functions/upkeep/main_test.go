package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/upkeep"
)

type queue struct{ jobs []job.Job }

func (q *queue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// TestHandler runs the schedules' inputs through the function's handler
// over the embedded store.
func TestHandler(t *testing.T) {
	ctx := context.Background()
	// Limited to what the function's role grants.
	store := dynamo.New(dynamotest.Restrict(t, dynamotest.Table(t, "kickbot"), "UpkeepFunction"), "kickbot")
	for _, g := range []string{"g1", "g2"} {
		if err := store.Connect(ctx, g, 4402117, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	// A guild disconnected while live, before Disconnect cleared that.
	if err := store.SetStreamStatus(ctx, "zombie", time.Now(), event.Status{Live: true}); err != nil {
		t.Fatal(err)
	}
	q := &queue{}
	at := time.Date(2026, 3, 14, 20, 3, 0, 0, time.UTC)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// No Kick app: the connections task keeps nothing and succeeds.
	h := handler(&upkeep.Upkeep{Store: store, Queue: q, Unlist: unlist(store, log)}, log, func() time.Time { return at })

	if err := h(ctx, Input{Task: upkeep.Roles}); err != nil {
		t.Fatal(err)
	}
	if len(q.jobs) != 2 || q.jobs[0].Kind != job.KindRoles || q.jobs[0].Guild != "g1" || q.jobs[1].Guild != "g2" {
		t.Errorf("roles task queued %v, want one roles job for each of g1 and g2", q.jobs)
	}
	if err := h(ctx, Input{Task: upkeep.Connections}); err != nil {
		t.Errorf("connections task without a Kick app = %v, want nil", err)
	}
	if got, err := store.SweepGuilds(ctx); err != nil || len(got) != 0 {
		t.Errorf("SweepGuilds after the connections task = %v, %v; want none (the zombie unlisted)", got, err)
	}
	// A schedule with a wrong input is logged, not retried.
	if err := h(ctx, Input{Task: "dance"}); err != nil {
		t.Errorf("unknown task = %v, want nil (no retry)", err)
	}
}

// brokenStore panics on any call: its Store is nil.
type brokenStore struct{ upkeep.Store }

// A panic in a task fails the invocation with an error instead of ending
// the process.
func TestHandlerRecoversPanic(t *testing.T) {
	h := handler(&upkeep.Upkeep{Store: brokenStore{}, Queue: &queue{}}, slog.New(slog.NewTextHandler(io.Discard, nil)), time.Now)
	if err := h(context.Background(), Input{Task: upkeep.Roles}); err == nil {
		t.Error("handler() with a panicking store = nil, want an error")
	}
}
