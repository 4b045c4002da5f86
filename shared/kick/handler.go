package kick

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/metric"
)

// Path is where Kick's webhook URL points.
const Path = "/webhooks/kick"

// MaxBody is the largest body read; a chat message is about 1 KiB.
const MaxBody = 64 << 10

// maxLogValue bounds unsigned header values copied into logs.
const maxLogValue = 64

var okBody = []byte(`{"ok":true}` + "\n")

// NewHandler returns the handler for POST Path. It reads the body (at most
// MaxBody bytes), verifies it with v at now(), parses it and passes the event
// to handle, then answers Kick:
//
//   - 200 on success, and for fault.NotFound (an unknown event type, or a
//     broadcaster handle does not know): Kick retries errors for a day and
//     then unsubscribes, so only a retry that may help gets an error;
//   - 200 for a verified delivery of a known type that cannot be processed
//     (its body is not its type's payload, or handle says fault.Invalid):
//     it is passed to keep for inspection and logged at ERROR, since a
//     retry cannot help and failing it would get the event unsubscribed.
//     If keep fails the delivery is answered as keep's error says (503 for
//     fault.Transient), so that Kick retries rather than it being lost;
//   - 400 for malformed headers, 401 for fault.Forbidden (a missing or bad
//     signature, a stale timestamp), 413 for a body over MaxBody, 405 for
//     a method other than POST;
//   - 503 for fault.Transient, so Kick retries; 500 for anything else.
//
// Duplicates are handle's business: it returns nil for them. A nil keep
// keeps nothing (the delivery is still logged and answered 200); a nil log
// discards; a nil now is time.Now.
func NewHandler(v *Verifier, handle func(ctx context.Context, ev event.Event) error, keep func(ctx context.Context, u ingest.Unprocessable) error, log *slog.Logger, now func() time.Time) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &handler{v: v, handle: handle, keep: keep, log: log, now: now}
}

type handler struct {
	v      *Verifier
	handle func(context.Context, event.Event) error
	keep   func(context.Context, ingest.Unprocessable) error
	log    *slog.Logger
	now    func() time.Time
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		status, msg := http.StatusBadRequest, "body unreadable"
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status, msg = http.StatusRequestEntityTooLarge, "body too large"
		}
		metric.From(r.Context()).Count(metric.DeliveriesRejected, 1, metric.D("Reason", "malformed"))
		h.log.WarnContext(r.Context(), "kick webhook "+msg,
			"message_id", clip(r.Header.Get(HeaderMessageID)), "event_type", clip(r.Header.Get(HeaderType)),
			"kind", fault.Invalid.String(), "status", status, "error", err)
		writeError(w, status, msg)
		return
	}

	received := h.now()
	d, err := h.v.Verify(r.Header, body, received)
	if err != nil {
		// Nothing is verified yet: log the claimed id and type, clipped.
		h.fail(r.Context(), w, err, "kick webhook rejected",
			clip(r.Header.Get(HeaderMessageID)), clip(r.Header.Get(HeaderType)))
		return
	}
	// Every line logged from here on, deeper code's included, names the
	// delivery; ingest adds the guilds it is for.
	// (A context, not r.WithContext: that copies the request for each message.)
	ctx := logattr.With(r.Context(), slog.String("message_id", d.MessageID), slog.String("event_type", d.Type))
	ev, err := Parse(d, body)
	if fault.Is(err, fault.Invalid) {
		h.unprocessable(ctx, w, d, body, err)
		return
	}
	if err != nil {
		h.fail(ctx, w, err, "kick webhook payload refused", d.MessageID, clip(d.Type))
		return
	}
	if err := h.handle(ctx, ev); err != nil {
		if fault.Is(err, fault.Invalid) {
			h.unprocessable(ctx, w, d, body, err)
			return
		}
		h.fail(ctx, w, err, "kick webhook handling failed", d.MessageID, d.Type)
		return
	}
	// Guarded: boxing the attributes costs even when Debug is off, and this
	// runs for every chat message.
	if h.log.Enabled(ctx, slog.LevelDebug) {
		h.log.DebugContext(ctx, "kick webhook handled",
			"message_id", d.MessageID, "event_type", d.Type, "broadcaster", ev.Broadcaster)
	}
	m := metric.From(ctx)
	m.Count(metric.DeliveriesAccepted, 1)
	// A clock ahead of ours counts as no lag: CloudWatch has no
	// percentiles of a metric with a negative value.
	m.Duration(metric.DeliveryLagSigned, max(0, received.Sub(d.Timestamp)))
	m.Duration(metric.DeliveryLagCreated, max(0, received.Sub(ev.OccurredAt())))
	writeOK(w)
}

