package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
)

// Giveaways: a guild's current giveaway and its keyword entries.
//
//	item            pk                               sk          other attributes
//	giveaway        GUILD#<guild>                    GIVEAWAY    number N, prize S, keyword S, winners N, minWatch N,
//	                                                             subLuck N, state S, openedAt N(ms), endsAt N(ms),
//	                                                             closedAt N(ms), seed S (hex, secret until drawn),
//	                                                             commitment S, startCause S, endCause S, drawCause S,
//	                                                             drawn L (every winner drawn, in order), rerolled L,
//	                                                             rerollCause S, clientSeed S, entries N, total N,
//	                                                             announced N (how many winners were announced)
//	giveaway entry  GIVEAWAY#<guild>#<number>#<nn>   V#<user>    userId N, username S, sub BOOL, at N(ms, sent),
//	                                                             msg S (chat message id), expiresAt N(s, TTL)
//
// The giveaway item is written only by admin commands (start, end, draw,
// reroll), each conditioned on the giveaway it read; start and end go in
// one transaction with the interaction's claim, draw and reroll carry
// their cause so a job run twice finds its own result. A new giveaway
// replaces the item; older entries expire (GiveawayEntryLife).
//
// An entry is one conditional put of its viewer's item (attribute_not_
// exists): the first keyword message of a viewer enters them, and a
// repeat, a later message or a retried delivery writes nothing. <nn>
// (00-15) is the viewer's shard (shardOf), so a 100,000-viewer guild's
// keyword burst spreads over 16 partition keys (1 write unit per entry,
// half of 1,000 a second on each: 8,000 entries a second); the draw reads
// each shard with one Query. Ordinary chat writes nothing here: the
// webhook matches keywords against a cached giveaway (giveaway.Keywords).
const (
	giveawaySK          = "GIVEAWAY"
	giveawayEntryPrefix = "GIVEAWAY#"
	// GiveawayEntryLife keeps entries after they were sent: a giveaway
	// runs for one stream, and its reroll rebuilds the table from them.
	GiveawayEntryLife = 30 * 24 * time.Hour
)

var _ giveaway.Current = (*Store)(nil)

type giveawayRecord struct {
	itemKey
	Number      int64    `dynamodbav:"number"`
	Prize       string   `dynamodbav:"prize"`
	Keyword     string   `dynamodbav:"keyword,omitempty"`
	Winners     int      `dynamodbav:"winners"`
	MinWatch    int      `dynamodbav:"minWatch,omitempty"`
	SubLuck     int      `dynamodbav:"subLuck"`
	State       string   `dynamodbav:"state"`
	OpenedAt    int64    `dynamodbav:"openedAt"`
	EndsAt      int64    `dynamodbav:"endsAt"`
	ClosedAt    int64    `dynamodbav:"closedAt,omitempty"`
	Seed        string   `dynamodbav:"seed"`
	Commitment  string   `dynamodbav:"commitment"`
	StartCause  string   `dynamodbav:"startCause,omitempty"`
	EndCause    string   `dynamodbav:"endCause,omitempty"`
	DrawCause   string   `dynamodbav:"drawCause,omitempty"`
	Drawn       []string `dynamodbav:"drawn,omitempty"`
	Rerolled    []string `dynamodbav:"rerolled,omitempty"`
	RerollCause string   `dynamodbav:"rerollCause,omitempty"`
	ClientSeed  string   `dynamodbav:"clientSeed,omitempty"`
	Entries     int      `dynamodbav:"entries,omitempty"`
	Total       int64    `dynamodbav:"total,omitempty"`
	Announced   int      `dynamodbav:"announced,omitempty"`
}

