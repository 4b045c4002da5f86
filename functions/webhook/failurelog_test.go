package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/logattr"
)

// failingQueue refuses every job, as SQS does when throttled.
type failingQueue struct{}

func (failingQueue) Enqueue(context.Context, ...job.Job) error {
	return fault.E(fault.Transient, "queue unavailable")
}

// TestFailureLog: a delivery that fails (the queue refuses its job) is
// logged at WARN with its message id, its event type and the guild it is
// for, which only the ingest knows.
func TestFailureLog(t *testing.T) {
	sc := kicksim.Scenario{Broadcaster: 4402117, Viewers: 3, Start: start}
	var d kicksim.Delivery
	for _, d = range sc.Deliveries() {
		if d.Type != "chat.message.sent" {
			break // an event that makes a job
		}
	}
	var logs bytes.Buffer
	log := slog.New(logattr.NewHandler(slog.NewJSONHandler(&logs, nil)))
	h := handler(&countingStore{}, failingQueue{}, &testKey().PublicKey, log, func() time.Time { return d.At.Add(time.Second) })
	res, err := h(t.Context(), apiEvents(t, []kicksim.Delivery{d})[0])
	if err != nil || res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("handler = %d, %v; want 503 so that Kick retries", res.StatusCode, err)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 {
		t.Fatalf("log = %s, want one line", logs.String())
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"level": "WARN", "message_id": d.ID, "event_type": string(d.Type), "guild": "g1", "kind": "transient"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("log %s: %s = %v, want %v", lines[0], k, got[k], v)
		}
	}
}
