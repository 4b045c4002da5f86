package dynamo

import (
	"context"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

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
// disconnect), and the removal of one connection (Disconnect, two
// deletes). A guild has one channel; should it have more (seeded
// connections), Connection answers with the latest.

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
// feeds guild from at on, keeping the name for /kick status. Connecting
// again replaces the name and the time.
func (s *Store) ConnectChannel(ctx context.Context, guild string, broadcaster int64, name string, at time.Time) error {
	if guild == "" || broadcaster <= 0 {
		return fault.E(fault.Invalid, "connect needs a guild and a broadcaster")
	}
	// The routing side first: a retry of a half-done connection completes
	// it, and Connected and Connection never claim a channel whose
	// webhooks would not reach the guild.
	for _, r := range []namedConnectionRecord{
		{connectionRecord{itemKey: connectionKey(broadcaster, guild), Broadcaster: broadcaster, ConnectedAt: millis(at), ConnIndex: connValue}, name},
		{connectionRecord{itemKey: guildConnectionKey(guild, broadcaster), Broadcaster: broadcaster, ConnectedAt: millis(at)}, name},
	} {
		item, err := attributevalue.MarshalMap(r)
		if err != nil {
			return fault.Wrap(fault.Internal, err, "encode connection")
		}
		if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
			return classify(err, "save connection")
		}
	}
	return nil
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

// Disconnect removes the connection of guild to broadcaster, both items;
// removing a connection that does not exist is no error.
func (s *Store) Disconnect(ctx context.Context, guild string, broadcaster int64) error {
	if guild == "" || broadcaster <= 0 {
		return fault.E(fault.Invalid, "disconnect needs a guild and a broadcaster")
	}
	// The routing side first: if the second delete fails, the guild still
	// shows its connection, and the retry a person makes after the error
	// completes it. The other order could leave webhooks routed to a
	// guild that no longer knows of the channel.
	if _, err := s.deleteItem(ctx, connectionKey(broadcaster, guild), nil, "remove connection"); err != nil {
		return err
	}
	_, err := s.deleteItem(ctx, guildConnectionKey(guild, broadcaster), nil, "remove connection")
	return err
}
