package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/metric"
)

// TestMetrics: each invocation writes one EMF document, with the
// delivery accepted and its lag.
func TestMetrics(t *testing.T) {
	var out bytes.Buffer
	sink := metric.Sink{Namespace: "Kickbot/test", Base: []metric.Dim{metric.D("Function", "webhook")}, Out: &out}
	deliveries := burstDeliveries()[:3]
	receivedAt := deliveries[len(deliveries)-1].At.Add(2 * time.Second)
	h := metric.Handle(sink, handler(&countingStore{}, &countingQueue{}, &testKey().PublicKey, quiet, func() time.Time { return receivedAt }))
	for _, e := range apiEvents(t, deliveries) {
		if _, err := h(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	if n := bytes.Count(out.Bytes(), []byte("\n")); n != len(deliveries) {
		t.Errorf("%d invocations wrote %d documents, want one each", len(deliveries), n)
	}
	points, err := metric.Read(&out)
	if err != nil {
		t.Fatal(err)
	}
	fn := metric.D("Function", "webhook")
	if got, _ := metric.Sum(points, metric.DeliveriesAccepted, fn); got != float64(len(deliveries)) {
		t.Errorf("%s = %v, want %d", metric.DeliveriesAccepted, got, len(deliveries))
	}
	var want float64
	for _, d := range deliveries {
		// The signed timestamp header is in whole seconds.
		want += float64(receivedAt.Sub(d.At.Truncate(time.Second)).Milliseconds())
	}
	if got, _ := metric.Sum(points, metric.DeliveryLagSigned, fn); got != want {
		t.Errorf("%s summed = %v ms, want %v", metric.DeliveryLagSigned, got, want)
	}
}
