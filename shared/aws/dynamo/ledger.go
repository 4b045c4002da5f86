package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/wording"
)

// A points change is one transaction of three writes: the cause's marker,
// its ledger entry, and the viewer's new balance, conditioned on the
// balance read just before (a credit landing in between cancels it, and
// the change is read and tried again). So the balance before and after are
// exact, a retry after any failure finds the marker and returns the entry,
// and the viewer item does not grow with the changes made to it: its size
// stays bounded however many causes are applied.
//
//	marker  pk GUILD#<guild>, sk CAUSE#<user id>#<cause>: at N(ms), naming
//	        the entry
//	entry   pk GUILD#<guild>, sk LEDGER#<user id>#<ms, 13 digits>#<cause>
//
// The entry's key has the user id first, so one viewer's entries are one
// key range, read newest first. Changes made before markers had items of
// their own kept them on the viewer item (ledger#<cause>, the balance
// before, and ledgerAt#<cause>, the time); those still count as applied.

const (
	ledgerPrefix       = "LEDGER#"
	causePrefix        = "CAUSE#"
	ledgerBeforePrefix = "ledger#"
	ledgerAtPrefix     = "ledgerAt#"
	balanceAttr        = "pointsMilli"

	// maxKeyMillis keeps entry times to the 13 digits the sort key holds.
	maxKeyMillis = 9_999_999_999_999

	// adjustAttempts bounds the retries of a change cancelled because the
	// balance moved between its read and its write (a credit, another
	// change), each after a random pause of up to attempt × retryPause so
	// that changes racing for one viewer spread out. A credit lands about
	// once a minute per viewer; admins rarely change one viewer at once.
	adjustAttempts = 20
	retryPause     = 5 * time.Millisecond
)

var _ points.LedgerStore = (*Store)(nil)

type ledgerRecord struct {
	itemKey
	UserID int64  `dynamodbav:"userId"`
	Cause  string `dynamodbav:"cause"`
	Op     string `dynamodbav:"op"`
	Milli  int64  `dynamodbav:"milli"`
	Before int64  `dynamodbav:"before"`
	After  int64  `dynamodbav:"after"`
	Reason string `dynamodbav:"reason,omitempty"`
	By     string `dynamodbav:"by"`
	At     int64  `dynamodbav:"at"`
}

func ledgerUserPrefix(user int64) string {
	return ledgerPrefix + strconv.FormatInt(user, 10) + "#"
}

func ledgerKey(guild string, user int64, at time.Time, cause string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: fmt.Sprintf("%s%013d#%s", ledgerUserPrefix(user), at.UnixMilli(), cause)}
}

func (r ledgerRecord) entry() points.Entry {
	return points.Entry{
		Change: points.Change{
			Cause:  r.Cause,
			Op:     points.Op(r.Op),
			Milli:  r.Milli,
			Reason: r.Reason,
			By:     r.By,
			At:     fromMillis(r.At),
		},
		Before: r.Before,
		After:  r.After,
	}
}

// AdjustPoints applies c to the balance of guild's viewer userID and
// records it in the ledger, once per cause: when c.Cause was applied to
// the viewer before, it changes nothing and returns the recorded entry
// (completing it if the first attempt stopped between its two writes).
// The entry's time is c.At to the millisecond.
//
// It returns fault.Invalid for a change that does not validate,
// fault.NotFound for a viewer never recorded in guild, and fault.Conflict
// for a Remove of more than the balance, in each case changing nothing.
func (s *Store) AdjustPoints(ctx context.Context, guild string, userID int64, c points.Change) (points.Entry, error) {
	if guild == "" || userID <= 0 {
		return points.Entry{}, fault.E(fault.Invalid, "points change needs a guild and a known viewer")
	}
	if err := c.Validate(); err != nil {
		return points.Entry{}, err
	}
	if ms := c.At.UnixMilli(); ms <= 0 || ms > maxKeyMillis {
		return points.Entry{}, fault.E(fault.Invalid, "change time is out of range")
	}
	// As stored, so that the first call and a retry return the same entry.
	c.At = fromMillis(c.At.UnixMilli())

	for attempt := range adjustAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return points.Entry{}, fault.Wrap(fault.Transient, ctx.Err(), "change points")
			case <-time.After(rand.N(time.Duration(attempt) * retryPause)):
			}
		}
		if e, ok, err := s.markedEntry(ctx, guild, userID, c.Cause); err != nil || ok {
			return e, err
		}
		st, err := s.ledgerState(ctx, guild, userID, c.Cause)
		switch {
		case err != nil:
			return points.Entry{}, err
		case !st.exists:
			return points.Entry{}, fault.E(fault.NotFound, "no such viewer")
		case st.applied: // recorded on the viewer item, as before markers had items
			return s.appliedEntry(ctx, guild, userID, c, st)
		case c.Op == points.Remove && st.balance < c.Milli:
			// Written as the command's own amount is ("1,000,000 points"),
			// so the caller can compare the two.
			return points.Entry{}, fault.E(fault.Conflict, "the viewer has only %s", wording.Count(points.Whole(st.balance), "point"))
		}
		e := points.Entry{Change: c, Before: st.balance, After: c.After(st.balance)}
		done, err := s.applyChange(ctx, guild, userID, e, st.hasBalance)
		if err != nil || done {
			return e, err
		}
	}
	return points.Entry{}, fault.E(fault.Transient, "the balance kept changing; try again")
}

