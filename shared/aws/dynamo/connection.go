package dynamo

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/fault"
)

// A connection made through Kick's consent carries the channel's name, for
// /kick status, on both of its items (see the package comment):
//
//	pk KICK#<broadcaster>   sk GUILD#<guild>               ... name S
//	pk GUILD#<guild>        sk CONNECTION#<broadcaster>    ... name S
//
// Access patterns: the guild's channel by guild (Connection, a consistent
// Query of the guild's CONNECTION# range, for /kick status and /kick
// disconnect), the switch to another channel (ReplaceChannel) and the
// removal of one connection (Disconnect), each one transaction. A guild
// has one channel; should it have more (seeded connections), Connection
// answers with the latest.
//
// The guild's stream state (GUILD#<guild>/STREAM, in the live index while
// live) describes its channel's stream, so ReplaceChannel and Disconnect
// delete it with the connection: a new channel is not live until it says
// so (its own event, or the reconciler, which asks Kick first about a
// guild without a status). Disconnect also takes settings that track
// offline out of the live index, and ConnectChannel puts them back, so
// the sweep stops visiting a guild without a channel.

var _ connect.Store = (*Store)(nil)

// namedConnectionRecord is a connection item with the channel's name.
type namedConnectionRecord struct {
	connectionRecord
	Name string `dynamodbav:"name,omitempty"`
}

func guildConnectionKey(guild string, broadcaster int64) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: connectionPrefix + strconv.FormatInt(broadcaster, 10)}
}

// ConnectChannel records that broadcaster's Kick channel, named name,
// feeds guild from at on, keeping the name for /kick status. A new
// connection starts from no stream state, in the same transaction: a state
// left without a channel (a disconnect before Disconnect deleted it) is no
// channel's. Connecting again replaces the name and the time and keeps
// the stream state, which is still that channel's. Settings that track
// offline go back in the live index, from which Disconnect took them.
func (s *Store) ConnectChannel(ctx context.Context, guild string, broadcaster int64, name string, at time.Time) error {
	if guild == "" || broadcaster <= 0 {
		return fault.E(fault.Invalid, "connect needs a guild and a broadcaster")
	}
	var items [2]map[string]types.AttributeValue
	for i, r := range connectionRecords(guild, broadcaster, name, at) {
		item, err := attributevalue.MarshalMap(r)
		if err != nil {
			return fault.Wrap(fault.Internal, err, "encode connection")
		}
		items[i] = item
	}
	first, err := s.txPut(items[1], expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return err
	}
	done, err := s.transact(ctx, []types.TransactWriteItem{{Put: &types.Put{TableName: &s.Table, Item: items[0]}}, first, s.txRemove(streamKey(guild))}, "save connection")
	if err != nil {
		return err
	}
	if !done {
		// Connected already. The routing side first: a retry of a
		// half-done refresh completes it, and Connected and Connection
		// never claim a channel whose webhooks would not reach the guild.
		for _, item := range items {
			if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
				return classify(err, "save connection")
			}
		}
	}
	return s.relistOffline(ctx, guild)
}

// connectionRecords are the two items of a connection: the routing side,
// then the guild's.
func connectionRecords(guild string, broadcaster int64, name string, at time.Time) [2]namedConnectionRecord {
	return [2]namedConnectionRecord{
		{connectionRecord{itemKey: connectionKey(broadcaster, guild), Broadcaster: broadcaster, ConnectedAt: millis(at), ConnIndex: connValue}, name},
		{connectionRecord{itemKey: guildConnectionKey(guild, broadcaster), Broadcaster: broadcaster, ConnectedAt: millis(at)}, name},
	}
}

