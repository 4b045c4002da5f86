package metric

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"
)

// Sink is where a function's invocations write their metrics.
type Sink struct {
	// Namespace and Base are each Recorder's (see New).
	Namespace string
	Base      []Dim
	// Level is each Recorder's (see Recorder.Level).
	Level string
	// Out takes the documents: stdout in Lambda, whose log group
	// CloudWatch extracts them from.
	Out io.Writer
	// Now stamps the documents; nil is time.Now.
	Now func() time.Time
	// Log gets a failed flush, at WARN; nil discards.
	Log *slog.Logger
}

// DefaultNamespace is the metrics' namespace when none is given.
const DefaultNamespace = "Kickbot"

// Stdout returns the Sink of a Lambda function: its metrics go to stdout,
// which Lambda sends to the function's log group, in namespace (""
// is DefaultNamespace), each with the dimension Function=function and
// the function's log level (Lambda's AWS_LAMBDA_LOG_LEVEL; see
// Recorder.Level).
func Stdout(namespace, function, level string, log *slog.Logger) Sink {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return Sink{Namespace: namespace, Base: []Dim{D("Function", function)}, Level: level, Out: os.Stdout, Log: log}
}

// Handle returns h with a fresh Recorder in each invocation's context,
// flushed to s.Out once h returns (panics included).
func Handle[In, Out any](s Sink, h func(context.Context, In) (Out, error)) func(context.Context, In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		r := s.recorder()
		defer s.flush(ctx, r)
		return h(With(ctx, r), in)
	}
}

func (s Sink) recorder() *Recorder {
	r := New(s.Namespace, s.Base...)
	r.Level = s.Level
	return r
}

// HandleErr is Handle for a handler that returns only an error.
func HandleErr[In any](s Sink, h func(context.Context, In) error) func(context.Context, In) error {
	return func(ctx context.Context, in In) error {
		r := s.recorder()
		defer s.flush(ctx, r)
		return h(With(ctx, r), in)
	}
}

func (s Sink) flush(ctx context.Context, r *Recorder) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if err := r.Flush(s.Out, now()); err != nil && s.Log != nil {
		s.Log.WarnContext(ctx, "metrics not written", "err", err)
	}
}
