package dynamo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/money"
)

// A guild's bonus hunt is one item, its latest hunt, open or finished:
//
//	pk GUILD#<guild>   sk HUNT   name S, start N (cents), startedAt N(ms),
//	                             finishedAt N(ms, once finished), version N,
//	                             b L (the bonuses, in order: s S slot,
//	                             b N bet, p N payout, o BOOL opened,
//	                             id S the interaction that added it)
//
// Only admins' slash commands (and a button an admin clicks) write it:
// each change reads the item, applies package hunt's rule to it and puts
// it whole on the condition that its version is still the one read, in a
// transaction with the interaction's claim (once), so a retried
// interaction changes nothing and of concurrent changes each lands,
// retried on a fresh read. Starting a hunt replaces a finished one.
//
// Size: at most hunt.MaxBonuses (200) bonuses of a slot of ≤ 100
// characters (≤ 400 bytes of UTF-8), an id of ≤ 64 bytes and two numbers
// take under 500 bytes each with their names: the item stays below
// 110 KB, a quarter of DynamoDB's 400 KB; a typical bonus takes about
// 60 bytes, 12 KB for a full hunt. A change costs one consistent read of
// it and a transaction of it and the claim (twice the item's KB in write
// units, plus 2); !hunt one eventually consistent read (half a unit per
// 4 KB) after the router's cooldown. Nothing here is written at chat
// rate, and the item carries no index key.
const (
	huntSK = "HUNT"
	// huntRetries bounds the rounds a change tries when concurrent
	// changes moved the version it read.
	huntRetries = 10
)

type huntRecord struct {
	itemKey
	Name       string        `dynamodbav:"name"`
	Start      int64         `dynamodbav:"start"`
	StartedAt  int64         `dynamodbav:"startedAt"`
	FinishedAt int64         `dynamodbav:"finishedAt,omitempty"`
	Version    int64         `dynamodbav:"version"`
	Bonuses    []bonusRecord `dynamodbav:"b"`
}

type bonusRecord struct {
	Slot   string `dynamodbav:"s"`
	Bet    int64  `dynamodbav:"b"`
	Payout int64  `dynamodbav:"p"`
	Opened bool   `dynamodbav:"o"`
	ID     string `dynamodbav:"id"`
}

func huntKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: huntSK} }

func (r huntRecord) hunt() hunt.Hunt {
	h := hunt.Hunt{Name: r.Name, Start: money.Cents(r.Start), Started: fromMillis(r.StartedAt)}
	if r.FinishedAt != 0 {
		h.Finished = fromMillis(r.FinishedAt)
	}
	for _, b := range r.Bonuses {
		h.Bonuses = append(h.Bonuses, hunt.Bonus{Slot: b.Slot, Bet: money.Cents(b.Bet), Payout: money.Cents(b.Payout), Opened: b.Opened, ID: b.ID})
	}
	return h
}

func huntItem(guild string, h hunt.Hunt, version int64) (map[string]types.AttributeValue, error) {
	r := huntRecord{itemKey: huntKey(guild), Name: h.Name, Start: int64(h.Start), StartedAt: millis(h.Started),
		Version: version, Bonuses: []bonusRecord{}}
	if !h.Open() {
		r.FinishedAt = millis(h.Finished)
	}
	for _, b := range h.Bonuses {
		r.Bonuses = append(r.Bonuses, bonusRecord{Slot: b.Slot, Bet: int64(b.Bet), Payout: int64(b.Payout), Opened: b.Opened, ID: b.ID})
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "encode hunt")
	}
	return item, nil
}

// loadHunt reads guild's hunt item; false when there is none.
func (s *Store) loadHunt(ctx context.Context, guild string, consistent bool) (huntRecord, bool, error) {
	if guild == "" {
		return huntRecord{}, false, fault.E(fault.Invalid, "a hunt needs a guild")
	}
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.Table, Key: huntKey(guild).av(), ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return huntRecord{}, false, classify(err, "load hunt")
	}
	if len(out.Item) == 0 {
		return huntRecord{}, false, nil
	}
	var r huntRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return huntRecord{}, false, fault.Wrap(fault.Internal, err, "decode hunt")
	}
	return r, true, nil
}

// LatestHunt returns guild's latest hunt, open or finished, from one
// eventually consistent read (!hunt's); false when it never had one.
func (s *Store) LatestHunt(ctx context.Context, guild string) (hunt.Hunt, bool, error) {
	r, ok, err := s.loadHunt(ctx, guild, false)
	if err != nil || !ok {
		return hunt.Hunt{}, false, err
	}
	return r.hunt(), true, nil
}

// FinishedHunt returns the final balance (hunt.Totals' Won) of guild's
// hunt when its latest hunt is finished: a hunt counts as recent until
// the next one starts. false when the latest hunt is still open or there
// is none. One consistent read.
func (s *Store) FinishedHunt(ctx context.Context, guild string) (money.Cents, bool, error) {
	r, ok, err := s.loadHunt(ctx, guild, true)
	if err != nil || !ok || r.FinishedAt == 0 {
		return 0, false, err
	}
	return r.hunt().Totals().Won, true, nil
}

var errNoHunt = fault.E(fault.NotFound, "there is no bonus hunt: start one with /hunt start")

