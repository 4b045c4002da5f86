package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/work"
)

type postKick struct{ said int }

func (k *postKick) Post(context.Context, string, chat.Message) (string, error) {
	k.said++
	return "m", nil
}
func (k *postKick) Unauthorized(error) bool { return false }

type anyToken struct{}

func (anyToken) Token(context.Context, int64) (string, error)                 { return "tok", nil }
func (anyToken) TokenAfter401(context.Context, int64, string) (string, error) { return "tok", nil }

// TestTimerCost counts, as DynamoDB bills them, the calls and write units
// of a timer's steps: the sweep's read of a guild's timers (each minute,
// only for a guild that has any), and a post, whose one write to the
// guild's partition is the claim on the timer's item; the chat Sender's
// claim and rate window are the channel's, as for any reply.
func TestTimerCost(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	client := dynamotest.Table(t, "timercost")
	setup := dynamo.New(client, "timercost")
	if err := setup.ConnectChannel(ctx, "g", 4402117, "chan", t0); err != nil {
		t.Fatal(err)
	}
	tm := timer.Timer{Name: "socials", Variants: []string{"Follow on X!", "Join the Discord!"}, Interval: 10 * time.Minute,
		MinChatters: 3, Enabled: true, Created: t0}

	measure := func(step func(s *dynamo.Store) error) dynamotest.Cost {
		t.Helper()
		return dynamotest.Measure(t, client, "timercost", step)
	}
	slot := t0.Add(10 * time.Minute)
	post := timer.Post{Name: "socials", Slot: slot, Text: "Follow on X!", Next: 1}
	kick := &postKick{}
	tests := []struct {
		name string
		step func(s *dynamo.Store) error
		want dynamotest.Cost
	}{
		{"add", func(s *dynamo.Store) error {
			return s.AddTimerOnce(ctx, "g", tm, interact.Cause{ID: "i1", Expires: t0.Add(time.Hour)})
		},
			// One transaction of the timer, the count and the claim, at
			// twice the units.
			dynamotest.Cost{Writes: 3, Units: map[string]float64{"GUILD#g": 6}}},
		{"the sweep reads the timers", func(s *dynamo.Store) error { _, err := s.Timers(ctx, "g"); return err },
			dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"the sweep reads the count with the checkpoint", func(s *dynamo.Store) error { _, err := s.Checkpoint(ctx, "g"); return err },
			dynamotest.Cost{Reads: 1, Units: map[string]float64{}}},
		{"a post, in the worker", func(s *dynamo.Store) error {
			w := &work.Worker{Timers: s, Say: &chat.Sender{Kick: kick, Tokens: anyToken{}, Store: s}, Now: func() time.Time { return slot }}
			return w.Do(ctx, job.ForTimer("g", post))
		},
			// The claim on the timer; the connection read; the chat claim
			// and the rate window (a read and a write) on the channel.
			dynamotest.Cost{Reads: 2, Writes: 3, Units: map[string]float64{"GUILD#g": 1, "KICK#4402117": 2}}},
		{"the same post again", func(s *dynamo.Store) error {
			w := &work.Worker{Timers: s, Say: &chat.Sender{Kick: kick, Tokens: anyToken{}, Store: s}, Now: func() time.Time { return slot }}
			return w.Do(ctx, job.ForTimer("g", post))
		},
			// The claim passes for its own slot; the chat claim refuses,
			// its holder read back (a retry of the same put would be this
			// call's own).
			dynamotest.Cost{Reads: 2, Writes: 2, Units: map[string]float64{"GUILD#g": 1, "KICK#4402117": 1}}},
		{"a late post of another slot", func(s *dynamo.Store) error {
			w := &work.Worker{Timers: s, Say: &chat.Sender{Kick: kick, Tokens: anyToken{}, Store: s}, Now: func() time.Time { return slot }}
			late := post
			late.Slot = slot.Add(-time.Minute)
			return w.Do(ctx, job.ForTimer("g", late))
		},
			dynamotest.Cost{Writes: 1, Units: map[string]float64{"GUILD#g": 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, measure(tt.step)); diff != "" {
				t.Errorf("cost (-want +got):\n%s", diff)
			}
		})
	}
	if kick.said != 1 {
		t.Errorf("Kick got %d messages, want 1", kick.said)
	}
}
