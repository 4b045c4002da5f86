package jobqueue

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/logattr"
)

// TestFailureLog: every line logged for a failing job, by the handler and
// by the job's own code, is at WARN or above and names the job, its guild,
// the Kick delivery behind it and its event type.
func TestFailureLog(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"transient", fault.E(fault.Transient, "discord unavailable")},
		{"internal", fault.E(fault.Internal, "nil map")},
		{"invalid", fault.E(fault.Invalid, "no such command")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := loadEvent(t)
			ev.Records = ev.Records[:1]
			want, err := job.Decode([]byte(ev.Records[0].Body))
			if err != nil || want.Event == nil {
				t.Fatalf("fixture record 0 is not an event job: %v", err)
			}
			var logs bytes.Buffer
			log := slog.New(logattr.NewHandler(slog.NewJSONHandler(&logs, nil)))
			p := processorFunc(func(ctx context.Context, j job.Job) error {
				log.WarnContext(ctx, "role not granted") // as the job's own code logs
				return tt.err
			})
			Handler(p, log)(t.Context(), ev)
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("log = %s, want the job's line and the handler's", logs.String())
			}
			for _, line := range lines {
				var got map[string]any
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatal(err)
				}
				if got["level"] != "WARN" && got["level"] != "ERROR" {
					t.Errorf("line %s: level %v, want WARN or ERROR", line, got["level"])
				}
				for k, v := range map[string]string{"job_id": want.ID, "guild": want.Guild, "delivery_id": want.Event.ID, "event_type": string(want.Event.Type)} {
					if got[k] != v {
						t.Errorf("line %s: %s = %v, want %s", line, k, got[k], v)
					}
				}
			}
		})
	}
}
