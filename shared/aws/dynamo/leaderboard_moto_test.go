//go:build moto

package dynamo

import "testing"

// TestLeaderboardMoto runs the leaderboard cases on moto, whose indexes
// order numbers as DynamoDB does. motoClient fails the test, rather than
// skipping it, when MOTO_ENDPOINT is not set.
func TestLeaderboardMoto(t *testing.T) {
	client := motoClient(t)
	runLeaderboardSuite(t, func(t *testing.T) *Store {
		return newMotoStore(t, client)
	})
}
