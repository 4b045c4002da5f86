// Package dynamo is the DynamoDB adapter: it stores connections, delivery
// markers, viewers, stream state, the event log, Kick logins, account
// links and role rewards in the single table that template.yaml defines,
// and translates between the domain types and items.
//
// All item keys are strings of the form KIND#id:
//
//	item            pk                   sk                          other attributes
//	connection      KICK#<broadcaster>   GUILD#<guild>               broadcaster N, connectedAt N(ms),
//	                                                                 connIndex S ("conn")
//	connection      GUILD#<guild>        CONNECTION#<broadcaster>    broadcaster N, connectedAt N(ms) (the
//	 (guild side)                                                    guild's view, for Connected)
//	delivery        DELIVERY#<msg id>    DELIVERY#<event type>       at N(ms), expiresAt N(s, TTL)
//	unprocessable   UNPROCESSABLE#<msg   TYPE#<event type>           type S, at N(ms, signed), receivedAt N(ms),
//	 delivery        id>                                             body B, reason S, expiresAt N(s, TTL)
//	viewer          GUILD#<guild>#V<nn>  VIEWER#<kick user id>       guild S, userId N, username S,
//	                                                                 nameKey S (<guild>#<lower-case name>),
//	                                                                 lastChatAt N(ms, latest activity the
//	                                                                 sweep credited), watchMinutes N,
//	                                                                 pointsMilli N, creditedMinute N,
//	                                                                 subUntil N(ms),
//	                                                                 bannedUntil N(ms), bannedAt N(ms, when
//	                                                                 the ban or unban stored was issued),
//	                                                                 and per points change
//	                                                                 applied: ledger#<cause> N (balance
//	                                                                 before), ledgerAt#<cause> N(ms)
//	activity        ACT#<guild>#<shard>  <minute, 10 dig.>#<user>    userId N, username S, at N(ms),
//	                                                                 sub BOOL (when the action said),
//	                                                                 expiresAt N(s, TTL); shard 00-15
//	subscription    GUILD#<guild>        SUBUNTIL#<kick user id>     userId N, subFrom N(ms), subUntil N(ms), expiresAt
//	sweep checkpoint GUILD#<guild>       SWEEP                       guild S, through N (minute),
//	                                                                 liveIndex S ("live", while minutes of
//	                                                                 a stream remain to credit)
//	                                                                 timers N (the guild's timer count)
//	board           GUILD#<guild>        BOARD#<watchtime|points>    builtAt N(ms), e L (the top 100: u N
//	                                                                 user, n S name, w N minutes, p N milli)
//	stream state    GUILD#<guild>        STREAM                      guild S, live BOOL, title S,
//	                                                                 startedAt/endedAt/statusAt N(ms),
//	                                                                 categoryId N, categoryName S,
//	                                                                 categoryThumbnail S, language S,
//	                                                                 mature BOOL, metadataAt N(ms),
//	                                                                 liveIndex S ("live", only while live),
//	                                                                 checkedAt N(ms, Kick's API last
//	                                                                 confirmed the status);
//	                                                                 deleted with the guild's connection
//	go-live alert   GUILD#<guild>        LIVEALERT                   guild S, the golive.State (golive.go), version N,
//	                                                                 liveIndex S ("alert", while an alert or recap is pending)
//	stream stats    GUILD#<guild>        LIVESTATS#<start ms, 13 d.> minutes N, points N, peak N, lm N (last minute), expiresAt
//	stream chatter  LIVECHAT#<guild>#    V#<kick user id>            u N, n S, m N (chat minutes), lm N, expiresAt;
//	                 <start ms>#<nn>                                 shard 00-15, as the viewer's
//	settings        GUILD#<guild>        SETTINGS                    guild S, the settings, liveIndex S
//	                                                                 ("live", only while tracking offline;
//	                                                                 removed by Disconnect)
//	ledger entry    GUILD#<guild>        LEDGER#<user>#<ms>#<cause>  userId N, cause S, op S, milli N, before N,
//	                                                                 after N, reason S, by S, at N(ms)
//	event log       GUILD#<guild>        EVENT#<ms, 13 digits>#<id>  type S, at N(ms), actorId N,
//	                                     #<type>                     body S (JSON event.Event),
//	                                                                 expiresAt N(s, TTL)
//	credentials     LOGIN#<broadcaster>  CREDENTIALS                 broadcaster N, accessToken S,
//	                                                                 refreshToken S, accessExpiry N(ms),
//	                                                                 scope S, version N, leaseUntil N(ms),
//	                                                                 needsReauth BOOL
//	chat window     KICK#<broadcaster>   CHATLIMIT                   windowStart N(ms), sent N
//	chat claim      KICK#<broadcaster>   CHAT#<cause>                expiresAt N(s, TTL)
//	consent nonce   NONCE#<nonce>        NONCE                       expiresAt N(s, TTL)
//	account link    GUILD#<guild>        LINK#MEMBER#<discord id>    discordUser S, kickUser N, kickName S
//	 (both ways)    GUILD#<guild>        LINK#KICK#<kick user id>    the same
//	pending link    GUILD#<guild>        LINKPENDING#<discord id>    kickUser N, kickName S, until N(ms), expiresAt
//	                                                                 (a /link sign-in awaiting /confirm-link)
//	role reward     GUILD#<guild>        ROLERULE#<minutes, 19 dig.> minutes N, roleId S
//	role granted    GUILD#<guild>        GRANT#<discord id>#<role>   discordUser S, roleId S
//	notice told     GUILD#<guild>        REPORTED#<key>              (a marker)
//	interaction     GUILD#<guild>        INTERACTION#<id>            expiresAt N(s, TTL) (a marker: it took effect)
//	custom command  GUILD#<guild>        CMD#<name or alias>         the command, or aliasOf S (see customcmd.go)
//	command tally   GUILD#<guild>        CMDCOUNT                    n N
//	command uses    CMD#<guild>#<name>   USES                        uses N
//	cooldown        CMD#<guild>#<name>   COOLDOWN                    claim S, until N(ms), expiresAt N(s, TTL)
//	user cooldown   COOLDOWN#<guild>#    CMD#<name>                  claim S, until N(ms), expiresAt N(s, TTL)
//	                 <kick user id>
//	use marker      USE#<guild>#<nn>     <use id>#<name>             expiresAt N(s, TTL); nn 00-15 (markerShard)
//	timer           GUILD#<guild>        TIMER#<name>                name S, variants L, intervalMins N, minChatters N,
//	                                                                 offline BOOL, enabled BOOL, createdAt N(ms),
//	                                                                 version N, lastSlot N (minute), next N
//	bonus hunt      GUILD#<guild>        HUNT                        name S, start N (cents), startedAt N(ms), finishedAt N(ms),
//	                                                                 version N, b L (the bonuses; see hunt.go)
//	gtb round       GUILD#<guild>        GTB                         number N, state S, winners N, the round's
//	                                                                 times, causes, result and winners (gtb.go)
//	gtb guess       GTB#<guild>#<round>  V#<kick user id>            userId N, username S, amount N(cents), at N(ms),
//	                 #<shard>                                        msg S, expiresAt N(s, TTL); shard 00-15
//	calls state     GUILD#<guild>        CALLS                       state S (JSON), version N (see calls.go)
//	call, viewer    CALLS#<guild>#<round> CALL#<msg id>, USER#<user>, the calls of a round, sharded (calls.go)
//	 count, slot     #<nn>                SLOT#<key>
//	call number     CALLS#<guild>#<round> SEQ                        n N, expiresAt
//	giveaway        GUILD#<guild>        GIVEAWAY                    number N, prize S, keyword S, times, seed and
//	                                                                 commitment, causes, the draw (giveaway.go)
//	giveaway entry  GIVEAWAY#<guild>     V#<kick user id>            userId N, username S, sub BOOL, at N(ms), msg S,
//	                 #<number>#<shard>                               expiresAt N(s, TTL); shard 00-15
//	raffle period   GUILD#<guild>        RAFFLE, RAFFLE#<period>     the latest period, its seed and result; archived
//	                                                                 periods (see raffle.go)
//	raffle tickets, RAFFLE#<guild>#      T#<user>, L#<user>#<cause>, per-viewer tickets, ledger entries, holds
//	 ledger, holds   <period>#<nn>        H#<user>#<cause>, G#<cause> and gift markers, sharded (raffle.go)
//	raffle table    RAFFLE#<guild>#<period> PART#<nnnnn>             t S (a draw's table, 5,000 lines a part)
//	                 #TABLE#<digest>
//	table listing   GUILD#<guild>        RAFFLETABLE#<period>#<digest> (none: names a stored table for the purge)
//	call round      GUILD#<guild>        CALLROUND#<round>           expiresAt N (names a round's calls for the purge)
//	clip settings,  GUILD#<guild>        CLIPSETTINGS, CLIPSTREAM#  a guild's !clip settings, the streams with
//	 streams, marker CLIPS#<guild>#<start> CLIP#<ms>#<msg id>       markers, and each marker (see clips.go)
//	event rewards   GUILD#<guild>        REWARDS                     follow/sub/gift/kicks N, thanks M, version N (rewards.go)
//	first follow    GUILD#<guild>#V<nn>  FOLLOWED#<kick user id>     cause S (the delivery credited), at N(ms)
//	announce        GUILD#<guild>        ANNOUNCE                    config S (JSON, per kind), version N
//	 settings
//	announce mark   ANNOUNCED#<guild>#   <cause>#<kind>              expiresAt N(s, TTL) (a post's cause)
//	                 <nn>                                            nn 00-15 (markerShard)
//	follow batch    FOLLOWS#<guild>      BATCH                       opened, names L (≤ 25), n, scheduled; the
//	                                                                 batch being posted: tOpened, tNames, tN
//	due follows     FOLLOWDUE#<minute>   <guild>#<opened ms>         guild S, opened N, expiresAt (announce.go)
//
// The connection items also carry the channel's name (name S), and the
// settings item a version N that every write is conditioned on. A
// delivery's event type is in its dedupe and log keys because Kick does not
// sign it; the log's ms and at are the signed delivery time, which a
// payload's own times (a renewal's months-old created_at) are not.
//
// Times are unix milliseconds, except expiresAt, which DynamoDB's TTL reads
// as unix seconds, and creditedMinute and through, in unix minutes. A
// viewer's <nn> (00-15) is a hash of the Kick user id, the same that places
// their activity on its shard: no partition key takes more than a sixteenth
// of a guild's credits or chat. The indexes: live (liveIndex, guild) holds
// the stream items of live guilds, the settings items of guilds tracking
// offline and the checkpoints of guilds with minutes still to credit;
// connections (connIndex, pk) holds every connection; byName (nameKey)
// finds a viewer by username, and its key changes only with the name.
// Activity, deliveries, log entries and boards carry none of these keys,
// and no write per chat message or per credit changes an index key: a chat
// message costs one write unit and a credit one, whatever the indexes.
//
// PurgeGuild (purge.go) deletes a guild's items of every family above,
// the markers by their sixteen shards each; a new family that names a
// guild must be found there too. The marker shards take a sixteenth of a
// guild's command uses or posts each, far below a partition's 1,000 write
// units a second (see customcmd.go, announce.go); markers under their
// keys before the shards expire by their TTL (30 days at most).
//
// Every write is conditioned or idempotent: a ConditionalCheckFailed answer
// means the write was already done (or a newer one was), which is success.
package dynamo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/awsfault"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/work"
)

