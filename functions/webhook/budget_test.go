package main

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/shared/dynamo"
	"github.com/kickbot/kickbot/shared/localdb"
	"github.com/kickbot/kickbot/shared/stack"
)

// countingAPI counts the DynamoDB calls the store adapter makes.
type countingAPI struct {
	dynamo.API
	reads, writes atomic.Int64
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.reads.Add(1)
	return c.API.GetItem(ctx, in, o...)
}

func (c *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c.reads.Add(1)
	return c.API.Query(ctx, in, o...)
}

func (c *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.writes.Add(1)
	return c.API.PutItem(ctx, in, o...)
}

func (c *countingAPI) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	c.writes.Add(1)
	return c.API.UpdateItem(ctx, in, o...)
}

// TestChatBurstDynamoCalls is the design's write budget measured on the
// real store adapter against the embedded emulator: 1,000 plain chat
// messages from 50 viewers within one minute, through the whole handler,
// cost at most one DynamoDB write each and no SQS send. The figures go to
// BENCHMARKS.md.
func TestChatBurstDynamoCalls(t *testing.T) {
	ctx := t.Context()
	db, err := localdb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	client, err := dynamo.NewClient(ctx, db.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := stack.CreateTable(ctx, client, "budget"); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.New(client, "budget").Connect(ctx, "g1", 4402117, start); err != nil {
		t.Fatal(err)
	}
	api := &countingAPI{API: client}
	store, queue := dynamo.New(api, "budget"), &countingQueue{}
	now := start.Add(time.Minute)
	h := handler(store, queue, &testKey().PublicKey, quiet, func() time.Time { return now })
	for i, e := range burst(t) {
		res, err := h(ctx, e)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("message %d: status %d, err %v, body %s", i, res.StatusCode, err, res.Body)
		}
	}
	writes, reads := api.writes.Load(), api.reads.Load()
	if writes > burstMessages || queue.sends != 0 {
		t.Errorf("%d messages: %d DynamoDB writes, %d SQS sends; want <= %d and 0", burstMessages, writes, queue.sends, burstMessages)
	}
	viewers, err := store.ActiveSince(ctx, "g1", start)
	if err != nil || len(viewers) != burstViewers {
		t.Errorf("ActiveSince = %d viewers, %v; want %d", len(viewers), err, burstViewers)
	}
	t.Logf("%d plain chat messages from %d viewers in one minute: %d DynamoDB writes (%.2f per message), %d reads, %d SQS sends",
		burstMessages, burstViewers, writes, float64(writes)/burstMessages, reads, queue.sends)
}
