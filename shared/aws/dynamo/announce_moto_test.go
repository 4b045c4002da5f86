//go:build moto

package dynamo

import "testing"

// TestAnnounceStoreMoto runs the announcement store cases on moto.
func TestAnnounceStoreMoto(t *testing.T) {
	client := motoClient(t)
	runAnnounceStoreSuite(t, func(t *testing.T) *Store {
		return newMotoStore(t, client)
	})
}
