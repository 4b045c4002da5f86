package dynamo

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/fault"
)

// Purging a guild (PurgeGuild) deletes the items of every key family in
// the table above that names the guild. The guild's own partition
// (GUILD#<guild>) is the index of the rest: its items name the other
// partitions (the custom commands' CMD#<guild>#<name>, the rounds of
// GTB, giveaways and calls, the raffle periods and their tables, the
// connections' KICK#<broadcaster> side, the clip streams' CLIPS#<guild>#
// <start>, the stream parts' chatters LIVECHAT#<guild>#<start>#<nn> by
// their LIVESTATS# items and the go-live state's parts), so it is read
// first and deleted last, and a purge cut short finds everything again
// when run once more. The sharded families (viewers with their
// first-follow markers, activity, the use markers of custom commands
// and the announcement marks) are found by their sixteen keys each; a
// viewer's cooldowns (COOLDOWN#<guild>#<user>) by the viewers and active
// users seen, when a command has a cooldown per viewer. The follow batch
// (FOLLOWS#<guild>) names its due listings (FOLLOWDUE#<minute>, sort key
// <guild>#<opened>) by the times it holds, so they go before it.
//
// Left behind, because no key of the guild names them any more:
//   - use markers and announcement marks written under their keys before
//     the marker shards (USE#<guild>#<use id>, ANNOUNCED#<guild>#<cause>;
//     an id and expiresAt, nothing else; gone within 30 days of the
//     change);
//   - the calls of rounds before the current one, and the tables of draws
//     rerun with another digest, written before rounds and tables were
//     listed in the guild's partition (CALLROUND#, RAFFLETABLE#);
//   - a due listing whose batch was forgotten by a DoneFollows cut short
//     between its two writes (the guild id and a time; gone a day after
//     it was due).
//
// Deliveries, the channel's chat window and its credentials belong to the
// channel, not the guild: connect.Service.Disconnect releases the
// credentials when no other guild uses the channel.
//
// Each partition is read a page of purgePage keys at a time and its items
// deleted one DeleteItem each (a write unit each, as any delete),
// purgeDeletes at once, purgeWorkers partitions at once: memory stays at
// a page per worker whatever the guild's size. A purge longer than its
// caller's deadline stops with an error and continues when run again.
const (
	purgePage    = 200
	purgeWorkers = 4
	// purgeDeletes bounds the deletes in flight per partition: with
	// purgeWorkers, 32 at once.
	purgeDeletes = 8
)

// purgeIndexRecord is what the guild partition's items tell the purge.
type purgeIndexRecord struct {
	itemKey
	Number         int64  `dynamodbav:"number"`
	State          string `dynamodbav:"state"`
	ID             string `dynamodbav:"id"`
	ClientSeed     string `dynamodbav:"clientSeed"`
	UserCooldownMs int64  `dynamodbav:"userCooldownMs"`
	// The go-live state's stream parts.
	Stream   int64   `dynamodbav:"stream"`
	Segments []int64 `dynamodbav:"segments"`
}

// PurgeGuild deletes every item of guild the table can find from the
// guild's keys (see above) and returns how many it deleted. It is
// idempotent: run again, it deletes what a cut-short run left, and
// nothing when nothing is left. It does not disconnect the guild's
// channel (connect.Service.Disconnect does, and releases its login);
// a connection it finds it deletes on both sides.
func (s *Store) PurgeGuild(ctx context.Context, guild string) (int, error) {
	if guild == "" || strings.Contains(guild, "#") {
		return 0, fault.E(fault.Invalid, "purge needs a guild id")
	}
	index, err := s.purgeIndex(ctx, guild)
	if err != nil {
		return 0, err
	}
	parts, keys, userCooldowns := purgeTargets(guild, index)
	for shard := range markerShards {
		parts = append(parts, markerPK(usePrefix, guild, shard), markerPK(announcedPrefix, guild, shard))
	}

	// The viewers and activity first: their users name the cooldowns.
	var sharded []string
	for shard := range ViewerShards {
		sharded = append(sharded, viewerPK(guild, shard))
	}
	for shard := range ActivityShards {
		sharded = append(sharded, activityPK(guild, shard))
	}
	n, users, err := s.purgePartitions(ctx, sharded)
	if err != nil {
		return n, err
	}
	if userCooldowns {
		for u := range users {
			parts = append(parts, cooldownPrefix+guild+"#"+strconv.FormatInt(u, 10))
		}
	}
	more, _, err := s.purgePartitions(ctx, parts)
	n += more
	if err != nil {
		return n, err
	}
	due, err := s.purgeFollowsDue(ctx, guild)
	if err != nil {
		return n, err
	}
	// Conditioned on being there, to count only what went: a batch may
	// not be listed yet.
	exists := expression.AttributeExists(expression.Name("pk"))
	for _, k := range append(keys, due...) {
		gone, err := s.deleteItem(ctx, k, &exists, "purge item")
		if err != nil {
			return n, err
		}
		if gone {
			n++
		}
	}
	// The follow batch after its due listings, which it names.
	more, _, err = s.purgePartition(ctx, followsPrefix+guild)
	n += more
	if err != nil {
		return n, err
	}
	// Last, the guild's own partition, which names all of the above.
	more, _, err = s.purgePartition(ctx, guildPrefix+guild)
	return n + more, err
}