// unprocessable keeps a verified delivery of a known type that cannot be
// processed, logs it at ERROR and answers 200. The log line carries
// unprocessable_deliveries=1 so that a metric filter can count them.
func (h *handler) unprocessable(ctx context.Context, w http.ResponseWriter, d Delivery, body []byte, cause error) {
	var keepErr error
	if h.keep != nil {
		u := ingest.Unprocessable{MessageID: d.MessageID, Type: d.Type, SentAt: d.Timestamp, Body: body, Reason: cause.Error()}
		keepErr = h.keep(ctx, u)
	}
	status := http.StatusOK
	attrs := []any{"message_id", d.MessageID, "event_type", d.Type, "kind", fault.KindOf(cause).String(),
		"kept", h.keep != nil && keepErr == nil, "unprocessable_deliveries", 1, "error", cause}
	if keepErr != nil {
		// Not kept: answer as the store's error says, so that Kick retries
		// (503) rather than the delivery being lost.
		status, _ = statusOf(fault.KindOf(keepErr), d.Type)
		attrs = append(attrs, "keep_error", keepErr)
	}
	reason := "unprocessable"
	if keepErr != nil {
		reason = reasonOf(fault.KindOf(keepErr), d.Type)
	}
	metric.From(ctx).Count(metric.DeliveriesRejected, 1, metric.D("Reason", reason))
	// Parse and handle never put the signature in an error.
	h.log.ErrorContext(ctx, "kick webhook delivery unprocessable", append(attrs, "status", status)...)
	if status != http.StatusOK {
		writeError(w, status, fault.Message(keepErr))
		return
	}
	writeOK(w)
}

// fail logs err once and answers with the status its kind maps to.
func (h *handler) fail(ctx context.Context, w http.ResponseWriter, err error, msg, id, typ string) {
	kind := fault.KindOf(err)
	status, level := statusOf(kind, typ)
	metric.From(ctx).Count(metric.DeliveriesRejected, 1, metric.D("Reason", reasonOf(kind, typ)))
	// Errors from this package never carry the signature; handle's carry
	// their cause, which is what the log is for.
	h.log.Log(ctx, level, msg,
		"message_id", id, "event_type", typ, "kind", kind.String(), "status", status, "error", err)
	if status == http.StatusOK {
		writeOK(w)
		return
	}
	writeError(w, status, fault.Message(err))
}

// statusOf maps an error kind to the answer and the log level.
func statusOf(kind fault.Kind, typ string) (int, slog.Level) {
	switch kind {
	case fault.NotFound:
		// Answered 200 so Kick neither retries nor unsubscribes; an unknown
		// type means our event list is behind, which someone should see.
		if !event.Type(typ).Known() {
			return http.StatusOK, slog.LevelWarn
		}
		return http.StatusOK, slog.LevelInfo
	case fault.Invalid:
		return http.StatusBadRequest, slog.LevelWarn
	case fault.Forbidden:
		return http.StatusUnauthorized, slog.LevelWarn
	case fault.Transient:
		return http.StatusServiceUnavailable, slog.LevelWarn
	default:
		return http.StatusInternalServerError, slog.LevelError
	}
}

// reasonOf names why a delivery of type typ failed with an error of kind,
// for the DeliveriesRejected metric: a short, fixed set of values, since
// each is a metric of its own.
func reasonOf(kind fault.Kind, typ string) string {
	switch kind {
	case fault.NotFound:
		if !event.Type(typ).Known() {
			return "unknown_type"
		}
		return "not_connected"
	case fault.Invalid:
		return "malformed"
	case fault.Forbidden:
		return "signature"
	case fault.Transient:
		return "transient"
	default:
		return "internal"
	}
}

func writeOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(okBody)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

// readBody reads at most MaxBody bytes, sizing the buffer from
// Content-Length when it is given so a chat message costs one allocation.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBody {
		return nil, &http.MaxBytesError{Limit: MaxBody}
	}
	rd := http.MaxBytesReader(w, r.Body, MaxBody)
	size := 512
	if r.ContentLength > 0 {
		size = int(r.ContentLength) + 1 // +1 so the final read sees EOF without growing
	}
	buf := make([]byte, 0, size)
	for {
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// clip shortens an unverified header value before it is logged.
func clip(s string) string {
	if len(s) > maxLogValue {
		return s[:maxLogValue]
	}
	return s
}
