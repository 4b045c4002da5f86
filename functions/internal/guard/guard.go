// Package guard keeps a panic in one invocation from ending a Lambda
// function's process: aws-lambda-go reports a panic and then exits, so
// every panic would cost a cold start, and for a scheduled function the
// panic's cause would show only as a crash.
package guard

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/kickbot/kickbot/shared/fault"
)

// Scheduled wraps the handler of a scheduled function: a panic in h is
// logged at ERROR on log and returned as an Internal error, which Lambda
// treats as a failed invocation (and retries, as for any error).
func Scheduled[In any](name string, log *slog.Logger, h func(context.Context, In) error) func(context.Context, In) error {
	return func(ctx context.Context, in In) (err error) {
		defer func() {
			if v := recover(); v != nil {
				log.ErrorContext(ctx, name+" panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				err = fault.E(fault.Internal, "%s panicked: %v", name, v)
			}
		}()
		return h(ctx, in)
	}
}