func causeKey(guild string, user int64, cause string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: causePrefix + strconv.FormatInt(user, 10) + "#" + cause}
}

// markedEntry returns the entry of cause if its marker exists.
func (s *Store) markedEntry(ctx context.Context, guild string, userID int64, cause string) (points.Entry, bool, error) {
	item, ok, err := s.getItem(ctx, causeKey(guild, userID, cause), "load ledger marker")
	if err != nil || !ok {
		return points.Entry{}, false, err
	}
	at, _, err := numberAttr(item, "at")
	if err != nil {
		return points.Entry{}, false, fault.Wrap(fault.Internal, err, "decode ledger marker")
	}
	e, ok, err := s.loadEntry(ctx, ledgerKey(guild, userID, fromMillis(at), cause))
	if err == nil && !ok {
		err = fault.E(fault.Internal, "ledger entry of cause %s is missing", cause)
	}
	return e, ok, err
}

// applyChange writes e's marker, its entry and the viewer's new balance in
// one transaction, if the balance is still e.Before (absent when it was
// never written). It reports false, with no error, when DynamoDB cancelled
// it: the marker was written meanwhile, or the balance moved.
func (s *Store) applyChange(ctx context.Context, guild string, userID int64, e points.Entry, hasBalance bool) (bool, error) {
	isNew := expression.AttributeNotExists(expression.Name("pk"))
	marker, err := attributevalue.MarshalMap(struct {
		itemKey
		At int64 `dynamodbav:"at"`
	}{causeKey(guild, userID, e.Cause), millis(e.At)})
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode ledger marker")
	}
	entry, err := attributevalue.MarshalMap(ledgerRecord{
		itemKey: ledgerKey(guild, userID, e.At, e.Cause),
		UserID:  userID, Cause: e.Cause, Op: string(e.Op), Milli: e.Milli,
		Before: e.Before, After: e.After, Reason: e.Reason, By: e.By, At: millis(e.At),
	})
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode ledger entry")
	}
	balance := expression.Name(balanceAttr)
	same := balance.Equal(expression.Value(e.Before))
	if !hasBalance {
		same = expression.AttributeNotExists(balance)
	}
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(balance, expression.Value(e.After))).
		WithCondition(expression.AttributeExists(expression.Name("pk")).And(same)).
		Build()
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "build points change")
	}
	putMarker, err1 := s.txPut(marker, isNew)
	putEntry, err2 := s.txPut(entry, isNew)
	if err := errors.Join(err1, err2); err != nil {
		return false, err
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       viewerKey(guild, userID).av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}
	return s.transact(ctx, []types.TransactWriteItem{putMarker, putEntry, update}, "change points")
}

// ledgerState is what the viewer item says about one cause.
type ledgerState struct {
	exists     bool
	balance    int64
	hasBalance bool // the balance was ever written
	// applied says the cause was applied, before the balance and at the
	// time then stored.
	applied bool
	before  int64
	at      time.Time
}

