package upkeep_test

import (
	"context"
	"testing"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/upkeep"
)

// TestKeepMetrics: each run counts the connections whose login Kick
// refused, 0 included.
func TestKeepMetrics(t *testing.T) {
	tests := []struct {
		name   string
		refuse map[int64]bool
		want   float64
	}{
		{"none refused", nil, 0},
		// Broadcaster 1 has two guilds; 2 was refused before.
		{"refused now and before", map[int64]bool{1: true}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &store{
				conns:   []stream.Connection{{Guild: "g1", Broadcaster: 1}, {Guild: "g2", Broadcaster: 1}, {Guild: "g3", Broadcaster: 2}, {Guild: "g4", Broadcaster: 3}},
				records: map[int64]credential.Record{1: {Version: 4}, 2: {Version: 9, NeedsReauth: tt.refuse != nil}, 3: {Version: 1}},
			}
			u := &upkeep.Upkeep{Store: s, Tokens: &tokens{s: s, refuse: tt.refuse}, Notify: &notifier{sent: map[string]bool{}}}
			rec := metric.New("NS", metric.D("Function", "upkeep"))
			if err := u.Keep(metric.With(context.Background(), rec)); err != nil {
				t.Fatal(err)
			}
			points, err := metric.Flushed(rec)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := metric.Sum(points, metric.ConnectionsNeedingReauth, metric.D("Function", "upkeep")); !ok || got != tt.want {
				t.Errorf("%s = %v (written %v), want %v", metric.ConnectionsNeedingReauth, got, ok, tt.want)
			}
		})
	}
}
