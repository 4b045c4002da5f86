package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/interact"
)

// TestCustomUseCost counts, as DynamoDB bills them, the calls and write
// units of each step of a custom command's chat use, and where the units
// land: nothing per use is written to the guild's partition, a refused
// cooldown writes nothing, and the per-viewer cooldown has a partition of
// its viewer's.
func TestCustomUseCost(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	client := dynamotest.Table(t, "cost")
	setup := dynamo.New(client, "cost")
	c := custom.New("hype", "HYPE {user} {count}")
	c.Aliases, c.UserCooldown = []string{"h"}, time.Minute
	if err := setup.AddCustomCommandOnce(ctx, "g", c, interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	measure := func(step func(s *dynamo.Store) error) dynamotest.Cost {
		t.Helper()
		return dynamotest.Measure(t, client, "cost", step)
	}
	take := func(user int64, claim string, at time.Time, want bool) func(s *dynamo.Store) error {
		return func(s *dynamo.Store) error {
			ok, err := s.TakeCooldown(ctx, "g", "hype", user, c.Cooldown, c.UserCooldown, claim, at)
			if err == nil && ok != want {
				t.Errorf("TakeCooldown(%s) = %v, want %v", claim, ok, want)
			}
			return err
		}
	}
	tests := []struct {
		name string
		step func(s *dynamo.Store) error
		want dynamotest.Cost
	}{
		{"look up by name", func(s *dynamo.Store) error { _, err := s.CustomCommand(ctx, "g", "hype"); return err },
			dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"look up by alias", func(s *dynamo.Store) error { _, err := s.CustomCommand(ctx, "g", "h"); return err },
			dynamotest.Cost{Reads: 2, Units: map[string]float64{}}},
		{"take both cooldowns", take(7, "m1", t0, true),
			// One eventually consistent batch read, then one transaction
			// of two items at twice the units.
			dynamotest.Cost{Reads: 1, Writes: 2, Units: map[string]float64{"CMD#g#hype": 2, "COOLDOWN#g#7": 2}}},
		{"refused by a cooldown", take(8, "m2", t0.Add(time.Second), false),
			dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"count the use", func(s *dynamo.Store) error { _, err := s.CountUse(ctx, "g", "hype", "m1", t0); return err },
			// The transaction of marker and count, then the count read;
			// the marker on the shard FNV-1a("m1") % 16 = 11.
			dynamotest.Cost{Reads: 1, Writes: 2, Units: map[string]float64{"CMD#g#hype": 2, "USE#g#11": 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, measure(tt.step)); diff != "" {
				t.Errorf("cost (-want +got):\n%s", diff)
			}
		})
	}
}
