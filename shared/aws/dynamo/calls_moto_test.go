//go:build moto

package dynamo

import "testing"

// TestCallsMoto runs the slot call cases on moto, whose transactions and
// conditions are DynamoDB's: among them 100 concurrent calls from 20
// viewers with a limit of 1 accepting exactly 20.
func TestCallsMoto(t *testing.T) {
	client := motoClient(t)
	runCallsSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
