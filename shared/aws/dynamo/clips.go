package dynamo

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// A guild's clip markers (package clip) are these items:
//
//	clip settings  GUILD#<guild>                 CLIPSETTINGS           lead N, cooldown N, userCooldown N (ms)
//	clip stream    GUILD#<guild>                 CLIPSTREAM#<start ms,  start N(ms), title S, category S,
//	                                              13 digits>             expiresAt (put by the stream's first !clip,
//	                                                                     its expiry moved by each later one)
//	clip marker    CLIPS#<guild>#<start ms>      CLIP#<sent ms, 13      id S, at N(ms), offset N(ms), title S,
//	                                              digits>#<msg id>       userId N, username S, streamTitle S,
//	                                                                     category S, asked BOOL, clipUrl S,
//	                                                                     expiresAt
//
// Markers sit under their stream, so reading a stream's is one query in
// the order they were asked for, and a stream's markers have a partition
// of their own. A !clip writes the stream item and its marker, once each
// (the marker's key is its message's, so a duplicate job writes nothing
// new): with the guild's cooldown of at least clip.MinCooldown, at most
// two writes per five seconds, whatever the audience. The stream items
// let /clips list find a stream by day without a scan.
const (
	clipSettingsSK     = "CLIPSETTINGS"
	clipStreamSKPrefix = "CLIPSTREAM#"
	clipsPrefix        = "CLIPS#"
	clipPrefix         = "CLIP#"
)

var (
	_ clip.Store      = (*Store)(nil)
	_ clip.AdminStore = (*Store)(nil)
)

type clipSettingsRecord struct {
	itemKey
	Lead         int64 `dynamodbav:"lead"`
	Cooldown     int64 `dynamodbav:"cooldown"`
	UserCooldown int64 `dynamodbav:"userCooldown"`
}

