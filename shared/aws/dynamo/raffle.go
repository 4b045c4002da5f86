package dynamo

import (
	"context"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
)

// A guild's raffles:
//
//	period   GUILD#<guild>   RAFFLE            the latest period (see raffleRecord), its
//	                                           server seed (secret until drawn), version N
//	archive  GUILD#<guild>   RAFFLE#<period>   the same, written when it is drawn or ended
//	tickets  RAFFLE#<guild>#<period>#<nn>  T#<user>   userId N, name S, per source w g s k m N,
//	                                           tot N (their sum), wm0 N (watch minutes when
//	                                           the period first saw the viewer), wh N (hours
//	                                           converted)
//	ledger   RAFFLE#<guild>#<period>#<nn>  L#<user>#<cause>  source S, tickets N, at N(ms),
//	                                           holdUntil N(ms), reason S, by S, expiresAt
//	hold     RAFFLE#<guild>#<period>#<nn>  H#<user>#<cause>  tickets N, releaseAt N(ms),
//	                                           expiresAt N(s, TTL: a day after release)
//	gift     RAFFLE#<guild>#<period>#<cc>  G#<cause>  userId N, tickets N, releaseAt N(ms),
//	                                           voided BOOL (finds a gift's viewer for a void)
//	sum      RAFFLE#<guild>#<period>#<nn>  SUM        n N: the shard's tickets, held ones
//	                                           included, for the chance !tickets shows
//
// <nn> is the viewer's shard (shardOf, as viewers and activity), <cc> a
// hash of the cause into the same 16: no partition key takes more than a
// sixteenth of a period's ticket writes. A ticket change is one
// transaction of its ledger entry (conditioned on not existing: it is the
// cause's marker, so a duplicate delivery or a retried job grants
// nothing twice) and an ADD to the viewer's tickets item; a gift adds its
// hold and its gift marker: 4 items, 8 write units. Held tickets are in
// g and tot from the start; what counts is tot minus the holds not yet
// released, read at the time (no write releases a hold). The tickets item
// holds a fixed set of numbers; ledger entries are items of their own.
// After each change a plain ADD (1 write unit, outside the transaction:
// it only feeds the chance shown, so a crash before it costs accuracy,
// not tickets) keeps the shard's SUM, so !tickets reads 16 small items
// instead of the whole table.
// Only admins' slash commands write the period item.
const (
	raffleSK       = "RAFFLE"
	rafflePrefix   = "RAFFLE#"
	raffleRetries  = 10
	raffleShards   = 16
	ledgerLife     = 400 * 24 * time.Hour
	holdAfterLife  = 24 * time.Hour
	ticketsSKStart = "T#"
	holdSKStart    = "H#"
)

var sourceAttr = map[raffle.Source]string{raffle.Watch: "w", raffle.Gift: "g", raffle.Sub: "s", raffle.Kicks: "k", raffle.Manual: "m"}

type raffleRecord struct {
	itemKey
	ID         string  `dynamodbav:"id"`
	Prize      string  `dynamodbav:"prize,omitempty"`
	Winners    int     `dynamodbav:"winners"`
	StartedAt  int64   `dynamodbav:"startedAt"`
	EndsAt     int64   `dynamodbav:"endsAt"`
	Commitment string  `dynamodbav:"commitment"`
	Seed       string  `dynamodbav:"seed"`
	State      string  `dynamodbav:"state"`
	Excluded   []int64 `dynamodbav:"excluded,omitempty"`
	PerHour    int64   `dynamodbav:"perHour"`
	PerGift    int64   `dynamodbav:"perGift"`
	PerSub     int64   `dynamodbav:"perSub"`
	PerKicks   int64   `dynamodbav:"perKicks"`
	HoldHours  int64   `dynamodbav:"holdHours"`
	Version    int64   `dynamodbav:"version"`
	// The draw's result, once drawn.
	ClientSeed string   `dynamodbav:"clientSeed,omitempty"`
	Won        []string `dynamodbav:"won,omitempty"`
	Names      []string `dynamodbav:"names,omitempty"`
	Entries    int      `dynamodbav:"entries,omitempty"`
	Total      int64    `dynamodbav:"total,omitempty"`
	DrawnAt    int64    `dynamodbav:"drawnAt,omitempty"`
	// DrawCause is the interaction that drew it: a rerun of its job finds
	// the draw made.
	DrawCause string `dynamodbav:"drawCause,omitempty"`
}

