package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/sweep"
)

// TestMetrics: one sweep invocation writes one EMF document with its
// duration, the guilds it went through and the viewer-minutes credited.
func TestMetrics(t *testing.T) {
	s := newStore(t)
	ev := scheduled(t, 0)
	seed(t, s, "live", true, 3, ev.Time.Add(-2*time.Minute))
	seed(t, s, "offline", false, 3, ev.Time.Add(-2*time.Minute))
	var out bytes.Buffer
	sink := metric.Sink{Namespace: "Kickbot/test", Base: []metric.Dim{metric.D("Function", "sweep")}, Out: &out}
	h := metric.HandleErr(sink, handler(&sweep.Sweeper{Store: s}, quiet))
	if err := h(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(out.Bytes(), []byte("\n")); n != 1 {
		t.Errorf("one invocation wrote %d documents, want 1:\n%s", n, out.String())
	}
	points, err := metric.Read(&out)
	if err != nil {
		t.Fatal(err)
	}
	fn := metric.D("Function", "sweep")
	if got, _ := metric.Sum(points, metric.SweepGuilds, fn); got != 1 {
		t.Errorf("%s = %v, want 1 (the live guild)", metric.SweepGuilds, got)
	}
	if _, ok := metric.Sum(points, metric.SweepDuration, fn); !ok {
		t.Errorf("no %s in %v", metric.SweepDuration, points)
	}
	// The first run credits M-1 and M for 3 viewers.
	if got, _ := metric.Sum(points, metric.ViewerMinutesCredited, fn); got != 6 {
		t.Errorf("%s = %v, want 6", metric.ViewerMinutesCredited, got)
	}
}
