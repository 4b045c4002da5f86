package main

import (
	"strings"
	"testing"
)

func TestParseInitTrace(t *testing.T) {
	tests := []struct {
		name                  string
		in                    string
		wantPkgs              int
		wantClock             float64
		wantBytes, wantAllocs int64
	}{
		{
			name: "sums init lines and skips the rest",
			in: "init runtime @0.011 ms, 0.040 ms clock, 0 bytes, 0 allocs\n" +
				"init github.com/aws/aws-sdk-go-v2/service/ssm/schemas @1.2 ms, 2.0 ms clock, 500000 bytes, 7882 allocs\n" +
				`timestamp=2026-12-03T05:47:46.415Z level=ERROR message="init failed"` + "\n",
			wantPkgs: 2, wantClock: 2.04, wantBytes: 500000, wantAllocs: 7882,
		},
		{
			name: "a line that only starts like one is not counted",
			in:   "init failed: no table\ninit x @1 ms, 1 ms clock, 1 bytes\n",
		},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr, err := parseInitTrace(strings.NewReader(tt.in))
			if err != nil {
				t.Fatalf("parseInitTrace: %v", err)
			}
			if len(tr.pkgs) != tt.wantPkgs || tr.bytes != tt.wantBytes || tr.allocs != tt.wantAllocs || !near(tr.clockMs, tt.wantClock) {
				t.Errorf("parseInitTrace = %d inits, %.3f ms, %d bytes, %d allocs; want %d, %.3f, %d, %d",
					len(tr.pkgs), tr.clockMs, tr.bytes, tr.allocs, tt.wantPkgs, tt.wantClock, tt.wantBytes, tt.wantAllocs)
			}
		})
	}
}

func TestParseInitTraceRejectsBadNumbers(t *testing.T) {
	if _, err := parseInitTrace(strings.NewReader("init x @1 ms, fast ms clock, 1 bytes, 1 allocs\n")); err == nil {
		t.Error("parseInitTrace(bad clock) = nil error, want one")
	}
}

func TestStat(t *testing.T) {
	tests := []struct {
		name             string
		clocks           []float64
		median, min, max float64
	}{
		{"odd", []float64{3, 1, 2}, 2, 1, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1, 4},
		{"one", []float64{5}, 5, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := make([]trace, len(tt.clocks))
			for i, c := range tt.clocks {
				rs[i].clockMs = c
			}
			got := stat(rs, func(i int) float64 { return rs[i].clockMs })
			if want := (summary{tt.median, tt.min, tt.max}); got != want {
				t.Errorf("stat(%v) = %+v, want %+v", tt.clocks, got, want)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
