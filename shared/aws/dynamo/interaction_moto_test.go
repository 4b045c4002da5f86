//go:build moto

package dynamo

import "testing"

// TestInteractionClaimsMoto runs the interaction-claim cases on moto.
func TestInteractionClaimsMoto(t *testing.T) {
	client := motoClient(t)
	runInteractionSuite(t, func(t *testing.T) *Store {
		return newMotoStore(t, client)
	})
}
