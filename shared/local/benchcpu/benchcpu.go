// Package benchcpu reports a benchmark's CPU time per operation next to
// its wall time. Lambda below 1,769 MB gets less than one vCPU, so work
// the Go runtime does on another core (the garbage collector's, mostly)
// is not free there: ns/op hides it, cpu-ns/op counts it.
package benchcpu

import (
	"testing"
	"time"
)

// Meter measures the process's CPU time (user and system, every thread)
// across a benchmark's loop.
type Meter struct {
	b     *testing.B
	start time.Duration
}

// Start begins measuring; call it after the benchmark's setup, just before
// its b.Loop loop.
func Start(b *testing.B) *Meter {
	return &Meter{b: b, start: cpuTime()}
}

// Stop reports the CPU time per iteration as the metric "cpu-ns/op"; call
// it once b.Loop has returned false (b.N is then the loop's iterations).
// Where the platform cannot tell (cpuTime is 0), it reports nothing.
func (m *Meter) Stop() {
	end := cpuTime()
	if end == 0 || m.b.N == 0 {
		return
	}
	m.b.ReportMetric(float64(end-m.start)/float64(m.b.N), "cpu-ns/op")
}
