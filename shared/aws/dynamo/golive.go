package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/sweep"
)

var (
	_ golive.Store      = (*Store)(nil)
	_ sweep.StreamStats = (*Store)(nil)
)

const (
	liveAlertSK     = "LIVEALERT"
	streamStatsSK   = "LIVESTATS#"
	liveChatPrefix  = "LIVECHAT#"
	liveChatSK      = "V#"
	streamStatsTTL  = 30 * 24 * time.Hour
	liveChatWriters = 16
	// alertValue is the live index's partition of guilds with a go-live
	// alert or recap pending, which the sweep lists each minute to queue
	// their ticks: apart from the "live" partition, so the crediting
	// sweep never visits a guild only for its alert.
	alertValue = "alert"
)

// liveAlertRecord is a guild's golive.State (see dynamo.go's key table).
type liveAlertRecord struct {
	itemKey
	Guild       string  `dynamodbav:"guild"`
	Broadcaster int64   `dynamodbav:"broadcaster"`
	Live        bool    `dynamodbav:"live"`
	Stream      int64   `dynamodbav:"stream"`
	Segments    []int64 `dynamodbav:"segments"`
	EndedAt     int64   `dynamodbav:"endedAt"`
	StatusAt    int64   `dynamodbav:"statusAt"`
	AlertSince  int64   `dynamodbav:"alertSince"`
	RecapAt     int64   `dynamodbav:"recapAt"`
	Slug        string  `dynamodbav:"slug"`
	Title       string  `dynamodbav:"title"`
	Category    string  `dynamodbav:"category"`
	FlapMins    int64   `dynamodbav:"flapMins"`
	Version     int64   `dynamodbav:"version"`
	LiveIndex   string  `dynamodbav:"liveIndex,omitempty"`
}

func liveAlertKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: liveAlertSK} }

// LiveAlert returns guild's go-live state; the zero State when never saved.
func (s *Store) LiveAlert(ctx context.Context, guild string) (golive.State, error) {
	item, _, err := s.getItem(ctx, liveAlertKey(guild), "load go-live state")
	if err != nil {
		return golive.State{}, err
	}
	var r liveAlertRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return golive.State{}, fault.Wrap(fault.Internal, err, "decode go-live state")
	}
	st := golive.State{
		Broadcaster: r.Broadcaster, Live: r.Live, Stream: fromMillis(r.Stream), EndedAt: fromMillis(r.EndedAt),
		StatusAt: fromMillis(r.StatusAt), AlertSince: fromMillis(r.AlertSince), RecapAt: fromMillis(r.RecapAt),
		Slug: r.Slug, Title: r.Title, Category: r.Category, FlapWindow: time.Duration(r.FlapMins) * time.Minute,
		Version: r.Version,
	}
	for _, seg := range r.Segments {
		st.Segments = append(st.Segments, fromMillis(seg))
	}
	return st, nil
}

// SaveLiveAlert stores st over st.Version: fault.Conflict when another
// change came first. While something is pending the item is in the live
// index's "alert" partition, which PendingLiveAlerts lists.
func (s *Store) SaveLiveAlert(ctx context.Context, guild string, st golive.State) error {
	if guild == "" {
		return fault.E(fault.Invalid, "go-live state needs a guild")
	}
	r := liveAlertRecord{
		itemKey: liveAlertKey(guild), Guild: guild, Broadcaster: st.Broadcaster, Live: st.Live,
		Stream: millis(st.Stream), EndedAt: millis(st.EndedAt), StatusAt: millis(st.StatusAt),
		AlertSince: millis(st.AlertSince), RecapAt: millis(st.RecapAt),
		Slug: st.Slug, Title: st.Title, Category: st.Category,
		FlapMins: int64(st.FlapWindow / time.Minute), Version: st.Version + 1,
	}
	for _, seg := range st.Segments {
		r.Segments = append(r.Segments, millis(seg))
	}
	if st.Pending() {
		r.LiveIndex = alertValue
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode go-live state")
	}
	cond := expression.Name("version").Equal(expression.Value(st.Version))
	if st.Version == 0 {
		cond = expression.AttributeNotExists(expression.Name("pk"))
	}
	return s.putIf(ctx, item, cond, "the go-live state changed meanwhile", "save go-live state")
}