// ledgerState reads, consistently, why a change of cause may have failed.
func (s *Store) ledgerState(ctx context.Context, guild string, userID int64, cause string) (ledgerState, error) {
	beforeName, atName := ledgerBeforePrefix+cause, ledgerAtPrefix+cause
	expr, err := expression.NewBuilder().
		WithProjection(expression.NamesList(expression.Name("pk"), expression.Name(balanceAttr),
			expression.NameNoDotSplit(beforeName), expression.NameNoDotSplit(atName))).
		Build()
	if err != nil {
		return ledgerState{}, fault.Wrap(fault.Internal, err, "build viewer lookup")
	}
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:                &s.Table,
		Key:                      viewerKey(guild, userID).av(),
		ConsistentRead:           aws.Bool(true),
		ProjectionExpression:     expr.Projection(),
		ExpressionAttributeNames: expr.Names(),
	})
	if err != nil {
		return ledgerState{}, classify(err, "load viewer")
	}
	var r struct {
		PK      string `dynamodbav:"pk"`
		Balance *int64 `dynamodbav:"pointsMilli"`
	}
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return ledgerState{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	st := ledgerState{exists: r.PK != "", balance: deref(r.Balance), hasBalance: r.Balance != nil}
	before, applied, err1 := numberAttr(out.Item, beforeName)
	at, hasAt, err2 := numberAttr(out.Item, atName)
	if err := errors.Join(err1, err2); err != nil {
		return ledgerState{}, fault.Wrap(fault.Internal, err, "decode viewer")
	}
	if applied != hasAt {
		return ledgerState{}, fault.E(fault.Internal, "viewer records cause %s in part", cause)
	}
	st.applied, st.before, st.at = applied, before, fromMillis(at)
	return st, nil
}

// appliedEntry returns the entry of c, which was applied before as st
// records: the stored entry, or, when the first attempt stopped before
// writing it, the entry made from c and st.
func (s *Store) appliedEntry(ctx context.Context, guild string, userID int64, c points.Change, st ledgerState) (points.Entry, error) {
	e, ok, err := s.loadEntry(ctx, ledgerKey(guild, userID, st.at, c.Cause))
	if err != nil || ok {
		return e, err
	}
	c.At = st.at
	return s.recordEntry(ctx, guild, userID, points.Entry{Change: c, Before: st.before, After: c.After(st.before)})
}

// recordEntry writes e unless its entry exists, and returns the entry as
// stored: a concurrent retry may have written it first.
func (s *Store) recordEntry(ctx context.Context, guild string, userID int64, e points.Entry) (points.Entry, error) {
	k := ledgerKey(guild, userID, e.At, e.Cause)
	item, err := attributevalue.MarshalMap(ledgerRecord{
		itemKey: k,
		UserID:  userID,
		Cause:   e.Cause,
		Op:      string(e.Op),
		Milli:   e.Milli,
		Before:  e.Before,
		After:   e.After,
		Reason:  e.Reason,
		By:      e.By,
		At:      millis(e.At),
	})
	if err != nil {
		return points.Entry{}, fault.Wrap(fault.Internal, err, "encode ledger entry")
	}
	first, err := s.putFirst(ctx, item, "record ledger entry")
	if err != nil || first {
		return e, err
	}
	stored, ok, err := s.loadEntry(ctx, k)
	if err == nil && !ok {
		err = fault.E(fault.Internal, "ledger entry %s vanished", k.SK)
	}
	return stored, err
}

// loadEntry reads the entry at k, consistently; false when there is none.
func (s *Store) loadEntry(ctx context.Context, k itemKey) (points.Entry, bool, error) {
	item, ok, err := s.getItem(ctx, k, "load ledger entry")
	if err != nil || !ok {
		return points.Entry{}, false, err
	}
	var r ledgerRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return points.Entry{}, false, fault.Wrap(fault.Internal, err, "decode ledger entry")
	}
	return r.entry(), true, nil
}

// Ledger returns up to limit (≥ 1) of the ledger entries of guild's
// viewer userID, newest first; none for a viewer never changed. It
// returns fault.Invalid for a missing guild or viewer or a limit below 1.
func (s *Store) Ledger(ctx context.Context, guild string, userID int64, limit int) ([]points.Entry, error) {
	if guild == "" || userID <= 0 {
		return nil, fault.E(fault.Invalid, "ledger needs a guild and a known viewer")
	}
	if limit < 1 {
		return nil, fault.E(fault.Invalid, "ledger page size must be at least 1")
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(ledgerUserPrefix(userID))),
		descending: true,
	}, limit, "list ledger")
	if err != nil {
		return nil, err
	}
	var records []ledgerRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode ledger")
	}
	entries := make([]points.Entry, len(records))
	for i, r := range records {
		entries[i] = r.entry()
	}
	return entries, nil
}

// numberAttr decodes item's number attribute name; false when absent.
func numberAttr(item map[string]types.AttributeValue, name string) (int64, bool, error) {
	av, ok := item[name]
	if !ok {
		return 0, false, nil
	}
	var n int64
	if err := attributevalue.Unmarshal(av, &n); err != nil {
		return 0, false, fmt.Errorf("attribute %s: %w", name, err)
	}
	return n, true, nil
}
