package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/sweep"
)

// connectMany stores n connections (their routing side, which lists them
// in the connections index), guilds c0… to broadcasters 1…, 25 a call.
func connectMany(t *testing.T, client *dynamodb.Client, table string, n int) {
	t.Helper()
	var reqs []types.WriteRequest
	for i := range n {
		reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk":          &types.AttributeValueMemberS{Value: "KICK#" + strconv.Itoa(i+1)},
			"sk":          &types.AttributeValueMemberS{Value: "GUILD#c" + strconv.Itoa(i)},
			"broadcaster": &types.AttributeValueMemberN{Value: strconv.Itoa(i + 1)},
			"connectedAt": &types.AttributeValueMemberN{Value: "1"},
			"connIndex":   &types.AttributeValueMemberS{Value: "conn"},
		}}})
	}
	for chunk := range slices.Chunk(reqs, 25) {
		out, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: chunk}})
		if err != nil || len(out.UnprocessedItems) > 0 {
			t.Fatalf("seed connections: %v, %d unprocessed", err, len(out.UnprocessedItems))
		}
	}
}

// TestSweepCostIndependentOfConnections: with three live guilds, the
// sweep of a minute on which it used to reconcile (every fifth) makes the
// same DynamoDB calls with 20 connections as with 2,000, and has no Kick
// client to call: the reconcile runs in the upkeep.
func TestSweepCostIndependentOfConnections(t *testing.T) {
	ev := scheduled(t, 0) // 20:10, a fifth minute
	cost := func(conns int) string {
		client := dynamotest.Table(t, "sweep")
		for g := range 3 {
			seed(t, dynamo.New(client, "sweep"), fmt.Sprint("live", g), true, 2, ev.Time.Add(-time.Minute))
		}
		connectMany(t, client, "sweep", conns)
		counter := &dynamotest.Counter{API: client}
		if err := handler(&sweep.Sweeper{Store: dynamo.New(counter, "sweep"), Log: quiet}, quiet)(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
		for g := range 3 {
			if got, _ := minutes(t, dynamo.New(client, "sweep"), fmt.Sprint("live", g), 1); got == 0 {
				t.Errorf("%d connections: live%d's viewer was not credited", conns, g)
			}
		}
		return fmt.Sprintf("%d reads (%d items), %d writes", counter.Reads.Load(), counter.Items.Load(), counter.Writes.Load())
	}
	few, many := cost(20), cost(2000)
	if few != many {
		t.Errorf("sweep with 20 connections: %s; with 2,000: %s; want the same", few, many)
	}
}

// TestReconcileCost: the upkeep's reconcile of 2,000 connections reads
// their stream states in batches of 100, asks Kick about 200 channels (4
// requests), marks them checked, and leaves the rest, unasked, to the
// next runs, which take them oldest first.
func TestReconcileCost(t *testing.T) {
	client := dynamotest.Table(t, "sweep")
	connectMany(t, client, "sweep", 2000)
	counter := &dynamotest.Counter{API: client}
	fake := &fakeKick{live: map[int64]bool{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	kick := kickapi.New("id", "s3cret")
	kick.APIBase, kick.AuthBase = srv.URL, srv.URL
	rec := &sweep.Reconciler{Store: dynamo.New(counter, "sweep"), Channels: kick, Log: quiet}
	at := scheduled(t, 0).Time
	for run := range 3 {
		counter.Reads.Store(0)
		counter.Writes.Store(0)
		fake.channels.Store(0)
		if err := rec.Run(context.Background(), at.Add(time.Duration(run)*5*time.Minute)); err != nil {
			t.Fatal(err)
		}
		// One Query page of the connections index (2,000 small items)
		// and 20 BatchGetItem calls.
		if got := counter.Reads.Load(); got > 21 {
			t.Errorf("run %d: %d reads, want at most 21", run, got)
		}
		if got := counter.Writes.Load(); got != sweep.DefaultMaxChannels {
			t.Errorf("run %d: %d writes, want %d (one checkedAt per channel asked)", run, got, sweep.DefaultMaxChannels)
		}
		if got := fake.channels.Load(); got != sweep.DefaultMaxChannels/50 {
			t.Errorf("run %d: %d Kick channels requests, want %d", run, got, sweep.DefaultMaxChannels/50)
		}
	}
	// 600 channels checked, each once: none of the three runs asked about
	// one already checked.
	states, err := dynamo.New(client, "sweep").StreamStates(context.Background(), guildsC(2000))
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, st := range states {
		if !st.CheckedAt.IsZero() {
			checked++
		}
	}
	if checked != 3*sweep.DefaultMaxChannels {
		t.Errorf("%d channels checked after three runs, want %d", checked, 3*sweep.DefaultMaxChannels)
	}
}

func guildsC(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "c" + strconv.Itoa(i)
	}
	return out
}