// API is the part of *dynamodb.Client the Store uses; tests may fake it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	// TransactWriteItems changes several items at once: account links.
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	// BatchGetItem reads items by key, up to 100 a call: the reconcile's
	// stream states and the role sync's linked viewers.
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
}

// Store keeps the bot's state in one DynamoDB table. Its methods return
// fault.Invalid for arguments that cannot make a key (an empty guild, an
// anonymous viewer), fault.Transient for failures a retry may fix
// (throttling, server errors, lost connections, cancelled contexts) and
// fault.Internal for requests DynamoDB rejects, which are bugs on our side.
type Store struct {
	Client API
	Table  string

	// pageSize caps the items per Query page; 0 leaves it to DynamoDB (1 MB
	// pages). Tests set it to make the paging loops run.
	pageSize int32
}

var (
	_ ingest.Store = (*Store)(nil)
	_ work.Store   = (*Store)(nil)
)

// New returns a Store on table.
func New(client API, table string) *Store { return &Store{Client: client, Table: table} }

// LoginPrefix starts the partition keys of the Kick logins (streamers'
// tokens), and no other: IAM grants it only to the functions that use
// them (see credentials.go).
const LoginPrefix = "LOGIN#"

// Key prefixes and fixed sort keys.
const (
	kickPrefix     = "KICK#"
	guildPrefix    = "GUILD#"
	deliveryPrefix = "DELIVERY#"
	viewerPrefix   = "VIEWER#"
	// connectionPrefix starts the guild-side marker of a connection.
	connectionPrefix = "CONNECTION#"
	eventPrefix      = "EVENT#"
	deliverySKPrefix = "DELIVERY#"
	streamSK         = "STREAM"

	// liveValue is liveIndex's only value: the live index has one partition
	// listing live guilds.
	liveValue = "live"

	byNameIndex      = "byName"
	liveIndex        = "live"
	connectionsIndex = "connections"
	// connValue is connIndex's only value.
	connValue  = "conn"
	settingsSK = "SETTINGS"
)

