//go:build moto

package dynamo

import "testing"

// TestSweepModelMoto plays the sweep model's random fault schedules against
// moto, the real protocol server, each on a table of its own.
func TestSweepModelMoto(t *testing.T) {
	client := motoClient(t)
	runSweepModel(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
