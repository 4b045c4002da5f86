package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/money"
)

// Guess the balance: a guild's current round and its guesses.
//
//	item        pk                          sk              other attributes
//	gtb round   GUILD#<guild>               GTB             number N, state S, winners N, openedAt N(ms),
//	                                                        closedAt N(ms), openCause S, closeCause S,
//	                                                        result N(cents), resultCause S, placed L (the
//	                                                        winners: p N, u N, n S, a N, at N, m S, off N),
//	                                                        announced BOOL
//	gtb guess   GTB#<guild>#<round>#<nn>    V#<user>        userId N, username S, amount N(cents), at N(ms,
//	                                                        sent), msg S (chat message id), expiresAt N(s, TTL)
//
// The round item is written only by admin commands (/gtb open, close,
// result), each conditioned on the round it read (number and state) and,
// for open and close, in one transaction with the interaction's claim;
// the result, which the worker writes for an interaction claimed at
// receipt, carries its cause (resultCause), so that a job run twice finds
// its own result instead of writing another. A new round replaces the
// item; the guesses of older rounds expire (GTBGuessLife).
//
// A guess is one conditional update of its viewer's item, which holds the
// viewer's latest guess of the round by gtb.Guess.After: the write
// succeeds only over an older guess (or none), so of concurrent guesses,
// and of a job run late or twice, the latest message wins whatever the
// order the writes land in, and a repeat changes nothing. <nn> (00-15) is
// the viewer's shard (shardOf): a round's guesses spread over 16
// partition keys, which the result reads with one Query each.
//
// Capacity (TestGTBGuessCost counts it): a !gtb reads the round item
// (one consistent read of under 4 KB: 1 read unit on the guild's
// partition, of which half the partition's 3,000 a second is 1,500
// guesses a second) and writes one item of its viewer's shard (1 write
// unit under 1 KB; half of 1,000 a second on each of 16 shards is 8,000
// guesses a second). Both are far above the replies Kick's chat rate lets
// the bot say. A guess refused by the rules (no amount, a closed round)
// writes nothing; a repeated or superseded one pays its refused write's
// unit and reads its item once more. No guess writes the guild's
// partition or an index key.
const (
	gtbRoundSK     = "GTB"
	gtbGuessPrefix = "GTB#"
	gtbViewerSK    = "V#"
	// GTBShards is the number of partition keys a round's guesses are
	// spread over: shardOf's.
	GTBShards = ActivityShards
	// GTBGuessLife is how long a guess is kept after it was sent: a round
	// is open for a stream, its result is kept on the round item.
	GTBGuessLife = 60 * 24 * time.Hour
)

var (
	_ gtb.Store          = (*Store)(nil)
	_ interact.GTBRounds = (*Store)(nil)
)

type gtbPlacedRecord struct {
	Place     int    `dynamodbav:"p"`
	UserID    int64  `dynamodbav:"u"`
	Username  string `dynamodbav:"n"`
	Amount    int64  `dynamodbav:"a"`
	At        int64  `dynamodbav:"at"`
	MessageID string `dynamodbav:"m"`
	Off       int64  `dynamodbav:"off"`
}

type gtbRoundRecord struct {
	itemKey
	Number      int64             `dynamodbav:"number"`
	State       string            `dynamodbav:"state"`
	Winners     int               `dynamodbav:"winners"`
	OpenedAt    int64             `dynamodbav:"openedAt"`
	ClosedAt    int64             `dynamodbav:"closedAt,omitempty"`
	OpenCause   string            `dynamodbav:"openCause,omitempty"`
	CloseCause  string            `dynamodbav:"closeCause,omitempty"`
	Result      int64             `dynamodbav:"result,omitempty"`
	ResultCause string            `dynamodbav:"resultCause,omitempty"`
	Placed      []gtbPlacedRecord `dynamodbav:"placed,omitempty"`
	Announced   bool              `dynamodbav:"announced,omitempty"`
}

type gtbGuessRecord struct {
	UserID    int64  `dynamodbav:"userId"`
	Username  string `dynamodbav:"username,omitempty"`
	Amount    int64  `dynamodbav:"amount"`
	At        int64  `dynamodbav:"at"`
	MessageID string `dynamodbav:"msg"`
}

func gtbRoundKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: gtbRoundSK} }

func gtbGuessPK(guild string, round int64, shard int) string {
	return fmt.Sprintf("%s%s#%d#%02d", gtbGuessPrefix, guild, round, shard)
}

