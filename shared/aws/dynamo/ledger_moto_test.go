//go:build moto

package dynamo

import (
	"testing"
)

// TestLedgerMoto runs the points-ledger cases on moto. motoClient fails
// the test, rather than skipping it, when MOTO_ENDPOINT is not set.
func TestLedgerMoto(t *testing.T) {
	client := motoClient(t)
	runLedgerSuite(t, func(t *testing.T) *Store {
		return newMotoStore(t, client)
	})
}
