//go:build moto

package dynamo

import "testing"

// TestGoLiveMoto runs the go-live store cases on moto, whose conditions
// and indexes are DynamoDB's.
func TestGoLiveMoto(t *testing.T) {
	client := motoClient(t)
	runGoLiveSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