type itemKey struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
}

type connectionRecord struct {
	itemKey
	Broadcaster int64 `dynamodbav:"broadcaster"`
	ConnectedAt int64 `dynamodbav:"connectedAt"`
	// ConnIndex puts the item in the connections index (one partition).
	ConnIndex string `dynamodbav:"connIndex,omitempty"`
}

type deliveryRecord struct {
	itemKey
	At        int64 `dynamodbav:"at"`
	ExpiresAt int64 `dynamodbav:"expiresAt,omitempty"`
}

type viewerRecord struct {
	Guild        string `dynamodbav:"guild"`
	UserID       int64  `dynamodbav:"userId"`
	Username     string `dynamodbav:"username"`
	LastChatAt   int64  `dynamodbav:"lastChatAt"`
	WatchMinutes int64  `dynamodbav:"watchMinutes"`
	PointsMilli  int64  `dynamodbav:"pointsMilli"`
	SubBadge     bool   `dynamodbav:"subBadge"`
	SubUntil     int64  `dynamodbav:"subUntil"`
	BannedUntil  int64  `dynamodbav:"bannedUntil"`
	BannedAt     int64  `dynamodbav:"bannedAt"`
}

type streamRecord struct {
	Guild             string `dynamodbav:"guild"`
	Live              bool   `dynamodbav:"live"`
	Title             string `dynamodbav:"title"`
	StartedAt         int64  `dynamodbav:"startedAt"`
	EndedAt           int64  `dynamodbav:"endedAt"`
	StatusAt          int64  `dynamodbav:"statusAt"`
	CategoryID        int64  `dynamodbav:"categoryId"`
	CategoryName      string `dynamodbav:"categoryName"`
	CategoryThumbnail string `dynamodbav:"categoryThumbnail"`
	Language          string `dynamodbav:"language"`
	Mature            bool   `dynamodbav:"mature"`
	MetadataAt        int64  `dynamodbav:"metadataAt"`
}

