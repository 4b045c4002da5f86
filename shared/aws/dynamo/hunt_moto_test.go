//go:build moto

package dynamo

import "testing"

// TestHuntMoto runs the hunt cases on moto, whose transactions and
// conditions are DynamoDB's.
func TestHuntMoto(t *testing.T) {
	client := motoClient(t)
	runHuntSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
