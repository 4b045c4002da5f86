package sweep_test

import (
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestMetrics: a sweep that missed two minutes records that it started
// two minutes behind, and the viewer-minutes it credited.
func TestMetrics(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 3)
	s := &sweep.Sweeper{Store: st}
	m := watchtime.MinuteOf(now)
	if _, err := s.Run(context.Background(), m, now); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                string
		minute              watchtime.Minute
		wantBehind, wantMin float64
	}{
		{"two minutes missed", m + 3, 2, 9},
		{"on time", m + 4, 0, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := metric.New("NS", metric.D("Function", "sweep"))
			if _, err := s.Run(metric.With(context.Background(), rec), tt.minute, tt.minute.Start().Add(3*time.Second)); err != nil {
				t.Fatal(err)
			}
			points, err := metric.Flushed(rec)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := metric.Sum(points, metric.CreditsBehind, metric.D("Function", "sweep")); !ok || got != tt.wantBehind {
				t.Errorf("%s = %v (recorded %v), want %v", metric.CreditsBehind, got, ok, tt.wantBehind)
			}
			if got, _ := metric.Sum(points, metric.ViewerMinutesCredited, metric.D("Function", "sweep")); got != tt.wantMin {
				t.Errorf("%s = %v, want %v", metric.ViewerMinutesCredited, got, tt.wantMin)
			}
		})
	}
}
