package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// A guild's announcements (package announce) are these items:
//
//	settings      GUILD#<guild>                 ANNOUNCE            config S (JSON: the kinds' settings), version N
//	post mark     ANNOUNCED#<guild>#<nn>        <cause>#<kind>      expiresAt N(s, TTL); nn 00-15, a hash of the cause
//	follow batch  FOLLOWS#<guild>               BATCH               opened N(ms), names L (the first 25), n N,
//	                                                                scheduled BOOL; the batch being posted:
//	                                                                tOpened N(ms), tNames L, tN N
//	due batch     FOLLOWDUE#<unix minute>       <guild>#<opened>    guild S, opened N(ms), expiresAt N(s, TTL)
//
// A post mark is an item of its own, in one of the guild's sixteen
// marker shards picked by its cause, so a follow wave spreads its marks
// over sixteen partitions (one write unit a mark: a shard reaches 1,000
// units at 16,000 follows a second) and PurgeGuild finds them from the
// guild. Marks written under the keys before the shards
// (ANNOUNCED#<guild>#<cause> / KIND#<kind>) are not migrated: they
// expire within announce.MarkerLife (30 days), and a post retried across
// that change may go out once more. A follow then
// writes its batch once, a small item bounded by its 25 names, under a
// key of its guild alone, never under the guild's own GUILD# partition.
// A batch is listed as due once, by the follow that opened it, under the
// minute it is due: the sweep's tick reads the last minutes' lists, and
// no key takes a write per follow of every guild.
const (
	announceSK      = "ANNOUNCE"
	announcedPrefix = "ANNOUNCED#"
	followsPrefix   = "FOLLOWS#"
	followsBatchSK  = "BATCH"
	followDuePrefix = "FOLLOWDUE#"
	followDueLife   = 24 * time.Hour
	// takeRetries bounds TakeFollows' reads when follows keep coming
	// between its read and its write.
	takeRetries       = 8
	maxAnnounceCause  = 512
	announceRefused   = "the announcement settings changed meanwhile: run the command again"
	followsNotPending = "the follow batch was taken meanwhile"
)

var (
	_ announce.Store       = (*Store)(nil)
	_ announce.FollowStore = (*Store)(nil)
	_ announce.Channels    = (*Store)(nil)
)

type announceRecord struct {
	itemKey
	Config  string `dynamodbav:"config"`
	Version int64  `dynamodbav:"version"`
}

type followsRecord struct {
	itemKey
	Opened    int64    `dynamodbav:"opened"`
	Names     []string `dynamodbav:"names"`
	N         int      `dynamodbav:"n"`
	Scheduled bool     `dynamodbav:"scheduled"`
	TOpened   int64    `dynamodbav:"tOpened"`
	TNames    []string `dynamodbav:"tNames"`
	TN        int      `dynamodbav:"tN"`
}

