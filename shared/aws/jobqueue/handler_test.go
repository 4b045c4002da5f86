package jobqueue

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
)

// fixtureNames names the records of testdata/sqs-event.json in order: the
// guild's letter and the job's place in that guild.
var fixtureNames = []string{"A1", "B1", "A2", "C1", "B2", "A3"}

func loadEvent(t *testing.T) events.SQSEvent {
	t.Helper()
	b, err := os.ReadFile("testdata/sqs-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("unmarshal fixture: %v", err)
	}
	if len(ev.Records) != len(fixtureNames) {
		t.Fatalf("fixture has %d records, want %d", len(ev.Records), len(fixtureNames))
	}
	return ev
}

// shortName maps a fixture job ID ("01JQ…K9A2/1180…") to its name ("A2").
func shortName(id string) string {
	ev, _, _ := strings.Cut(id, "/")
	return ev[len(ev)-2:]
}

// TestFixture checks that the fixture looks like what Queue sends: every
// body is a job whose guild is the message group and whose ID is the
// deduplication id.
func TestFixture(t *testing.T) {
	for i, m := range loadEvent(t).Records {
		j, err := job.Decode([]byte(m.Body))
		if err != nil {
			t.Fatalf("record %d: Decode: %v", i, err)
		}
		if got, want := shortName(j.ID), fixtureNames[i]; got != want {
			t.Errorf("record %d is job %s, want %s", i, got, want)
		}
		if got, want := m.Attributes["MessageGroupId"], sqsID(j.Guild); got != want {
			t.Errorf("record %d MessageGroupId = %q, want %q", i, got, want)
		}
		if got, want := m.Attributes["MessageDeduplicationId"], sqsID(j.ID); got != want {
			t.Errorf("record %d MessageDeduplicationId = %q, want %q", i, got, want)
		}
	}
}

// processorFunc is a Processor made of a function.
type processorFunc func(ctx context.Context, j job.Job) error

func (f processorFunc) Do(ctx context.Context, j job.Job) error { return f(ctx, j) }

// logLine is the part of a JSON log record the tests compare.
type logLine struct {
	Level, Msg, ID, Kind string
}

func parseLog(t *testing.T, buf *bytes.Buffer) []logLine {
	t.Helper()
	var lines []logLine
	dec := json.NewDecoder(buf)
	for dec.More() {
		var r struct {
			Level, Msg, Kind string
			JobID            string `json:"job_id"`
			MessageID        string `json:"message_id"`
		}
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("log is not JSON lines: %v", err)
		}
		id := r.MessageID
		if r.JobID != "" {
			id = shortName(r.JobID)
		}
		lines = append(lines, logLine{Level: r.Level, Msg: r.Msg, ID: id, Kind: r.Kind})
	}
	return lines
}

