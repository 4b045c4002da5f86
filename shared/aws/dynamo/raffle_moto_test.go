//go:build moto

package dynamo

import "testing"

// TestRaffleMoto runs the raffle cases on moto, whose transactions and
// conditions are DynamoDB's: among them 200 gift deliveries (50
// duplicates) arriving concurrently in two guilds of one channel.
func TestRaffleMoto(t *testing.T) {
	client := motoClient(t)
	runRaffleSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
