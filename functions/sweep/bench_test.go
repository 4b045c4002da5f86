package main

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/local/benchcpu"
	"github.com/kickbot/kickbot/shared/local/localdb"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// benchSizes are the sweep sizes run on the emulator cluster: active
// viewers over live guilds, and one guild of 10,000 and of 100,000. The
// cluster keeps the table in a part per 50 viewers (at least 64), so that
// its time per call stays the same as the table grows, as DynamoDB's does
// (the plain emulator walks the whole table for every call), and its parts
// in a process per 10,000 viewers, as DynamoDB spreads a growing table
// over more servers (one process's heap, and the garbage collector's work
// on it, would grow with the table). The benchmark's own process holds
// none of the table: its CPU time is the sweep's, as a Lambda's would be.
var benchSizes = []struct{ viewers, guilds int }{{1_000, 10}, {10_000, 1}, {100_000, 1}}

// BenchmarkSweep measures one sweep minute crediting every active viewer
// of live guilds, on the embedded emulator: the time per sweep, and the
// DynamoDB calls per credited viewer-minute. Each iteration sweeps a new
// minute; for the first five (the activity window) every viewer is
// credited each time. Run it with -benchtime 1x.
func BenchmarkSweep(b *testing.B) {
	for _, sz := range benchSizes {
		b.Run(fmt.Sprintf("viewers=%d/guilds=%d", sz.viewers, sz.guilds), func(b *testing.B) {
			now := time.Date(2026, 3, 14, 20, 10, 3, 0, time.UTC)
			client, cluster := seedViewers(b, sz.viewers, sz.guilds, now.Add(-time.Minute))
			api := &dynamotest.Counter{API: client}
			s := dynamo.New(api, "bench")
			// All inline: the measure is the crediting work itself, which
			// fan-out spreads over worker invocations but does not change.
			sw := &sweep.Sweeper{Store: s, InlineGuilds: math.MaxInt, Concurrency: 16}
			m := watchtime.MinuteOf(now)
			credited := 0
			cpu, emu := benchcpu.Start(b), cluster.CPU()
			for b.Loop() {
				rep, err := sw.Run(context.Background(), m, now)
				if err != nil {
					b.Fatal(err)
				}
				if first := m < watchtime.MinuteOf(now)+5; first && rep.Credited != sz.viewers {
					b.Fatalf("credited %d viewers, want %d", rep.Credited, sz.viewers)
				}
				credited += rep.Credited
				m++
			}
			cpu.Stop()
			b.ReportMetric(float64(cluster.CPU()-emu)/float64(b.N), "emulator-cpu-ns/op")
			b.ReportMetric(float64(api.Writes.Load())/float64(credited), "writes/viewer-min")
			b.ReportMetric(float64(api.Reads.Load())/float64(credited), "reads/viewer-min")
		})
	}
}

// seedViewers starts an emulator with guilds live guilds and viewers
// viewers spread evenly over them, all active in the minute of chatAt,
// recorded as the webhook records them (32 writes at a time).
func seedViewers(b *testing.B, viewers, guilds int, chatAt time.Time) (*dynamodb.Client, *localdb.Cluster) {
	b.Helper()
	ctx := context.Background()
	client, cluster := dynamotest.ClusterTable(b, "bench", max(64, viewers/50), max(1, viewers/10_000))
	s := dynamo.New(client, "bench")
	for g := range guilds {
		if err := s.SetStreamStatus(ctx, fmt.Sprint("g", g), chatAt.Add(-time.Hour), event.Status{Live: true}); err != nil {
			b.Fatal(err)
		}
	}
	var (
		wg   sync.WaitGroup
		next atomic.Int64
		fail atomic.Value
	)
	for range 32 {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(viewers); i = next.Add(1) - 1 {
				a := audience.Activity{UserID: i + 1, Username: fmt.Sprint("viewer", i), At: chatAt}
				if err := s.TouchViewer(ctx, fmt.Sprint("g", i%int64(guilds)), a); err != nil {
					fail.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := fail.Load().(error); err != nil {
		b.Fatal(err)
	}
	// Check the seed reads back as the sweep reads it.
	m := watchtime.MinuteOf(chatAt)
	acts, err := s.Activity(ctx, "g0", m, m)
	if err != nil || len(acts) != viewers/guilds {
		b.Fatalf("seeded guild g0 has %d active viewers (err %v), want %d", len(acts), err, viewers/guilds)
	}
	return client, cluster
}
