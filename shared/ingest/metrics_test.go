package ingest_test

import (
	"testing"

	"github.com/kickbot/kickbot/shared/metric"
)

func TestDuplicateMetric(t *testing.T) {
	s, st, _, _ := newService()
	st.conns[4402117] = []string{"g1"}
	ev := chat("a", 7, "!points", t0)
	rec := metric.New("NS", metric.D("Function", "webhook"))
	ctx := metric.With(t.Context(), rec)
	for range 3 { // the second and third deliveries are duplicates
		if err := s.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	points, err := metric.Flushed(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := metric.Sum(points, metric.DeliveriesDuplicate, metric.D("Function", "webhook")); got != 2 {
		t.Errorf("%s = %v, want 2", metric.DeliveriesDuplicate, got)
	}
}
