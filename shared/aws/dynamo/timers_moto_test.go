//go:build moto

package dynamo

import "testing"

// TestTimersMoto runs the timer cases on moto, whose transactions and
// conditions are DynamoDB's.
func TestTimersMoto(t *testing.T) {
	client := motoClient(t)
	runTimerSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