type giveawayEntryRecord struct {
	UserID    int64  `dynamodbav:"userId"`
	Username  string `dynamodbav:"username,omitempty"`
	Sub       bool   `dynamodbav:"sub,omitempty"`
	At        int64  `dynamodbav:"at"`
	MessageID string `dynamodbav:"msg"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func giveawayKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: giveawaySK} }

func giveawayEntryPK(guild string, number int64, shard int) string {
	return fmt.Sprintf("%s%s#%d#%02d", giveawayEntryPrefix, guild, number, shard)
}

func (r giveawayRecord) giveaway() (giveaway.Giveaway, error) {
	seed, err := pick.ParseSeed(r.Seed)
	if err != nil {
		return giveaway.Giveaway{}, fault.Wrap(fault.Internal, err, "decode giveaway seed")
	}
	g := giveaway.Giveaway{
		Number: r.Number, Prize: r.Prize, Keyword: r.Keyword, Winners: r.Winners, MinWatch: r.MinWatch, SubLuck: r.SubLuck,
		State: giveaway.State(r.State), OpenedAt: fromMillis(r.OpenedAt), EndsAt: fromMillis(r.EndsAt), ClosedAt: fromMillis(r.ClosedAt),
		Seed: seed, Commitment: r.Commitment, Rerolled: r.Rerolled, DrawCause: r.DrawCause, RerollCause: r.RerollCause,
	}
	if len(r.Drawn) > 0 {
		g.Proof = pick.WeightedProof{Commitment: r.Commitment, Seed: r.Seed, ClientSeed: r.ClientSeed,
			Winners: r.Drawn, Entries: r.Entries, Total: r.Total}
	}
	return g, nil
}

// giveawayItem reads guild's giveaway item; false when there is none.
func (s *Store) giveawayItem(ctx context.Context, guild string) (giveawayRecord, bool, error) {
	if guild == "" {
		return giveawayRecord{}, false, fault.E(fault.Invalid, "a giveaway needs a guild")
	}
	item, ok, err := s.getItem(ctx, giveawayKey(guild), "load giveaway")
	if err != nil || !ok {
		return giveawayRecord{}, ok, err
	}
	var r giveawayRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return giveawayRecord{}, false, fault.Wrap(fault.Internal, err, "decode giveaway")
	}
	return r, true, nil
}

// Giveaway returns guild's current giveaway, its seed included (the
// caller shows it only once drawn); fault.NotFound when none was started.
func (s *Store) Giveaway(ctx context.Context, guild string) (giveaway.Giveaway, error) {
	r, ok, err := s.giveawayItem(ctx, guild)
	switch {
	case err != nil:
		return giveaway.Giveaway{}, err
	case !ok:
		return giveaway.Giveaway{}, fault.E(fault.NotFound, "no giveaway was started yet: start one with /giveaway start")
	}
	return r.giveaway()
}

// StartGiveawayOnce stores g (from giveaway.Start, numbered one past the
// current giveaway) as guild's current giveaway, once per cause:
// interact.ErrApplied when c took effect before. A giveaway still taking
// entries at g.OpenedAt is fault.Conflict; another start meanwhile too.
func (s *Store) StartGiveawayOnce(ctx context.Context, guild string, g giveaway.Giveaway, c interact.Cause) (giveaway.Giveaway, error) {
	if g.Number < 1 || g.State != giveaway.Open || len(g.Seed) != pick.SeedSize || g.OpenedAt.IsZero() {
		return giveaway.Giveaway{}, fault.E(fault.Invalid, "a giveaway to start needs a number, a seed and its start")
	}
	prev, ok, err := s.giveawayItem(ctx, guild)
	switch {
	case err != nil:
		return giveaway.Giveaway{}, err
	case ok && prev.StartCause == c.ID:
		return giveaway.Giveaway{}, interact.ErrApplied
	case ok && prev.State == string(giveaway.Open) && g.OpenedAt.Before(fromMillis(prev.EndsAt)):
		if err := s.appliedBefore(ctx, guild, c); err != nil {
			return giveaway.Giveaway{}, err
		}
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "giveaway #%d is running: end it with /giveaway end first", prev.Number)
	case g.Number != prev.Number+1:
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "the giveaway changed meanwhile: run the command again")
	}
	rec := giveawayRecord{itemKey: giveawayKey(guild), Number: g.Number, Prize: g.Prize, Keyword: g.Keyword, Winners: g.Winners,
		MinWatch: g.MinWatch, SubLuck: g.SubLuck, State: string(giveaway.Open), OpenedAt: millis(g.OpenedAt), EndsAt: millis(g.EndsAt),
		Seed: g.Seed.String(), Commitment: g.Seed.Commitment(), StartCause: c.ID}
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return giveaway.Giveaway{}, fault.Wrap(fault.Internal, err, "encode giveaway")
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if ok {
		cond = expression.Name("number").Equal(expression.Value(prev.Number))
	}
	put, err := s.txPut(item, cond)
	if err != nil {
		return giveaway.Giveaway{}, err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "start giveaway")
	switch {
	case err != nil:
		return giveaway.Giveaway{}, err
	case !done:
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "the giveaway changed meanwhile: run the command again")
	}
	return rec.giveaway()
}

// EndGiveawayOnce stops guild's giveaway taking entries at at (or at its
// planned end, if earlier), once per cause: interact.ErrApplied when c
// took effect before, fault.NotFound when none is open.
func (s *Store) EndGiveawayOnce(ctx context.Context, guild string, at time.Time, c interact.Cause) (giveaway.Giveaway, error) {
	r, ok, err := s.giveawayItem(ctx, guild)
	switch {
	case err != nil:
		return giveaway.Giveaway{}, err
	case ok && r.EndCause == c.ID:
		return giveaway.Giveaway{}, interact.ErrApplied
	case !ok || r.State != string(giveaway.Open):
		if err := s.appliedBefore(ctx, guild, c); err != nil {
			return giveaway.Giveaway{}, err
		}
		return giveaway.Giveaway{}, fault.E(fault.NotFound, "no giveaway is running: start one with /giveaway start")
	}
	closed := min(millis(at), r.EndsAt)
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("state"), expression.Value(string(giveaway.Closed))).
			Set(expression.Name("closedAt"), expression.Value(closed)).
			Set(expression.Name("endCause"), expression.Value(c.ID))).
		WithCondition(expression.Name("number").Equal(expression.Value(r.Number)).
			And(expression.Name("state").Equal(expression.Value(string(giveaway.Open))))).
		Build()
	if err != nil {
		return giveaway.Giveaway{}, fault.Wrap(fault.Internal, err, "build giveaway end")
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Table, Key: giveawayKey(guild).av(), UpdateExpression: expr.Update(),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{update}, "end giveaway")
	switch {
	case err != nil:
		return giveaway.Giveaway{}, err
	case !done:
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "the giveaway changed meanwhile: run the command again")
	}
	r.State, r.ClosedAt, r.EndCause = string(giveaway.Closed), closed, c.ID
	return r.giveaway()
}

// DrawGiveaway stores p as the draw of guild's giveaway number, for
// cause (an interaction id), closing it at its planned end if it ran out
// without /giveaway end; run again for the same cause it returns the
// giveaway as first stored. A giveaway still running, drawn for another
// cause, or no longer current is fault.Conflict.
func (s *Store) DrawGiveaway(ctx context.Context, guild string, number int64, p pick.WeightedProof, now time.Time, cause string) (giveaway.Giveaway, error) {
	if guild == "" || cause == "" || len(p.Winners) == 0 || len(p.Winners) > giveaway.MaxWinners {
		return giveaway.Giveaway{}, fault.E(fault.Invalid, "a giveaway draw needs a guild, a cause and 1 to %d winners", giveaway.MaxWinners)
	}
	state, ends := expression.Name("state"), expression.Name("endsAt")
	u := expression.Set(state, expression.Value(string(giveaway.Drawn))).
		Set(expression.Name("closedAt"), expression.IfNotExists(expression.Name("closedAt"), ends)).
		Set(expression.Name("drawCause"), expression.Value(cause)).
		Set(expression.Name("drawn"), expression.Value(p.Winners)).
		Set(expression.Name("clientSeed"), expression.Value(p.ClientSeed)).
		Set(expression.Name("entries"), expression.Value(p.Entries)).
		Set(expression.Name("total"), expression.Value(p.Total))
	cond := expression.Name("number").Equal(expression.Value(number)).
		And(state.Equal(expression.Value(string(giveaway.Closed))).
			Or(state.Equal(expression.Value(string(giveaway.Open))).And(ends.LessThanEqual(expression.Value(millis(now))))))
	err := s.updateIf(ctx, giveawayKey(guild), u, cond, "", "store giveaway draw")
	if err != nil && !fault.Is(err, fault.Conflict) {
		return giveaway.Giveaway{}, err
	}
	r, ok, rerr := s.giveawayItem(ctx, guild)
	switch {
	case rerr != nil:
		return giveaway.Giveaway{}, rerr
	case !ok || r.Number != number:
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "giveaway #%d is no longer the current one", number)
	case r.DrawCause == cause:
		return r.giveaway()
	case r.State == string(giveaway.Open):
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "giveaway #%d is still running: end it with /giveaway end first", number)
	}
	return giveaway.Giveaway{}, fault.E(fault.Conflict, "giveaway #%d was drawn already: /giveaway reroll draws another winner", number)
}

// RerollGiveaway stores the reroll of guild's drawn giveaway number: p,
// the draw with one more winner, replacing replaced, for cause; run
// again for the same cause it returns the giveaway as stored. A reroll
// meanwhile, or a giveaway not drawn or no longer current, is
// fault.Conflict.
func (s *Store) RerollGiveaway(ctx context.Context, guild string, number int64, p pick.WeightedProof, replaced, cause string) (giveaway.Giveaway, error) {
	if guild == "" || cause == "" || replaced == "" || len(p.Winners) < 2 {
		return giveaway.Giveaway{}, fault.E(fault.Invalid, "a giveaway reroll needs a guild, a cause, the winner replaced and the draw")
	}
	prev := p.Winners[:len(p.Winners)-1]
	u := expression.Set(expression.Name("drawn"), expression.Value(p.Winners)).
		Set(expression.Name("rerolled"), expression.ListAppend(
			expression.IfNotExists(expression.Name("rerolled"), expression.Value([]string{})), expression.Value([]string{replaced}))).
		Set(expression.Name("rerollCause"), expression.Value(cause))
	cond := expression.Name("number").Equal(expression.Value(number)).
		And(expression.Name("state").Equal(expression.Value(string(giveaway.Drawn)))).
		And(expression.Name("drawn").Equal(expression.Value(prev)))
	err := s.updateIf(ctx, giveawayKey(guild), u, cond, "", "store giveaway reroll")
	if err != nil && !fault.Is(err, fault.Conflict) {
		return giveaway.Giveaway{}, err
	}
	r, ok, rerr := s.giveawayItem(ctx, guild)
	switch {
	case rerr != nil:
		return giveaway.Giveaway{}, rerr
	case !ok || r.Number != number:
		return giveaway.Giveaway{}, fault.E(fault.Conflict, "giveaway #%d is no longer the current one", number)
	case r.RerollCause == cause && slices.Equal(r.Drawn, p.Winners):
		return r.giveaway()
	}
	return giveaway.Giveaway{}, fault.E(fault.Conflict, "giveaway #%d changed meanwhile: run the command again", number)
}

// MarkGiveawayAnnounced records that the first winners drawn winners of
// guild's giveaway number were announced.
func (s *Store) MarkGiveawayAnnounced(ctx context.Context, guild string, number int64, winners int) error {
	err := s.updateIf(ctx, giveawayKey(guild), expression.Set(expression.Name("announced"), expression.Value(winners)),
		expression.Name("number").Equal(expression.Value(number)), "", "mark giveaway announced")
	if fault.Is(err, fault.Conflict) {
		return nil // a newer giveaway: nothing left to mark
	}
	return err
}

// EnterGiveaway stores e as its viewer's entry in guild's giveaway
// number unless they entered before: true when this call entered them.
// A repeat (a retried delivery, a second keyword message) writes nothing.
func (s *Store) EnterGiveaway(ctx context.Context, guild string, number int64, e giveaway.Entry) (bool, error) {
	if guild == "" || number < 1 || e.UserID <= 0 || e.MessageID == "" || len(e.MessageID) > maxUseID || e.At.IsZero() {
		return false, fault.E(fault.Invalid, "a giveaway entry needs a guild, a giveaway, a viewer, a message id and a time")
	}
	rec := giveawayEntryRecord{UserID: e.UserID, Username: e.Username, Sub: e.Subscriber, At: millis(e.At),
		MessageID: e.MessageID, ExpiresAt: ttlSeconds(e.At.Add(GiveawayEntryLife))}
	item, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode giveaway entry")
	}
	k := itemKey{PK: giveawayEntryPK(guild, number, shardOf(e.UserID)), SK: gtbViewerSK + strconv.FormatInt(e.UserID, 10)}
	for name, v := range k.av() {
		item[name] = v
	}
	return s.putFirst(ctx, item, "store giveaway entry")
}

// GiveawayEntries returns the entries of guild's giveaway number, one per
// viewer: one Query of each shard (paged), at once.
func (s *Store) GiveawayEntries(ctx context.Context, guild string, number int64) ([]giveaway.Entry, error) {
	if guild == "" || number < 1 {
		return nil, fault.E(fault.Invalid, "giveaway entries need a guild and a giveaway")
	}
	items, err := s.queryShards(ctx, ActivityShards, func(shard int) where {
		return where{
			key:        expression.Key("pk").Equal(expression.Value(giveawayEntryPK(guild, number, shard))),
			project:    []string{"userId", "username", "sub", "at", "msg"},
			consistent: true,
		}
	}, "list giveaway entries")
	if err != nil {
		return nil, err
	}
	var recs []giveawayEntryRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &recs); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode giveaway entries")
	}
	out := make([]giveaway.Entry, len(recs))
	for i, r := range recs {
		out[i] = giveaway.Entry{UserID: r.UserID, Username: r.Username, Subscriber: r.Sub, At: fromMillis(r.At), MessageID: r.MessageID}
	}
	return out, nil
}

var _ giveaway.Store = (*Store)(nil)

// BannedAt returns which of users were banned or timed out in guild at
// at by the bans recorded then (issued at or before at, ending after
// it): fixed once at is past, unless a ban is lifted. Read by key, 100 a
// request; a user never recorded in guild is not banned.
func (s *Store) BannedAt(ctx context.Context, guild string, users []int64, at time.Time) (map[int64]bool, error) {
	if guild == "" || at.IsZero() {
		return nil, fault.E(fault.Invalid, "reading bans needs a guild and a time")
	}
	keys := make([]itemKey, 0, len(users))
	seen := make(map[int64]bool, len(users))
	for _, u := range users {
		if u > 0 && !seen[u] {
			seen[u] = true
			keys = append(keys, viewerKey(guild, u))
		}
	}
	items, err := s.batchGet(ctx, keys, []string{"userId", "bannedUntil", "bannedAt"}, "read bans")
	if err != nil {
		return nil, err
	}
	var records []viewerRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode bans")
	}
	out := map[int64]bool{}
	for i, r := range records {
		if r.UserID == 0 {
			r.UserID = keyUser(items[i])
		}
		if r.BannedAt != 0 && r.BannedAt <= millis(at) && r.BannedUntil > millis(at) {
			out[r.UserID] = true
		}
	}
	return out, nil
}
