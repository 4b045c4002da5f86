package jobqueue

import (
	"context"
	"log/slog"
	"maps"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/metric"
)

func TestHandlerMetrics(t *testing.T) {
	transient := fault.E(fault.Transient, "throttled")
	tests := []struct {
		name string
		// receives sets record i's receive count.
		receives            map[int]string
		failAt              string
		wantRetried, wantDL float64
	}{
		{name: "all done"},
		{name: "failure and the rest of its group retried", failAt: "B1", wantRetried: 2},
		{name: "last receive dead-lettered, the rest of its group retried", failAt: "B1",
			receives: map[int]string{1: "5"}, wantRetried: 1, wantDL: 1},
		{name: "past the last receive", failAt: "B1", receives: map[int]string{1: "7", 4: "5"}, wantDL: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := loadEvent(t)
			for i, n := range tt.receives {
				ev.Records[i].Attributes = maps.Clone(ev.Records[i].Attributes)
				ev.Records[i].Attributes[attrReceiveCount] = n
			}
			p := processorFunc(func(_ context.Context, j job.Job) error {
				if shortName(j.ID) == tt.failAt {
					return transient
				}
				return nil
			})
			rec := metric.New("NS", metric.D("Function", "worker"))
			if _, err := Handler(p, slog.New(slog.DiscardHandler))(metric.With(t.Context(), rec), ev); err != nil {
				t.Fatal(err)
			}
			points, err := metric.Flushed(rec)
			if err != nil {
				t.Fatal(err)
			}
			fn := metric.D("Function", "worker")
			if got, _ := metric.Sum(points, metric.JobsRetried, fn); got != tt.wantRetried {
				t.Errorf("%s = %v, want %v", metric.JobsRetried, got, tt.wantRetried)
			}
			if got, _ := metric.Sum(points, metric.JobsDeadLettered, fn); got != tt.wantDL {
				t.Errorf("%s = %v, want %v", metric.JobsDeadLettered, got, tt.wantDL)
			}
		})
	}
}
