package dynamo

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/stream"
)

// What the live-status reconcile reads and writes: the connections (one
// Query of the connections index, page by page), the guilds' stream items
// by key (BatchGetItem, 100 a call, only what the reconcile compares), and
// a checkedAt time on the stream item of each status Kick's API confirmed.

// checkRecord is what the reconcile reads of a stream item.
type checkRecord struct {
	itemKey
	Live      bool  `dynamodbav:"live"`
	StatusAt  int64 `dynamodbav:"statusAt"`
	CheckedAt int64 `dynamodbav:"checkedAt"`
}

// StreamStates returns each guild's live status, its time and when Kick
// last confirmed it, eventually consistent; a guild without a stream item
// gets a zero State. Other fields of the State are left zero.
func (s *Store) StreamStates(ctx context.Context, guilds []string) (map[string]stream.State, error) {
	out := make(map[string]stream.State, len(guilds))
	keys := make([]itemKey, 0, len(guilds))
	for _, g := range guilds {
		if g == "" {
			return nil, fault.E(fault.Invalid, "stream states need guilds")
		}
		if _, dup := out[g]; !dup {
			out[g] = stream.State{Guild: g}
			keys = append(keys, streamKey(g))
		}
	}
	items, err := s.batchGet(ctx, keys, []string{"live", "statusAt", "checkedAt"}, "load stream states")
	if err != nil {
		return nil, err
	}
	for _, item := range items {
		var r checkRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode stream state")
		}
		g := strings.TrimPrefix(r.PK, guildPrefix)
		out[g] = stream.State{Guild: g, Live: r.Live, StatusAt: fromMillis(r.StatusAt), CheckedAt: fromMillis(r.CheckedAt)}
	}
	return out, nil
}

// MarkChecked records at as the time Kick's API confirmed guild's status,
// if the stored status is still the one delivered at statusAt (zero: none
// yet) and no later check is stored. A status changed meanwhile is left
// unmarked: the check was of the one before.
func (s *Store) MarkChecked(ctx context.Context, guild string, statusAt, at time.Time) error {
	if guild == "" || at.IsZero() {
		return fault.E(fault.Invalid, "a status check needs a guild and a time")
	}
	status, checked := expression.Name("statusAt"), expression.Name("checkedAt")
	same := expression.AttributeNotExists(status)
	if !statusAt.IsZero() {
		same = status.Equal(expression.Value(millis(statusAt)))
	}
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("guild"), expression.Value(guild)).Set(checked, expression.Value(millis(at)))).
		WithCondition(same.And(expression.AttributeNotExists(checked).Or(checked.LessThan(expression.Value(millis(at)))))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build status check")
	}
	return s.update(ctx, streamKey(guild), expr, "mark status checked")
}