// purgeFollowsDue returns the keys of the due listings guild's follow
// batch names: its open batch's and the one being posted.
func (s *Store) purgeFollowsDue(ctx context.Context, guild string) ([]itemKey, error) {
	item, ok, err := s.getItem(ctx, followsKey(guild), "load follow batch to purge")
	if err != nil || !ok {
		return nil, err
	}
	rec, err := decodeFollows(item)
	if err != nil {
		return nil, err
	}
	var keys []itemKey
	for _, ms := range []int64{rec.Opened, rec.TOpened} {
		if ms > 0 {
			keys = append(keys, followDueKey(guild, time.UnixMilli(ms)))
		}
	}
	return keys, nil
}

// purgeIndex returns the items of guild's partition that name other
// partitions (see purgeTargets), read a page at a time: the ledger and
// event log between them are not kept.
func (s *Store) purgeIndex(ctx context.Context, guild string) ([]purgeIndexRecord, error) {
	var index []purgeIndexRecord
	err := s.eachPage(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)),
		project:    []string{"pk", "sk", "number", "state", "id", "clientSeed", "userCooldownMs", "stream", "segments"},
		consistent: true,
	}, "list the guild's items", func(items []map[string]types.AttributeValue) error {
		for _, item := range items {
			var r purgeIndexRecord
			if err := attributevalue.UnmarshalMap(item, &r); err != nil {
				return fault.Wrap(fault.Internal, err, "decode the guild's items")
			}
			if namesOthers(r.SK) {
				index = append(index, r)
			}
		}
		return nil
	})
	return index, err
}

// namesOthers reports whether the guild partition's item at sk names
// other partitions.
func namesOthers(sk string) bool {
	switch {
	case sk == gtbRoundSK, sk == giveawaySK, sk == callsSK, sk == raffleSK, sk == liveAlertSK:
		return true
	}
	for _, p := range []string{connectionPrefix, customPrefix, rafflePrefix, streamStatsSK, clipStreamSKPrefix, raffleTableSK, callRoundSK} {
		if strings.HasPrefix(sk, p) {
			return true
		}
	}
	return false
}

