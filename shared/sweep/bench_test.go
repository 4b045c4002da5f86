package sweep_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/local/benchcpu"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// BenchmarkSweepInProcess is the sweep's own cost as viewers grow, with a
// store whose every call costs the same whatever the table holds, as
// DynamoDB's do. The time ratio between sizes is the sweep's scaling; the
// DynamoDB-backed figures are functions/sweep's BenchmarkSweep. It runs
// the audience spread over many guilds, and in one guild (whose viewers
// this store keeps in one map, more crowded than DynamoDB's 16 keys), and
// reports CPU time (user and system, all threads) beside wall time.
func BenchmarkSweepInProcess(b *testing.B) {
	for _, sz := range []struct{ viewers, guilds int }{{1_000, 10}, {10_000, 100}, {100_000, 1_000}, {10_000, 1}, {100_000, 1}} {
		b.Run(fmt.Sprintf("viewers=%d/guilds=%d", sz.viewers, sz.guilds), func(b *testing.B) {
			st := newStore()
			per := sz.viewers / sz.guilds
			for g := range sz.guilds {
				name := fmt.Sprint("g", g)
				st.streams[name] = stream.State{Guild: name, Live: true}
				acts := make([]audience.Activity, per)
				for i := range acts {
					acts[i] = audience.Activity{UserID: int64(g*per + i + 1), Username: "v", At: now.Add(-time.Minute)}
				}
				st.activity[name] = acts
			}
			sw := &sweep.Sweeper{Store: st, InlineGuilds: math.MaxInt, Concurrency: 16}
			m := watchtime.MinuteOf(now)
			cpu := benchcpu.Start(b)
			defer cpu.Stop()
			for b.Loop() {
				// Each round credits minute m afresh: the checkpoint just
				// before it, and no credits yet.
				for g := range sz.guilds {
					st.through[fmt.Sprint("g", g)] = m - 1
				}
				st.credits = map[string]map[int64]*credit{}
				rep, err := sw.Run(context.Background(), m, now)
				if err != nil || rep.Credited != sz.viewers {
					b.Fatalf("Run = %+v, %v; want %d credited", rep, err, sz.viewers)
				}
			}
		})
	}
}
