package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/watchtime"
	"github.com/kickbot/kickbot/shared/work"
)

// A guild's timed messages are one item each beside its settings:
//
//	pk GUILD#<guild>   sk TIMER#<name>   name S, variants L, intervalMins N,
//	                                     minChatters N, offline BOOL,
//	                                     enabled BOOL, createdAt N(ms),
//	                                     version N, lastSlot N (minute of
//	                                     the last post), next N
//
// and their number is the attribute timers N of the guild's sweep
// checkpoint item, which the sweep reads every minute anyway: a guild
// without timers costs the sweep nothing more, and one with timers one
// Query of at most MaxTimers small items a minute. Adding and removing a
// timer changes the count in the same transaction, with the interaction's
// claim. A post is one conditional write to its timer's item (see
// ClaimTimerPost); no write per chat message.
const timerPrefix = "TIMER#"

var (
	_ interact.Timers  = (*Store)(nil)
	_ sweep.TimerStore = (*Store)(nil)
	_ work.TimerStore  = (*Store)(nil)
)

type timerRecord struct {
	itemKey
	Name         string   `dynamodbav:"name"`
	Variants     []string `dynamodbav:"variants"`
	IntervalMins int64    `dynamodbav:"intervalMins"`
	MinChatters  int64    `dynamodbav:"minChatters"`
	Offline      bool     `dynamodbav:"offline"`
	Enabled      bool     `dynamodbav:"enabled"`
	CreatedAt    int64    `dynamodbav:"createdAt"`
	Version      int64    `dynamodbav:"version"`
	LastSlot     *int64   `dynamodbav:"lastSlot,omitempty"`
	Next         int64    `dynamodbav:"next"`
}

func timerKey(guild, name string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: timerPrefix + name}
}

func (r timerRecord) timer() timer.Timer {
	t := timer.Timer{
		Name: r.Name, Variants: r.Variants, Interval: time.Duration(r.IntervalMins) * time.Minute,
		MinChatters: int(r.MinChatters), Offline: r.Offline, Enabled: r.Enabled,
		Created: fromMillis(r.CreatedAt), Next: int(r.Next), Version: r.Version,
	}
	if r.LastSlot != nil {
		t.LastPost = watchtime.Minute(*r.LastSlot).Start()
	}
	return t
}

// Timers returns guild's timers, by name, with their post state.
func (s *Store) Timers(ctx context.Context, guild string) ([]timer.Timer, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "timers need a guild")
	}
	items, err := s.queryWhere(ctx, where{
		key: expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(timerPrefix)),
	}, 0, "list timers")
	if err != nil {
		return nil, err
	}
	var records []timerRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode timers")
	}
	out := make([]timer.Timer, len(records))
	for i, r := range records {
		out[i] = r.timer()
	}
	return out, nil
}

// timerCount is the update of the guild's timer count by delta.
func (s *Store) timerCount(guild string, delta int, cond *expression.ConditionBuilder) (types.TransactWriteItem, error) {
	b := expression.NewBuilder().WithUpdate(expression.Set(expression.Name("guild"), expression.Value(guild)).
		Add(expression.Name("timers"), expression.Value(delta)))
	if cond != nil {
		b = b.WithCondition(*cond)
	}
	expr, err := b.Build()
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "build timer count")
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       checkpointKey(guild).av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// AddTimerOnce adds t (validated; its post state starts empty, Created
// is kept) to guild's timers, once per cause: interact.ErrApplied when c
// took effect before. A taken name is fault.Conflict; a guild with
// timer.MaxTimers already, fault.Invalid.
func (s *Store) AddTimerOnce(ctx context.Context, guild string, t timer.Timer, c interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "a timer needs a guild")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(timerRecord{
		itemKey: timerKey(guild, t.Name), Name: t.Name, Variants: t.Variants,
		IntervalMins: int64(t.Interval / time.Minute), MinChatters: int64(t.MinChatters),
		Offline: t.Offline, Enabled: t.Enabled, CreatedAt: millis(t.Created), Version: 1,
	})
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode timer")
	}
	put, err := s.txPut(item, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return err
	}
	count := expression.Name("timers")
	room := expression.AttributeNotExists(count).Or(count.LessThan(expression.Value(timer.MaxTimers)))
	inc, err := s.timerCount(guild, 1, &room)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put, inc}, "add timer")
	if err != nil || done {
		return err
	}
	// Refused: the name is taken, or the guild is full; a read tells which.
	_, taken, err := s.getItem(ctx, timerKey(guild, t.Name), "load timer")
	switch {
	case err != nil:
		return err
	case taken:
		return fault.E(fault.Conflict, "a timer named %s exists already; edit it or pick another name", t.Name)
	}
	if n, err := s.timerTotal(ctx, guild); err == nil && n >= timer.MaxTimers {
		return fault.E(fault.Invalid, "a server has at most %d timers; remove one first", timer.MaxTimers)
	}
	return fault.E(fault.Transient, "the timers were changing; try again")
}