// PendingLiveAlerts lists the guilds with a go-live alert or recap
// pending, in guild order. The index is eventually consistent: a guild
// may show up a moment late, or once after its alert went out.
func (s *Store) PendingLiveAlerts(ctx context.Context) ([]string, error) {
	items, err := s.queryWhere(ctx, where{
		index: liveIndex,
		key:   expression.Key("liveIndex").Equal(expression.Value(alertValue)),
	}, 0, "list pending go-live alerts")
	if err != nil {
		return nil, err
	}
	var records []struct {
		Guild string `dynamodbav:"guild"`
	}
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode pending go-live alerts")
	}
	guilds := make([]string, len(records))
	for i, r := range records {
		guilds[i] = r.Guild
	}
	return guilds, nil
}

func streamStatsKey(guild string, start time.Time) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: fmt.Sprintf("%s%013d", streamStatsSK, start.UnixMilli())}
}

// liveChatKey is a chatter's item of a stream part, on one of the part's
// ViewerShards partitions, as the viewer's own item is.
func liveChatKey(guild string, start time.Time, user int64) itemKey {
	return itemKey{PK: liveChatPK(guild, start, shardOf(user)), SK: liveChatSK + strconv.FormatInt(user, 10)}
}

// liveChatPK is the partition of shard of the stream part that started
// at start.
func liveChatPK(guild string, start time.Time, shard int) string {
	return fmt.Sprintf("%s%s#%013d#%02d", liveChatPrefix, guild, start.UnixMilli(), shard)
}

