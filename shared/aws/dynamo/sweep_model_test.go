package dynamo

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var modelSchedules = flag.Int("sweep.schedules", 12, "random fault schedules the sweep model test plays")

// flaky wraps the table's client and fails calls at random, as DynamoDB
// does under throttling: some before the call reaches the table, some
// after it landed (a timeout whose write went through), so a caller cannot
// tell from the error whether its write happened.
type flaky struct {
	API
	mu   sync.Mutex
	rng  *rand.Rand
	rate float64 // chance that a call fails; 0 turns faults off
}

var errThrottled = &types.ProvisionedThroughputExceededException{Message: new("injected throttling")}

// fail decides a call's fate: fail before, fail after, or succeed.
func (f *flaky) fail() (before, after bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rate == 0 || f.rng.Float64() >= f.rate {
		return false, false
	}
	return f.rng.IntN(2) == 0, true
}

func (f *flaky) setRate(r float64) {
	f.mu.Lock()
	f.rate = r
	f.mu.Unlock()
}

func (f *flaky) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	before, fails := f.fail()
	if before {
		return nil, errThrottled
	}
	out, err := f.API.UpdateItem(ctx, in, opts...)
	if fails && err == nil {
		return nil, context.DeadlineExceeded
	}
	return out, err
}

func (f *flaky) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if _, fails := f.fail(); fails {
		return nil, errThrottled
	}
	return f.API.Query(ctx, in, opts...)
}

func (f *flaky) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if _, fails := f.fail(); fails {
		return nil, errThrottled
	}
	return f.API.GetItem(ctx, in, opts...)
}

// runSweepModel plays random schedules of sweep runs against the store and
// compares every viewer's minutes and points with a serial reference: the
// minutes of the stream whose activity window holds some of the viewer's
// activity. Runs repeat, come late, run concurrently, skip minutes, fail
// part-way under injected throttling, and alternate between the inline
// sweep and the per-guild job. After the schedule, fault-free runs at later
// minutes catch up, as the schedule's next firings would.
func runSweepModel(t *testing.T, schedules int, parallel bool, newStore func(t *testing.T) *Store) {
	for seed := range schedules {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			if parallel {
				t.Parallel()
			}
			if err := playSchedule(t, newStore(t), uint64(seed)); err != nil {
				t.Fatalf("seed %d: %v (rerun: go test -run 'SweepModel/seed=%d$' ./shared/aws/dynamo)", seed, err, seed)
			}
		})
	}
}