type eventRecord struct {
	itemKey
	Type      string `dynamodbav:"type"`
	At        int64  `dynamodbav:"at"`
	ActorID   int64  `dynamodbav:"actorId,omitempty"`
	Body      string `dynamodbav:"body"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
}

func connectionKey(broadcaster int64, guild string) itemKey {
	return itemKey{PK: kickPrefix + strconv.FormatInt(broadcaster, 10), SK: guildPrefix + guild}
}

func deliveryKey(id string, typ event.Type) itemKey {
	return itemKey{PK: deliveryPrefix + id, SK: deliverySKPrefix + string(typ)}
}

// viewerKey is a viewer's item, in one of the guild's ViewerShards
// partitions, so that no key takes a guild's every credit.
func viewerKey(guild string, user int64) itemKey {
	return itemKey{PK: viewerPK(guild, shardOf(user)), SK: viewerPrefix + strconv.FormatInt(user, 10)}
}

func viewerPK(guild string, shard int) string {
	return fmt.Sprintf("%s%s#V%02d", guildPrefix, guild, shard)
}

// markerShards spreads a guild's custom-command use markers, and its
// announcement marks, over this many partition keys each: few enough for
// PurgeGuild to name them all from the guild, enough that no key takes
// more than a sixteenth of the guild's uses or posts.
const markerShards = 16

// markerPK is shard (00-15) of guild's markers under prefix (usePrefix,
// announcedPrefix).
func markerPK(prefix, guild string, shard int) string {
	return fmt.Sprintf("%s%s#%02d", prefix, guild, shard)
}

// markerShard places a marker by its id (a use id, a post's cause) with
// FNV-1a, stable, so that a retry finds the marker its first try wrote.
func markerShard(id string) int {
	h := fnv.New32a()
	h.Write([]byte(id))
	return int(h.Sum32() % markerShards)
}

func streamKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: streamSK} }

// eventKey sorts a guild's log by time: 13 digits of unix milliseconds
// cover every time from 1970 to the year 2286.
func eventKey(guild string, at time.Time, id string, typ event.Type) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: fmt.Sprintf("%s%013d#%s#%s", eventPrefix, at.UnixMilli(), id, typ)}
}

// millis is t in unix milliseconds, 0 for the zero time so that "unset"
// survives the round trip.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// ttlSeconds is t as DynamoDB's TTL wants it (unix seconds); 0, which
// omits the attribute, keeps the item for ever.
func ttlSeconds(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func (k itemKey) av() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: k.PK},
		"sk": &types.AttributeValueMemberS{Value: k.SK},
	}
}

// Connect records that broadcaster's Kick channel feeds guild, without
// its name (ConnectChannel). Connecting again only refreshes the
// connection time.
func (s *Store) Connect(ctx context.Context, guild string, broadcaster int64, at time.Time) error {
	return s.ConnectChannel(ctx, guild, broadcaster, "", at)
}

// Connected reports whether guild is connected to a Kick channel.
func (s *Store) Connected(ctx context.Context, guild string) (bool, error) {
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(connectionPrefix)),
		consistent: true,
	}, 1, "check connection")
	return len(items) > 0, err
}

// Guilds returns the guilds connected to broadcaster; none when it is not
// connected.
func (s *Store) Guilds(ctx context.Context, broadcaster int64) ([]string, error) {
	pk := kickPrefix + strconv.FormatInt(broadcaster, 10)
	items, err := s.queryWhere(ctx, where{
		key:     expression.Key("pk").Equal(expression.Value(pk)).And(expression.Key("sk").BeginsWith(guildPrefix)),
		project: []string{"sk"},
	}, 0, "list connected guilds")
	if err != nil {
		return nil, err
	}
	var keys []itemKey
	if err := attributevalue.UnmarshalListOfMaps(items, &keys); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode connections")
	}
	var guilds []string
	for _, k := range keys {
		guilds = append(guilds, strings.TrimPrefix(k.SK, guildPrefix))
	}
	return guilds, nil
}

// Delivered reports whether the delivery with message id and type typ was
// marked.
func (s *Store) Delivered(ctx context.Context, id string, typ event.Type) (bool, error) {
	expr, err := expression.NewBuilder().
		WithProjection(expression.NamesList(expression.Name("pk"))).
		Build()
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "build delivery lookup")
	}
	// Consistent, because the marker is written at the end of handling and
	// a retry may arrive right after it.
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                &s.Table,
		Key:                      deliveryKey(id, typ).av(),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     expr.Projection(),
		ExpressionAttributeNames: expr.Names(),
	})
	if err != nil {
		return false, classify(err, "look up delivery")
	}
	return len(out.Item) > 0, nil
}

// MarkDelivered records that delivery id of type typ was handled at at;
// DynamoDB may delete the marker after expires. A second mark leaves the
// first intact.
func (s *Store) MarkDelivered(ctx context.Context, id string, typ event.Type, at, expires time.Time) error {
	if id == "" || typ == "" {
		return fault.E(fault.Invalid, "delivery has no message id or type")
	}
	item, err := attributevalue.MarshalMap(deliveryRecord{
		itemKey:   deliveryKey(id, typ),
		At:        millis(at),
		ExpiresAt: ttlSeconds(expires),
	})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode delivery")
	}
	_, err = s.putFirst(ctx, item, "mark delivery")
	return err
}

// update applies expr to the item at k; a failed condition means a newer
// or equal change is already stored, which is success.
func (s *Store) update(ctx context.Context, k itemKey, expr expression.Expression, what string) error {
	_, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.Table,
		Key:                       k.av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if conditionFailed(err) {
		return nil
	}
	return classify(err, what)
}

// Viewer returns a viewer of guild, or fault.NotFound when the viewer has
// never been recorded there.
func (s *Store) Viewer(ctx context.Context, guild string, userID int64) (audience.Viewer, error) {
	item, ok, err := s.getItem(ctx, viewerKey(guild, userID), "load viewer")
	if err != nil {
		return audience.Viewer{}, err
	}
	if !ok {
		return audience.Viewer{}, fault.E(fault.NotFound, "viewer not found")
	}
	var r viewerRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return audience.Viewer{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	return r.viewer(), nil
}

func (r viewerRecord) viewer() audience.Viewer {
	return audience.Viewer{
		Guild:        r.Guild,
		UserID:       r.UserID,
		Username:     r.Username,
		LastChatAt:   fromMillis(r.LastChatAt),
		WatchMinutes: r.WatchMinutes,
		PointsMilli:  r.PointsMilli,
		SubBadge:     r.SubBadge,
		SubUntil:     fromMillis(r.SubUntil),
		BannedUntil:  fromMillis(r.BannedUntil),
		BannedAt:     fromMillis(r.BannedAt),
	}
}

// SetStreamStatus applies a live/offline change delivered at at, unless a
// status delivered at or after at is already stored.
func (s *Store) SetStreamStatus(ctx context.Context, guild string, at time.Time, st event.Status) error {
	if guild == "" {
		return fault.E(fault.Invalid, "stream status needs a guild")
	}
	u := expression.
		Set(expression.Name("guild"), expression.Value(guild)).
		Set(expression.Name("live"), expression.Value(st.Live)).
		Set(expression.Name("statusAt"), expression.Value(millis(at)))
	// A status without a title (or start) keeps the one stored, which a
	// metadata event may have set.
	if st.Title != "" {
		u = u.Set(expression.Name("title"), expression.Value(st.Title))
	}
	if !st.StartedAt.IsZero() {
		u = u.Set(expression.Name("startedAt"), expression.Value(millis(st.StartedAt)))
	}
	switch {
	case st.Live:
		// The sparse live index lists the guild while liveIndex exists.
		u = u.Set(expression.Name("liveIndex"), expression.Value(liveValue)).
			Remove(expression.Name("endedAt"))
	case st.EndedAt.IsZero():
		u = u.Remove(expression.Name("liveIndex")).Remove(expression.Name("endedAt"))
	default:
		u = u.Remove(expression.Name("liveIndex")).
			Set(expression.Name("endedAt"), expression.Value(millis(st.EndedAt)))
	}
	return s.updateNewer(ctx, streamKey(guild), u, "statusAt", at, "save stream status")
}

// SetStreamMetadata applies a title, category, language and mature-flag
// change delivered at at, unless metadata delivered at or after at is
// already stored.
func (s *Store) SetStreamMetadata(ctx context.Context, guild string, at time.Time, m event.Metadata) error {
	if guild == "" {
		return fault.E(fault.Invalid, "stream metadata needs a guild")
	}
	u := expression.
		Set(expression.Name("guild"), expression.Value(guild)).
		Set(expression.Name("title"), expression.Value(m.Title)).
		Set(expression.Name("categoryId"), expression.Value(m.Category.ID)).
		Set(expression.Name("categoryName"), expression.Value(m.Category.Name)).
		Set(expression.Name("categoryThumbnail"), expression.Value(m.Category.Thumbnail)).
		Set(expression.Name("language"), expression.Value(m.Language)).
		Set(expression.Name("mature"), expression.Value(m.Mature)).
		Set(expression.Name("metadataAt"), expression.Value(millis(at)))
	return s.updateNewer(ctx, streamKey(guild), u, "metadataAt", at, "save stream metadata")
}

// updateNewer applies u to the item at k if the item's version attribute
// (a delivery time) is absent or older than at; an older or repeated
// delivery changes nothing.
func (s *Store) updateNewer(ctx context.Context, k itemKey, u expression.UpdateBuilder, version string, at time.Time, what string) error {
	v := expression.Name(version)
	expr, err := expression.NewBuilder().
		WithUpdate(u).
		WithCondition(expression.AttributeNotExists(v).Or(v.LessThan(expression.Value(millis(at))))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build "+what)
	}
	return s.update(ctx, k, expr, what)
}

// Stream returns guild's stream state; a zero State (with Guild set) when
// nothing was ever recorded.
func (s *Store) Stream(ctx context.Context, guild string) (stream.State, error) {
	item, _, err := s.getItem(ctx, streamKey(guild), "load stream state")
	if err != nil {
		return stream.State{}, err
	}
	var r streamRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return stream.State{}, fault.Wrap(fault.Internal, err, "decode stream state")
	}
	return stream.State{
		Guild:     guild,
		Live:      r.Live,
		Title:     r.Title,
		StartedAt: fromMillis(r.StartedAt),
		EndedAt:   fromMillis(r.EndedAt),
		Category: event.Category{
			ID:        r.CategoryID,
			Name:      r.CategoryName,
			Thumbnail: r.CategoryThumbnail,
		},
		Language:   r.Language,
		Mature:     r.Mature,
		StatusAt:   fromMillis(r.StatusAt),
		MetadataAt: fromMillis(r.MetadataAt),
	}, nil
}

// LiveGuilds returns the guilds whose stream is live, in guild id order.
// The live index is eventually consistent: a guild that just went live or
// offline may be missing or still listed for a moment.
func (s *Store) LiveGuilds(ctx context.Context) ([]string, error) {
	return s.liveIndexGuilds(ctx, func(sk string) bool { return sk == streamSK })
}

// LogEvent appends ev to guild's event log, keyed by its signed delivery
// time (SentAt), its message id and its type; DynamoDB may delete the entry
// after expires. The payload's own times stay in the body: a renewal's
// created_at may be the subscription's start, months back. Logging the
// same event again changes nothing.
func (s *Store) LogEvent(ctx context.Context, guild string, ev event.Event, expires time.Time) error {
	at := ev.SentAt
	if guild == "" || ev.ID == "" || ev.Type == "" || at.Before(time.Unix(0, 0)) {
		return fault.E(fault.Invalid, "event log entry needs a guild, an event id, a type and a delivery time")
	}
	body, err := json.Marshal(ev)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode event")
	}
	r := eventRecord{
		itemKey:   eventKey(guild, at, ev.ID, ev.Type),
		Type:      string(ev.Type),
		At:        millis(at),
		Body:      string(body),
		ExpiresAt: ttlSeconds(expires),
	}
	if actor, ok := ev.Actor(); ok {
		r.ActorID = actor.ID
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode event")
	}
	_, err = s.putFirst(ctx, item, "log event")
	return err
}

// Events returns up to limit of guild's logged events, newest first.
func (s *Store) Events(ctx context.Context, guild string, limit int) ([]event.Event, error) {
	if limit <= 0 {
		return nil, nil
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(eventPrefix)),
		project:    []string{"body"},
		descending: true,
	}, limit, "list events")
	if err != nil {
		return nil, err
	}
	events := make([]event.Event, len(items))
	for i, item := range items {
		var r eventRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode event")
		}
		if err := json.Unmarshal([]byte(r.Body), &events[i]); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode event body")
		}
	}
	return events, nil
}

// where is a Query: a key condition on the table, or on index when set,
// with what to project, the order, a start key and the consistency.
type where struct {
	index      string
	key        expression.KeyConditionBuilder
	project    []string
	start      map[string]types.AttributeValue
	descending bool
	consistent bool
}

// queryWhere runs w page by page and returns the items of every page, or
// the first limit items when limit > 0.
func (s *Store) queryWhere(ctx context.Context, w where, limit int, what string) ([]map[string]types.AttributeValue, error) {
	in, err := s.queryInput(w, what)
	if err != nil {
		return nil, err
	}
	return s.query(ctx, in, limit, what)
}

// eachPage runs w and calls fn with each page of items as it comes, so
// that memory holds one page (1 MB) whatever the partition holds. An
// error of fn stops it and is returned.
func (s *Store) eachPage(ctx context.Context, w where, what string, fn func(items []map[string]types.AttributeValue) error) error {
	in, err := s.queryInput(w, what)
	if err != nil {
		return err
	}
	if s.pageSize > 0 {
		in.Limit = aws.Int32(s.pageSize)
	}
	for {
		out, err := s.Client.Query(ctx, in)
		if err != nil {
			return classify(err, what)
		}
		if err := fn(out.Items); err != nil {
			return err
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// queryInput is the Query of w.
func (s *Store) queryInput(w where, what string) (*dynamodb.QueryInput, error) {
	b := expression.NewBuilder().WithKeyCondition(w.key)
	if len(w.project) > 0 {
		names := make([]expression.NameBuilder, len(w.project))
		for i, n := range w.project {
			names[i] = expression.Name(n)
		}
		b = b.WithProjection(expression.NamesList(names[0], names[1:]...))
	}
	expr, err := b.Build()
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "build query to "+what)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.Table,
		KeyConditionExpression:    expr.KeyCondition(),
		ProjectionExpression:      expr.Projection(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ExclusiveStartKey:         w.start,
	}
	if w.index != "" {
		in.IndexName = aws.String(w.index)
	}
	if w.descending {
		in.ScanIndexForward = aws.Bool(false)
	}
	if w.consistent {
		in.ConsistentRead = aws.Bool(true)
	}
	return in, nil
}

// query runs in page by page and returns the items of every page, or the
// first limit items when limit > 0.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput, limit int, what string) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	for {
		page := s.pageSize
		if rest := limit - len(items); limit > 0 && (page == 0 || int(page) > rest) {
			page = int32(min(rest, math.MaxInt32))
		}
		if page > 0 {
			in.Limit = aws.Int32(page)
		}
		out, err := s.Client.Query(ctx, in)
		if err != nil {
			return nil, classify(err, what)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 || (limit > 0 && len(items) >= limit) {
			return items, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// conditionFailed reports whether err is DynamoDB refusing a write because
// its condition did not hold.
func conditionFailed(err error) bool {
	_, ok := errors.AsType[*types.ConditionalCheckFailedException](err)
	return ok
}

// classify gives an SDK error its fault kind, with what as the message;
// nil stays nil.
func classify(err error, what string) error { return awsfault.Wrap(err, what) }