func gtbGuessKey(guild string, round, user int64) itemKey {
	return itemKey{PK: gtbGuessPK(guild, round, shardOf(user)), SK: gtbViewerSK + strconv.FormatInt(user, 10)}
}

func (r gtbRoundRecord) round() gtb.Round {
	out := gtb.Round{
		Number: r.Number, State: gtb.State(r.State), Winners: r.Winners,
		OpenedAt: fromMillis(r.OpenedAt), ClosedAt: fromMillis(r.ClosedAt),
		Result: money.Cents(r.Result), Announced: r.Announced,
	}
	for _, p := range r.Placed {
		out.Placed = append(out.Placed, gtb.Winner{Place: p.Place, Off: money.Cents(p.Off), Guess: gtb.Guess{
			UserID: p.UserID, Username: p.Username, Amount: money.Cents(p.Amount), At: fromMillis(p.At), MessageID: p.MessageID,
		}})
	}
	return out
}

func (r gtbGuessRecord) guess() gtb.Guess {
	return gtb.Guess{UserID: r.UserID, Username: r.Username, Amount: money.Cents(r.Amount), At: fromMillis(r.At), MessageID: r.MessageID}
}

// gtbRound reads guild's round item; false when there is none.
func (s *Store) gtbRound(ctx context.Context, guild string) (gtbRoundRecord, bool, error) {
	if guild == "" {
		return gtbRoundRecord{}, false, fault.E(fault.Invalid, "a GTB round needs a guild")
	}
	item, ok, err := s.getItem(ctx, gtbRoundKey(guild), "load GTB round")
	if err != nil || !ok {
		return gtbRoundRecord{}, ok, err
	}
	var r gtbRoundRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return gtbRoundRecord{}, false, fault.Wrap(fault.Internal, err, "decode GTB round")
	}
	return r, true, nil
}

// GTBRound returns guild's current round; fault.NotFound when the guild
// never opened one.
func (s *Store) GTBRound(ctx context.Context, guild string) (gtb.Round, error) {
	r, ok, err := s.gtbRound(ctx, guild)
	switch {
	case err != nil:
		return gtb.Round{}, err
	case !ok:
		return gtb.Round{}, fault.E(fault.NotFound, "no GTB round was opened yet: open one with /gtb open")
	}
	return r.round(), nil
}

// OpenGTBOnce opens guild's next round, with winners winners, at at, once
// per cause: interact.ErrApplied when c took effect before. A round still
// open is fault.Conflict; a closed one without a result is left behind.
func (s *Store) OpenGTBOnce(ctx context.Context, guild string, winners int, at time.Time, c interact.Cause) (gtb.Round, error) {
	if err := gtb.ValidWinners(winners); err != nil {
		return gtb.Round{}, err
	}
	if at.IsZero() {
		return gtb.Round{}, fault.E(fault.Invalid, "a GTB round needs the time it opens")
	}
	prev, ok, err := s.gtbRound(ctx, guild)
	switch {
	case err != nil:
		return gtb.Round{}, err
	case ok && prev.State == string(gtb.Open) && prev.OpenCause == c.ID:
		return gtb.Round{}, interact.ErrApplied
	case ok && prev.State == string(gtb.Open):
		if err := s.appliedBefore(ctx, guild, c); err != nil {
			return gtb.Round{}, err
		}
		return gtb.Round{}, fault.E(fault.Conflict, "GTB #%d is open already: close it with /gtb close first", prev.Number)
	}
	next := gtbRoundRecord{itemKey: gtbRoundKey(guild), Number: prev.Number + 1, State: string(gtb.Open),
		Winners: winners, OpenedAt: millis(at), OpenCause: c.ID}
	item, err := attributevalue.MarshalMap(next)
	if err != nil {
		return gtb.Round{}, fault.Wrap(fault.Internal, err, "encode GTB round")
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if ok {
		cond = expression.Name("number").Equal(expression.Value(prev.Number)).
			And(expression.Name("state").NotEqual(expression.Value(string(gtb.Open))))
	}
	put, err := s.txPut(item, cond)
	if err != nil {
		return gtb.Round{}, err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "open GTB round")
	switch {
	case err != nil:
		return gtb.Round{}, err
	case !done:
		return gtb.Round{}, fault.E(fault.Conflict, "the GTB round changed meanwhile: run the command again")
	}
	return next.round(), nil
}

// appliedBefore returns interact.ErrApplied when c took effect in guild
// before: a refusal read from the round must not hide that a replay is
// one (the round changed since, by later commands).
func (s *Store) appliedBefore(ctx context.Context, guild string, c interact.Cause) error {
	_, claimed, err := s.getItem(ctx, claimKey(guild, c.ID), "load interaction claim")
	switch {
	case err != nil:
		return err
	case claimed:
		return interact.ErrApplied
	}
	return nil
}

// CloseGTBOnce closes guild's open round at at, once per cause:
// interact.ErrApplied when c took effect before, fault.NotFound when no
// round is open.
func (s *Store) CloseGTBOnce(ctx context.Context, guild string, at time.Time, c interact.Cause) (gtb.Round, error) {
	r, ok, err := s.gtbRound(ctx, guild)
	switch {
	case err != nil:
		return gtb.Round{}, err
	case ok && r.CloseCause == c.ID && r.CloseCause != "":
		return gtb.Round{}, interact.ErrApplied
	case !ok || r.State != string(gtb.Open):
		if err := s.appliedBefore(ctx, guild, c); err != nil {
			return gtb.Round{}, err
		}
		return gtb.Round{}, fault.E(fault.NotFound, "no GTB round is open: open one with /gtb open")
	}
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("state"), expression.Value(string(gtb.Closed))).
			Set(expression.Name("closedAt"), expression.Value(millis(at))).
			Set(expression.Name("closeCause"), expression.Value(c.ID))).
		WithCondition(expression.Name("number").Equal(expression.Value(r.Number)).
			And(expression.Name("state").Equal(expression.Value(string(gtb.Open))))).
		Build()
	if err != nil {
		return gtb.Round{}, fault.Wrap(fault.Internal, err, "build GTB close")
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName: &s.Table, Key: gtbRoundKey(guild).av(), UpdateExpression: expr.Update(),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	}}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{update}, "close GTB round")
	switch {
	case err != nil:
		return gtb.Round{}, err
	case !done:
		return gtb.Round{}, fault.E(fault.Conflict, "the GTB round changed meanwhile: run the command again")
	}
	r.State, r.ClosedAt, r.CloseCause = string(gtb.Closed), millis(at), c.ID
	return r.round(), nil
}

