package kick_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/kick"
	"github.com/kickbot/kickbot/shared/metric"
)

func TestHandlerMetrics(t *testing.T) {
	chat := fixture(t, "chat.message.sent")
	good := signed(t, "chat.message.sent", chat)
	tampered := bytes.Replace(chat, []byte("gg"), []byte("GG"), 1)
	oversize := bytes.Repeat([]byte(" "), kick.MaxBody+1)
	tests := []struct {
		name      string
		header    http.Header
		body      []byte
		handleErr error
		// want is the one metric written, with its Reason; "" for none.
		want, reason string
	}{
		{name: "accepted", header: good, body: chat, want: metric.DeliveriesAccepted},
		{name: "bad signature", header: good, body: tampered, want: metric.DeliveriesRejected, reason: "signature"},
		{name: "oversize", header: good, body: oversize, want: metric.DeliveriesRejected, reason: "malformed"},
		{name: "unknown type", header: signed(t, "channel.raided", []byte(`{}`)), body: []byte(`{}`), want: metric.DeliveriesRejected, reason: "unknown_type"},
		{name: "unprocessable", header: signed(t, "chat.message.sent", []byte(`{}`)), body: []byte(`{}`), want: metric.DeliveriesRejected, reason: "unprocessable"},
		{name: "unconnected", header: good, body: chat, handleErr: ingest.ErrNotConnected, want: metric.DeliveriesRejected, reason: "not_connected"},
		{name: "transient", header: good, body: chat, handleErr: fault.E(fault.Transient, "throttled"), want: metric.DeliveriesRejected, reason: "transient"},
		{name: "internal", header: good, body: chat, handleErr: fault.E(fault.Internal, "bug"), want: metric.DeliveriesRejected, reason: "internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := kick.NewHandler(kick.NewVerifier(&testKey().PublicKey),
				func(context.Context, event.Event) error { return tt.handleErr },
				func(context.Context, ingest.Unprocessable) error { return nil }, nil, func() time.Time { return now })
			rec := metric.New("NS", metric.D("Function", "webhook"))
			r := httptest.NewRequest(http.MethodPost, kick.Path, bytes.NewReader(tt.body)).WithContext(metric.With(context.Background(), rec))
			r.Header = tt.header
			h.ServeHTTP(httptest.NewRecorder(), r)
			points, err := metric.Flushed(rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{metric.DeliveriesAccepted, metric.DeliveriesRejected} {
				got, _ := metric.Sum(points, name, metric.D("Function", "webhook"))
				want := 0.0
				if name == tt.want {
					want = 1
				}
				if got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}
			if tt.reason != "" {
				if got, _ := metric.Sum(points, metric.DeliveriesRejected, metric.D("Reason", tt.reason)); got != 1 {
					t.Errorf("%s{Reason=%s} = %v, want 1 (points %v)", metric.DeliveriesRejected, tt.reason, got, points)
				}
			}
			if tt.want == metric.DeliveriesAccepted {
				// The fixture was created and signed at sentAt, 19 s before now.
				for _, lag := range []string{metric.DeliveryLagSigned, metric.DeliveryLagCreated} {
					if got, _ := metric.Sum(points, lag); got != 19000 {
						t.Errorf("%s = %v ms, want 19000", lag, got)
					}
				}
			}
		})
	}
}

// TestHandlerLagNeverNegative: a delivery stamped ahead of our clock (by
// less than the skew allowed) records no lag rather than a negative one.
func TestHandlerLagNeverNegative(t *testing.T) {
	chat := fixture(t, "chat.message.sent")
	h := kick.NewHandler(kick.NewVerifier(&testKey().PublicKey),
		func(context.Context, event.Event) error { return nil }, nil, nil, func() time.Time { return sentAt.Add(-time.Second) })
	rec := metric.New("NS")
	r := httptest.NewRequest(http.MethodPost, kick.Path, bytes.NewReader(chat)).WithContext(metric.With(context.Background(), rec))
	r.Header = signed(t, "chat.message.sent", chat)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", w.Code)
	}
	points, err := metric.Flushed(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, lag := range []string{metric.DeliveryLagSigned, metric.DeliveryLagCreated} {
		if got, ok := metric.Sum(points, lag); !ok || got != 0 {
			t.Errorf("%s = %v (recorded %v), want 0", lag, got, ok)
		}
	}
}
