package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var _ sweep.Store = (*Store)(nil)

const (
	activityPrefix = "ACT#"
	subPrefix      = "SUBUNTIL#"
	checkpointSK   = "SWEEP"

	// ActivityShards spreads a guild's activity over this many partition
	// keys, so that a guild whose 100,000 viewers each chat in one minute
	// puts 6,250 writes on each key in that minute, under a fifth of what
	// one partition serves. The sweep reads each shard with one Query.
	ActivityShards = 16
	// ViewerShards spreads a guild's viewer items the same way, so that
	// crediting 100,000 viewers in a minute puts 6,250 writes on each key.
	ViewerShards = 16
	// ActivityTTL keeps activity items long enough for the sweep to catch
	// up after a long outage; DynamoDB deletes them afterwards for free.
	ActivityTTL = 7 * 24 * time.Hour
)

// shardOf places a viewer on one of 16 partition keys (ActivityShards,
// ViewerShards), by the top bits of a Fibonacci hash: Kick's ids are
// sequential, so their low bits alone would spread unevenly.
func shardOf(user int64) int { return int(uint64(user) * 0x9E3779B97F4A7C15 >> 60) }

func activityPK(guild string, shard int) string {
	return fmt.Sprintf("%s%s#%02d", activityPrefix, guild, shard)
}

// activitySK sorts a shard's items by minute; ten digits cover minutes to
// the year 21,000.
func activitySK(m watchtime.Minute, user int64) string { return fmt.Sprintf("%010d#%d", m, user) }

// activityRecord is one viewer's activity in one minute.
type activityRecord struct {
	UserID     int64  `dynamodbav:"userId"`
	Username   string `dynamodbav:"username"`
	At         int64  `dynamodbav:"at"`
	Subscriber *bool  `dynamodbav:"sub"`
}

// TouchViewer records a viewer's activity in guild: one write, without a
// read, to the item of the viewer's minute, which the sweep reads to judge
// that minute's window. Repeating it changes nothing the sweep reads but
// the latest time within the minute and the latest badge.
func (s *Store) TouchViewer(ctx context.Context, guild string, a audience.Activity) error {
	if guild == "" || a.UserID <= 0 {
		return fault.E(fault.Invalid, "touch viewer needs a guild and a known viewer")
	}
	m := watchtime.MinuteOf(a.At)
	u := expression.Set(expression.Name("userId"), expression.Value(a.UserID)).
		Set(expression.Name("at"), expression.Value(millis(a.At))).
		Set(expression.Name("expiresAt"), expression.Value(ttlSeconds(m.Start().Add(ActivityTTL))))
	if a.Username != "" {
		u = u.Set(expression.Name("username"), expression.Value(a.Username))
	}
	if a.Subscriber != nil {
		u = u.Set(expression.Name("sub"), expression.Value(*a.Subscriber))
	}
	expr, err := expression.NewBuilder().WithUpdate(u).Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build activity")
	}
	return s.update(ctx, itemKey{PK: activityPK(guild, shardOf(a.UserID)), SK: activitySK(m, a.UserID)}, expr, "record viewer activity")
}

// Activity returns guild's activity in minutes from to to: one entry per
// viewer and minute, with the latest time and badge of that minute. It
// reads each shard with one Query (paged), not each viewer.
func (s *Store) Activity(ctx context.Context, guild string, from, to watchtime.Minute) ([]audience.Activity, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "activity needs a guild")
	}
	if to < from {
		return nil, nil
	}
	items, err := s.queryShards(ctx, ActivityShards, func(shard int) where {
		return where{
			key: expression.Key("pk").Equal(expression.Value(activityPK(guild, shard))).
				And(expression.Key("sk").Between(expression.Value(fmt.Sprintf("%010d#", from)), expression.Value(fmt.Sprintf("%010d#~", to)))),
			project: []string{"userId", "username", "at", "sub"},
		}
	}, "list activity")
	if err != nil {
		return nil, err
	}
	var records []activityRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode activity")
	}
	out := make([]audience.Activity, len(records))
	for i, r := range records {
		out[i] = audience.Activity{UserID: r.UserID, Username: r.Username, At: fromMillis(r.At), Subscriber: r.Subscriber}
	}
	return out, nil
}

