//go:build moto

package dynamo

import "testing"

// TestGiveawayMoto runs the giveaway cases on moto, whose conditions are
// DynamoDB's: 180 concurrent entries of 60 viewers among them.
func TestGiveawayMoto(t *testing.T) {
	client := motoClient(t)
	runGiveawaySuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