// timerTotal is the guild's timer count as stored.
func (s *Store) timerTotal(ctx context.Context, guild string) (int, error) {
	cp, err := s.Checkpoint(ctx, guild)
	return cp.Timers, err
}

// EditTimerOnce replaces the settings of guild's timer t.Name with t's
// (validated), keeping when it was made and its post state, if its
// stored version is still t.Version; once per cause. Errors:
// interact.ErrApplied when c took effect before, fault.NotFound for no
// such timer, fault.Conflict when it changed since it was read.
func (s *Store) EditTimerOnce(ctx context.Context, guild string, t timer.Timer, c interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "a timer needs a guild")
	}
	if err := t.Validate(); err != nil {
		return err
	}
	version := expression.Name("version")
	expr, err := expression.NewBuilder().WithUpdate(
		expression.Set(expression.Name("variants"), expression.Value(t.Variants)).
			Set(expression.Name("intervalMins"), expression.Value(int64(t.Interval/time.Minute))).
			Set(expression.Name("minChatters"), expression.Value(t.MinChatters)).
			Set(expression.Name("offline"), expression.Value(t.Offline)).
			Set(expression.Name("enabled"), expression.Value(t.Enabled)).
			Add(version, expression.Value(1))).
		WithCondition(expression.AttributeExists(expression.Name("pk")).And(version.Equal(expression.Value(t.Version)))).
		Build()
	if err != nil {
		return fault.Wrap(fault.Internal, err, "build timer edit")
	}
	update := types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       timerKey(guild, t.Name).av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{update}, "edit timer")
	if err != nil || done {
		return err
	}
	_, ok, err := s.getItem(ctx, timerKey(guild, t.Name), "load timer")
	switch {
	case err != nil:
		return err
	case !ok:
		return fault.E(fault.NotFound, "there is no timer named %s", t.Name)
	}
	return fault.E(fault.Conflict, "the timer %s was changed meanwhile; run the command again", t.Name)
}

// RemoveTimerOnce removes guild's timer name, once per cause:
// interact.ErrApplied when c took effect before, fault.NotFound when
// there is no such timer.
func (s *Store) RemoveTimerOnce(ctx context.Context, guild, name string, c interact.Cause) error {
	if guild == "" || timer.ValidName(name) != nil {
		return fault.E(fault.NotFound, "there is no timer named %q", name)
	}
	del, err := s.txDelete(timerKey(guild, name), expression.AttributeExists(expression.Name("pk")))
	if err != nil {
		return err
	}
	dec, err := s.timerCount(guild, -1, nil)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{del, dec}, "remove timer")
	if err != nil || done {
		return err
	}
	_, ok, err := s.getItem(ctx, timerKey(guild, name), "load timer")
	switch {
	case err != nil:
		return err
	case !ok:
		return fault.E(fault.NotFound, "there is no timer named %s", name)
	}
	return fault.E(fault.Transient, "the timers were changing; try again")
}

// ClaimTimerPost records p as guild's timer p.Name's latest post, moving
// its last post to p.Slot and its next variant to p.Next, if its last
// post is still p.Prior: of the posts decided from one state (two sweeps
// of a minute, a late one and the next, a job delivered twice) one
// claims. It reports whether p may be said: true when this call claimed,
// and true again for p's own slot (a retry of the same post, which the
// chat claim of its cause says once); false when another post came
// between or the timer is gone.
func (s *Store) ClaimTimerPost(ctx context.Context, guild string, p timer.Post) (bool, error) {
	if guild == "" || timer.ValidName(p.Name) != nil || p.Slot.IsZero() {
		return false, fault.E(fault.Invalid, "a timer post needs a guild, a timer and a slot")
	}
	last := expression.Name("lastSlot")
	slot := expression.Value(int64(watchtime.MinuteOf(p.Slot)))
	prior := expression.AttributeNotExists(last)
	if !p.Prior.IsZero() {
		prior = last.Equal(expression.Value(int64(watchtime.MinuteOf(p.Prior))))
	}
	err := s.updateIf(ctx, timerKey(guild, p.Name), expression.Set(last, slot).Set(expression.Name("next"), expression.Value(p.Next)),
		expression.AttributeExists(expression.Name("pk")).And(prior.Or(last.Equal(slot))), "", "claim timer post")
	if fault.Is(err, fault.Conflict) {
		return false, nil
	}
	return err == nil, err
}