// StreamMinute adds one minute of a stream part to its numbers: a minute
// for each of its chatters, and the minute's credits and chatters to the
// part's stats item. Each write is conditioned on its minute, so a sweep
// that runs the minute again counts nothing twice. Cost: one write per
// chatter of the minute (not per message) and two for the part.
func (s *Store) StreamMinute(ctx context.Context, guild string, start time.Time, m sweep.StreamMinute) error {
	if guild == "" || start.IsZero() {
		return fault.E(fault.Invalid, "stream stats need a guild and the stream's start")
	}
	minute := int64(m.Minute)
	expires := ttlSeconds(m.Minute.Start().Add(streamStatsTTL))
	newer := func() expression.ConditionBuilder {
		lm := expression.Name("lm")
		return expression.AttributeNotExists(lm).Or(lm.LessThan(expression.Value(minute)))
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(liveChatWriters, len(m.Chatters)) {
		wg.Go(func() {
			for i := range next {
				c := m.Chatters[i]
				u := expression.Add(expression.Name("m"), expression.Value(1)).
					Set(expression.Name("lm"), expression.Value(minute)).
					Set(expression.Name("u"), expression.Value(c.UserID)).
					Set(expression.Name("expiresAt"), expression.Value(expires))
				if c.Username != "" {
					u = u.Set(expression.Name("n"), expression.Value(c.Username))
				}
				err := s.updateIf(ctx, liveChatKey(guild, start, c.UserID), u, newer(), "", "count a chatter's stream minute")
				if err != nil && !fault.Is(err, fault.Conflict) {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range m.Chatters {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		// The part's minute is not marked: the sweep's retry counts the
		// chatters left, and the rest refuse by their own minute.
		return errs[0]
	}
	k := streamStatsKey(guild, start)
	u := expression.Add(expression.Name("minutes"), expression.Value(m.Credits)).
		Add(expression.Name("points"), expression.Value(m.PointsMilli)).
		Set(expression.Name("lm"), expression.Value(minute)).
		Set(expression.Name("expiresAt"), expression.Value(expires))
	if err := s.updateIf(ctx, k, u, newer(), "", "count a stream minute"); err != nil && !fault.Is(err, fault.Conflict) {
		return err
	}
	// The peak only ever rises, so this write may repeat.
	peak := expression.Name("peak")
	n := int64(len(m.Chatters))
	err := s.updateIf(ctx, k, expression.Set(peak, expression.Value(n)),
		expression.AttributeNotExists(peak).Or(peak.LessThan(expression.Value(n))), "", "raise a stream's peak")
	if fault.Is(err, fault.Conflict) {
		return nil
	}
	return err
}

// StreamStats returns the numbers of the stream part that started at
// start: its stats item and one query per chatter shard, which hold an
// item per chatter of the part (not per minute or message).
func (s *Store) StreamStats(ctx context.Context, guild string, start time.Time) (golive.Stats, error) {
	item, _, err := s.getItem(ctx, streamStatsKey(guild, start), "load stream stats")
	if err != nil {
		return golive.Stats{}, err
	}
	var r struct {
		Minutes int64 `dynamodbav:"minutes"`
		Points  int64 `dynamodbav:"points"`
		Peak    int64 `dynamodbav:"peak"`
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return golive.Stats{}, fault.Wrap(fault.Internal, err, "decode stream stats")
	}
	st := golive.Stats{Peak: r.Peak, Minutes: r.Minutes, PointsMilli: r.Points}
	for shard := range ViewerShards {
		pk := liveChatPK(guild, start, shard)
		items, err := s.queryWhere(ctx, where{
			key:     expression.Key("pk").Equal(expression.Value(pk)),
			project: []string{"u", "n", "m"},
		}, 0, "list a stream's chatters")
		if err != nil {
			return golive.Stats{}, err
		}
		var cs []struct {
			U int64  `dynamodbav:"u"`
			N string `dynamodbav:"n"`
			M int64  `dynamodbav:"m"`
		}
		if err := attributevalue.UnmarshalListOfMaps(items, &cs); err != nil {
			return golive.Stats{}, fault.Wrap(fault.Internal, err, "decode a stream's chatters")
		}
		for _, c := range cs {
			st.Chatters = append(st.Chatters, golive.Chatter{UserID: c.U, Name: c.N, Minutes: c.M})
		}
	}
	return st, nil
}

// EventCounts counts guild's logged follows, subs, gifted subs and KICKs
// delivered in [from, to): one query of the log's range, which holds the
// stream's events only.
func (s *Store) EventCounts(ctx context.Context, guild string, from, to time.Time) (golive.Counts, error) {
	var c golive.Counts
	if !from.Before(to) {
		return c, nil
	}
	lo := fmt.Sprintf("%s%013d", eventPrefix, from.UnixMilli())
	hi := fmt.Sprintf("%s%013d", eventPrefix, to.UnixMilli())
	// Between is inclusive, but an entry delivered at to sorts after hi
	// (its key goes on with its id): the range is [from, to).
	items, err := s.queryWhere(ctx, where{
		key:     expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").Between(expression.Value(lo), expression.Value(hi))),
		project: []string{"sk", "type", "body"},
	}, 0, "count a stream's events")
	if err != nil {
		return c, err
	}
	for _, item := range items {
		var r eventRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return c, fault.Wrap(fault.Internal, err, "decode event")
		}
		switch event.Type(r.Type) {
		case event.Followed:
			c.Follows++
		case event.SubscriptionNew, event.SubscriptionRenew:
			c.Subs++
		case event.SubscriptionGifts, event.KicksGifted:
			var ev event.Event
			if err := json.Unmarshal([]byte(r.Body), &ev); err != nil {
				return c, fault.Wrap(fault.Internal, err, "decode event body")
			}
			if ev.Gifts != nil {
				c.GiftedSubs += int64(len(ev.Gifts.Giftees))
			}
			if ev.Kicks != nil {
				c.Kicks += ev.Kicks.Amount
			}
		}
	}
	return c, nil
}
