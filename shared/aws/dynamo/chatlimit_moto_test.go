//go:build moto

package dynamo

import "testing"

// TestChatLimitMoto runs the chat rate window and claim cases on moto,
// whose conditions are DynamoDB's. Its requests go one at a time (see
// oneAtATime), deletes included. motoClient fails the test, rather than
// skipping it, when MOTO_ENDPOINT is not set.
func TestChatLimitMoto(t *testing.T) {
	client := motoClient(t)
	runChatLimitSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
