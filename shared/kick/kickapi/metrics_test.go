package kickapi_test

import (
	"testing"

	"github.com/kickbot/kickbot/shared/metric"
)

// TestCallMetrics: each call to Kick, the token request included, is
// counted by status in the context's Recorder.
func TestCallMetrics(t *testing.T) {
	f := newFakeKick(t)
	c := f.client(nil)
	rec := metric.New("NS", metric.D("Function", "upkeep"))
	ctx := metric.With(t.Context(), rec)
	for range 2 {
		if _, err := c.Channels(ctx, []int64{4402117}); err != nil {
			t.Fatal(err)
		}
	}
	points, err := metric.Flushed(rec)
	if err != nil {
		t.Fatal(err)
	}
	// One token request and two channels requests.
	if got, _ := metric.Sum(points, metric.KickAPICalls, metric.D("Function", "upkeep"), metric.D("Status", "2xx")); got != 3 {
		t.Errorf("%s{Status=2xx} = %v, want 3 (points %v)", metric.KickAPICalls, got, points)
	}
}
