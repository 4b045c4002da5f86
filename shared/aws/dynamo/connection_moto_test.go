//go:build moto

package dynamo

import "testing"

// TestConnectionMoto runs the connection cases (ConnectChannel,
// Connection, ReplaceChannel, Disconnect) on moto. motoClient fails the test, rather than
// skipping it, when MOTO_ENDPOINT is not set.
func TestConnectionMoto(t *testing.T) {
	client := motoClient(t)
	runConnectionSuite(t, func(t *testing.T) *Store { return newMotoStore(t, client) })
}
