package work

import (
	"context"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// Replier answers deferred interactions.
type Replier interface {
	// Finish replaces the deferred "thinking…" with r.
	Finish(ctx context.Context, token string, r interact.Response) error
	// Refuse replaces it with message, shown to the caller alone.
	Refuse(ctx context.Context, token, message string) error
}

// DefaultRetryAfter is when the queue offers a failed job again: the
// queue's visibility timeout in the template.
const DefaultRetryAfter = 6 * time.Minute

// interaction runs a deferred slash command and answers it. The token's
// life bounds the retries: a job that could not answer before the token
// expires is answered with interact.FailureMessage now, while that still
// reaches the caller, and one already too late is dropped.
func (w *Worker) interaction(ctx context.Context, j job.Job) error {
	if w.Interact == nil || w.Replies == nil {
		return fault.E(fault.Internal, "worker cannot answer interactions (job %s)", j.ID)
	}
	r, token := j.Interaction.Request, j.Interaction.Token
	deadline := r.At.Add(interact.TokenLife)
	now := w.now()
	if !now.Before(deadline) {
		return fault.E(fault.NotFound, "interaction job %s: the interaction expired at %s", j.ID, deadline.Format(time.RFC3339))
	}
	resp, err := w.Interact.Handle(ctx, r)
	if err == nil {
		err = w.Replies.Finish(ctx, token, resp)
		if fault.KindOf(err) != fault.Transient {
			return err
		}
	}
	switch fault.KindOf(err) {
	case fault.Invalid, fault.NotFound, fault.Forbidden, fault.Conflict:
		return w.Replies.Refuse(ctx, token, fault.Message(err))
	case fault.Transient:
		retry := w.RetryAfter
		if retry <= 0 {
			retry = DefaultRetryAfter
		}
		if now.Add(retry).Before(deadline) {
			return err
		}
	}
	w.log().ErrorContext(ctx, "interaction failed", "job", j.ID, "command", r.Command, "sub", r.Sub, "error", err)
	msg := interact.FailureMessage
	if interact.Changes(r) {
		// The change may have landed: "try again" could make it twice.
		msg = interact.UncertainMessage
	}
	if rerr := w.Replies.Refuse(ctx, token, msg); rerr != nil {
		return rerr
	}
	return nil
}
