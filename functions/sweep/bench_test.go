package main

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/dynamo"
	"github.com/kickbot/kickbot/shared/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// benchSizes are the sweep sizes run on the embedded emulator: active
// viewers over live guilds. 100,000 viewers over 1,000 guilds is left out:
// minidyn scans a whole index for every query and re-sorts a table's keys
// on every write, so one sweep of that size takes about an hour there (see
// BENCHMARKS.md). shared/sweep's BenchmarkSweepInProcess covers it.
var benchSizes = []struct{ viewers, guilds int }{{1_000, 10}, {10_000, 100}}

// BenchmarkSweep measures one sweep minute crediting every active viewer
// of live guilds, on the embedded emulator: the time per sweep, and the
// DynamoDB calls per credited viewer-minute. Each iteration sweeps a new
// minute, so every viewer is credited every time.
func BenchmarkSweep(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("viewers=%d/guilds=%d", sz.viewers, sz.guilds), func(b *testing.B) {
			now := time.Date(2026, 3, 14, 20, 10, 3, 0, time.UTC)
			client := seedViewers(b, sz.viewers, sz.guilds, now.Add(-time.Minute))
			api := &dynamotest.Counter{API: client}
			s := dynamo.New(api, "bench")
			// All inline: the measure is the crediting work itself, which
			// fan-out spreads over worker invocations but does not change.
			sw := &sweep.Sweeper{Store: s, InlineGuilds: math.MaxInt, Concurrency: 16}
			m := watchtime.MinuteOf(now)
			credited := 0
			b.ResetTimer()
			for b.Loop() {
				rep, err := sw.Run(context.Background(), m, now)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Credited != sz.viewers {
					b.Fatalf("credited %d viewers, want %d", rep.Credited, sz.viewers)
				}
				credited += rep.Credited
				m++
			}
			b.ReportMetric(float64(api.Writes.Load())/float64(credited), "writes/viewer-min")
			b.ReportMetric(float64(api.Reads.Load())/float64(credited), "reads/viewer-min")
		})
	}
}

// seedViewers starts an emulator with guilds live guilds and viewers
// viewers spread evenly over them, all last active at chatAt. Viewers are
// written in batches (25 items a call) to keep the set-up short.
func seedViewers(b *testing.B, viewers, guilds int, chatAt time.Time) *dynamodb.Client {
	b.Helper()
	ctx := context.Background()
	client := dynamotest.Table(b, "bench")
	s := dynamo.New(client, "bench")
	for g := range guilds {
		if err := s.SetStreamStatus(ctx, fmt.Sprint("g", g), chatAt.Add(-time.Hour), event.Status{Live: true}); err != nil {
			b.Fatal(err)
		}
	}
	var batch []types.WriteRequest
	flush := func() {
		for len(batch) > 0 {
			out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bench": batch}})
			if err != nil {
				b.Fatal(err)
			}
			batch = out.UnprocessedItems["bench"]
		}
	}
	n := func(v int64) types.AttributeValue {
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	for i := range viewers {
		g := fmt.Sprint("g", i%guilds)
		batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
			"pk": str("GUILD#" + g), "sk": str(fmt.Sprint("VIEWER#", i+1)), "guild": str(g),
			"userId": n(int64(i + 1)), "username": str(fmt.Sprint("viewer", i)), "lastChatAt": n(chatAt.UnixMilli()),
		}}})
		if len(batch) == 25 {
			flush()
		}
	}
	flush()
	// Check the seed went through the same index the sweep reads.
	vs, err := s.ActiveSince(ctx, "g0", chatAt)
	if err != nil || len(vs) != viewers/guilds {
		b.Fatalf("seeded guild g0 has %d active viewers (err %v), want %d", len(vs), err, viewers/guilds)
	}
	return client
}
