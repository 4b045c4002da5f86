package dynamo_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/interact"
)

// TestGTBGuessCost counts, as DynamoDB bills them, the calls and write
// units of a !gtb as gtb.Chat answers it, and where they land: a guess
// reads the round on the guild's partition and writes one unit on its
// viewer's shard, a refusal writes nothing, and nothing per guess is
// written to the guild's partition. The router's per-viewer cooldown of
// !gtb is counted beside it.
func TestGTBGuessCost(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	client := dynamotest.Table(t, "cost")
	setup := dynamo.New(client, "cost")
	if _, err := setup.OpenGTBOnce(ctx, "g", 3, t0, interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// Viewer 7's shard, as shardOf places it.
	user := uint64(7)
	shard := fmt.Sprintf("GTB#g#1#%02d", user*0x9E3779B97F4A7C15>>60)

	measure := func(step func(s *dynamo.Store) error) dynamotest.Cost {
		t.Helper()
		return dynamotest.Measure(t, client, "cost", step)
	}
	guess := func(guild, args, msg string, sec int, want string) func(s *dynamo.Store) error {
		return func(s *dynamo.Store) error {
			at := t0.Add(time.Duration(sec) * time.Second)
			got, err := gtb.Chat{Store: s}.Answer(ctx, chat.Ask{Guild: guild, Asker: event.User{ID: 7, Username: "u"},
				Name: "gtb", Args: args, MessageID: msg, Sent: at, Now: at})
			if err == nil && got != want {
				t.Errorf("Answer(%q) = %q, want %q", args, got, want)
			}
			return err
		}
	}
	tests := []struct {
		name string
		step func(s *dynamo.Store) error
		want dynamotest.Cost
	}{
		{"a first guess", guess("g", "1234", "m1", 1, "@u your guess of $1,234.00 is in for GTB #1"),
			dynamotest.Cost{Reads: 1, Writes: 1, Units: map[string]float64{shard: 1}}},
		{"a guess that replaces it", guess("g", "1.5k", "m2", 2, "@u your guess for GTB #1 is now $1,500.00 (was $1,234.00)"),
			dynamotest.Cost{Reads: 1, Writes: 1, Units: map[string]float64{shard: 1}}},
		{"the same message again", guess("g", "1.5k", "m2", 2, "@u your guess of $1,500.00 is in for GTB #1"),
			// The refused write still costs its unit; a read tells a
			// repeat from a later guess.
			dynamotest.Cost{Reads: 2, Writes: 1, Units: map[string]float64{shard: 1}}},
		{"not an amount", guess("g", "lots", "m3", 3, `@u "lots" is not an amount: write it like 1234.50, $1,234.50 or 1.5k`),
			dynamotest.Cost{Units: map[string]float64{}}},
		{"no round", guess("h", "5", "m4", 3, "@u no GTB round is open right now"),
			dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"the viewer's cooldown, taken by the router", func(s *dynamo.Store) error {
			_, err := s.TakeCooldown(ctx, "g", "gtb", 7, 0, 10*time.Second, "m5", t0)
			return err
		}, dynamotest.Cost{Reads: 1, Writes: 1, Units: map[string]float64{"COOLDOWN#g#7": 1}}},
		{"the guesses, read for the result", func(s *dynamo.Store) error {
			_, err := s.GTBGuesses(ctx, "g", 1)
			return err
		}, dynamotest.Cost{Reads: dynamo.GTBShards, Units: map[string]float64{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, measure(tt.step)); diff != "" {
				t.Errorf("cost (-want +got):\n%s", diff)
			}
		})
	}
}
