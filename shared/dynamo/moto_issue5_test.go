//go:build moto

package dynamo

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TestIssue5Moto runs the credentials, consent nonce, account link and
// role store cases on moto, whose transactions and conditions are
// DynamoDB's (cancellation reasons included). motoClient fails the test,
// rather than skipping it, when MOTO_ENDPOINT is not set.
func TestIssue5Moto(t *testing.T) {
	client := motoClient(t)
	newStore := func(t *testing.T) *Store { return newMotoTxStore(t, client) }
	t.Run("Credentials", func(t *testing.T) { runCredentialSuite(t, newStore) })
	t.Run("Consent", func(t *testing.T) { runConsentSuite(t, newStore) })
	t.Run("Links", func(t *testing.T) {
		runLinkSuite(t, newStore)
		runLinkRaceSuite(t, newStore)
	})
	t.Run("RoleStore", func(t *testing.T) { runRoleStoreSuite(t, newStore) })
}

// newMotoTxStore is newMotoStore whose deletes and transactions also go
// one request at a time, with the others (see oneAtATime).
func newMotoTxStore(t *testing.T, client *dynamodb.Client) *Store {
	t.Helper()
	return New(&oneAtATimeTx{oneAtATime: &oneAtATime{next: client}, tx: client}, newMotoTable(t, client))
}

type oneAtATimeTx struct {
	*oneAtATime
	tx TxAPI
}

func (a *oneAtATimeTx) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tx.DeleteItem(ctx, in, optFns...)
}

func (a *oneAtATimeTx) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tx.TransactWriteItems(ctx, in, optFns...)
}
