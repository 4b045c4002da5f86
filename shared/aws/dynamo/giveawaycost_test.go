package dynamo_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/interact"
)

// TestGiveawayEntryCost counts, as DynamoDB bills them, the calls and
// write units of chat messages through giveaway.Entrance while a keyword
// giveaway runs: the giveaway is read once per cache lifetime on the
// guild's partition, a keyword message writes one unit on its viewer's
// shard, a repeat pays its refused write, other chat costs nothing, and
// no index is written.
func TestGiveawayEntryCost(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	client := dynamotest.Table(t, "cost")
	setup := dynamo.New(client, "cost")
	g, err := giveaway.Start(giveaway.Options{Prize: "chair", Keyword: "pizza"}, 1, t0, bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := setup.StartGiveawayOnce(ctx, "g", g, interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	user := uint64(7)
	shard := fmt.Sprintf("GIVEAWAY#g#1#%02d", user*0x9E3779B97F4A7C15>>60)

	type cost struct {
		Reads, WriteCalls int64
		Units             map[string]float64
	}
	units, err := dynamotest.NewUnits(client, "cost")
	if err != nil {
		t.Fatal(err)
	}
	counter := &dynamotest.Counter{API: units}
	store := dynamo.New(counter, "cost")
	in := &giveaway.Entrance{Keywords: &giveaway.Keywords{Store: store}, Store: store}
	msg := func(id, text string, sec int) func() error {
		return func() error {
			at := t0.Add(time.Duration(sec) * time.Second)
			return in.Enter(ctx, "g", event.Event{ID: id, Type: event.ChatMessage, Chat: &event.Chat{MessageID: id,
				Sender: event.User{ID: 7, Username: "u"}, Content: text, CreatedAt: at}}, at)
		}
	}
	tests := []struct {
		name string
		step func() error
		want cost
	}{
		{"a sentence", msg("m0", "hello there", 1), cost{Units: map[string]float64{}}},
		{"the keyword, first of the cache", msg("m1", "pizza", 2), cost{Reads: 1, WriteCalls: 1, Units: map[string]float64{shard: 1}}},
		{"the keyword again", msg("m2", "pizza", 3), cost{WriteCalls: 1, Units: map[string]float64{shard: 1}}},
		{"another word", msg("m3", "pasta", 4), cost{Units: map[string]float64{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			counter.Reads.Store(0)
			counter.Writes.Store(0)
			units.Table = map[string]float64{}
			if err := tt.step(); err != nil {
				t.Fatal(err)
			}
			got := cost{Reads: counter.Reads.Load(), WriteCalls: counter.Writes.Load(), Units: units.Table}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("cost (-want +got):\n%s", diff)
			}
		})
	}
	if len(units.Index) != 0 {
		t.Errorf("index writes %v, want none", units.Index)
	}
}
