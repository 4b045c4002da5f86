//go:build moto

package dynamo

import "testing"

// TestClipsMoto runs the clip marker cases on moto, whose conditions are
// DynamoDB's: among them one marker from eight runs of its job at once.
func TestClipsMoto(t *testing.T) {
	client := motoClient(t)
	runClipsSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