// ResultGTB stores result and its winners as the result of guild's closed
// round number, for cause (the interaction's id): a job run again for the
// same cause returns the round as the first run stored it. A round still
// open, already resulted for another cause, or replaced by a newer one is
// fault.Conflict.
func (s *Store) ResultGTB(ctx context.Context, guild string, number int64, result money.Cents, placed []gtb.Winner, cause string) (gtb.Round, error) {
	if guild == "" || cause == "" || result < 0 || len(placed) > gtb.MaxWinners {
		return gtb.Round{}, fault.E(fault.Invalid, "a GTB result needs a guild, a cause, an amount and at most %d winners", gtb.MaxWinners)
	}
	recs := make([]gtbPlacedRecord, len(placed))
	for i, w := range placed {
		recs[i] = gtbPlacedRecord{Place: w.Place, UserID: w.UserID, Username: w.Username, Amount: int64(w.Amount),
			At: millis(w.At), MessageID: w.MessageID, Off: int64(w.Off)}
	}
	u := expression.Set(expression.Name("state"), expression.Value(string(gtb.Resulted))).
		Set(expression.Name("result"), expression.Value(int64(result))).
		Set(expression.Name("resultCause"), expression.Value(cause))
	if len(recs) > 0 {
		u = u.Set(expression.Name("placed"), expression.Value(recs))
	}
	cond := expression.Name("number").Equal(expression.Value(number)).
		And(expression.Name("state").Equal(expression.Value(string(gtb.Closed))))
	err := s.updateIf(ctx, gtbRoundKey(guild), u, cond, "", "store GTB result")
	if err != nil && !fault.Is(err, fault.Conflict) {
		return gtb.Round{}, err
	}
	r, ok, rerr := s.gtbRound(ctx, guild)
	switch {
	case rerr != nil:
		return gtb.Round{}, rerr
	case !ok || r.Number != number:
		return gtb.Round{}, fault.E(fault.Conflict, "GTB #%d is no longer the current round", number)
	case r.ResultCause == cause:
		return r.round(), nil
	case r.State == string(gtb.Open):
		return gtb.Round{}, fault.E(fault.Conflict, "GTB #%d is still open: close it with /gtb close first", number)
	}
	return gtb.Round{}, fault.E(fault.Conflict, "GTB #%d has its result already", number)
}

// MarkGTBAnnounced records that the result of guild's round number was
// posted to Discord.
func (s *Store) MarkGTBAnnounced(ctx context.Context, guild string, number int64) error {
	err := s.updateIf(ctx, gtbRoundKey(guild), expression.Set(expression.Name("announced"), expression.Value(true)),
		expression.Name("number").Equal(expression.Value(number)), "", "mark GTB result announced")
	if fault.Is(err, fault.Conflict) {
		return nil // a newer round: nothing left to mark
	}
	return err
}