type clipStreamRecord struct {
	itemKey
	Start     int64  `dynamodbav:"start"`
	Title     string `dynamodbav:"title"`
	Category  string `dynamodbav:"category"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
}

type clipRecord struct {
	itemKey
	ID          string `dynamodbav:"id"`
	At          int64  `dynamodbav:"at"`
	Offset      int64  `dynamodbav:"offset"`
	Title       string `dynamodbav:"title"`
	UserID      int64  `dynamodbav:"userId"`
	Username    string `dynamodbav:"username"`
	StreamTitle string `dynamodbav:"streamTitle"`
	Category    string `dynamodbav:"category"`
	Asked       bool   `dynamodbav:"asked"`
	ClipURL     string `dynamodbav:"clipUrl"`
	ExpiresAt   int64  `dynamodbav:"expiresAt,omitempty"`
	// Token is the writing call's, so that a put whose answer was lost
	// and which the SDK retried is still known as this call's (claimOwned).
	Token string `dynamodbav:"token,omitempty"`
}

func clipSettingsKey(guild string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: clipSettingsSK}
}

func clipStreamSK(start time.Time) string {
	return fmt.Sprintf("%s%013d", clipStreamSKPrefix, start.UnixMilli())
}

func clipsPK(guild string, start time.Time) string {
	return fmt.Sprintf("%s%s#%d", clipsPrefix, guild, start.UnixMilli())
}

func clipKey(m clip.Marker) itemKey {
	return itemKey{PK: clipsPK(m.Guild, m.Stream), SK: fmt.Sprintf("%s%013d#%s", clipPrefix, m.At.UnixMilli(), m.ID)}
}

func (r clipRecord) marker(guild string, start time.Time) clip.Marker {
	return clip.Marker{
		Guild: guild, Stream: start, ID: r.ID, At: fromMillis(r.At), Offset: time.Duration(r.Offset) * time.Millisecond,
		Title: r.Title, UserID: r.UserID, Username: r.Username, StreamTitle: r.StreamTitle, Category: r.Category,
		Asked: r.Asked, ClipURL: r.ClipURL,
	}
}

// ClipSettings returns guild's clip settings, clip.Defaults when it set
// none.
func (s *Store) ClipSettings(ctx context.Context, guild string) (clip.Settings, error) {
	if guild == "" {
		return clip.Settings{}, fault.E(fault.Invalid, "clips need a guild")
	}
	item, ok, err := s.getItem(ctx, clipSettingsKey(guild), "load clip settings")
	if err != nil || !ok {
		return clip.Defaults(), err
	}
	var r clipSettingsRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return clip.Settings{}, fault.Wrap(fault.Internal, err, "decode clip settings")
	}
	ms := time.Millisecond
	return clip.Settings{Lead: time.Duration(r.Lead) * ms, Cooldown: time.Duration(r.Cooldown) * ms, UserCooldown: time.Duration(r.UserCooldown) * ms}, nil
}

// SaveClipSettings writes guild's clip settings once per cause:
// interact.ErrApplied when c took effect before. Invalid settings are
// fault.Invalid and change nothing.
func (s *Store) SaveClipSettings(ctx context.Context, guild string, set clip.Settings, c interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "clips need a guild")
	}
	if err := set.Validate(); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(clipSettingsRecord{itemKey: clipSettingsKey(guild),
		Lead: set.Lead.Milliseconds(), Cooldown: set.Cooldown.Milliseconds(), UserCooldown: set.UserCooldown.Milliseconds()})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode clip settings")
	}
	// The claim alone decides: a later /clips settings overwrites.
	put := types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: item}}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "save clip settings")
	if err != nil || done {
		return err
	}
	return fault.E(fault.Conflict, "the clip settings changed meanwhile; try again")
}

// AddClip stores m once per key (its stream, time and message id) and
// returns the marker as stored: m the first time, the one stored before
// on a repeat. It also records m's stream, for ClipStreams.
func (s *Store) AddClip(ctx context.Context, m clip.Marker) (clip.Marker, bool, error) {
	if m.Guild == "" || m.ID == "" || m.Stream.IsZero() || m.At.IsZero() {
		return clip.Marker{}, false, fault.E(fault.Invalid, "a clip marker needs a guild, a stream, a time and a message id")
	}
	expires := ttlSeconds(m.At.Add(clip.Life))
	// The stream's first marker writes it; a later one only moves its
	// expiry to its own, so the item that names the stream's partition
	// (to ClipStreams and PurgeGuild) outlives every marker in it. The
	// write is the one a conditioned put of the item would cost.
	stream := expression.Set(expression.Name("start"), expression.Value(millis(m.Stream))).
		Set(expression.Name("title"), expression.IfNotExists(expression.Name("title"), expression.Value(m.StreamTitle))).
		Set(expression.Name("category"), expression.IfNotExists(expression.Name("category"), expression.Value(m.Category))).
		Set(expression.Name("expiresAt"), expression.Value(expires))
	later := expression.AttributeNotExists(expression.Name("pk")).Or(expression.Name("expiresAt").LessThan(expression.Value(expires)))
	streamKey := itemKey{PK: guildPrefix + m.Guild, SK: clipStreamSK(m.Stream)}
	if err := s.updateIf(ctx, streamKey, stream, later, "", "record clip stream"); err != nil && !fault.Is(err, fault.Conflict) {
		return clip.Marker{}, false, err
	}
	k, token := clipKey(m), rand.Text()
	item, err := attributevalue.MarshalMap(clipRecord{
		itemKey: k, ID: m.ID, At: millis(m.At), Offset: m.Offset.Milliseconds(), Title: m.Title,
		UserID: m.UserID, Username: m.Username, StreamTitle: m.StreamTitle, Category: m.Category,
		Asked: m.Asked, ClipURL: m.ClipURL, ExpiresAt: expires, Token: token,
	})
	if err != nil {
		return clip.Marker{}, false, fault.Wrap(fault.Internal, err, "encode clip marker")
	}
	first, err := s.putFirst(ctx, item, "add clip marker")
	if err != nil || first {
		return m, first, err
	}
	got, ok, err := s.getItem(ctx, k, "load clip marker")
	switch {
	case err != nil:
		return clip.Marker{}, false, err
	case !ok:
		return clip.Marker{}, false, fault.E(fault.Transient, "the clip marker went missing; try again")
	}
	var r clipRecord
	if err := attributevalue.UnmarshalMap(got, &r); err != nil {
		return clip.Marker{}, false, fault.Wrap(fault.Internal, err, "decode clip marker")
	}
	// This call's own write, landed unheard and retried by the SDK: still
	// the first, or the marker would never be posted.
	mine := r.Token == token
	return r.marker(m.Guild, m.Stream), mine, nil
}

// SaveClipAnswer records on the stored marker m that the clip service was
// asked, and m.ClipURL; a marker that recorded an answer before keeps it.
func (s *Store) SaveClipAnswer(ctx context.Context, m clip.Marker) error {
	if m.Guild == "" || m.ID == "" || m.Stream.IsZero() {
		return fault.E(fault.Invalid, "a clip marker needs a guild, a stream and a message id")
	}
	u := expression.Set(expression.Name("asked"), expression.Value(true)).Set(expression.Name("clipUrl"), expression.Value(m.ClipURL))
	cond := expression.Name("pk").AttributeExists().And(expression.Name("asked").Equal(expression.Value(false)))
	err := s.updateIf(ctx, clipKey(m), u, cond, "", "save clip answer")
	if fault.Is(err, fault.Conflict) {
		return nil
	}
	return err
}

// Clips returns the markers of guild's stream that started at start, in
// the order they were asked for.
func (s *Store) Clips(ctx context.Context, guild string, start time.Time) ([]clip.Marker, error) {
	if guild == "" || start.IsZero() {
		return nil, fault.E(fault.Invalid, "clips need a guild and a stream")
	}
	items, err := s.queryWhere(ctx, where{
		key: expression.Key("pk").Equal(expression.Value(clipsPK(guild, start))).And(expression.Key("sk").BeginsWith(clipPrefix)),
	}, 0, "list clip markers")
	if err != nil {
		return nil, err
	}
	out := make([]clip.Marker, len(items))
	for i, item := range items {
		var r clipRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode clip marker")
		}
		out[i] = r.marker(guild, start)
	}
	return out, nil
}

// ClipStreams returns up to limit of guild's streams with markers that
// started in [from, to), the latest first.
func (s *Store) ClipStreams(ctx context.Context, guild string, from, to time.Time, limit int) ([]clip.StreamInfo, error) {
	if guild == "" || !to.After(from) || limit <= 0 {
		return nil, fault.E(fault.Invalid, "clip streams need a guild, a time range and a limit")
	}
	lo, hi := clipStreamSK(time.UnixMilli(max(from.UnixMilli(), 0))), clipStreamSK(to.Add(-time.Millisecond))
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").Between(expression.Value(lo), expression.Value(hi))),
		descending: true,
	}, limit, "list clip streams")
	if err != nil {
		return nil, err
	}
	out := make([]clip.StreamInfo, len(items))
	for i, item := range items {
		var r clipStreamRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode clip stream")
		}
		out[i] = clip.StreamInfo{Start: fromMillis(r.Start), Title: r.Title, Category: r.Category}
	}
	return out, nil
}
