//go:build moto

package dynamo

import (
	"testing"
)

// TestIssue5Moto runs the credentials, consent nonce, account link and
// role store cases on moto, whose transactions and conditions are
// DynamoDB's (cancellation reasons included). motoClient fails the test,
// rather than skipping it, when MOTO_ENDPOINT is not set.
func TestIssue5Moto(t *testing.T) {
	client := motoClient(t)
	newStore := func(t *testing.T) *Store { return newMotoStore(t, client) }
	t.Run("Credentials", func(t *testing.T) { runCredentialSuite(t, newStore) })
	t.Run("Consent", func(t *testing.T) { runConsentSuite(t, newStore) })
	t.Run("Links", func(t *testing.T) {
		runLinkSuite(t, newStore)
		runLinkRaceSuite(t, newStore)
	})
	t.Run("RoleStore", func(t *testing.T) { runRoleStoreSuite(t, newStore) })
}