// PutGTBGuess stores g as its viewer's guess in guild's round, unless
// the viewer has a guess there that is as late or later (gtb.Guess.After,
// at millisecond precision): Added or Replaced (with the guess replaced)
// when it wrote, Repeated when the stored guess is g's message,
// Superseded when it is a later one.
func (s *Store) PutGTBGuess(ctx context.Context, guild string, round int64, g gtb.Guess) (gtb.Outcome, gtb.Guess, error) {
	if guild == "" || round <= 0 || g.UserID <= 0 || g.MessageID == "" || len(g.MessageID) > maxUseID || g.At.IsZero() {
		return 0, gtb.Guess{}, fault.E(fault.Invalid, "a guess needs a guild, a round, a viewer, a message id and a time")
	}
	if g.Amount <= 0 || g.Amount > gtb.MaxGuess {
		return 0, gtb.Guess{}, fault.E(fault.Invalid, "a guess must be more than $0.00 and at most %s", gtb.MaxGuess)
	}
	k := gtbGuessKey(guild, round, g.UserID)
	at := millis(g.At)
	stored, msg := expression.Name("at"), expression.Name("msg")
	set := expression.Set(expression.Name("userId"), expression.Value(g.UserID)).
		Set(expression.Name("amount"), expression.Value(int64(g.Amount))).
		Set(stored, expression.Value(at)).
		Set(msg, expression.Value(g.MessageID)).
		Set(expression.Name("expiresAt"), expression.Value(ttlSeconds(fromMillis(at).Add(GTBGuessLife))))
	if g.Username != "" {
		set = set.Set(expression.Name("username"), expression.Value(g.Username))
	} else {
		set = set.Remove(expression.Name("username"))
	}
	older := expression.AttributeNotExists(expression.Name("pk")).
		Or(stored.LessThan(expression.Value(at))).
		Or(stored.Equal(expression.Value(at)).And(msg.LessThan(expression.Value(g.MessageID))))
	expr, err := expression.NewBuilder().WithUpdate(set).WithCondition(older).Build()
	if err != nil {
		return 0, gtb.Guess{}, fault.Wrap(fault.Internal, err, "build GTB guess")
	}
	// An update rather than a put: the same one write unit, and it returns
	// the guess it replaced (the emulator's put does not).
	out, err := s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.Table, Key: k.av(), ReturnValues: types.ReturnValueAllOld, UpdateExpression: expr.Update(),
		ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if conditionFailed(err) {
		cur, ok, err := s.getItem(ctx, k, "load GTB guess")
		if err != nil {
			return 0, gtb.Guess{}, err
		}
		var r gtbGuessRecord
		if err := attributevalue.UnmarshalMap(cur, &r); ok && err == nil && r.MessageID == g.MessageID {
			return gtb.Repeated, gtb.Guess{}, nil
		}
		return gtb.Superseded, gtb.Guess{}, nil
	}
	if err != nil {
		return 0, gtb.Guess{}, classify(err, "store GTB guess")
	}
	if len(out.Attributes) == 0 {
		return gtb.Added, gtb.Guess{}, nil
	}
	var old gtbGuessRecord
	if err := attributevalue.UnmarshalMap(out.Attributes, &old); err != nil {
		return 0, gtb.Guess{}, fault.Wrap(fault.Internal, err, "decode replaced GTB guess")
	}
	return gtb.Replaced, old.guess(), nil
}

// GTBGuesses returns the guesses of guild's round, one per viewer: one
// Query of each shard (paged), at once.
func (s *Store) GTBGuesses(ctx context.Context, guild string, round int64) ([]gtb.Guess, error) {
	if guild == "" || round <= 0 {
		return nil, fault.E(fault.Invalid, "GTB guesses need a guild and a round")
	}
	items, err := s.queryShards(ctx, GTBShards, func(shard int) where {
		return where{
			key:        expression.Key("pk").Equal(expression.Value(gtbGuessPK(guild, round, shard))),
			project:    []string{"userId", "username", "amount", "at", "msg"},
			consistent: true,
		}
	}, "list GTB guesses")
	if err != nil {
		return nil, err
	}
	var recs []gtbGuessRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &recs); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode GTB guesses")
	}
	out := make([]gtb.Guess, len(recs))
	for i, r := range recs {
		out[i] = r.guess()
	}
	return out, nil
}