// ReplaceChannel switches guild from the channel prev to broadcaster's,
// named name, from at on, in one transaction: the new connection is made,
// prev's removed and the guild's stream state deleted, so prev's live
// state is never credited to the new channel. prev need not be connected
// any more (a concurrent switch removed it); its removal is then no
// change.
func (s *Store) ReplaceChannel(ctx context.Context, guild string, prev, broadcaster int64, name string, at time.Time) error {
	if guild == "" || prev <= 0 || broadcaster <= 0 || prev == broadcaster {
		return fault.E(fault.Invalid, "a channel switch needs a guild and two different broadcasters")
	}
	var items []types.TransactWriteItem
	for _, r := range connectionRecords(guild, broadcaster, name, at) {
		item, err := attributevalue.MarshalMap(r)
		if err != nil {
			return fault.Wrap(fault.Internal, err, "encode connection")
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item}})
	}
	items = append(items, s.txRemove(connectionKey(prev, guild)), s.txRemove(guildConnectionKey(guild, prev)), s.txRemove(streamKey(guild)))
	done, err := s.transact(ctx, items, "switch connection")
	if err == nil && !done {
		// No condition can fail: only another transaction on these items.
		return fault.E(fault.Transient, "the connection was changing meanwhile; try again")
	}
	return err
}

// txRemove is a transaction's delete of the item at k, whether or not it
// exists.
func (s *Store) txRemove(k itemKey) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: &s.Table, Key: k.av()}}
}

// Connection returns the Kick channel guild is connected to, its name
// (empty for a connection made without one) and when it was connected;
// fault.NotFound when the guild has none.
func (s *Store) Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error) {
	if guild == "" {
		return 0, "", time.Time{}, fault.E(fault.Invalid, "a connection lookup needs a guild")
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(connectionPrefix)),
		project:    []string{"broadcaster", "connectedAt", "name"},
		consistent: true,
	}, 0, "load connection")
	if err != nil {
		return 0, "", time.Time{}, err
	}
	var records []namedConnectionRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return 0, "", time.Time{}, fault.Wrap(fault.Internal, err, "decode connection")
	}
	if len(records) == 0 {
		return 0, "", time.Time{}, fault.E(fault.NotFound, "this server is not connected to a Kick channel")
	}
	latest := records[0]
	for _, r := range records[1:] {
		if r.ConnectedAt > latest.ConnectedAt {
			latest = r
		}
	}
	return latest.Broadcaster, latest.Name, fromMillis(latest.ConnectedAt), nil
}

// Disconnect removes the connection of guild to broadcaster, both items,
// in one transaction; removing a connection that does not exist is no
// error and changes nothing else. When it was the guild's last channel,
// the same transaction deletes the guild's stream state and takes its
// settings out of the live index (tracking offline needs a channel), so
// the sweep stops visiting the guild; ConnectChannel lists them again.
func (s *Store) Disconnect(ctx context.Context, guild string, broadcaster int64) error {
	if guild == "" || broadcaster <= 0 {
		return fault.E(fault.Invalid, "disconnect needs a guild and a broadcaster")
	}
	// Conditioned on the guild's side, so that removing a connection the
	// guild does not have cannot touch its stream state or settings.
	guildSide, err := s.txDelete(guildConnectionKey(guild, broadcaster), expression.AttributeExists(expression.Name("pk")))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{s.txRemove(connectionKey(broadcaster, guild)), guildSide}
	last, err := s.onlyChannel(ctx, guild, broadcaster)
	if err != nil {
		return err
	}
	if last {
		items = append(items, s.txRemove(streamKey(guild)))
		unlist, err := s.unlistOffline(ctx, guild)
		if err != nil {
			return err
		}
		if unlist != nil {
			items = append(items, *unlist)
		}
	}
	done, err := s.transact(ctx, items, "remove connection")
	if err != nil || done {
		return err
	}
	// Cancelled: the guild's side is missing (no such connection, or a
	// half-made one whose routing side is removed below), or another
	// transaction was changing these items.
	if _, found, err := s.getItem(ctx, guildConnectionKey(guild, broadcaster), "check connection"); err != nil {
		return err
	} else if found {
		return fault.E(fault.Transient, "the connection was changing meanwhile; try again")
	}
	_, err = s.deleteItem(ctx, connectionKey(broadcaster, guild), nil, "remove connection")
	return err
}

