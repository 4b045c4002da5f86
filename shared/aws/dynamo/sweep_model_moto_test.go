//go:build moto

package dynamo

import "testing"

// TestSweepModelMoto plays the sweep model's random fault schedules against
// moto, the real protocol server, each on a table of its own, one at a
// time: moto serves one request at a time, and a dozen schedules at once
// starve the other tests of the tier.
func TestSweepModelMoto(t *testing.T) {
	client := motoClient(t)
	runSweepModel(t, *modelSchedules/2, false, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