func playSchedule(t *testing.T, base *Store, seed uint64) error {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	guild := fmt.Sprint("model-", seed)
	f := &flaky{API: base.Client, rng: rand.New(rand.NewPCG(seed, 1))}
	s := &Store{Client: f, Table: base.Table}
	clean := &Store{Client: base.Client, Table: base.Table}

	const (
		viewers = 6
		span    = 16 // minutes of activity and sweeping
	)
	start := watchtime.MinuteOf(t0.Add(time.Duration(seed) * 24 * time.Hour))
	set := settings.Defaults()
	set.ActivityWindow = time.Duration(1+rng.IntN(5)) * time.Minute
	if err := clean.PutSettings(ctx, guild, set); err != nil {
		return err
	}
	// The stream: live from start; in some schedules it ends part-way.
	end := watchtime.Minute(0)
	live := event.Status{Live: true, StartedAt: start.Start()}
	if err := clean.SetStreamStatus(ctx, guild, start.Start(), live); err != nil {
		return err
	}
	if rng.IntN(3) == 0 {
		end = start + watchtime.Minute(6+rng.IntN(span-6))
		off := event.Status{Live: false, StartedAt: start.Start(), EndedAt: end.Start()}
		if err := clean.SetStreamStatus(ctx, guild, end.Start(), off); err != nil {
			return err
		}
	}
	// Activity: each viewer takes part in random minutes, some twice.
	active := map[int64]map[watchtime.Minute]bool{}
	for v := int64(1); v <= viewers; v++ {
		active[v] = map[watchtime.Minute]bool{}
		for m := start - 2; m < start+span; m++ {
			if rng.Float64() < 0.3 {
				active[v][m] = true
				for range 1 + rng.IntN(2) {
					at := m.Start().Add(time.Duration(rng.IntN(60)) * time.Second)
					if err := clean.TouchViewer(ctx, guild, audience.Activity{UserID: v, Username: fmt.Sprint("v", v), At: at}); err != nil {
						return err
					}
				}
			}
		}
	}

	// The schedule: runs for minutes mostly in order, some repeated, late,
	// skipped or concurrent, under faults, inline or as the guild's job.
	sw := &sweep.Sweeper{Store: s, Concurrency: 4}
	// runAs sweeps minute m inline or as the guild's job; run picks which
	// (the schedule's random source is not for concurrent use).
	runAs := func(m watchtime.Minute, inline bool) {
		now := m.Start().Add(3 * time.Second)
		if inline {
			_, _ = sw.Run(ctx, m, now) // errors are what Lambda retries; later runs make up
		} else {
			_, _ = sw.Guild(ctx, guild, m, now)
		}
	}
	run := func(m watchtime.Minute) { runAs(m, rng.IntN(2) == 0) }
	for m := start; m < start+span; m++ {
		f.setRate([]float64{0, 0.05, 0.3}[rng.IntN(3)])
		switch rng.IntN(6) {
		case 0: // skipped: the firing never came
		case 1: // twice, concurrently
			var wg sync.WaitGroup
			a, b := rng.IntN(2) == 0, rng.IntN(2) == 0
			wg.Go(func() { runAs(m, a) })
			wg.Go(func() { runAs(m, b) })
			wg.Wait()
		case 2: // late: an earlier minute arrives after this one
			run(m)
			run(m - watchtime.Minute(1+rng.IntN(3)))
		case 3: // two firings within one minute
			run(m)
			run(m)
		default:
			run(m)
		}
	}
	// Later firings without faults catch up on what the schedule left.
	f.setRate(0)
	last := start + span - 1
	for m := last; m <= last+3; m++ {
		run(m)
	}
	// Where the sweep's own run stands.
	cp, err := clean.Checkpoint(ctx, guild)
	if err != nil {
		return err
	}
	through, ok := cp.Through, cp.OK
	if !ok || through < last {
		return fmt.Errorf("checkpoint at %d (ok %v) after catching up, want %d or later", through, ok, last)
	}

	// The reference: serial, minute by minute.
	for v := int64(1); v <= viewers; v++ {
		var want int64
		for m := start; m <= last+3; m++ {
			if end != 0 && m >= end {
				break
			}
			from, to := watchtime.Window(m, set)
			for a := from; a <= to; a++ {
				if active[v][a] {
					want++
					break
				}
			}
		}
		got, err := clean.Viewer(ctx, guild, v)
		if fault.Is(err, fault.NotFound) {
			got, err = audience.Viewer{}, nil
		}
		if err != nil {
			return err
		}
		if got.WatchMinutes != want || got.PointsMilli != want*200 {
			return fmt.Errorf("viewer %d: %d minutes, %d milli-points; the serial reference says %d, %d", v, got.WatchMinutes, got.PointsMilli, want, want*200)
		}
	}
	return nil
}

func TestSweepModelEmbedded(t *testing.T) {
	runSweepModel(t, *modelSchedules, true, func(t *testing.T) *Store { s, _ := newEmbedded(t); return s })
}

// TestSweepModelPartitioned plays a few schedules on the partitioned
// emulator that the capacity measurements and benchmarks run on, so that
// those run on a store that gets the sweep right.
func TestSweepModelPartitioned(t *testing.T) {
	runSweepModel(t, 4, true, newPartitioned)
}
