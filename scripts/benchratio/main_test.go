package main

import (
	"strings"
	"testing"
)

func TestParseLine(t *testing.T) {
	for _, tt := range []struct {
		name, line string
		want       result
		ok         bool
	}{
		{"GOMAXPROCS suffix", "BenchmarkWebhookChat-2   	    2000	     58094 ns/op	     57084 cpu-ns/op	    5227 B/op	      53 allocs/op",
			result{wall: 58094, cpu: 57084, allocs: 53}, true},
		{"GOMAXPROCS=1, extra metric", "BenchmarkHandlePoints 	 2000	 148478 ns/op	 1755 body-bytes	 116637 cpu-ns/op	 23208 B/op	 94 allocs/op",
			result{wall: 148478, cpu: 116637, allocs: 94}, true},
		{"another benchmark with the name as prefix", "BenchmarkWebhookChatSlow-2 	 10	 5 ns/op", result{}, false},
		{"not a result", "goos: linux", result{}, false},
		{"no ns/op", "BenchmarkWebhookChat-2 	 10	 5 cpu-ns/op", result{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			name := "BenchmarkWebhookChat"
			if strings.Contains(tt.line, "HandlePoints") {
				name = "BenchmarkHandlePoints"
			}
			got, ok := parseLine(tt.line, name)
			if got != tt.want || ok != tt.ok {
				t.Errorf("parseLine(%q) = %+v, %v; want %+v, %v", tt.line, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestStats(t *testing.T) {
	for _, tt := range []struct {
		name              string
		xs                []float64
		median, low, high float64
	}{
		{"odd", []float64{3, 1, 2}, 2, 1, 3},
		{"even", []float64{4, 1, 3, 2}, 2.5, 1, 4},
		{"one", []float64{7}, 7, 7, 7},
		{"none", nil, 0, 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, lo, hi := stats(tt.xs)
			if m != tt.median || lo != tt.low || hi != tt.high {
				t.Errorf("stats(%v) = %v, %v, %v; want %v, %v, %v", tt.xs, m, lo, hi, tt.median, tt.low, tt.high)
			}
		})
	}
}

func TestSummaryRatiosPerRound(t *testing.T) {
	names := []bench{parseBench("Floor"), parseBench("chathand@BenchmarkSubject")}
	results := [][]result{
		{{wall: 100, cpu: 100}, {wall: 200, cpu: 100}, {wall: 100, cpu: 50}},
		{{wall: 120, cpu: 130}, {wall: 260, cpu: 120}, {wall: 110, cpu: 70}},
	}
	got := summary(names, results)
	// Wall ratios 1.2, 1.3, 1.1; CPU ratios 1.3, 1.2, 1.4.
	if want := "ratio Subject[chathand]/Floor: wall 1.20 [1.10–1.30]×   cpu 1.30 [1.20–1.40]×"; !strings.Contains(got, want) {
		t.Errorf("summary = %q, want it to contain %q", got, want)
	}
}

func TestParseBench(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want bench
	}{
		{"WebhookChat", bench{name: "BenchmarkWebhookChat"}},
		{" BenchmarkRSAVerify", bench{name: "BenchmarkRSAVerify"}},
		{"chathand@WebhookChat", bench{tags: "chathand", name: "BenchmarkWebhookChat"}},
		{"a+b@WebhookChat", bench{tags: "a,b", name: "BenchmarkWebhookChat"}},
	} {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseBench(tt.in); got != tt.want {
				t.Errorf("parseBench(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}
