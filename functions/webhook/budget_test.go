package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestChatBurstDynamoCalls is the design's write budget measured on the
// real store adapter against the embedded emulator: 1,000 plain chat
// messages from 50 viewers within one minute, through the whole handler,
// cost at most one DynamoDB write each and no SQS send. The figures go to
// BENCHMARKS.md.
func TestChatBurstDynamoCalls(t *testing.T) {
	ctx := t.Context()
	client := dynamotest.Table(t, "budget")
	if err := dynamo.New(client, "budget").Connect(ctx, "g1", 4402117, start); err != nil {
		t.Fatal(err)
	}
	api := &dynamotest.Counter{API: client}
	store, queue := dynamo.New(api, "budget"), &countingQueue{}
	now := start.Add(time.Minute)
	h := handler(store, queue, &testKey().PublicKey, quiet, func() time.Time { return now })
	for i, e := range burst(t) {
		res, err := h(ctx, e)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("message %d: status %d, err %v, body %s", i, res.StatusCode, err, res.Body)
		}
	}
	writes, reads := api.Writes.Load(), api.Reads.Load()
	if writes > burstMessages || queue.sends != 0 {
		t.Errorf("%d messages: %d DynamoDB writes, %d SQS sends; want <= %d and 0", burstMessages, writes, queue.sends, burstMessages)
	}
	acts, err := store.Activity(ctx, "g1", watchtime.MinuteOf(start), watchtime.MinuteOf(now))
	viewers := map[int64]bool{}
	for _, a := range acts {
		viewers[a.UserID] = true
	}
	if err != nil || len(viewers) != burstViewers {
		t.Errorf("Activity = %d viewers, %v; want %d", len(viewers), err, burstViewers)
	}
	t.Logf("%d plain chat messages from %d viewers in one minute: %d DynamoDB writes (%.2f per message), %d reads, %d SQS sends",
		burstMessages, burstViewers, writes, float64(writes)/burstMessages, reads, queue.sends)
}