func (r raffleRecord) period() raffle.Period {
	p := raffle.Period{ID: r.ID, Prize: r.Prize, Winners: r.Winners, Started: fromMillis(r.StartedAt), Ends: fromMillis(r.EndsAt),
		Commitment: r.Commitment, State: raffle.State(r.State), Excluded: r.Excluded,
		Settings: raffle.Settings{PerHour: r.PerHour, PerGift: r.PerGift, PerSub: r.PerSub, Per100Kicks: r.PerKicks, GiftHold: time.Duration(r.HoldHours) * time.Hour}}
	if p.State == raffle.Drawn {
		p.Result = &raffle.Result{Names: r.Names, At: fromMillis(r.DrawnAt), Proof: pick.WeightedProof{
			Commitment: r.Commitment, Seed: r.Seed, ClientSeed: r.ClientSeed, Winners: r.Won, Entries: r.Entries, Total: r.Total}}
	}
	return p
}

func raffleRecordOf(k itemKey, p raffle.Period, seed string, version int64) raffleRecord {
	r := raffleRecord{itemKey: k, ID: p.ID, Prize: p.Prize, Winners: p.Winners, StartedAt: millis(p.Started), EndsAt: millis(p.Ends),
		Commitment: p.Commitment, Seed: seed, State: string(p.State),
		PerHour: p.Settings.PerHour, PerGift: p.Settings.PerGift, PerSub: p.Settings.PerSub, PerKicks: p.Settings.Per100Kicks,
		HoldHours: int64(p.Settings.GiftHold / time.Hour), Version: version}
	if len(p.Excluded) > 0 { // an empty list is left out, not stored
		r.Excluded = p.Excluded
	}
	if res := p.Result; res != nil {
		r.ClientSeed, r.Won, r.Names, r.Entries, r.Total, r.DrawnAt = res.Proof.ClientSeed, res.Proof.Winners, res.Names, res.Proof.Entries, res.Proof.Total, millis(res.At)
	}
	return r
}

func raffleKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: raffleSK} }

func raffleArchiveKey(guild, period string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: rafflePrefix + period}
}

func rafflePK(guild, period string, shard int) string {
	return fmt.Sprintf("%s%s#%s#%02d", rafflePrefix, guild, period, shard)
}

func ticketsKey(guild, period string, user int64) itemKey {
	return itemKey{PK: rafflePK(guild, period, shardOf(user)), SK: ticketsSKStart + strconv.FormatInt(user, 10)}
}

func raffleLedgerKey(guild, period string, user int64, cause string) itemKey {
	return itemKey{PK: rafflePK(guild, period, shardOf(user)), SK: "L#" + strconv.FormatInt(user, 10) + "#" + cause}
}

func holdKey(guild, period string, user int64, cause string) itemKey {
	return itemKey{PK: rafflePK(guild, period, shardOf(user)), SK: holdSKStart + strconv.FormatInt(user, 10) + "#" + cause}
}

func giftKey(guild, period, cause string) itemKey {
	h := fnv.New32a()
	h.Write([]byte(cause))
	return itemKey{PK: rafflePK(guild, period, int(h.Sum32()%raffleShards)), SK: "G#" + cause}
}

func (s *Store) loadRaffle(ctx context.Context, k itemKey, consistent bool) (raffleRecord, bool, error) {
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: k.av(), ConsistentRead: aws.Bool(consistent)})
	if err != nil {
		return raffleRecord{}, false, classify(err, "load raffle")
	}
	if len(out.Item) == 0 {
		return raffleRecord{}, false, nil
	}
	var r raffleRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return raffleRecord{}, false, fault.Wrap(fault.Internal, err, "decode raffle")
	}
	return r, true, nil
}

// Raffle returns guild's latest raffle period, open or not, from one
// eventually consistent read; false when it never had one.
func (s *Store) Raffle(ctx context.Context, guild string) (raffle.Period, bool, error) {
	if guild == "" {
		return raffle.Period{}, false, fault.E(fault.Invalid, "a raffle needs a guild")
	}
	r, ok, err := s.loadRaffle(ctx, raffleKey(guild), false)
	return r.period(), ok, err
}

// RafflePeriod returns guild's period id: the latest, or one drawn or
// ended before; fault.NotFound when there is none.
func (s *Store) RafflePeriod(ctx context.Context, guild, id string) (raffle.Period, error) {
	if guild == "" || id == "" {
		return raffle.Period{}, fault.E(fault.Invalid, "a raffle period needs a guild and an id")
	}
	r, ok, err := s.loadRaffle(ctx, raffleKey(guild), true)
	if err == nil && (!ok || r.ID != id) {
		r, ok, err = s.loadRaffle(ctx, raffleArchiveKey(guild, id), true)
	}
	switch {
	case err != nil:
		return raffle.Period{}, err
	case !ok:
		return raffle.Period{}, fault.E(fault.NotFound, "no raffle period %s", id)
	}
	return r.period(), nil
}

