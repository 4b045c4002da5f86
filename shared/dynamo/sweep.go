package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/sweep"
)

var _ sweep.ReconcileStore = (*Store)(nil)

// settingsRecord is a guild's settings item: pk GUILD#<guild>, sk SETTINGS.
// While TrackOffline is on it carries liveIndex, so the sweep visits the
// guild whatever its stream does.
type settingsRecord struct {
	itemKey
	Guild              string   `dynamodbav:"guild"`
	ActivityWindowMins int64    `dynamodbav:"activityWindowMins"`
	PointsPer5Min      int64    `dynamodbav:"pointsPer5Min"`
	SubMultiplierPct   int64    `dynamodbav:"subMultiplierPct"`
	TrackOffline       bool     `dynamodbav:"trackOffline"`
	Ignored            []string `dynamodbav:"ignored"`
	AnnounceChannel    string   `dynamodbav:"announceChannel,omitempty"`
	LiveIndex          string   `dynamodbav:"liveIndex,omitempty"`
	Version            int64    `dynamodbav:"version"`
}

func settingsKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: settingsSK} }

// Settings returns the guild's settings, the defaults when it set none.
func (s *Store) Settings(ctx context.Context, guild string) (settings.Settings, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: settingsKey(guild).av()})
	if err != nil {
		return settings.Settings{}, classify(err, "load settings")
	}
	if len(out.Item) == 0 {
		return settings.Defaults(), nil
	}
	var r settingsRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return settings.Settings{}, fault.Wrap(fault.Internal, err, "decode settings")
	}
	return settings.Settings{
		ActivityWindow:   time.Duration(r.ActivityWindowMins) * time.Minute,
		PointsPer5Min:    r.PointsPer5Min,
		SubMultiplierPct: r.SubMultiplierPct,
		TrackOffline:     r.TrackOffline,
		Ignored:          r.Ignored,
		AnnounceChannel:  r.AnnounceChannel,
		Version:          r.Version,
	}, nil
}

// PutSettings stores the guild's settings whole, after validating them,
// if the stored version is still set.Version (none stored for 0); else it
// is fault.Conflict and changes nothing.
func (s *Store) PutSettings(ctx context.Context, guild string, set settings.Settings) error {
	if guild == "" {
		return fault.E(fault.Invalid, "settings need a guild")
	}
	if err := set.Validate(); err != nil {
		return err
	}
	r := settingsRecord{
		itemKey: settingsKey(guild), Guild: guild,
		ActivityWindowMins: int64(set.ActivityWindow / time.Minute), PointsPer5Min: set.PointsPer5Min,
		SubMultiplierPct: set.SubMultiplierPct, TrackOffline: set.TrackOffline,
		Ignored: set.Ignored, AnnounceChannel: set.AnnounceChannel,
		Version: set.Version + 1,
	}
	if set.TrackOffline {
		r.LiveIndex = liveValue
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode settings")
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if set.Version > 0 {
		cond = expression.Name("version").Equal(expression.Value(set.Version))
	}
	return s.putIf(ctx, item, cond, "the settings were changed meanwhile; run the command again", "save settings")
}

// SweepGuilds lists the guilds the sweep visits: those whose stream is
// live and those tracking offline, each once, from the live index.
func (s *Store) SweepGuilds(ctx context.Context) ([]string, error) {
	return s.liveIndexGuilds(ctx, func(string) bool { return true })
}

// liveIndexGuilds lists the guilds of the live index's items whose sort
// key passes keep, each once, in guild order.
func (s *Store) liveIndexGuilds(ctx context.Context, keep func(sk string) bool) ([]string, error) {
	items, err := s.queryWhere(ctx, where{
		index: liveIndex,
		key:   expression.Key("liveIndex").Equal(expression.Value(liveValue)),
	}, 0, "list live guilds")
	if err != nil {
		return nil, err
	}
	var records []struct {
		itemKey
		Guild string `dynamodbav:"guild"`
	}
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode live guilds")
	}
	var guilds []string
	for _, r := range records {
		// Items come in guild order, so a guild's two items are adjacent.
		if keep(r.SK) && (len(guilds) == 0 || guilds[len(guilds)-1] != r.Guild) {
			guilds = append(guilds, r.Guild)
		}
	}
	return guilds, nil
}

// Connections lists every Kick channel → guild connection.
func (s *Store) Connections(ctx context.Context) ([]stream.Connection, error) {
	items, err := s.queryWhere(ctx, where{
		index: connectionsIndex,
		key:   expression.Key("connIndex").Equal(expression.Value(connValue)),
	}, 0, "list connections")
	if err != nil {
		return nil, err
	}
	var keys []itemKey
	if err := attributevalue.UnmarshalListOfMaps(items, &keys); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode connections")
	}
	out := make([]stream.Connection, 0, len(keys))
	for _, k := range keys {
		b, err := strconv.ParseInt(strings.TrimPrefix(k.PK, kickPrefix), 10, 64)
		if err != nil || !strings.HasPrefix(k.SK, guildPrefix) {
			return nil, fault.E(fault.Internal, "malformed connection key %s/%s", k.PK, k.SK)
		}
		out = append(out, stream.Connection{Guild: strings.TrimPrefix(k.SK, guildPrefix), Broadcaster: b})
	}
	return out, nil
}

// RecordBan marks user banned in guild until until; the latest ban event
// wins (events of a guild arrive in order).
func (s *Store) RecordBan(ctx context.Context, guild string, user event.User, until time.Time) error {
	return s.viewerUntil(ctx, guild, user, "bannedUntil", until, false, "record ban")
}

// RecordSubscription records user's subscription, from from until until,
// keeping the one with the later end (a start goes with its own end).
// The end is also kept in an item of its own beside the viewers, which the
// sweep reads for the whole guild with one Query.
func (s *Store) RecordSubscription(ctx context.Context, guild string, user event.User, from, until time.Time) error {
	if err := s.viewerUntil(ctx, guild, user, "subUntil", until, true, "record subscription"); err != nil {
		return err
	}
	end := expression.Name("subUntil")
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("userId"), expression.Value(user.ID)).
			Set(end, expression.Value(millis(until))).
			Set(expression.Name("subFrom"), expression.Value(millis(from))).
			Set(expression.Name("expiresAt"), expression.Value(ttlSeconds(until.Add(ActivityTTL))))).
		WithCondition(expression.AttributeNotExists(end).Or(end.LessThan(expression.Value(millis(until))))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build subscription")
	}
	return s.update(ctx, subscriptionKey(guild, user.ID), expr, "record subscription")
}

// viewerUntil sets a time attribute of a viewer (creating the viewer item
// if needed); with onlyLater it never moves the time back.
func (s *Store) viewerUntil(ctx context.Context, guild string, user event.User, attr string, until time.Time, onlyLater bool, what string) error {
	if guild == "" || user.ID <= 0 {
		return fault.E(fault.Invalid, "%s needs a guild and a known viewer", what)
	}
	name, at := expression.Name(attr), millis(until)
	b := expression.NewBuilder().WithUpdate(identify(expression.Set(name, expression.Value(at)), guild, user.ID, user.Username))
	if onlyLater {
		b = b.WithCondition(expression.AttributeNotExists(name).Or(name.LessThan(expression.Value(at))))
	}
	expr, err := b.Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build "+what)
	}
	return s.update(ctx, viewerKey(guild, user.ID), expr, what)
}