// purgeTargets returns the partitions the guild partition's items name,
// the single items outside it (the routing side of its connections) and
// whether a custom command has a cooldown per viewer.
func purgeTargets(guild string, index []purgeIndexRecord) (parts []string, keys []itemKey, userCooldowns bool) {
	rounds := func(prefix string, last int64) {
		for n := int64(1); n <= last; n++ {
			for shard := range ActivityShards {
				parts = append(parts, prefix+guild+"#"+strconv.FormatInt(n, 10)+"#"+twoDigits(shard))
			}
		}
	}
	// A stream part is named by its stats item and by the go-live state:
	// its chatters' partitions once.
	chatters := map[int64]bool{}
	stream := func(ms int64) {
		if ms <= 0 || chatters[ms] {
			return
		}
		chatters[ms] = true
		for shard := range ViewerShards {
			parts = append(parts, liveChatPK(guild, time.UnixMilli(ms), shard))
		}
	}
	for _, r := range index {
		switch sk := r.SK; {
		case strings.HasPrefix(sk, connectionPrefix):
			if b, err := strconv.ParseInt(strings.TrimPrefix(sk, connectionPrefix), 10, 64); err == nil {
				keys = append(keys, connectionKey(b, guild))
			}
		case strings.HasPrefix(sk, customPrefix):
			parts = append(parts, customPrefix+guild+"#"+strings.TrimPrefix(sk, customPrefix))
			userCooldowns = userCooldowns || r.UserCooldownMs > 0
		case sk == gtbRoundSK:
			rounds(gtbGuessPrefix, r.Number)
		case sk == giveawaySK:
			rounds(giveawayEntryPrefix, r.Number)
		case sk == callsSK:
			var st calls.State
			if json.Unmarshal([]byte(r.State), &st) == nil && st.Round.ID != "" {
				for shard := range ActivityShards {
					parts = append(parts, callRoundPK(guild, st.Round.ID, shard))
				}
				parts = append(parts, callSeqKey(guild, st.Round.ID).PK)
			}
		case sk == liveAlertSK:
			stream(r.Stream)
			for _, seg := range r.Segments {
				stream(seg)
			}
		case strings.HasPrefix(sk, streamStatsSK):
			if ms, err := strconv.ParseInt(strings.TrimPrefix(sk, streamStatsSK), 10, 64); err == nil {
				stream(ms)
			}
		case strings.HasPrefix(sk, clipStreamSKPrefix):
			if ms, err := strconv.ParseInt(strings.TrimPrefix(sk, clipStreamSKPrefix), 10, 64); err == nil {
				parts = append(parts, clipsPK(guild, time.UnixMilli(ms)))
			}
		case strings.HasPrefix(sk, raffleTableSK):
			if period, digest, ok := strings.Cut(strings.TrimPrefix(sk, raffleTableSK), "#"); ok {
				parts = append(parts, tablePK(guild, period, digest))
			}
		case strings.HasPrefix(sk, callRoundSK):
			round := strings.TrimPrefix(sk, callRoundSK)
			for shard := range ActivityShards {
				parts = append(parts, callRoundPK(guild, round, shard))
			}
			parts = append(parts, callSeqKey(guild, round).PK)
		case sk == raffleSK || strings.HasPrefix(sk, rafflePrefix):
			if r.ID == "" {
				continue
			}
			for shard := range raffleShards {
				parts = append(parts, rafflePK(guild, r.ID, shard))
			}
			if r.ClientSeed != "" {
				parts = append(parts, tablePK(guild, r.ID, r.ClientSeed))
			}
		}
	}
	return parts, keys, userCooldowns
}

func twoDigits(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// purgePartitions deletes every item of the partitions pks, purgeWorkers
// at once, and returns how many it deleted and the Kick user ids of the
// viewer and activity items among them.
func (s *Store) purgePartitions(ctx context.Context, pks []string) (int, map[int64]bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu    sync.Mutex
		total int
		users = map[int64]bool{}
		first error
		wg    sync.WaitGroup
	)
	next := make(chan string)
	for range min(purgeWorkers, len(pks)) {
		wg.Go(func() {
			for pk := range next {
				n, us, err := s.purgePartition(ctx, pk)
				mu.Lock()
				total += n
				for _, u := range us {
					users[u] = true
				}
				if err != nil && first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, pk := range pks {
		select {
		case next <- pk:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = fault.Wrap(fault.Transient, ctx.Err(), "purge")
	}
	return total, users, first
}

// purgePartition deletes the items of pk a page at a time.
func (s *Store) purgePartition(ctx context.Context, pk string) (int, []int64, error) {
	n := 0
	var users []int64
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}},
		ProjectionExpression:      aws.String("pk, sk, userId"),
		Limit:                     aws.Int32(purgePage),
		ConsistentRead:            aws.Bool(true),
	}
	for {
		out, err := s.Client.Query(ctx, in)
		if err != nil {
			return n, users, classify(err, "list items to purge")
		}
		keys := make([]itemKey, 0, len(out.Items))
		for _, item := range out.Items {
			var k struct {
				itemKey
				UserID int64 `dynamodbav:"userId"`
			}
			if err := attributevalue.UnmarshalMap(item, &k); err != nil {
				return n, users, fault.Wrap(fault.Internal, err, "decode item to purge")
			}
			if id, ok := strings.CutPrefix(k.SK, viewerPrefix); ok {
				k.UserID, _ = strconv.ParseInt(id, 10, 64)
			}
			if k.UserID > 0 {
				users = append(users, k.UserID)
			}
			keys = append(keys, k.itemKey)
		}
		done, err := s.deleteAll(ctx, keys)
		n += done
		if err != nil {
			return n, users, err
		}
		if len(out.LastEvaluatedKey) == 0 {
			return n, users, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// deleteAll deletes the items at keys, purgeDeletes at once, and returns
// how many it deleted and the first error.
func (s *Store) deleteAll(ctx context.Context, keys []itemKey) (int, error) {
	var (
		mu    sync.Mutex
		n     int
		first error
		wg    sync.WaitGroup
	)
	slots := make(chan struct{}, purgeDeletes)
	for _, k := range keys {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			_, err := s.deleteItem(ctx, k, nil, "purge item")
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				n++
			} else if first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	return n, first
}