// RaffleSeed returns the server seed of guild's latest period: for the
// draw, which reveals it.
func (s *Store) RaffleSeed(ctx context.Context, guild string) (pick.Seed, error) {
	r, ok, err := s.loadRaffle(ctx, raffleKey(guild), true)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, fault.E(fault.NotFound, "there is no raffle")
	}
	return pick.ParseSeed(r.Seed)
}

// StartRaffle makes p (raffle.New's, committed to seed) guild's period,
// once per cause: interact.ErrApplied when c took effect before,
// fault.Conflict while a period is open. A seed that does not match p's
// commitment is fault.Invalid.
func (s *Store) StartRaffle(ctx context.Context, guild string, p raffle.Period, seed pick.Seed, c interact.Cause) (raffle.Period, error) {
	if !pick.Check(p.Commitment, seed) {
		return raffle.Period{}, fault.E(fault.Invalid, "the seed does not match the period's commitment")
	}
	return s.changeRaffle(ctx, guild, c, "start raffle", func(cur *raffle.Period, exists bool, curSeed *string) error {
		if exists && cur.State == raffle.Open {
			return fault.E(fault.Conflict, "a raffle is running: draw or end it first")
		}
		*cur, *curSeed = p, seed.String()
		return nil
	})
}

// ChangeRaffle applies change to guild's latest period and stores it,
// once per cause; a period leaving Open is archived under its id too.
// Errors: interact.ErrApplied, fault.NotFound for no raffle, and
// change's.
func (s *Store) ChangeRaffle(ctx context.Context, guild string, c interact.Cause, change func(p *raffle.Period) error) (raffle.Period, error) {
	return s.changeRaffle(ctx, guild, c, "change raffle", func(p *raffle.Period, exists bool, _ *string) error {
		if !exists {
			return fault.E(fault.NotFound, "there is no raffle: start one with /raffle start")
		}
		return change(p)
	})
}

func (s *Store) changeRaffle(ctx context.Context, guild string, c interact.Cause, what string, change func(p *raffle.Period, exists bool, seed *string) error) (raffle.Period, error) {
	return s.changeRaffleBy(ctx, guild, &c, "", what, change)
}

// changeRaffleBy is changeRaffle once per claim c, or, with c nil, once
// per drawCause (the draw, whose interaction was claimed at receipt).
func (s *Store) changeRaffleBy(ctx context.Context, guild string, c *interact.Cause, drawCause, what string, change func(p *raffle.Period, exists bool, seed *string) error) (raffle.Period, error) {
	if guild == "" {
		return raffle.Period{}, fault.E(fault.Invalid, "a raffle needs a guild")
	}
	for round := range raffleRetries {
		if round > 0 {
			if err := pause(ctx, time.Duration(rand.Int64N(int64(5<<round)*int64(time.Millisecond)))); err != nil {
				return raffle.Period{}, fault.Wrap(fault.Transient, err, "wait to retry")
			}
		}
		r, exists, err := s.loadRaffle(ctx, raffleKey(guild), true)
		if err != nil {
			return raffle.Period{}, err
		}
		p, seed := r.period(), r.Seed
		if c == nil && exists && r.DrawCause == drawCause {
			return p, nil // drawn by this cause before
		}
		wasOpen := exists && p.State == raffle.Open
		if err := change(&p, exists, &seed); err != nil {
			if c == nil {
				return raffle.Period{}, err
			}
			if _, claimed, cerr := s.getItem(ctx, claimKey(guild, c.ID), "load interaction claim"); cerr == nil && claimed {
				return raffle.Period{}, interact.ErrApplied
			}
			return raffle.Period{}, err
		}
		rec := raffleRecordOf(raffleKey(guild), p, seed, r.Version+1)
		rec.DrawCause = r.DrawCause
		if c == nil {
			rec.DrawCause = drawCause
		}
		item, err := attributevalue.MarshalMap(rec)
		if err != nil {
			return raffle.Period{}, fault.Wrap(fault.Internal, err, "encode raffle")
		}
		cond := expression.AttributeNotExists(expression.Name("pk"))
		if exists {
			cond = expression.Name("version").Equal(expression.Value(r.Version))
		}
		put, err := s.txPut(item, cond)
		if err != nil {
			return raffle.Period{}, err
		}
		items := []types.TransactWriteItem{put}
		if wasOpen && p.State != raffle.Open && p.ID == r.ID {
			rec.itemKey = raffleArchiveKey(guild, p.ID)
			archive, err := attributevalue.MarshalMap(rec)
			if err != nil {
				return raffle.Period{}, fault.Wrap(fault.Internal, err, "encode raffle")
			}
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: &s.Table, Item: archive}})
		}
		var done bool
		if c != nil {
			done, err = s.once(ctx, guild, *c, items, what)
		} else {
			done, err = s.transact(ctx, items, what)
		}
		if err != nil {
			return raffle.Period{}, err
		}
		if done {
			return p, nil
		}
	}
	return raffle.Period{}, fault.E(fault.Transient, "the raffle was changing; try again")
}