// queryShards runs the Query of each of a guild's shards (paged), all at
// once, and returns their items in shard order.
func (s *Store) queryShards(ctx context.Context, shards int, query func(shard int) where, what string) ([]map[string]types.AttributeValue, error) {
	parts := make([][]map[string]types.AttributeValue, shards)
	errs := make([]error, shards)
	var wg sync.WaitGroup
	for shard := range shards {
		wg.Go(func() { parts[shard], errs[shard] = s.queryWhere(ctx, query(shard), 0, what) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return slices.Concat(parts...), nil
}

// Subscriptions maps guild's viewers to their latest known subscription,
// from the items RecordSubscription keeps beside the viewers. An item
// written before starts were kept has a zero From (counts from any minute).
func (s *Store) Subscriptions(ctx context.Context, guild string) (map[int64]watchtime.Subscription, error) {
	items, err := s.queryWhere(ctx, where{
		key:     expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(subPrefix)),
		project: []string{"userId", "subFrom", "subUntil"},
	}, 0, "list subscriptions")
	if err != nil {
		return nil, err
	}
	var records []struct {
		UserID   int64 `dynamodbav:"userId"`
		SubFrom  int64 `dynamodbav:"subFrom"`
		SubUntil int64 `dynamodbav:"subUntil"`
	}
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode subscriptions")
	}
	out := make(map[int64]watchtime.Subscription, len(records))
	for _, r := range records {
		out[r.UserID] = watchtime.Subscription{From: fromMillis(r.SubFrom), Until: fromMillis(r.SubUntil)}
	}
	return out, nil
}

// subscriptionKey is the item that keeps a viewer's subscription end where
// the sweep can read a guild's subscribers with one Query.
func subscriptionKey(guild string, user int64) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: subPrefix + strconv.FormatInt(user, 10)}
}

func checkpointKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: checkpointSK} }

// Checkpoint returns the last minute of guild credited in full and its
// number of timers, both kept on the checkpoint item (which the timers'
// count may have made before any minute was credited).
func (s *Store) Checkpoint(ctx context.Context, guild string) (sweep.Checkpoint, error) {
	item, ok, err := s.getItem(ctx, checkpointKey(guild), "load sweep checkpoint")
	if err != nil || !ok {
		return sweep.Checkpoint{}, err
	}
	var r struct {
		Through *int64 `dynamodbav:"through"`
		Timers  int64  `dynamodbav:"timers"`
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return sweep.Checkpoint{}, fault.Wrap(fault.Internal, err, "decode sweep checkpoint")
	}
	cp := sweep.Checkpoint{Timers: int(r.Timers)}
	if r.Through != nil {
		cp.Through, cp.OK = watchtime.Minute(*r.Through), true
	}
	return cp, nil
}

// Advance moves guild's checkpoint to through unless it is there or past
// it already. While listed, the checkpoint item carries liveIndex, so the
// sweep keeps visiting the guild after its stream went offline until the
// stream's last minutes are credited.
func (s *Store) Advance(ctx context.Context, guild string, through watchtime.Minute, listed bool) error {
	if guild == "" {
		return fault.E(fault.Invalid, "sweep checkpoint needs a guild")
	}
	u := expression.Set(expression.Name("guild"), expression.Value(guild)).
		Set(expression.Name("through"), expression.Value(int64(through)))
	if listed {
		u = u.Set(expression.Name("liveIndex"), expression.Value(liveValue))
	} else {
		u = u.Remove(expression.Name("liveIndex"))
	}
	t := expression.Name("through")
	expr, err := expression.NewBuilder().WithUpdate(u).
		WithCondition(expression.AttributeNotExists(t).Or(t.LessThanEqual(expression.Value(int64(through))))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build sweep checkpoint")
	}
	return s.update(ctx, checkpointKey(guild), expr, "save sweep checkpoint")
}

// Credit adds one minute and c.PointsMilli to a viewer in one conditional
// write, with no read, creating the viewer if needed. The condition is the
// whole rule, checked where the data is: no minute at or after c.Minute was
// credited yet, and the viewer was not banned at the minute's start. A
// false condition is no error: the credit is done already. The high-water
// mark is enough because the sweep credits a guild's minutes in order and
// never starts one before every write of the one before succeeded (see
// sweep.Sweeper.Guild).
func (s *Store) Credit(ctx context.Context, guild string, c watchtime.Credit) (bool, error) {
	if guild == "" || c.UserID <= 0 {
		return false, fault.E(fault.Invalid, "credit needs a guild and a viewer")
	}
	slot := expression.Name("creditedMinute")
	start := expression.Value(millis(c.Minute.Start()))
	banned, bannedAt := expression.Name("bannedUntil"), expression.Name("bannedAt")
	u := identify(expression.Set(slot, expression.Value(int64(c.Minute))), guild, c.UserID, c.Username).
		Add(expression.Name("watchMinutes"), expression.Value(1))
	if c.PointsMilli != 0 {
		u = u.Add(expression.Name("pointsMilli"), expression.Value(c.PointsMilli))
	}
	if !c.At.IsZero() {
		u = u.Set(expression.Name("lastChatAt"), expression.Value(millis(c.At)))
	}
	expr, err := expression.NewBuilder().
		WithUpdate(u).
		WithCondition(expression.AttributeNotExists(slot).Or(slot.LessThan(expression.Value(int64(c.Minute)))).
			And(expression.AttributeNotExists(banned).Or(banned.LessThanEqual(start)).Or(bannedAt.GreaterThan(start)))).
		Build()
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "build credit")
	}
	_, err = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       viewerKey(guild, c.UserID).av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, classify(err, "credit viewer")
	}
	return true, nil
}
