package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var capacityViewers = flag.Int("capacity.viewers", 500, "active viewers of the one guild TestCapacity simulates (BENCHMARKS.md: 100000)")
var capacityParts = flag.Int("capacity.parts", 64, "parts of the partitioned emulator TestCapacity runs on (more for more viewers)")

// The design's capacity rules (../shared/design.md): write units with
// indexes included, and the busiest partition key of the table and of any
// index at 100,000 active viewers in one guild.
const (
	maxUnitsPerChat       = 1
	maxUnitsPerCredit     = 2
	maxKeyUnitsPerMinute  = 30_000 // half of a partition's 1,000 units a second
	capacityDesignViewers = 100_000
)

// maxUnitsPerChatter bounds what a stream's recap numbers cost: one write
// per viewer who chatted in the minute (not per message), on the stream's
// own 16 keys, and two for the stream's stats item.
const maxUnitsPerChatter = 1.01

// TestCapacity records every write of one sweep minute of a guild whose
// viewers each chatted once in the minute before, through the real store
// and sweep on the embedded emulator, with the write units DynamoDB would
// bill for the table and each index, per partition key. It checks the
// units per chat message and per credited viewer-minute, and that no key
// takes more than its share of the 30,000-unit limit (the limit scaled to
// the viewers simulated, since each key's load is a fixed share of the
// viewers). Run at the design size with -capacity.viewers=100000.
func TestCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("records every write: slow on the emulator")
	}
	n := *capacityViewers
	ctx := context.Background()
	now := time.Date(2026, 3, 14, 20, 10, 3, 0, time.UTC)
	// A partitioned emulator: each call walks one part, not the table.
	client := dynamotest.PartitionedTable(t, "capacity", *capacityParts)
	store := dynamo.New(client, "capacity")
	var err error
	if err = store.SetStreamStatus(ctx, "g", now.Add(-time.Hour), event.Status{Live: true, StartedAt: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Two minutes of chat, each viewer once a minute (more messages of the
	// same viewer and minute cost nothing: the webhook skips them), and a
	// sweep after each. The second minute is the one measured: by then each
	// viewer has an item, as in a stream under way.
	// stats records the writes of the stream's recap numbers (package
	// golive) apart: every viewer here chatted in the minute, the most
	// they can cost.
	var chat, credits, stats *dynamotest.Units
	m := watchtime.MinuteOf(now)
	for minute := m - 1; minute <= m; minute++ {
		if chat, err = dynamotest.NewUnits(client, "capacity"); err != nil {
			t.Fatal(err)
		}
		webhook := dynamo.New(chat, "capacity")
		for i := range n {
			a := audience.Activity{UserID: int64(1_000_000 + i), Username: fmt.Sprint("viewer", i), At: minute.Start().Add(-30 * time.Second)}
			if err := webhook.TouchViewer(ctx, "g", a); err != nil {
				t.Fatal(err)
			}
		}
		if minute == m-1 {
			if err := store.Advance(ctx, "g", minute-1, true); err != nil {
				t.Fatal(err)
			}
		}
		if credits, err = dynamotest.NewUnits(client, "capacity"); err != nil {
			t.Fatal(err)
		}
		at := minute.Start().Add(3 * time.Second)
		if stats, err = dynamotest.NewUnits(client, "capacity"); err != nil {
			t.Fatal(err)
		}
		rep, err := (&sweep.Sweeper{Store: dynamo.New(credits, "capacity"), Stats: dynamo.New(stats, "capacity")}).Run(ctx, minute, at)
		if err != nil || rep.Credited != n {
			t.Fatalf("sweep of minute %d = %+v, %v; want %d credited", minute, rep, err, n)
		}
	}

	perChat := chat.Writes / float64(n)
	perCredit := credits.Writes / float64(n)
	perChatter := stats.Writes / float64(n)
	t.Logf("%d viewers: %.3f write units per chatter-minute for the stream's recap", n, perChatter)
	if perChatter > maxUnitsPerChatter {
		t.Errorf("%.3f write units per chatter-minute for the recap, want <= %.2f", perChatter, maxUnitsPerChatter)
	}
	limit := float64(maxKeyUnitsPerMinute) * float64(n) / capacityDesignViewers
	t.Logf("%d viewers: %.3f write units per chat message, %.3f per credited viewer-minute", n, perChat, perCredit)
	if perChat > maxUnitsPerChat {
		t.Errorf("%.3f write units per chat message, want <= %d", perChat, maxUnitsPerChat)
	}
	if perCredit > maxUnitsPerCredit {
		t.Errorf("%.3f write units per credited viewer-minute, want <= %d", perCredit, maxUnitsPerCredit)
	}
	for _, phase := range []struct {
		name string
		u    *dynamotest.Units
	}{{"chat", chat}, {"sweep", credits}, {"recap stats", stats}} {
		for what, m := range map[string]map[string]float64{"table": phase.u.Table, "index": phase.u.Index} {
			key, units := dynamotest.Busiest(m)
			t.Logf("%s minute, busiest %s key %q: %.0f write units (%.0f at %d viewers; limit %d)",
				phase.name, what, key, units, math.Round(units*capacityDesignViewers/float64(n)), capacityDesignViewers, maxKeyUnitsPerMinute)
			if units > limit {
				t.Errorf("%s minute: %s key %q takes %.0f write units, over the %.0f that %d viewers may put on one key",
					phase.name, what, key, units, limit, n)
			}
		}
	}
}
