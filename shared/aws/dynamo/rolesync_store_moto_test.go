//go:build moto

package dynamo

import "testing"

// TestRoleSyncStoreMoto runs the role sync's store cases on moto.
func TestRoleSyncStoreMoto(t *testing.T) {
	client := motoClient(t)
	runRoleSyncStoreSuite(t, func(t *testing.T) *Store {
		return newMotoStore(t, client)
	})
}