// StartHunt makes h (hunt.New's) guild's hunt, replacing a finished one,
// once per cause: interact.ErrApplied when c took effect before,
// fault.Conflict when a hunt is open.
func (s *Store) StartHunt(ctx context.Context, guild string, h hunt.Hunt, c interact.Cause) (hunt.Hunt, error) {
	return s.changeHunt(ctx, guild, c, "start hunt", func(cur *hunt.Hunt, exists bool) error {
		if exists && cur.Open() {
			return fault.E(fault.Conflict, "a hunt is open: finish it with /hunt finish first")
		}
		*cur = h
		cur.Bonuses = append([]hunt.Bonus(nil), h.Bonuses...)
		return nil
	})
}

// AddBonus adds a bonus of slot at bet to guild's open hunt, once per
// cause (its id becomes the bonus's), and returns the hunt after it: the
// new bonus is its last. A button's click may add one as a slash command
// does. Errors: interact.ErrApplied when c took effect before,
// fault.NotFound for no hunt, and hunt.Hunt.Add's.
func (s *Store) AddBonus(ctx context.Context, guild, slot string, bet money.Cents, c interact.Cause) (hunt.Hunt, error) {
	return s.changeHunt(ctx, guild, c, "add bonus", func(h *hunt.Hunt, exists bool) error {
		if !exists {
			return errNoHunt
		}
		return h.Add(slot, bet, c.ID)
	})
}

// PayBonus records what the bonus ref names paid (hunt.Hunt.Pay), once
// per cause, and returns the hunt after it and the bonus's index.
// Errors: interact.ErrApplied, fault.NotFound for no hunt, and Pay's.
func (s *Store) PayBonus(ctx context.Context, guild, ref string, amount money.Cents, c interact.Cause) (hunt.Hunt, int, error) {
	var i int
	h, err := s.changeHunt(ctx, guild, c, "pay bonus", func(h *hunt.Hunt, exists bool) error {
		if !exists {
			return errNoHunt
		}
		var err error
		i, err = h.Pay(ref, amount)
		return err
	})
	return h, i, err
}

// RemoveBonus removes the bonus ref names, the last when ref is empty
// (hunt.Hunt.Remove), once per cause, and returns the hunt after it and
// the bonus removed. Errors: interact.ErrApplied, fault.NotFound for no
// hunt, and Remove's.
func (s *Store) RemoveBonus(ctx context.Context, guild, ref string, c interact.Cause) (hunt.Hunt, hunt.Bonus, error) {
	var b hunt.Bonus
	h, err := s.changeHunt(ctx, guild, c, "remove bonus", func(h *hunt.Hunt, exists bool) error {
		if !exists {
			return errNoHunt
		}
		var err error
		b, err = h.Remove(ref)
		return err
	})
	return h, b, err
}

// FinishHunt finishes guild's open hunt at now, once per cause, and
// returns it. Errors: interact.ErrApplied, fault.NotFound for no hunt,
// fault.Conflict for a finished one.
func (s *Store) FinishHunt(ctx context.Context, guild string, now time.Time, c interact.Cause) (hunt.Hunt, error) {
	return s.changeHunt(ctx, guild, c, "finish hunt", func(h *hunt.Hunt, exists bool) error {
		if !exists {
			return errNoHunt
		}
		return h.Finish(now)
	})
}

// changeHunt applies change to guild's hunt (the zero Hunt and false
// when it has none) and stores the result with c's claim, on the
// condition that the item is as read; it returns the hunt stored. A
// change refused by its rule is returned as it is, unless c took effect
// before (interact.ErrApplied): a retried command must not say "no such
// bonus" about the bonus it removed.
func (s *Store) changeHunt(ctx context.Context, guild string, c interact.Cause, what string, change func(h *hunt.Hunt, exists bool) error) (hunt.Hunt, error) {
	for round := range huntRetries {
		if round > 0 {
			// Jittered, so that changes refused together spread out.
			if err := pause(ctx, time.Duration(rand.Int64N(int64(5<<round)*int64(time.Millisecond)))); err != nil {
				return hunt.Hunt{}, fault.Wrap(fault.Transient, err, "wait to retry")
			}
		}
		r, exists, err := s.loadHunt(ctx, guild, true)
		if err != nil {
			return hunt.Hunt{}, err
		}
		h := r.hunt()
		if err := change(&h, exists); err != nil {
			if _, claimed, cerr := s.getItem(ctx, claimKey(guild, c.ID), "load interaction claim"); cerr == nil && claimed {
				return hunt.Hunt{}, interact.ErrApplied
			}
			return hunt.Hunt{}, err
		}
		item, err := huntItem(guild, h, r.Version+1)
		if err != nil {
			return hunt.Hunt{}, err
		}
		cond := expression.AttributeNotExists(expression.Name("pk"))
		if exists {
			cond = expression.Name("version").Equal(expression.Value(r.Version))
		}
		put, err := s.txPut(item, cond)
		if err != nil {
			return hunt.Hunt{}, err
		}
		done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, what)
		if err != nil {
			return hunt.Hunt{}, err
		}
		if done {
			return h, nil
		}
	}
	return hunt.Hunt{}, fault.E(fault.Transient, "the hunt was changing; try again")
}
