// Package dynamotest helps tests use the DynamoDB adapter: a fresh table,
// made from the template's definition, on an embedded emulator of its own,
// and a client wrapper that counts the calls a test makes.
package dynamotest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/local/localdb"
)

// Table starts an emulator for the test, creates the template's table
// named name on it, and stops it when the test ends.
func Table(tb testing.TB, name string) *dynamodb.Client {
	tb.Helper()
	db, err := localdb.Start(context.Background(), "127.0.0.1:0")
	return table(tb, db, err, name)
}

// PartitionedTable is Table on an emulator that keeps the table in parts
// (localdb.StartPartitioned), for measurements at a scale the plain
// emulator is too slow for.
func PartitionedTable(tb testing.TB, name string, parts int) *dynamodb.Client {
	tb.Helper()
	db, err := localdb.StartPartitioned(context.Background(), "127.0.0.1:0", parts)
	return table(tb, db, err, name)
}

// ClusterTable is PartitionedTable on a localdb.Cluster: the parts kept by
// stores processes of their own, so the test's process holds none of the
// table. The test binary's TestMain must call localdb.ServeChild.
func ClusterTable(tb testing.TB, name string, parts, stores int) (*dynamodb.Client, *localdb.Cluster) {
	tb.Helper()
	c, err := localdb.StartCluster(context.Background(), parts, stores)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return tableAt(tb, c.Endpoint, name), c
}

func table(tb testing.TB, db *localdb.Server, err error, name string) *dynamodb.Client {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	return tableAt(tb, db.Endpoint, name)
}

func tableAt(tb testing.TB, endpoint, name string) *dynamodb.Client {
	tb.Helper()
	ctx := context.Background()
	client, err := dynamo.NewClient(ctx, endpoint)
	if err != nil {
		tb.Fatal(err)
	}
	if err := stack.CreateTable(ctx, client, name); err != nil {
		tb.Fatal(err)
	}
	return client
}

// Counter wraps the client a Store uses and counts its calls: GetItem,
// Query and BatchGetItem are reads, PutItem, UpdateItem, DeleteItem and
// each item of TransactWriteItems writes. Items counts the items the
// reads returned.
type Counter struct {
	dynamo.API
	Reads, Writes, Items atomic.Int64
}

// GetItem counts a read.
func (c *Counter) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.Reads.Add(1)
	out, err := c.API.GetItem(ctx, in, o...)
	if err == nil && len(out.Item) > 0 {
		c.Items.Add(1)
	}
	return out, err
}

// Query counts a read (one page).
func (c *Counter) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.Reads.Add(1)
	out, err := c.API.Query(ctx, in, o...)
	if err == nil {
		c.Items.Add(int64(len(out.Items)))
	}
	return out, err
}

// BatchGetItem counts a read (one call).
func (c *Counter) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	c.Reads.Add(1)
	out, err := c.API.BatchGetItem(ctx, in, o...)
	if err == nil {
		for _, items := range out.Responses {
			c.Items.Add(int64(len(items)))
		}
	}
	return out, err
}

// PutItem counts a write.
func (c *Counter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.Writes.Add(1)
	return c.API.PutItem(ctx, in, o...)
}

// UpdateItem counts a write.
func (c *Counter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.Writes.Add(1)
	return c.API.UpdateItem(ctx, in, o...)
}

// DeleteItem counts a write.
func (c *Counter) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	c.Writes.Add(1)
	return c.API.DeleteItem(ctx, in, o...)
}

// TransactWriteItems counts a write per item.
func (c *Counter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.Writes.Add(int64(len(in.TransactItems)))
	return c.API.TransactWriteItems(ctx, in, o...)
}
