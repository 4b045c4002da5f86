package guard_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/functions/internal/guard"
	"github.com/kickbot/kickbot/shared/fault"
)

func TestScheduled(t *testing.T) {
	failed := errors.New("store down")
	tests := []struct {
		name    string
		h       func(context.Context, int) error
		wantErr error // nil: success; matched with errors.Is
		// wantLog: the panic is logged and returned as an Internal error.
		wantLog bool
	}{
		{name: "success", h: func(context.Context, int) error { return nil }},
		{name: "error passes through", h: func(context.Context, int) error { return failed }, wantErr: failed},
		{name: "panic becomes an error", h: func(context.Context, int) error { panic("index out of range") },
			wantLog: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			err := guard.Scheduled("sweep", log, tt.h)(context.Background(), 1)
			switch {
			case tt.wantLog:
				if err == nil || fault.KindOf(err) != fault.Internal {
					t.Errorf("Scheduled()() = %v, want an internal error", err)
				}
			case !errors.Is(err, tt.wantErr):
				t.Errorf("Scheduled()() = %v, want %v", err, tt.wantErr)
			}
			logged := strings.Contains(logs.String(), `"level":"ERROR"`) && strings.Contains(logs.String(), `"msg":"sweep panicked"`)
			if logged != tt.wantLog {
				t.Errorf("logged a panic = %v, want %v (log %s)", logged, tt.wantLog, logs.String())
			}
		})
	}
}
