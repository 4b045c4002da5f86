package dynamo

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
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
	item, cond, err := settingsPut(guild, set)
	if err != nil {
		return err
	}
	return s.putIf(ctx, item, cond, settingsChanged, "save settings")
}

const settingsChanged = "the settings were changed meanwhile; run the command again"

// settingsPut is the settings item of set and the condition of its put.
func settingsPut(guild string, set settings.Settings) (map[string]types.AttributeValue, expression.ConditionBuilder, error) {
	if guild == "" {
		return nil, expression.ConditionBuilder{}, fault.E(fault.Invalid, "settings need a guild")
	}
	if err := set.Validate(); err != nil {
		return nil, expression.ConditionBuilder{}, err
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
		return nil, expression.ConditionBuilder{}, fault.Wrap(fault.Internal, err, "encode settings")
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if set.Version > 0 {
		cond = expression.Name("version").Equal(expression.Value(set.Version))
	}
	return item, cond, nil
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

// RecordBan applies a ban or timeout of user in guild issued at at (the
// moderation event's own time) and lasting until until (audience.Forever
// for a permanent ban). Bans are ordered by when they were issued, not by
// when they arrive: one issued before the stored ban or unban (bannedAt)
// changes nothing, so a timeout delivered after a newer permanent ban (by
// two webhook instances, or Kick's retry) leaves the ban in place. Kick
// sends no unban, so a newer timeout after a permanent ban is the
// moderator's later decision and replaces it. Of two issued in the same
// millisecond the longer wins, whatever their order of arrival; repeating
// a call changes nothing.
func (s *Store) RecordBan(ctx context.Context, guild string, user event.User, at, until time.Time) error {
	if guild == "" || user.ID <= 0 || at.IsZero() {
		return fault.E(fault.Invalid, "a ban needs a guild, a known viewer and the time it was issued")
	}
	issued, banned := expression.Name("bannedAt"), expression.Name("bannedUntil")
	atMs, untilMs := expression.Value(millis(at)), expression.Value(millis(until))
	expr, err := expression.NewBuilder().
		WithUpdate(identify(expression.Set(banned, untilMs).Set(issued, atMs), guild, user.ID, user.Username)).
		WithCondition(expression.AttributeNotExists(issued).
			Or(issued.LessThan(atMs)).
			Or(issued.Equal(atMs).And(expression.AttributeNotExists(banned).Or(banned.LessThan(untilMs))))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build record ban")
	}
	return s.update(ctx, viewerKey(guild, user.ID), expr, "record ban")
}

// Unban lifts the ban or timeout of guild's viewer userID as of at (when an
// admin asked), and records at as bannedAt: a ban issued before at that
// arrives later changes nothing, one issued after at applies. An unban at
// or before the stored bannedAt (a newer ban, or this unban again) changes
// nothing. It returns the viewer as stored afterwards, so the caller sees
// whether a newer ban stands; fault.NotFound for a viewer never seen.
func (s *Store) Unban(ctx context.Context, guild string, userID int64, at time.Time) (audience.Viewer, error) {
	if guild == "" || userID <= 0 || at.IsZero() {
		return audience.Viewer{}, fault.E(fault.Invalid, "an unban needs a guild, a known viewer and its time")
	}
	issued, atMs := expression.Name("bannedAt"), expression.Value(millis(at))
	expr, err := expression.NewBuilder().
		// 0, not removed: RecordBan's same-millisecond rule compares it.
		WithUpdate(expression.Set(expression.Name("bannedUntil"), expression.Value(0)).Set(issued, atMs)).
		WithCondition(expression.AttributeExists(expression.Name("pk")).
			And(expression.AttributeNotExists(issued).Or(issued.LessThan(atMs)))).
		Build()
	if err != nil {
		return audience.Viewer{}, fault.Wrap(fault.Internal, err, "build unban")
	}
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       viewerKey(guild, userID).av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnValues:              types.ReturnValueAllNew,
	})
	if conditionFailed(err) {
		// No viewer, or a ban or unban at or after at: read which.
		return s.Viewer(ctx, guild, userID)
	}
	if err != nil {
		return audience.Viewer{}, classify(err, "unban viewer")
	}
	var r viewerRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &r); err != nil {
		return audience.Viewer{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	return r.viewer(), nil
}

// RecordSubscription records user's subscription end (creating the viewer
// item if needed), keeping the later of the stored and the new end. The end
// is also kept, with the start from that goes with it, in an item of its
// own beside the viewers, which the sweep reads for the whole guild with
// one Query.
func (s *Store) RecordSubscription(ctx context.Context, guild string, user event.User, from, until time.Time) error {
	if guild == "" || user.ID <= 0 {
		return fault.E(fault.Invalid, "record subscription needs a guild and a known viewer")
	}
	name, at := expression.Name("subUntil"), expression.Value(millis(until))
	later := expression.AttributeNotExists(name).Or(name.LessThan(at))
	expr, err := expression.NewBuilder().
		WithUpdate(identify(expression.Set(name, at), guild, user.ID, user.Username)).
		WithCondition(later).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build record subscription")
	}
	if err := s.update(ctx, viewerKey(guild, user.ID), expr, "record subscription"); err != nil {
		return err
	}
	expr, err = expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("userId"), expression.Value(user.ID)).Set(name, at).
			Set(expression.Name("subFrom"), expression.Value(millis(from))).
			Set(expression.Name("expiresAt"), expression.Value(ttlSeconds(until.Add(ActivityTTL))))).
		WithCondition(later).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build record subscription")
	}
	return s.update(ctx, subscriptionKey(guild, user.ID), expr, "record subscription")
}