// onlyChannel reports whether guild is connected to no channel but
// broadcaster's (seeded connections may give it more).
func (s *Store) onlyChannel(ctx context.Context, guild string, broadcaster int64) (bool, error) {
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(connectionPrefix)),
		project:    []string{"sk"},
		consistent: true,
	}, 0, "check connections")
	if err != nil {
		return false, err
	}
	var keys []itemKey
	if err := attributevalue.UnmarshalListOfMaps(items, &keys); err != nil {
		return false, fault.Wrap(fault.Internal, err, "decode connections")
	}
	for _, k := range keys {
		if k.SK != guildConnectionKey(guild, broadcaster).SK {
			return false, nil
		}
	}
	return true, nil
}

// unlistOffline returns the transaction's put that takes guild's settings
// out of the live index; nil when they are not in it (or there are none).
// It puts back the item as read, without liveIndex, if its version is
// still the one read: a put, not an update's REMOVE, because the embedded
// emulator ignores REMOVE inside a transaction. A /settings set with
// track_offline on lists them again.
func (s *Store) unlistOffline(ctx context.Context, guild string) (*types.TransactWriteItem, error) {
	item, ok, err := s.getItem(ctx, settingsKey(guild), "load settings")
	if err != nil || !ok {
		return nil, err
	}
	if _, listed := item["liveIndex"]; !listed {
		return nil, nil
	}
	version, ok := item["version"]
	if !ok {
		return nil, fault.E(fault.Internal, "settings of %s have no version", guild)
	}
	delete(item, "liveIndex")
	put, err := s.txPut(item, expression.Name("version").Equal(expression.Value(version)))
	return &put, err
}

// relistOffline puts guild's settings back in the live index if they track
// offline: a connection restores what Disconnect took out.
func (s *Store) relistOffline(ctx context.Context, guild string) error {
	r, ok, err := s.loadSettings(ctx, guild)
	if err != nil || !ok || !r.TrackOffline || r.LiveIndex != "" {
		return err
	}
	track := expression.Name("trackOffline")
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("liveIndex"), expression.Value(liveValue))).
		// Not if /settings set turned tracking off meanwhile.
		WithCondition(expression.AttributeExists(expression.Name("pk")).And(track.Equal(expression.Value(true)))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build settings update")
	}
	return s.update(ctx, settingsKey(guild), expr, "list settings")
}

// loadSettings reads guild's settings item consistently; false when
// there is none.
func (s *Store) loadSettings(ctx context.Context, guild string) (settingsRecord, bool, error) {
	item, ok, err := s.getItem(ctx, settingsKey(guild), "load settings")
	if err != nil || !ok {
		return settingsRecord{}, false, err
	}
	var r settingsRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return settingsRecord{}, false, fault.Wrap(fault.Internal, err, "decode settings")
	}
	return r, true, nil
}

// UnlistDisconnected takes every guild without a connection out of the
// live index, as Disconnect does for its guild (the stream state deleted,
// settings that track offline unlisted), and returns those guilds. It
// clears guilds disconnected before Disconnect did that, which the sweep
// would otherwise visit every minute for ever; the upkeep runs it hourly.
func (s *Store) UnlistDisconnected(ctx context.Context) ([]string, error) {
	guilds, err := s.SweepGuilds(ctx)
	if err != nil {
		return nil, err
	}
	var unlisted []string
	for _, g := range guilds {
		connected, err := s.Connected(ctx, g)
		if err != nil {
			return unlisted, err
		}
		if connected {
			continue
		}
		items := []types.TransactWriteItem{s.txRemove(streamKey(g))}
		unlist, err := s.unlistOffline(ctx, g)
		if err != nil {
			return unlisted, err
		}
		if unlist != nil {
			items = append(items, *unlist)
		}
		done, err := s.transact(ctx, items, "unlist guild")
		if err != nil {
			return unlisted, err
		}
		// A connection made meanwhile lists its settings again; without
		// this, one made between the check and the transaction would
		// lose them. A cancelled transaction (settings changed) waits for
		// the next run.
		if connected, err := s.Connected(ctx, g); err != nil {
			return unlisted, err
		} else if connected {
			if err := s.relistOffline(ctx, g); err != nil {
				return unlisted, err
			}
			continue
		}
		if done {
			unlisted = append(unlisted, g)
		}
	}
	return unlisted, nil
}
