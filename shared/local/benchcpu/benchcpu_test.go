package benchcpu

import (
	"crypto/sha256"
	"testing"
)

// TestStopReportsCPUPerOp runs a benchmark of busy work and checks it
// reports a positive cpu-ns/op.
func TestStopReportsCPUPerOp(t *testing.T) {
	if cpuTime() == 0 {
		t.Skip("no CPU clock on this platform")
	}
	r := testing.Benchmark(func(b *testing.B) {
		sum := [32]byte{}
		m := Start(b)
		for b.Loop() {
			sum = sha256.Sum256(sum[:])
		}
		m.Stop()
	})
	if got := r.Extra["cpu-ns/op"]; got <= 0 {
		t.Errorf("cpu-ns/op = %v, want > 0 (extra %v)", got, r.Extra)
	}
}
