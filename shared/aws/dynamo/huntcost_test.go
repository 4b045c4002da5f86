package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/money"
)

// saidTo records what a chat command said, as chat.Commands' Sayer.
type saidTo struct{ said []string }

func (s *saidTo) Say(_ context.Context, m chat.Message, _ time.Time) (chat.Outcome, error) {
	s.said = append(s.said, m.Text)
	return chat.Sent, nil
}

// huntItemKB is the write units of guild g's hunt item as stored.
func huntItemKB(t *testing.T, client *dynamodb.Client, table string) (size, kb int) {
	t.Helper()
	out, err := client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "GUILD#g"}, "sk": &types.AttributeValueMemberS{Value: "HUNT"}}})
	if err != nil || len(out.Item) == 0 {
		t.Fatalf("GetItem(hunt) = %v, %v", out, err)
	}
	size = dynamotest.ItemSize(out.Item)
	return size, (size + 1023) / 1024
}

// TestHuntCost counts, as DynamoDB bills them, the calls and write units
// of /hunt add (through the slash handler) and of !hunt (through the
// chat router, cooldowns included), on a hunt of 5 bonuses and on a
// full one; and bounds the item of a full hunt of the longest names.
func TestHuntCost(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 3, 20, 0, 0, 0, time.UTC)
	const table = "huntcost"
	client := dynamotest.Table(t, table)
	setup := dynamo.New(client, table)
	cause := func(id string) interact.Cause { return interact.Cause{ID: id, Expires: t0.Add(time.Hour)} }
	h, _ := hunt.New("Friday", 100000, t0)
	if _, err := setup.StartHunt(ctx, "g", h, cause("s")); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if _, err := setup.AddBonus(ctx, "g", fmt.Sprint("Gates of Olympus ", i), 200, cause(fmt.Sprint("a", i))); err != nil {
			t.Fatal(err)
		}
	}

	measure := func(step func(s *dynamo.Store) error) dynamotest.Cost {
		t.Helper()
		return dynamotest.Measure(t, client, table, step)
	}
	n := 0
	add := func(s *dynamo.Store) error {
		n++
		r := interact.Request{ID: fmt.Sprint("1482453932679", 100000+n), Guild: "g", UserID: "1", CanManage: true,
			Command: "hunt", Sub: "add", Options: map[string]string{"slot": "Sweet Bonanza", "bet": "$1.00"}, At: t0}
		_, err := (&interact.Handler{Store: s, Hunts: s}).Handle(ctx, r)
		return err
	}
	say := &saidTo{}
	ask := func(viewer int64) func(s *dynamo.Store) error {
		return func(s *dynamo.Store) error {
			n++
			now := t0.Add(time.Duration(n) * time.Minute)
			c := &chat.Commands{Viewers: s, Customs: s, Chat: say, Features: map[string]chat.Answerer{"hunt": hunt.Answerer{Hunts: s}}}
			ev := event.Event{ID: fmt.Sprint("d", n), Type: event.ChatMessage, SentAt: now, Broadcaster: 4402117,
				Chat: &event.Chat{MessageID: fmt.Sprint("m", n), Sender: event.User{ID: viewer, Username: fmt.Sprint("viewer", viewer)}, Content: "!hunt", CreatedAt: now}}
			return c.Run(ctx, "g", ev, command.Command{Name: "hunt"}, now)
		}
	}

	// /hunt add on a hunt of 4 bonuses: the item is under 1 KB after.
	if got, want := measure(add), (dynamotest.Cost{Reads: 1, Writes: 2, Units: map[string]float64{"GUILD#g": 4}}); !cmp.Equal(got, want) {
		// One consistent read; one transaction of the item and the claim,
		// each at twice its KB.
		t.Errorf("/hunt add on 4 bonuses: cost %+v, want %+v", got, want)
	}
	if got, want := measure(ask(7)), (dynamotest.Cost{Reads: 3, Writes: 2, Units: map[string]float64{"CMD#g#hunt": 2, "COOLDOWN#g#7": 2}}); !cmp.Equal(got, want) {
		// The router's settings read and cooldowns (a batch read, a
		// transaction of both), then the hunt's one eventually
		// consistent read.
		t.Errorf("!hunt: cost %+v, want %+v", got, want)
	}
	for i := range hunt.MaxBonuses - 6 {
		if _, err := setup.AddBonus(ctx, "g", fmt.Sprint("Gates of Olympus ", i), 200, cause(fmt.Sprint("b", i))); err != nil {
			t.Fatal(err)
		}
	}
	got := measure(add)
	_, kb := huntItemKB(t, client, table)
	if want := (dynamotest.Cost{Reads: 1, Writes: 2, Units: map[string]float64{"GUILD#g": float64(2*kb + 2)}}); !cmp.Equal(got, want) {
		t.Errorf("/hunt add of the 200th bonus: cost %+v, want %+v (a %d KB item)", got, want, kb)
	}
	if got, want := measure(ask(8)).Reads, int64(3); got != want {
		t.Errorf("!hunt on a full hunt: %d reads, want %d", got, want)
	}
	if len(say.said) != 2 || !strings.HasPrefix(say.said[1], "🎰 Bonus hunt Friday: 200 bonuses") {
		t.Errorf("!hunt said %q, want the summaries", say.said)
	}
	t.Logf("a full hunt of typical names: %d KB", kb)

	// The largest item: the longest names in 4-byte characters, the
	// longest ids.
	worst, _ := hunt.New(strings.Repeat("𝕎", hunt.MaxName), money.Max, t0)
	if _, err := setup.FinishHunt(ctx, "g", t0, cause("f")); err != nil {
		t.Fatal(err)
	}
	if _, err := setup.StartHunt(ctx, "g", worst, cause("s2")); err != nil {
		t.Fatal(err)
	}
	for i := range hunt.MaxBonuses {
		id := fmt.Sprintf("%064d", i)
		if _, err := setup.AddBonus(ctx, "g", strings.Repeat("𝕊", hunt.MaxSlot), money.Max, cause(id)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := setup.PayBonus(ctx, "g", fmt.Sprint("#", i+1), money.Max, cause("p"+id[1:])); err != nil {
			t.Fatal(err)
		}
	}
	if size, _ := huntItemKB(t, client, table); size > 110_000 {
		t.Errorf("the largest hunt item has %d bytes, want at most 110,000 (DynamoDB allows 400 KB)", size)
	} else {
		t.Logf("the largest hunt item: %d bytes", size)
	}
}