type followDueRecord struct {
	itemKey
	Guild     string `dynamodbav:"guild"`
	Opened    int64  `dynamodbav:"opened"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func announceKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: announceSK} }

func followsKey(guild string) itemKey { return itemKey{PK: followsPrefix + guild, SK: followsBatchSK} }

func followDueKey(guild string, opened time.Time) itemKey {
	return itemKey{
		PK: followDuePrefix + strconv.FormatInt(announce.DueAt(opened).Unix()/60, 10),
		SK: guild + "#" + strconv.FormatInt(opened.UnixMilli(), 10),
	}
}

func markKey(guild string, kind announce.Kind, cause string) (itemKey, error) {
	if guild == "" || cause == "" || len(cause) > maxAnnounceCause || !kind.Known() {
		return itemKey{}, fault.E(fault.Invalid, "an announcement mark needs a guild, a kind and a cause")
	}
	// A known kind has no '#': the sort key's last one splits it from
	// the cause.
	return itemKey{PK: markerPK(announcedPrefix, guild, markerShard(cause)), SK: cause + "#" + string(kind)}, nil
}

// AnnounceConfig returns guild's announcement settings; a zero Config
// when it set none.
func (s *Store) AnnounceConfig(ctx context.Context, guild string) (announce.Config, error) {
	if guild == "" {
		return announce.Config{}, fault.E(fault.Invalid, "announcements need a guild")
	}
	item, ok, err := s.getItem(ctx, announceKey(guild), "load announcement settings")
	if err != nil || !ok {
		return announce.Config{}, err
	}
	var rec announceRecord
	if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
		return announce.Config{}, fault.Wrap(fault.Internal, err, "decode announcement settings")
	}
	var c announce.Config
	if err := json.Unmarshal([]byte(rec.Config), &c); err != nil {
		return announce.Config{}, fault.Wrap(fault.Internal, err, "decode announcement settings")
	}
	c.Version = rec.Version
	return c, nil
}

// SaveAnnounceConfig stores c over version c.Version, once per cause:
// interact.ErrApplied when cause took effect before, fault.Conflict when
// the settings changed meanwhile, fault.Invalid (nothing written) when c
// does not validate.
func (s *Store) SaveAnnounceConfig(ctx context.Context, guild string, c announce.Config, cause interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "announcements need a guild")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode announcement settings")
	}
	item, err := attributevalue.MarshalMap(announceRecord{itemKey: announceKey(guild), Config: string(b), Version: c.Version + 1})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode announcement settings")
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if c.Version > 0 {
		cond = expression.Name("version").Equal(expression.Value(c.Version))
	}
	put, err := s.txPut(item, cond)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, cause, []types.TransactWriteItem{put}, "save announcement settings")
	if err != nil || done {
		return err
	}
	return fault.E(fault.Conflict, announceRefused)
}

// ClaimAnnouncement marks guild's post of kind for cause until expires,
// and reports whether this is the first mark.
func (s *Store) ClaimAnnouncement(ctx context.Context, guild string, kind announce.Kind, cause string, expires time.Time) (bool, error) {
	k, err := markKey(guild, kind, cause)
	if err != nil {
		return false, err
	}
	item, err := attributevalue.MarshalMap(claimRecord{itemKey: k, ExpiresAt: ttlSeconds(expires)})
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode announcement mark")
	}
	return s.claimOwned(ctx, k, item, "mark announcement")
}

// claimOwned puts item, a claim at k, unless one exists there, and
// reports whether this call's put is the one stored. The claim carries a
// token of this call: the SDK retries a put whose answer was lost (a 500
// or a cut connection after the write landed), and the retry's failed
// condition must not read as another's claim, or what the claim guards
// (a post, a chat line) would be lost. A put that fails for good takes
// its claim back, should it have landed unheard, and so does one whose
// read-back fails, so that the job's retry can claim again; should that
// fail too, what it guards is lost, as when a run dies between the claim
// and the work.
func (s *Store) claimOwned(ctx context.Context, k itemKey, item map[string]types.AttributeValue, what string) (bool, error) {
	token := rand.Text()
	item["token"] = &types.AttributeValueMemberS{Value: token}
	first, err := s.putFirst(ctx, item, what)
	switch {
	case err != nil:
		s.takeBack(ctx, k, token)
		return false, err
	case first:
		return true, nil
	}
	got, ok, err := s.getItem(ctx, k, "read back: "+what)
	if err != nil {
		// Whose the claim is stays unknown: take it back if it is ours.
		s.takeBack(ctx, k, token)
		return false, err
	}
	if !ok {
		return false, nil
	}
	t, _ := got["token"].(*types.AttributeValueMemberS)
	return t != nil && t.Value == token, nil
}

// takeBack deletes the claim at k if it is token's. The put's own retries
// may have just failed on a hot partition, so it tries a few times, a
// little apart, within unmarkTimeout.
func (s *Store) takeBack(ctx context.Context, k itemKey, token string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unmarkTimeout)
	defer cancel()
	mine := expression.Name("token").Equal(expression.Value(token))
	for attempt := range takeBackTries {
		if attempt > 0 && pause(ctx, time.Duration(attempt)*takeBackPause) != nil {
			return
		}
		if _, err := s.deleteItem(ctx, k, &mine, "take back a claim"); err == nil {
			return
		}
	}
}

// markRecord is a post mark: the token of the call that put it.
type markRecord struct {
	itemKey
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	Token     string `dynamodbav:"token"`
}

// Taking back a mark whose put failed: at most takeBackTries deletes,
// the n-th after n × takeBackPause, within unmarkTimeout.
const (
	unmarkTimeout = 2 * time.Second
	takeBackTries = 4
	takeBackPause = 20 * time.Millisecond
)

// ReleaseAnnouncement removes the mark of guild's post of kind for cause;
// removing none is no error.
func (s *Store) ReleaseAnnouncement(ctx context.Context, guild string, kind announce.Kind, cause string) error {
	k, err := markKey(guild, kind, cause)
	if err != nil {
		return err
	}
	_, err = s.deleteItem(ctx, k, nil, "release announcement mark")
	return err
}

// AddFollowerOnce adds name, the follower of the follow cause (its
// delivery id), to guild's open follow batch, opening one at now when none
// is open, and marks the cause in the same transaction: the follower is
// in the batch exactly when the mark is, so no failure between the two loses the follower or
// adds them twice, however the job is retried (a mark put first and
// released on failure is lost with the release when the store is down).
// It reports whether this call added them: false when the cause was
// added before. A follower already named in the batch (a follow again)
// is only marked. One transaction (two items) per follow; a batch past
// its names, or a conflict, takes another.
func (s *Store) AddFollowerOnce(ctx context.Context, guild, cause, name string, now time.Time) (announce.FollowBatch, bool, error) {
	if guild == "" || name == "" {
		return announce.FollowBatch{}, false, fault.E(fault.Invalid, "a follow needs a guild and a name")
	}
	mk, err := markKey(guild, announce.Follow, cause)
	if err != nil {
		return announce.FollowBatch{}, false, err
	}
	token := rand.Text()
	item, err := attributevalue.MarshalMap(markRecord{itemKey: mk, ExpiresAt: ttlSeconds(now.Add(announce.MarkerLife)), Token: token})
	if err != nil {
		return announce.FollowBatch{}, false, fault.Wrap(fault.Internal, err, "encode follow mark")
	}
	mark, err := s.txPut(item, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return announce.FollowBatch{}, false, err
	}
	counted := func() expression.UpdateBuilder {
		return expression.Set(expression.Name("opened"), expression.IfNotExists(expression.Name("opened"), expression.Value(now.UnixMilli()))).
			Add(expression.Name("n"), expression.Value(1))
	}
	named := func() expression.UpdateBuilder {
		return counted().Set(expression.Name("names"), expression.ListAppend(
			expression.IfNotExists(expression.Name("names"), expression.Value([]string{})), expression.Value([]string{name})))
	}
	room := expression.Or(expression.AttributeNotExists(expression.Name("n")), expression.Name("n").LessThan(expression.Value(announce.MaxFollowNames)))
	opens := expression.AttributeNotExists(expression.Name("names"))
	fresh := room.And(expression.Not(expression.Contains(expression.Name("names"), name)))
	// decided reads the mark after a transaction that failed or did not
	// apply: there, the follower is in (by this call, its answer lost, or
	// by an earlier one); absent, nothing was written.
	decided := func(txErr error) (announce.FollowBatch, bool, bool, error) {
		got, ok, err := s.getItem(ctx, mk, "read follow mark")
		if err != nil {
			return announce.FollowBatch{}, false, true, errors.Join(txErr, err)
		}
		if !ok {
			return announce.FollowBatch{}, false, txErr != nil, txErr
		}
		var rec markRecord
		if err := attributevalue.UnmarshalMap(got, &rec); err != nil {
			return announce.FollowBatch{}, false, true, fault.Wrap(fault.Internal, err, "decode follow mark")
		}
		b, err := s.OpenFollows(ctx, guild)
		return b, rec.Token == token, true, err
	}
	for _, step := range []struct {
		u    expression.UpdateBuilder
		cond *expression.ConditionBuilder
	}{{named(), &opens}, {named(), &fresh}} {
		upd, err := s.txUpdate(followsKey(guild), step.u, step.cond)
		if err != nil {
			return announce.FollowBatch{}, false, err
		}
		done, err := s.transact(ctx, []types.TransactWriteItem{mark, upd}, "add follower")
		if done {
			b, err := s.OpenFollows(ctx, guild)
			return b, true, err
		}
		if b, added, over, err := decided(err); over {
			return b, added, err
		}
	}
	// Named already (a follow again), or past the names the batch keeps.
	b, err := s.OpenFollows(ctx, guild)
	if err != nil {
		return announce.FollowBatch{}, false, err
	}
	if slices.Contains(b.Names, name) {
		_, err := s.putFirst(ctx, item, "mark follow")
		return b, false, err
	}
	full := expression.Not(room)
	upd, err := s.txUpdate(followsKey(guild), counted(), &full)
	if err != nil {
		return announce.FollowBatch{}, false, err
	}
	done, err := s.transact(ctx, []types.TransactWriteItem{mark, upd}, "count follower")
	if done {
		b, err := s.OpenFollows(ctx, guild)
		return b, true, err
	}
	if b, added, over, err := decided(err); over {
		return b, added, err
	}
	return announce.FollowBatch{}, false, fault.E(fault.Transient, "the follow batch kept changing; try again")
}

func decodeFollows(item map[string]types.AttributeValue) (followsRecord, error) {
	var rec followsRecord
	if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
		return followsRecord{}, fault.Wrap(fault.Internal, err, "decode follow batch")
	}
	return rec, nil
}

func (r followsRecord) open() announce.FollowBatch {
	if r.Opened == 0 {
		return announce.FollowBatch{}
	}
	return announce.FollowBatch{Opened: time.UnixMilli(r.Opened).UTC(), Names: r.Names, Count: r.N, Scheduled: r.Scheduled}
}

func (r followsRecord) taken() announce.FollowBatch {
	return announce.FollowBatch{Opened: time.UnixMilli(r.TOpened).UTC(), Names: r.TNames, Count: r.TN, Scheduled: true}
}

// OpenFollows returns guild's open follow batch; zero when none is open.
func (s *Store) OpenFollows(ctx context.Context, guild string) (announce.FollowBatch, error) {
	if guild == "" {
		return announce.FollowBatch{}, fault.E(fault.Invalid, "follows need a guild")
	}
	item, ok, err := s.getItem(ctx, followsKey(guild), "load follow batch")
	if err != nil || !ok {
		return announce.FollowBatch{}, err
	}
	rec, err := decodeFollows(item)
	return rec.open(), err
}

// ScheduleFollows lists guild's batch opened at opened under the minute
// it is due and marks the batch scheduled; both writes may repeat.
func (s *Store) ScheduleFollows(ctx context.Context, guild string, opened time.Time) error {
	if guild == "" || opened.IsZero() {
		return fault.E(fault.Invalid, "a follow batch needs a guild and its start")
	}
	item, err := attributevalue.MarshalMap(followDueRecord{itemKey: followDueKey(guild, opened), Guild: guild,
		Opened: opened.UnixMilli(), ExpiresAt: ttlSeconds(announce.DueAt(opened).Add(followDueLife))})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode due follow batch")
	}
	if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
		return classify(err, "list due follow batch")
	}
	err = s.updateIf(ctx, followsKey(guild), expression.Set(expression.Name("scheduled"), expression.Value(true)),
		expression.Name("opened").Equal(expression.Value(opened.UnixMilli())), followsNotPending, "mark follow batch scheduled")
	if fault.Is(err, fault.Conflict) {
		return nil // taken meanwhile: it is listed, which is all a taken batch needs
	}
	return err
}

// DueFollows lists the follow batches due from from to to: one query per
// minute between them.
func (s *Store) DueFollows(ctx context.Context, from, to time.Time) ([]announce.DueFollows, error) {
	var out []announce.DueFollows
	for m := from.Unix() / 60; m <= to.Unix()/60; m++ {
		items, err := s.queryWhere(ctx, where{
			key:        expression.Key("pk").Equal(expression.Value(followDuePrefix + strconv.FormatInt(m, 10))),
			project:    []string{"guild", "opened"},
			consistent: true,
		}, 0, "list due follow batches")
		if err != nil {
			return nil, err
		}
		var recs []followDueRecord
		if err := attributevalue.UnmarshalListOfMaps(items, &recs); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode due follow batches")
		}
		for _, r := range recs {
			out = append(out, announce.DueFollows{Guild: r.Guild, Opened: time.UnixMilli(r.Opened).UTC()})
		}
	}
	return out, nil
}

// TakeFollows moves guild's open batch opened at opened to the batch
// being posted, so that a follow after it opens a new batch; a batch
// taken before is read back. The move writes what it read, conditioned on
// the count it read: a follow in between makes it read again.
func (s *Store) TakeFollows(ctx context.Context, guild string, opened time.Time) (announce.FollowBatch, bool, error) {
	if guild == "" || opened.IsZero() {
		return announce.FollowBatch{}, false, fault.E(fault.Invalid, "a follow batch needs a guild and its start")
	}
	ms := opened.UnixMilli()
	for range takeRetries {
		item, ok, err := s.getItem(ctx, followsKey(guild), "load follow batch")
		if err != nil || !ok {
			return announce.FollowBatch{}, false, err
		}
		rec, err := decodeFollows(item)
		switch {
		case err != nil:
			return announce.FollowBatch{}, false, err
		case rec.TOpened == ms:
			return rec.taken(), true, nil
		case rec.Opened != ms:
			return announce.FollowBatch{}, false, nil
		}
		take := expression.Set(expression.Name("tOpened"), expression.Value(ms)).
			Set(expression.Name("tNames"), expression.Value(append([]string{}, rec.Names...))).
			Set(expression.Name("tN"), expression.Value(rec.N)).
			Remove(expression.Name("opened")).Remove(expression.Name("names")).Remove(expression.Name("n")).Remove(expression.Name("scheduled"))
		cond := expression.Name("opened").Equal(expression.Value(ms)).And(expression.Name("n").Equal(expression.Value(rec.N)))
		err = s.updateIf(ctx, followsKey(guild), take, cond, followsNotPending, "take follow batch")
		if err == nil {
			rec.TOpened, rec.TNames, rec.TN = ms, rec.Names, rec.N
			return rec.taken(), true, nil
		}
		if !fault.Is(err, fault.Conflict) {
			return announce.FollowBatch{}, false, err
		}
	}
	return announce.FollowBatch{}, false, fault.E(fault.Transient, "the follow batch kept changing while it was taken")
}

// DoneFollows forgets guild's taken batch opened at opened and its due
// listing; forgetting none is no error.
func (s *Store) DoneFollows(ctx context.Context, guild string, opened time.Time) error {
	if guild == "" || opened.IsZero() {
		return fault.E(fault.Invalid, "a follow batch needs a guild and its start")
	}
	err := s.updateIf(ctx, followsKey(guild),
		expression.Remove(expression.Name("tOpened")).Remove(expression.Name("tNames")).Remove(expression.Name("tN")),
		expression.Name("tOpened").Equal(expression.Value(opened.UnixMilli())), followsNotPending, "forget follow batch")
	if err != nil && !fault.Is(err, fault.Conflict) {
		return err
	}
	_, err = s.deleteItem(ctx, followDueKey(guild, opened), nil, "unlist follow batch")
	return err
}
