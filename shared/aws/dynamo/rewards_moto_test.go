//go:build moto

package dynamo

import "testing"

// TestRewardsMoto runs the event-reward cases on moto, whose conditions
// and transactions are DynamoDB's.
func TestRewardsMoto(t *testing.T) {
	client := motoClient(t)
	runRewardsSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
