//go:build race

package main

// raceEnabled: the race detector slows the load test about tenfold, so
// TestLoad runs a smaller size under it.
const raceEnabled = true
