package logattr_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/logattr"
)

func TestHandler(t *testing.T) {
	tests := []struct {
		name string
		log  func(ctx context.Context, log *slog.Logger)
		want map[string]any
	}{
		{"context attributes", func(ctx context.Context, log *slog.Logger) {
			log.WarnContext(ctx, "m")
		}, map[string]any{"guild": "g1", "event_type": "chat.message.sent"}},
		{"the line's own win", func(ctx context.Context, log *slog.Logger) {
			log.WarnContext(ctx, "m", "guild", "g2")
		}, map[string]any{"guild": "g2", "event_type": "chat.message.sent"}},
		{"the logger's own win", func(ctx context.Context, log *slog.Logger) {
			log.With("guild", "g3").WarnContext(ctx, "m")
		}, map[string]any{"guild": "g3", "event_type": "chat.message.sent"}},
		{"added by a callee", func(ctx context.Context, log *slog.Logger) {
			logattr.Add(ctx, slog.String("message_id", "m1"))
			log.ErrorContext(ctx, "m")
		}, map[string]any{"guild": "g1", "event_type": "chat.message.sent", "message_id": "m1"}},
		{"a child's stay in the child", func(ctx context.Context, log *slog.Logger) {
			logattr.With(ctx, slog.String("job_id", "j1"))
			log.WarnContext(ctx, "m")
		}, map[string]any{"guild": "g1", "event_type": "chat.message.sent"}},
		{"no context", func(_ context.Context, log *slog.Logger) {
			log.Warn("m")
		}, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(logattr.NewHandler(slog.NewJSONHandler(&buf, nil)))
			ctx := logattr.With(context.Background(), slog.String("guild", "g1"), slog.String("event_type", "chat.message.sent"))
			tt.log(ctx, log)
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("log %q: %v", buf.String(), err)
			}
			if strings.Count(buf.String(), `"guild"`) > 1 {
				t.Errorf("log %s names the guild twice", buf.String())
			}
			for _, k := range []string{"time", "level", "msg"} {
				delete(got, k)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("attributes (-want +got):\n%s", diff)
			}
		})
	}
}

func Example() {
	log := slog.New(logattr.NewHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	ctx := logattr.With(context.Background(), slog.String("message_id", "01JQ7"), slog.String("event_type", "chat.message.sent"))
	logattr.Add(ctx, slog.String("guild", "1250143022583250947")) // learnt deeper down
	log.WarnContext(ctx, "job failed, will retry")
	// Output:
	// level=WARN msg="job failed, will retry" message_id=01JQ7 event_type=chat.message.sent guild=1250143022583250947
}