func TestHandler(t *testing.T) {
	transient := fault.E(fault.Transient, "discord unavailable")
	tests := []struct {
		name   string
		mutate func(ev *events.SQSEvent)
		// errs are the processor's answers by job name; nil for the rest.
		errs map[string]error
		// cancelAt names the job during which the context ends.
		cancelAt string
		// panicAt names the job that panics.
		panicAt    string
		wantRun    []string
		wantFailed []string
		wantLog    []logLine
	}{
		{
			name:    "all done in order",
			wantRun: []string{"A1", "B1", "A2", "C1", "B2", "A3"},
		},
		{
			name:       "transient error retries the rest of its group",
			errs:       map[string]error{"A2": transient},
			wantRun:    []string{"A1", "B1", "A2", "C1", "B2"},
			wantFailed: []string{"A2", "A3"},
			wantLog:    []logLine{{Level: "WARN", Msg: "job failed, will retry", ID: "A2"}},
		},
		{
			name:       "transient error on the first record",
			errs:       map[string]error{"A1": fmt.Errorf("post announcement: %w", transient)},
			wantRun:    []string{"A1", "B1", "C1", "B2"},
			wantFailed: []string{"A1", "A2", "A3"},
			wantLog:    []logLine{{Level: "WARN", Msg: "job failed, will retry", ID: "A1"}},
		},
		{
			name:       "transient errors in two groups",
			errs:       map[string]error{"A1": transient, "B1": transient},
			wantRun:    []string{"A1", "B1", "C1"},
			wantFailed: []string{"A1", "B1", "A2", "B2", "A3"},
			wantLog: []logLine{
				{Level: "WARN", Msg: "job failed, will retry", ID: "A1"},
				{Level: "WARN", Msg: "job failed, will retry", ID: "B1"},
			},
		},
		{
			name:    "not found is logged and dropped",
			errs:    map[string]error{"A2": fault.E(fault.NotFound, "unknown command !call")},
			wantRun: []string{"A1", "B1", "A2", "C1", "B2", "A3"},
			wantLog: []logLine{{Level: "WARN", Msg: "job dropped", ID: "A2", Kind: "not found"}},
		},
		{
			name:    "unclassified error is logged as an error and dropped",
			errs:    map[string]error{"B1": errors.New("nil map")},
			wantRun: []string{"A1", "B1", "A2", "C1", "B2", "A3"},
			wantLog: []logLine{{Level: "ERROR", Msg: "job dropped", ID: "B1", Kind: "internal"}},
		},
		{
			name:       "undecodable body is reported with the rest of its group",
			mutate:     func(ev *events.SQSEvent) { ev.Records[1].Body = `{"id":"01JQ7ZC4M2T8Y1B5N0P6R3K9B1/118` },
			wantRun:    []string{"A1", "A2", "C1", "A3"},
			wantFailed: []string{"B1", "B2"},
			wantLog:    []logLine{{Level: "ERROR", Msg: "undecodable job message", ID: "0f6c8b2e-1d3a-4c5b-9e7f-000000000002"}},
		},
		{
			name:       "JSON that is not a valid job is undecodable",
			mutate:     func(ev *events.SQSEvent) { ev.Records[3].Body = `{"id":"c1","kind":"event","guild":"3"}` },
			wantRun:    []string{"A1", "B1", "A2", "B2", "A3"},
			wantFailed: []string{"C1"},
			wantLog:    []logLine{{Level: "ERROR", Msg: "undecodable job message", ID: "0f6c8b2e-1d3a-4c5b-9e7f-000000000004"}},
		},
		{
			name:       "context ending mid-batch reports the job and everything after it",
			cancelAt:   "A2",
			wantRun:    []string{"A1", "B1", "A2"},
			wantFailed: []string{"A2", "C1", "B2", "A3"},
			wantLog:    []logLine{{Level: "WARN", Msg: "job interrupted, will retry", ID: "A2"}},
		},
		{
			name: "records without a group count as one group",
			mutate: func(ev *events.SQSEvent) {
				for _, m := range ev.Records {
					delete(m.Attributes, "MessageGroupId")
				}
			},
			errs:       map[string]error{"A2": transient},
			wantRun:    []string{"A1", "B1", "A2"},
			wantFailed: []string{"A2", "C1", "B2", "A3"},
			wantLog:    []logLine{{Level: "WARN", Msg: "job failed, will retry", ID: "A2"}},
		},
		{
			name:       "panicking job is reported with the rest of its group",
			panicAt:    "B1",
			wantRun:    []string{"A1", "B1", "A2", "C1", "A3"},
			wantFailed: []string{"B1", "B2"},
			wantLog:    []logLine{{Level: "ERROR", Msg: "job panicked", ID: "0f6c8b2e-1d3a-4c5b-9e7f-000000000002"}},
		},
		{
			name:   "empty batch",
			mutate: func(ev *events.SQSEvent) { ev.Records = nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := loadEvent(t)
			msgID := make(map[string]string)
			for i, m := range ev.Records {
				msgID[fixtureNames[i]] = m.MessageId
			}
			if tt.mutate != nil {
				tt.mutate(&ev)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var run []string
			p := processorFunc(func(ctx context.Context, j job.Job) error {
				name := shortName(j.ID)
				run = append(run, name)
				if name == tt.panicAt {
					panic("nil map write")
				}
				if name == tt.cancelAt {
					cancel()
					return ctx.Err()
				}
				return tt.errs[name]
			})
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))

			got, err := Handler(p, log)(ctx, ev)
			if err != nil {
				t.Fatalf("handler error = %v, want nil", err)
			}
			if diff := cmp.Diff(tt.wantRun, run); diff != "" {
				t.Errorf("jobs run (-want +got):\n%s", diff)
			}
			want := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
			for _, name := range tt.wantFailed {
				want.BatchItemFailures = append(want.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msgID[name]})
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("response (-want +got):\n%s", diff)
			}
			logText := buf.String()
			if diff := cmp.Diff(tt.wantLog, parseLog(t, &buf)); diff != "" {
				t.Errorf("log (-want +got):\n%s", diff)
			}
			for _, m := range ev.Records {
				if _, err := job.Decode([]byte(m.Body)); err != nil && strings.Contains(logText, m.Body) {
					t.Errorf("log contains the undecodable body %q:\n%s", m.Body, logText)
				}
			}
		})
	}
}

// TestHandlerResponseJSON checks the wire form Lambda reads: a batch with no
// failures answers an empty list, which Lambda takes as complete success.
func TestHandlerResponseJSON(t *testing.T) {
	p := processorFunc(func(context.Context, job.Job) error { return nil })
	resp, err := Handler(p, slog.New(slog.DiscardHandler))(t.Context(), loadEvent(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"batchItemFailures":[]}`; got != want {
		t.Errorf("response JSON = %s, want %s", got, want)
	}
}
