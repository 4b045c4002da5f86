package jobqueue

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/metric"
)

// Processor runs one job. Only a Transient error makes the job run again.
type Processor interface {
	Do(ctx context.Context, j job.Job) error
}

// attrGroup is the SQS system attribute that names a FIFO message's group.
const attrGroup = "MessageGroupId"

// attrReceiveCount is the SQS system attribute that counts a message's
// receives, this one included.
const attrReceiveCount = "ApproximateReceiveCount"

// Handler returns the worker's Lambda handler for batches from the FIFO
// queue, for an event source mapping with ReportBatchItemFailures.
//
// Records run in order. A record is reported as a batch item failure, so
// SQS delivers it again, when its job fails with a Transient error, when
// its body is not a job or its job panics (so that after maxReceiveCount receives it reaches
// the dead-letter queue for inspection), or when the context ends before
// it ran to completion. Once a record of a message group is reported, every
// later record of that group in the batch is reported without running:
// running them would put them ahead of the failed one. Records of a queue
// without groups count as one group. A job that fails with any other kind
// of error can never succeed, so it is logged and dropped.
//
// The handler never returns an error: that would make SQS deliver the whole
// batch again, including the jobs that are done.
//
// Each record reported is counted in the metrics (package metric) as
// retried or, when its receive count has reached DefaultMaxReceiveCount
// so that SQS moves it to the dead-letter queue instead, as dead-lettered
// (and logged at ERROR).
func Handler(p Processor, log *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return HandlerFor(p, log, DefaultMaxReceiveCount)
}

// DefaultMaxReceiveCount is the jobs queue's maxReceiveCount in the
// template (a test there checks they agree).
const DefaultMaxReceiveCount = 5

// HandlerFor is Handler for a queue whose redrive policy moves a message
// to the dead-letter queue after maxReceives receives.
func HandlerFor(p Processor, log *slog.Logger, maxReceives int) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		resp := events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{}}
		blocked := make(map[string]bool)
		for _, m := range ev.Records {
			group := m.Attributes[attrGroup]
			if !blocked[group] && !run(ctx, p, log, m) {
				blocked[group] = true
			}
			if blocked[group] {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
				failed(ctx, log, m, maxReceives)
			}
		}
		return resp, nil
	}
}

// failed counts m, reported as a failure, as retried or dead-lettered.
func failed(ctx context.Context, log *slog.Logger, m events.SQSMessage, maxReceives int) {
	received, _ := strconv.Atoi(m.Attributes[attrReceiveCount])
	if maxReceives > 0 && received >= maxReceives {
		metric.From(ctx).Count(metric.JobsDeadLettered, 1)
		log.ErrorContext(ctx, "job goes to the dead-letter queue", "message_id", m.MessageId,
			"group", m.Attributes[attrGroup], "receive_count", received, "max_receive_count", maxReceives)
		return
	}
	metric.From(ctx).Count(metric.JobsRetried, 1)
}

// jobAttrs are the attributes of every line logged while j runs: the job,
// its guild and, where it has them, the Kick delivery and event type or
// the Discord interaction behind it.
func jobAttrs(j job.Job) []slog.Attr {
	attrs := []slog.Attr{slog.String("job_id", j.ID), slog.String("guild", j.Guild)}
	if j.Event != nil {
		attrs = append(attrs, slog.String("delivery_id", j.Event.ID), slog.String("event_type", string(j.Event.Type)))
	}
	if j.Interaction != nil {
		attrs = append(attrs, slog.String("interaction_id", j.Interaction.Request.ID))
	}
	return attrs
}

// run runs the job in m and reports whether m is finished with: done, or
// dropped for good. false means SQS should deliver m again.
func run(ctx context.Context, p Processor, log *slog.Logger, m events.SQSMessage) (finished bool) {
	defer func() {
		// A panicking job is poison like an undecodable one: report it alone,
		// rather than crash the invocation and redeliver every group's records.
		if v := recover(); v != nil {
			log.ErrorContext(ctx, "job panicked", "message_id", m.MessageId,
				"group", m.Attributes[attrGroup], "receive_count", m.Attributes["ApproximateReceiveCount"], "panic", fmt.Sprint(v))
			finished = false
		}
	}()
	if ctx.Err() != nil {
		// Out of time: leave the rest for the next delivery.
		return false
	}
	j, err := job.Decode([]byte(m.Body))
	if err != nil {
		// The body is not logged: it can be large, and the dead-letter queue keeps it.
		log.ErrorContext(ctx, "undecodable job message",
			"message_id", m.MessageId, "group", m.Attributes[attrGroup],
			"receive_count", m.Attributes["ApproximateReceiveCount"], "err", err)
		return false
	}
	ctx = logattr.With(ctx, jobAttrs(j)...)
	err = p.Do(ctx, j)
	switch {
	case err == nil:
		return true
	case fault.Is(err, fault.Transient):
		log.WarnContext(ctx, "job failed, will retry",
			"job_id", j.ID, "guild", j.Guild, "message_id", m.MessageId,
			"receive_count", m.Attributes["ApproximateReceiveCount"], "err", err)
		return false
	case ctx.Err() != nil:
		// Cut off mid-run, whatever the error says: the job may be half done,
		// and its writes are keyed by cause, so running it again is safe.
		log.WarnContext(ctx, "job interrupted, will retry",
			"job_id", j.ID, "guild", j.Guild, "message_id", m.MessageId, "err", err)
		return false
	default:
		kind := fault.KindOf(err)
		level := slog.LevelWarn
		if kind == fault.Internal {
			level = slog.LevelError
		}
		log.Log(ctx, level, "job dropped",
			"job_id", j.ID, "guild", j.Guild, "message_id", m.MessageId, "kind", kind.String(), "err", err)
		return true
	}
}