// DrawRaffle applies draw (raffle.Period.Draw) to guild's latest period
// and stores the result once per cause, the draw's interaction id,
// claimed when it arrived: a rerun of its job returns the period as
// drawn first, without drawing again. Errors: fault.NotFound for no
// raffle, and draw's.
func (s *Store) DrawRaffle(ctx context.Context, guild, cause string, draw func(p *raffle.Period) error) (raffle.Period, error) {
	if cause == "" {
		return raffle.Period{}, fault.E(fault.Invalid, "a draw needs its cause")
	}
	return s.changeRaffleBy(ctx, guild, nil, cause, "draw raffle", func(p *raffle.Period, exists bool, _ *string) error {
		if !exists {
			return fault.E(fault.NotFound, "there is no raffle: start one with /raffle start")
		}
		return draw(p)
	})
}

// BannedViewers reports which of users are banned or timed out in guild
// at t, from batch reads of their viewer items (100 a call).
func (s *Store) BannedViewers(ctx context.Context, guild string, users []int64, t time.Time) (map[int64]bool, error) {
	keys := make([]itemKey, len(users))
	for i, u := range users {
		keys[i] = viewerKey(guild, u)
	}
	items, err := s.batchGet(ctx, keys, []string{"userId", "bannedUntil"}, "load viewers' bans")
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, item := range items {
		u, _, err1 := numberAttr(item, "userId")
		until, _, err2 := numberAttr(item, "bannedUntil")
		if err1 != nil || err2 != nil {
			return nil, fault.E(fault.Internal, "decode a viewer's ban")
		}
		if fromMillis(until).After(t) {
			out[u] = true
		}
	}
	return out, nil
}

// AddTickets records e for guild's viewer (user, name) in period, once
// per cause, and returns the entry as recorded and whether this call
// recorded it (false: the cause was recorded before, nothing changed).
// A gift entry with a HoldUntil is held until then. A removal (Manual,
// negative) takes at most the tickets that count now (held gift tickets
// are cancelled by VoidGift instead), conditioned on the sum staying at
// least the held tickets, so no balance goes below zero, then or when a
// hold ends; fault.Conflict when the viewer has none. Entries that do not
// validate are fault.Invalid.
func (s *Store) AddTickets(ctx context.Context, guild, period string, user int64, name string, e raffle.Entry) (raffle.Entry, bool, error) {
	if guild == "" || period == "" || user <= 0 {
		return raffle.Entry{}, false, fault.E(fault.Invalid, "tickets need a guild, a period and a known viewer")
	}
	if err := e.Validate(); err != nil {
		return raffle.Entry{}, false, err
	}
	e.At = fromMillis(e.At.UnixMilli())
	for attempt := range raffleRetries {
		if attempt > 0 {
			if err := pause(ctx, rand.N(time.Duration(attempt)*retryPause)); err != nil {
				return raffle.Entry{}, false, fault.Wrap(fault.Transient, err, "wait to retry")
			}
		}
		if prev, ok, err := s.raffleEntry(ctx, guild, period, user, e.Cause); err != nil || ok {
			return prev, false, err
		}
		entry := e
		var need int64
		if e.Tickets < 0 {
			t, err := s.ViewerTickets(ctx, guild, period, user, e.At, true)
			if err != nil {
				return raffle.Entry{}, false, err
			}
			if t.Total() <= 0 {
				return raffle.Entry{}, false, fault.E(fault.Conflict, "the viewer has no tickets to remove")
			}
			entry.Tickets = -min(-e.Tickets, t.Total())
			need = -entry.Tickets + t.Held
		}
		items, err := s.ticketWrites(guild, period, user, name, entry, need, nil, nil)
		if err != nil {
			return raffle.Entry{}, false, err
		}
		done, err := s.transact(ctx, items, "add tickets")
		if err != nil {
			return raffle.Entry{}, false, err
		}
		if done {
			s.addSum(ctx, guild, period, user, entry.Tickets)
			return entry, true, nil
		}
	}
	return raffle.Entry{}, false, fault.E(fault.Transient, "the tickets kept changing; try again")
}

