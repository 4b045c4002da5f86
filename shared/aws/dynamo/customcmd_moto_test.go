//go:build moto

package dynamo

import "testing"

// TestCustomCommandsMoto runs the custom command, use count and cooldown
// cases on moto, whose transactions and conditions are DynamoDB's.
func TestCustomCommandsMoto(t *testing.T) {
	client := motoClient(t)
	runCustomSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
