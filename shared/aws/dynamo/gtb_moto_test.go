//go:build moto

package dynamo

import "testing"

// TestGTBMoto runs the guess-the-balance cases on moto, whose conditions
// are DynamoDB's: 100 concurrent guesses of 50 viewers among them.
func TestGTBMoto(t *testing.T) {
	client := motoClient(t)
	runGTBSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