type raffleLedgerRecord struct {
	itemKey
	UserID    int64  `dynamodbav:"userId"`
	Source    string `dynamodbav:"source"`
	Tickets   int64  `dynamodbav:"tickets"`
	At        int64  `dynamodbav:"at"`
	HoldUntil int64  `dynamodbav:"holdUntil,omitempty"`
	Reason    string `dynamodbav:"reason,omitempty"`
	By        string `dynamodbav:"by,omitempty"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func (r raffleLedgerRecord) entry() raffle.Entry {
	cause := r.SK[strings.LastIndex(r.SK, "#")+1:]
	return raffle.Entry{Cause: cause, Source: raffle.Source(r.Source), Tickets: r.Tickets, At: fromMillis(r.At),
		HoldUntil: fromMillis(r.HoldUntil), Reason: r.Reason, By: r.By}
}

func (s *Store) raffleEntry(ctx context.Context, guild, period string, user int64, cause string) (raffle.Entry, bool, error) {
	item, ok, err := s.getItem(ctx, raffleLedgerKey(guild, period, user, cause), "load ticket entry")
	if err != nil || !ok {
		return raffle.Entry{}, false, err
	}
	var r raffleLedgerRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return raffle.Entry{}, false, fault.Wrap(fault.Internal, err, "decode ticket entry")
	}
	return r.entry(), true, nil
}

// ticketWrites are the writes of entry e: its ledger entry, the tickets
// item's ADD (a removal conditioned on tot ≥ need), and for a held gift
// its hold and gift marker.
func (s *Store) ticketWrites(guild, period string, user int64, name string, e raffle.Entry, need int64, set map[string]int64, cond *expression.ConditionBuilder) ([]types.TransactWriteItem, error) {
	isNew := expression.AttributeNotExists(expression.Name("pk"))
	ledger, err := attributevalue.MarshalMap(raffleLedgerRecord{itemKey: raffleLedgerKey(guild, period, user, e.Cause), UserID: user,
		Source: string(e.Source), Tickets: e.Tickets, At: millis(e.At), HoldUntil: millis(e.HoldUntil), Reason: e.Reason, By: e.By,
		ExpiresAt: ttlSeconds(e.At.Add(ledgerLife))})
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "encode ticket entry")
	}
	putLedger, err := s.txPut(ledger, isNew)
	if err != nil {
		return nil, err
	}
	u := expression.Set(expression.Name("userId"), expression.Value(user)).
		Add(expression.Name(sourceAttr[e.Source]), expression.Value(e.Tickets)).
		Add(expression.Name("tot"), expression.Value(e.Tickets))
	if name != "" {
		u = u.Set(expression.Name("name"), expression.Value(name))
	}
	for attr, v := range set {
		u = u.Set(expression.Name(attr), expression.Value(v))
	}
	if need > 0 {
		c := expression.Name("tot").GreaterThanEqual(expression.Value(need))
		cond = &c
	}
	update, err := s.txUpdate(ticketsKey(guild, period, user), u, cond)
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{putLedger, update}
	if e.Source == raffle.Gift && !e.HoldUntil.IsZero() {
		hold, err := attributevalue.MarshalMap(struct {
			itemKey
			Tickets   int64 `dynamodbav:"tickets"`
			ReleaseAt int64 `dynamodbav:"releaseAt"`
			ExpiresAt int64 `dynamodbav:"expiresAt"`
		}{holdKey(guild, period, user, e.Cause), e.Tickets, millis(e.HoldUntil), ttlSeconds(e.HoldUntil.Add(holdAfterLife))})
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "encode hold")
		}
		gift, err := attributevalue.MarshalMap(giftRecord{itemKey: giftKey(guild, period, e.Cause), UserID: user, Tickets: e.Tickets,
			ReleaseAt: millis(e.HoldUntil), ExpiresAt: ttlSeconds(e.At.Add(ledgerLife))})
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "encode gift marker")
		}
		putHold, err1 := s.txPut(hold, isNew)
		putGift, err2 := s.txPut(gift, isNew)
		if err1 != nil || err2 != nil {
			return nil, fault.E(fault.Internal, "build gift writes")
		}
		items = append(items, putHold, putGift)
	}
	return items, nil
}

type giftRecord struct {
	itemKey
	UserID    int64 `dynamodbav:"userId"`
	Tickets   int64 `dynamodbav:"tickets"`
	ReleaseAt int64 `dynamodbav:"releaseAt"`
	Voided    bool  `dynamodbav:"voided,omitempty"`
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

// VoidGift cancels the held tickets of the gift event cause in guild's
// period, once: it returns the viewer and the tickets voided. Errors:
// fault.NotFound for no such gift, fault.Conflict when its hold ended
// (remove tickets instead) or it was voided before.
func (s *Store) VoidGift(ctx context.Context, guild, period, cause, by string, now time.Time) (int64, int64, error) {
	if guild == "" || period == "" || cause == "" || strings.Contains(cause, "#") {
		return 0, 0, fault.E(fault.Invalid, "name the gift event to void")
	}
	item, ok, err := s.getItem(ctx, giftKey(guild, period, cause), "load gift")
	if err != nil {
		return 0, 0, err
	}
	if !ok {
		// A gift granted while gift_hold_hours was 0 has no record either:
		// it counts, and the message must not say it is not in the raffle.
		return 0, 0, fault.E(fault.NotFound, "no held gift %s in this raffle (a gift that counts already, or was granted without a hold, cannot be voided: remove its tickets with /raffle tickets remove)", cause)
	}
	var g giftRecord
	if err := attributevalue.UnmarshalMap(item, &g); err != nil {
		return 0, 0, fault.Wrap(fault.Internal, err, "decode gift")
	}
	switch {
	case g.Voided:
		return g.UserID, g.Tickets, fault.E(fault.Conflict, "that gift was voided already")
	case !now.Before(fromMillis(g.ReleaseAt)):
		return g.UserID, g.Tickets, fault.E(fault.Conflict, "that gift's hold ended; its tickets count: remove them with /raffle tickets remove")
	}
	notVoided := expression.AttributeNotExists(expression.Name("voided"))
	markVoid, err := s.txUpdate(giftKey(guild, period, cause), expression.Set(expression.Name("voided"), expression.Value(true)), &notVoided)
	if err != nil {
		return 0, 0, err
	}
	delHold, err := s.txDelete(holdKey(guild, period, g.UserID, cause), expression.AttributeExists(expression.Name("pk")))
	if err != nil {
		return 0, 0, err
	}
	e := raffle.Entry{Cause: "void-" + cause, Source: raffle.Gift, Tickets: -g.Tickets, At: now, Reason: "gift voided", By: by}
	items, err := s.ticketWrites(guild, period, g.UserID, "", e, 0, nil, nil)
	if err != nil {
		return 0, 0, err
	}
	done, err := s.transact(ctx, append(items, markVoid, delHold), "void gift")
	if err != nil {
		return 0, 0, err
	}
	if !done {
		return g.UserID, g.Tickets, fault.E(fault.Conflict, "that gift was voided already")
	}
	s.addSum(ctx, guild, period, g.UserID, -g.Tickets)
	return g.UserID, g.Tickets, nil
}

type ticketsRecord struct {
	itemKey
	UserID int64  `dynamodbav:"userId"`
	Name   string `dynamodbav:"name"`
	W      int64  `dynamodbav:"w"`
	G      int64  `dynamodbav:"g"`
	S      int64  `dynamodbav:"s"`
	K      int64  `dynamodbav:"k"`
	M      int64  `dynamodbav:"m"`
	Base   *int64 `dynamodbav:"wm0"`
	Hours  int64  `dynamodbav:"wh"`
}

func (r ticketsRecord) tickets() raffle.Tickets {
	return raffle.Tickets{UserID: r.UserID, Name: r.Name, By: map[raffle.Source]int64{
		raffle.Watch: r.W, raffle.Gift: r.G, raffle.Sub: r.S, raffle.Kicks: r.K, raffle.Manual: r.M}}
}

type holdRecord struct {
	itemKey
	Tickets   int64 `dynamodbav:"tickets"`
	ReleaseAt int64 `dynamodbav:"releaseAt"`
}

func holdUser(sk string) int64 {
	rest := strings.TrimPrefix(sk, holdSKStart)
	n, _ := strconv.ParseInt(rest[:max(0, strings.Index(rest, "#"))], 10, 64)
	return n
}

// ViewerTickets returns user's tickets in guild's period at now: their
// tickets item and their holds not released by now. consistent chooses
// the reads.
func (s *Store) ViewerTickets(ctx context.Context, guild, period string, user int64, now time.Time, consistent bool) (raffle.Tickets, error) {
	if guild == "" || period == "" || user <= 0 {
		return raffle.Tickets{}, fault.E(fault.Invalid, "tickets need a guild, a period and a known viewer")
	}
	k := ticketsKey(guild, period, user)
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: k.av(), ConsistentRead: aws.Bool(consistent)})
	if err != nil {
		return raffle.Tickets{}, classify(err, "load tickets")
	}
	var r ticketsRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return raffle.Tickets{}, fault.Wrap(fault.Internal, err, "decode tickets")
	}
	t := r.tickets()
	t.UserID = user
	if r.G == 0 {
		return t, nil
	}
	items, err := s.queryWhere(ctx, where{key: expression.Key("pk").Equal(expression.Value(k.PK)).
		And(expression.Key("sk").BeginsWith(holdSKStart + strconv.FormatInt(user, 10) + "#")), consistent: consistent}, 0, "list holds")
	if err != nil {
		return raffle.Tickets{}, err
	}
	var holds []holdRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &holds); err != nil {
		return raffle.Tickets{}, fault.Wrap(fault.Internal, err, "decode holds")
	}
	for _, h := range holds {
		if now.Before(fromMillis(h.ReleaseAt)) {
			t.Held += h.Tickets
		}
	}
	return t, nil
}

// RaffleTickets returns every viewer's tickets in guild's period at now,
// holds not released by now counted as Held: the draw's table before
// exclusions and bans. Two queries per shard (tickets, holds).
func (s *Store) RaffleTickets(ctx context.Context, guild, period string, now time.Time) ([]raffle.Tickets, error) {
	if guild == "" || period == "" {
		return nil, fault.E(fault.Invalid, "tickets need a guild and a period")
	}
	var all []raffle.Tickets
	for shard := range raffleShards {
		pk := expression.Key("pk").Equal(expression.Value(rafflePK(guild, period, shard)))
		items, err := s.queryWhere(ctx, where{key: pk.And(expression.Key("sk").BeginsWith(ticketsSKStart)), consistent: true}, 0, "list tickets")
		if err != nil {
			return nil, err
		}
		var recs []ticketsRecord
		if err := attributevalue.UnmarshalListOfMaps(items, &recs); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode tickets")
		}
		items, err = s.queryWhere(ctx, where{key: pk.And(expression.Key("sk").BeginsWith(holdSKStart)), consistent: true}, 0, "list holds")
		if err != nil {
			return nil, err
		}
		var holds []holdRecord
		if err := attributevalue.UnmarshalListOfMaps(items, &holds); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode holds")
		}
		held := map[int64]int64{}
		for _, h := range holds {
			if now.Before(fromMillis(h.ReleaseAt)) {
				held[holdUser(h.SK)] += h.Tickets
			}
		}
		for _, r := range recs {
			t := r.tickets()
			t.Held = held[r.UserID]
			all = append(all, t)
		}
	}
	return all, nil
}

// ConvertWatch converts a viewer's watchtime in guild's open period p
// into tickets, called with their watch minutes before and after a
// credit. The first call of a period records before as the viewer's
// baseline (one write per viewer per period: minutes before never
// count); later calls write only when a full hour more was watched (one
// ledger entry keyed by the hour count, and the tickets item), so most
// credits cost one read here and no write. It returns the tickets
// granted.
func (s *Store) ConvertWatch(ctx context.Context, guild string, p raffle.Period, user int64, name string, before, after int64, now time.Time) (int64, error) {
	if guild == "" || user <= 0 || !p.Accepts(now) {
		return 0, nil
	}
	k := ticketsKey(guild, p.ID, user)
	for attempt := range raffleRetries {
		if attempt > 0 {
			if err := pause(ctx, rand.N(time.Duration(attempt)*retryPause)); err != nil {
				return 0, fault.Wrap(fault.Transient, err, "wait to retry")
			}
		}
		item, _, err := s.getItem(ctx, k, "load tickets")
		if err != nil {
			return 0, err
		}
		var r ticketsRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return 0, fault.Wrap(fault.Internal, err, "decode tickets")
		}
		if r.Base == nil {
			u := expression.Set(expression.Name("wm0"), expression.IfNotExists(expression.Name("wm0"), expression.Value(before))).
				Set(expression.Name("userId"), expression.Value(user)).
				Set(expression.Name("wh"), expression.IfNotExists(expression.Name("wh"), expression.Value(0)))
			if name != "" {
				u = u.Set(expression.Name("name"), expression.Value(name))
			}
			err := s.updateIf(ctx, k, u, expression.AttributeNotExists(expression.Name("wm0")), "", "record watch baseline")
			switch {
			case fault.Is(err, fault.Conflict):
				continue // another call recorded it: read it
			case err != nil:
				return 0, err
			}
			b := before
			r.Base = &b
		}
		hours := raffle.WatchHours(*r.Base, after)
		if hours <= r.Hours || p.Settings.PerHour == 0 {
			return 0, nil
		}
		e := raffle.Entry{Cause: raffle.WatchCause(hours), Source: raffle.Watch, Tickets: (hours - r.Hours) * p.Settings.PerHour, At: now}
		// Conditioned on the hours converted as read: a concurrent
		// conversion of the same hours lands once.
		same := expression.Name("wh").Equal(expression.Value(r.Hours))
		items, err := s.ticketWrites(guild, p.ID, user, name, e, 0, map[string]int64{"wh": hours}, &same)
		if err != nil {
			return 0, err
		}
		done, err := s.transact(ctx, items, "convert watchtime")
		if err != nil {
			return 0, err
		}
		if done {
			s.addSum(ctx, guild, p.ID, user, e.Tickets)
			return e.Tickets, nil
		}
	}
	return 0, fault.E(fault.Transient, "the tickets kept changing; try again")
}

const sumSK = "SUM"

// addSum adds n to the SUM of user's shard. A failure is dropped: the sum
// only feeds the chance !tickets shows, and the tickets are recorded.
func (s *Store) addSum(ctx context.Context, guild, period string, user int64, n int64) {
	k := itemKey{PK: rafflePK(guild, period, shardOf(user)), SK: sumSK}
	expr, err := expression.NewBuilder().WithUpdate(expression.Add(expression.Name("n"), expression.Value(n))).Build()
	if err != nil {
		return
	}
	_, _ = s.Client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &s.Table, Key: k.av(), UpdateExpression: expr.Update(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values()})
}

// RaffleTotal is about the tickets of everyone in guild's period: held
// gift tickets, excluded and banned viewers included. One batch read of
// the 16 shard sums.
func (s *Store) RaffleTotal(ctx context.Context, guild, period string) (int64, error) {
	if guild == "" || period == "" {
		return 0, fault.E(fault.Invalid, "tickets need a guild and a period")
	}
	keys := make([]itemKey, raffleShards)
	for i := range keys {
		keys[i] = itemKey{PK: rafflePK(guild, period, i), SK: sumSK}
	}
	items, err := s.batchGet(ctx, keys, []string{"n"}, "load ticket sums")
	if err != nil {
		return 0, err
	}
	var total int64
	for _, item := range items {
		n, _, err := numberAttr(item, "n")
		if err != nil {
			return 0, fault.Wrap(fault.Internal, err, "decode ticket sum")
		}
		total += n
	}
	return max(0, total), nil
}

// A draw's table is kept under its digest (the draw's client seed), in
// parts of up to tablePartLines lines ("<kick id> <tickets>\n", about
// 15 bytes: under 80 KB a part):
//
//	pk RAFFLE#<guild>#<period>#TABLE#<digest>   sk PART#<nnnnn>   t S
//
// so /raffle verify checks the stored proof against exactly the table
// drawn from, whatever changed since (holds released or expired). Keyed
// by digest, a rerun of a draw that computed another table never
// overwrites the one drawn from.
const tablePartLines = 5000

// raffleTableSK lists a stored table in the guild's partition:
// RAFFLETABLE#<period>#<digest>.
const raffleTableSK = "RAFFLETABLE#"

func tablePK(guild, period, digest string) string {
	return rafflePrefix + guild + "#" + period + "#TABLE#" + digest
}

// SaveRaffleTable stores table, whose digest in period is digest.
func (s *Store) SaveRaffleTable(ctx context.Context, guild, period, digest string, table []pick.Weighted) error {
	if guild == "" || period == "" || digest == "" {
		return fault.E(fault.Invalid, "a table needs a guild, a period and its digest")
	}
	// Listed in the guild's partition first, so that PurgeGuild finds a
	// rerun's table too, not only the one the period names.
	listed, err := attributevalue.MarshalMap(itemKey{PK: guildPrefix + guild, SK: raffleTableSK + period + "#" + digest})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode table listing")
	}
	if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: listed}); err != nil {
		return classify(err, "list table")
	}
	for part := 0; part*tablePartLines < len(table) || part == 0; part++ {
		var b strings.Builder
		for _, w := range table[part*tablePartLines : min(len(table), (part+1)*tablePartLines)] {
			b.WriteString(w.ID + " " + strconv.FormatInt(w.Weight, 10) + "\n")
		}
		item, err := attributevalue.MarshalMap(struct {
			itemKey
			T string `dynamodbav:"t"`
		}{itemKey{PK: tablePK(guild, period, digest), SK: fmt.Sprintf("PART#%05d", part)}, b.String()})
		if err != nil {
			return fault.Wrap(fault.Internal, err, "encode table")
		}
		if _, err := s.Client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.Table, Item: item}); err != nil {
			return classify(err, "save table")
		}
	}
	return nil
}

// RaffleTable returns the table stored under digest; fault.NotFound when
// none is.
func (s *Store) RaffleTable(ctx context.Context, guild, period, digest string) ([]pick.Weighted, error) {
	if guild == "" || period == "" || digest == "" {
		return nil, fault.E(fault.Invalid, "a table needs a guild, a period and its digest")
	}
	items, err := s.queryWhere(ctx, where{key: expression.Key("pk").Equal(expression.Value(tablePK(guild, period, digest)))}, 0, "load table")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fault.E(fault.NotFound, "the draw's table is not stored")
	}
	var table []pick.Weighted
	for _, item := range items {
		var part struct {
			T string `dynamodbav:"t"`
		}
		if err := attributevalue.UnmarshalMap(item, &part); err != nil {
			return nil, fault.Wrap(fault.Internal, err, "decode table")
		}
		for line := range strings.Lines(part.T) {
			id, n, ok := strings.Cut(strings.TrimSpace(line), " ")
			w, err := strconv.ParseInt(n, 10, 64)
			if !ok || err != nil {
				return nil, fault.E(fault.Internal, "a stored table line is malformed")
			}
			table = append(table, pick.Weighted{ID: id, Weight: w})
		}
	}
	return table, nil
}
