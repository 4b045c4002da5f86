package dynamo_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
)

// callPK is the partition of a round's per-viewer items in shard n:
// dynamo's shardOf of the user, or of the slot key's FNV-1a hash.
func callPK(round string, n uint64) string {
	return fmt.Sprintf("CALLS#g#%s#%02d", round, n*0x9E3779B97F4A7C15>>60)
}

func slotShard(key string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return h.Sum64()
}

// TestCallCost counts, as DynamoDB bills them, the calls and write units
// of each step of a !call, and where the units land: one consistent state
// read and one consistent batch read, then one transaction whose items
// sit in the viewer's shard, the slot's shard and the round's number; a
// refused call writes nothing; nothing is written to the guild's
// partition.
func TestCallCost(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	client := dynamotest.Table(t, "cost")
	setup := dynamo.New(client, "cost")
	seed := pick.Seed(make([]byte, pick.SeedSize))
	open := func(id string, limit int, dup bool) calls.Round {
		st, err := setup.CallState(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		if st.Round.Open {
			st, _ = calls.Close(st)
		}
		st, err = calls.Open(st, id, limit, dup, seed, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := setup.SaveCallState(ctx, "g", st, interact.Cause{ID: "open-" + id, Expires: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return st.Round
	}
	limited := open("r1", 1, false)

	measure := func(step func(s *dynamo.Store) error) dynamotest.Cost {
		t.Helper()
		return dynamotest.Measure(t, client, "cost", step)
	}
	call := func(r calls.Round, id string, user int64, slot string, want calls.Outcome) func(s *dynamo.Store) error {
		return func(s *dynamo.Store) error {
			_, got, err := s.AddCall(ctx, "g", r, calls.Call{Round: r.ID, ID: id, UserID: user, Username: "u", Slot: slot, At: t0})
			if err == nil && got != want {
				t.Errorf("AddCall(%s) = %d, want %d", id, got, want)
			}
			return err
		}
	}
	tests := []struct {
		name string
		step func(s *dynamo.Store) error
		want dynamotest.Cost
	}{
		{"read the state", func(s *dynamo.Store) error { _, err := s.CallState(ctx, "g"); return err },
			dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"accept a call, limit 1, no duplicates", call(limited, "m1", 7, "Sweet Bonanza", calls.Accepted),
			// The transaction's items at twice the units: the call and the
			// viewer's count (one partition), the slot marker, the number,
			// and, the round's first call, its listing for the purge.
			dynamotest.Cost{Reads: 1, Writes: 5, Units: map[string]float64{
				callPK("r1", 7): 4, callPK("r1", slotShard("sweetbonanza")): 2, "CALLS#g#r1": 2, "GUILD#g": 2}}},
		{"refused at the limit", call(limited, "m2", 7, "Big Bass", calls.AtLimit), dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"refused as a duplicate", call(limited, "m3", 8, "sweetbonanza", calls.Duplicate), dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"a retried job", call(limited, "m1", 7, "Sweet Bonanza", calls.Again), dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"mark the call posted", func(s *dynamo.Store) error {
			return s.MarkCallPosted(ctx, "g", calls.Call{Round: "r1", ID: "m1", UserID: 7})
		}, dynamotest.Cost{Writes: 1, Units: map[string]float64{callPK("r1", 7): 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, measure(tt.step)); diff != "" {
				t.Errorf("cost (-want +got):\n%s", diff)
			}
		})
	}
	free := open("r2", 0, true)
	t.Run("accept a call, no limit, duplicates allowed", func(t *testing.T) {
		// The round's first call lists the round in the guild's partition.
		want := dynamotest.Cost{Reads: 1, Writes: 3, Units: map[string]float64{callPK("r2", 9): 2, "CALLS#g#r2": 2, "GUILD#g": 2}}
		if diff := cmp.Diff(want, measure(call(free, "m9", 9, "Sweet Bonanza", calls.Accepted))); diff != "" {
			t.Errorf("first call: cost (-want +got):\n%s", diff)
		}
		want = dynamotest.Cost{Reads: 1, Writes: 2, Units: map[string]float64{callPK("r2", 10): 2, "CALLS#g#r2": 2}}
		if diff := cmp.Diff(want, measure(call(free, "m10", 10, "Gates of Olympus", calls.Accepted))); diff != "" {
			t.Errorf("a later call: cost (-want +got):\n%s", diff)
		}
	})
}
