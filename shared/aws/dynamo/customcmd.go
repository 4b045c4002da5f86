package dynamo

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// A guild's custom commands, their use counts and cooldowns:
//
//	item            pk                        sk             other attributes
//	custom command  GUILD#<guild>             CMD#<name>     name S, aliases L, response S, level N,
//	                                                         cooldownMs N, userCooldownMs N, enabled BOOL,
//	                                                         version N
//	command alias   GUILD#<guild>             CMD#<alias>    aliasOf S (the command's name)
//	command tally   GUILD#<guild>             CMDCOUNT       n N (the guild's commands, ≤ custom.MaxCommands)
//	use count       CMD#<guild>#<name>        USES           uses N
//	global cooldown CMD#<guild>#<name>        COOLDOWN       claim S, until N(ms), expiresAt N(s, TTL)
//	user cooldown   COOLDOWN#<guild>#<user>   CMD#<name>     claim S, until N(ms), expiresAt N(s, TTL)
//	use marker      USE#<guild>#<nn>          <use id>#      expiresAt N(s, TTL); nn 00-15, a hash of the
//	                                          <name>         use id (markerShard)
//
// Names and aliases share the CMD# sort keys of the guild's partition, so a
// conditional put of each (attribute_not_exists) is what keeps every name
// and alias of a guild unique, in the transaction that adds or edits the
// command; the tally, updated in the same transaction with the condition
// n < MaxCommands, holds the guild to 200 commands without counting them.
// A chat use reads CMD#<name> (an alias: one read more), a list is one
// Query of CMD# (200 commands of ≤ 1 KB and their aliases: under 1 MB,
// one page), and no item carries an index key.
//
// Capacity (TestCustomUseCost counts it): a chat use reads the command
// (one read on the guild's partition, two through an alias), takes its
// cooldowns (one eventually consistent batch read; then, when they are
// free, a conditional put of each, 2 write units each in a transaction of
// both, 1 alone) and counts the use (a transaction of the marker and the
// count, 2 units each, then one read of the count). No unit of a use lands
// on the guild's partition: the count and the global cooldown take at most
// 4 units a use on the command's own partition, a viewer's cooldown lands
// on that viewer's, the marker on one of the guild's sixteen marker
// shards, picked by the use id (so PurgeGuild finds every marker from the
// guild; a shard reaches 1,000 units only at 8,000 uses a second over all
// the guild's commands). The global cooldown lets one
// use a cooldown through (moderators aside); a command without one, the
// worst case, reaches half a partition's 1,000 units at 250 counted uses a
// second, while Kick's chat rate lets the bot answer a few a second.
// Refusals, the common case while a command rests, write nothing: they
// cost half a read unit an item, of which a partition serves 3,000 a
// second. The guild's partition is written only when an admin changes
// the commands. Markers written under the keys before the shards
// (USE#<guild>#<use id> / CMD#<name>) are not migrated: they expire
// within UseMarkerLife, and a use retried across that change may count
// once more.

const (
	customPrefix      = "CMD#"
	customTallySK     = "CMDCOUNT"
	usesSK            = "USES"
	cooldownSK        = "COOLDOWN"
	cooldownPrefix    = "COOLDOWN#"
	usePrefix         = "USE#"
	maxUseID          = 128
	customEditRetries = 3
	// useRetries bounds the rounds CountUse and TakeCooldown try when
	// concurrent transactions on the same item cancel theirs.
	useRetries = 6
)

// backOff waits before round (from 0) of a write that concurrent
// transactions cancelled: not at all before the first, then 10 ms,
// doubling, so that a burst of uses of one command spreads out.
func backOff(ctx context.Context, round int) error {
	if round == 0 {
		return nil
	}
	if err := pause(ctx, time.Duration(5<<round)*time.Millisecond); err != nil {
		return fault.Wrap(fault.Transient, err, "wait to retry")
	}
	return nil
}

// UseMarkerLife is how long CountUse remembers a use id: past the four
// days a job may wait in the queue and a redrive from the dead-letter
// queue (fourteen days).
const UseMarkerLife = 15 * 24 * time.Hour

type customRecord struct {
	itemKey
	Name           string   `dynamodbav:"name"`
	Aliases        []string `dynamodbav:"aliases,omitempty"`
	Response       string   `dynamodbav:"response"`
	Level          int      `dynamodbav:"level"`
	CooldownMs     int64    `dynamodbav:"cooldownMs"`
	UserCooldownMs int64    `dynamodbav:"userCooldownMs"`
	Enabled        bool     `dynamodbav:"enabled"`
	Version        int64    `dynamodbav:"version"`
	// AliasOf is set on alias items only.
	AliasOf string `dynamodbav:"aliasOf,omitempty"`
}

type aliasRecord struct {
	itemKey
	AliasOf string `dynamodbav:"aliasOf"`
}

type cooldownRecord struct {
	itemKey
	Claim     string `dynamodbav:"claim"`
	Until     int64  `dynamodbav:"until"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
}

func customKey(guild, name string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: customPrefix + name}
}

func customTallyKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: customTallySK} }

func usesKey(guild, name string) itemKey {
	return itemKey{PK: customPrefix + guild + "#" + name, SK: usesSK}
}

func globalCooldownKey(guild, name string) itemKey {
	return itemKey{PK: customPrefix + guild + "#" + name, SK: cooldownSK}
}

func userCooldownKey(guild, name string, user int64) itemKey {
	return itemKey{PK: cooldownPrefix + guild + "#" + strconv.FormatInt(user, 10), SK: customPrefix + name}
}

// useMarkerKey is the marker of a use, in one of the guild's markerShards
// partitions: the name has no '#', so the sort key's last one splits it
// from the use id.
func useMarkerKey(guild, name, useID string) itemKey {
	return itemKey{PK: markerPK(usePrefix, guild, markerShard(useID)), SK: useID + "#" + name}
}

func (r customRecord) command() custom.Command {
	return custom.Command{
		Name:         r.Name,
		Aliases:      r.Aliases,
		Response:     r.Response,
		Level:        command.Level(r.Level),
		Cooldown:     time.Duration(r.CooldownMs) * time.Millisecond,
		UserCooldown: time.Duration(r.UserCooldownMs) * time.Millisecond,
		Enabled:      r.Enabled,
	}
}

func customItem(guild string, c custom.Command, version int64) (map[string]types.AttributeValue, error) {
	item, err := attributevalue.MarshalMap(customRecord{
		itemKey:        customKey(guild, c.Name),
		Name:           c.Name,
		Aliases:        c.Aliases,
		Response:       c.Response,
		Level:          int(c.Level),
		CooldownMs:     c.Cooldown.Milliseconds(),
		UserCooldownMs: c.UserCooldown.Milliseconds(),
		Enabled:        c.Enabled,
		Version:        version,
	})
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "encode custom command")
	}
	return item, nil
}

// aliasPut is the transaction's put of alias a of the command name, on
// the condition that no command or alias holds the name a.
func (s *Store) aliasPut(guild, name, a string) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(aliasRecord{itemKey: customKey(guild, a), AliasOf: name})
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "encode command alias")
	}
	return s.txPut(item, expression.AttributeNotExists(expression.Name("pk")))
}

// aliasDelete is the transaction's delete of alias a, unless another
// command has taken it.
func (s *Store) aliasDelete(guild, name, a string) (types.TransactWriteItem, error) {
	return s.txDelete(customKey(guild, a), expression.AttributeNotExists(expression.Name("pk")).
		Or(expression.Name("aliasOf").Equal(expression.Value(name))))
}

// txUpdate is a transaction's update of the item at k by u, conditioned
// on cond when not nil.
func (s *Store) txUpdate(k itemKey, u expression.UpdateBuilder, cond *expression.ConditionBuilder) (types.TransactWriteItem, error) {
	b := expression.NewBuilder().WithUpdate(u)
	if cond != nil {
		b = b.WithCondition(*cond)
	}
	expr, err := b.Build()
	if err != nil {
		return types.TransactWriteItem{}, fault.Wrap(fault.Internal, err, "build transaction update")
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 &s.Table,
		Key:                       k.av(),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// tally is the transaction's change of the guild's command tally by delta;
// an addition holds it to custom.MaxCommands.
func (s *Store) tally(guild string, delta int) (types.TransactWriteItem, error) {
	n := expression.Name("n")
	var cond *expression.ConditionBuilder
	if delta > 0 {
		c := expression.AttributeNotExists(n).Or(n.LessThanEqual(expression.Value(custom.MaxCommands - delta)))
		cond = &c
	}
	return s.txUpdate(customTallyKey(guild), expression.Add(n, expression.Value(delta)), cond)
}

// loadCustom reads the item CMD#<name> of guild: a command, an alias (its
// AliasOf set), or nothing (false).
func (s *Store) loadCustom(ctx context.Context, guild, name string) (customRecord, bool, error) {
	item, ok, err := s.getItem(ctx, customKey(guild, name), "load custom command")
	if err != nil || !ok {
		return customRecord{}, false, err
	}
	var r customRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return customRecord{}, false, fault.Wrap(fault.Internal, err, "decode custom command")
	}
	return r, true, nil
}

// loadOwn reads guild's command called name for a change: fault.NotFound
// when there is none, fault.Invalid when name is one of its aliases.
func (s *Store) loadOwn(ctx context.Context, guild, name string) (customRecord, error) {
	if guild == "" {
		return customRecord{}, fault.E(fault.Invalid, "a custom command needs a guild")
	}
	name = custom.NormalizeName(name)
	if custom.ValidName(name) != nil {
		return customRecord{}, fault.E(fault.NotFound, "there is no command !%s", name)
	}
	r, ok, err := s.loadCustom(ctx, guild, name)
	switch {
	case err != nil:
		return customRecord{}, err
	case !ok:
		return customRecord{}, fault.E(fault.NotFound, "there is no command !%s", name)
	case r.AliasOf != "":
		return customRecord{}, fault.E(fault.Invalid, "!%s is an alias of !%s: name the command itself", name, r.AliasOf)
	}
	return r, nil
}

// AddCustomCommandOnce adds c to guild's commands, once per cause: it
// returns interact.ErrApplied when cause took effect before, fault.Invalid
// when c does not validate, and fault.Conflict, changing nothing, when a
// name of c is taken by another command or alias or when the guild has
// custom.MaxCommands commands already.
func (s *Store) AddCustomCommandOnce(ctx context.Context, guild string, c custom.Command, cause interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "a custom command needs a guild")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	item, err := customItem(guild, c, 1)
	if err != nil {
		return err
	}
	put, err := s.txPut(item, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return err
	}
	items := []types.TransactWriteItem{put}
	for _, a := range c.Aliases {
		p, err := s.aliasPut(guild, c.Name, a)
		if err != nil {
			return err
		}
		items = append(items, p)
	}
	t, err := s.tally(guild, 1)
	if err != nil {
		return err
	}
	items = append(items, t)
	done, err := s.once(ctx, guild, cause, items, "add custom command")
	if err != nil || done {
		return err
	}
	if err := s.nameTaken(ctx, guild, "", c.Names()); err != nil {
		return err
	}
	full, err := s.tallyFull(ctx, guild)
	if err != nil {
		return err
	}
	if full {
		return fault.E(fault.Conflict, "this server has %d custom commands, the most it may have; remove one first", custom.MaxCommands)
	}
	return fault.E(fault.Transient, "the custom commands were changing; try again")
}

// nameTaken returns fault.Conflict naming the first of names that a
// command or alias other than the command own ("" for a new command) and
// its aliases holds, nil if none is.
func (s *Store) nameTaken(ctx context.Context, guild, own string, names []string) error {
	keys := make([]itemKey, len(names))
	for i, n := range names {
		keys[i] = customKey(guild, n)
	}
	items, err := s.batchGet(ctx, keys, []string{"name", "aliasOf"}, "check custom command names")
	if err != nil {
		return err
	}
	taken := map[string]customRecord{}
	for _, item := range items {
		var r customRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return fault.Wrap(fault.Internal, err, "decode custom command")
		}
		taken[strings.TrimPrefix(r.SK, customPrefix)] = r
	}
	for _, n := range names {
		r, ok := taken[n]
		switch {
		case !ok || own != "" && (r.AliasOf == own || r.AliasOf == "" && r.Name == own):
			continue
		case r.AliasOf != "":
			return fault.E(fault.Conflict, "!%s is already an alias of !%s", n, r.AliasOf)
		}
		return fault.E(fault.Conflict, "!%s is already a command", n)
	}
	return nil
}

// tallyFull reports whether guild has custom.MaxCommands commands.
func (s *Store) tallyFull(ctx context.Context, guild string) (bool, error) {
	item, ok, err := s.getItem(ctx, customTallyKey(guild), "load custom command tally")
	if err != nil || !ok {
		return false, err
	}
	var r struct {
		N int `dynamodbav:"n"`
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return false, fault.Wrap(fault.Internal, err, "decode custom command tally")
	}
	return r.N >= custom.MaxCommands, nil
}

// EditCustomCommandOnce applies e to guild's command name, once per
// cause, and returns the command as stored: interact.ErrApplied when cause
// took effect before, fault.NotFound when there is no such command,
// fault.Invalid when name is an alias or the result does not validate,
// fault.Conflict when a new alias is taken. Aliases dropped are freed in
// the same transaction.
func (s *Store) EditCustomCommandOnce(ctx context.Context, guild, name string, e custom.Edit, cause interact.Cause) (custom.Command, error) {
	for range customEditRetries {
		r, err := s.loadOwn(ctx, guild, name)
		if err != nil {
			return custom.Command{}, err
		}
		c, err := e.Apply(r.command())
		if err != nil {
			return custom.Command{}, err
		}
		item, err := customItem(guild, c, r.Version+1)
		if err != nil {
			return custom.Command{}, err
		}
		put, err := s.txPut(item, expression.Name("version").Equal(expression.Value(r.Version)))
		if err != nil {
			return custom.Command{}, err
		}
		items := []types.TransactWriteItem{put}
		for _, a := range c.Aliases {
			if !slices.Contains(r.Aliases, a) {
				p, err := s.aliasPut(guild, c.Name, a)
				if err != nil {
					return custom.Command{}, err
				}
				items = append(items, p)
			}
		}
		for _, a := range r.Aliases {
			if !slices.Contains(c.Aliases, a) {
				d, err := s.aliasDelete(guild, c.Name, a)
				if err != nil {
					return custom.Command{}, err
				}
				items = append(items, d)
			}
		}
		done, err := s.once(ctx, guild, cause, items, "edit custom command")
		if err != nil {
			return custom.Command{}, err
		}
		if done {
			return c, nil
		}
		if err := s.nameTaken(ctx, guild, c.Name, c.Aliases); err != nil {
			return custom.Command{}, err
		}
		// The command changed since it was read: read it again.
	}
	return custom.Command{}, fault.E(fault.Transient, "the command !%s was changing; try again", name)
}

// RemoveCustomCommandOnce removes guild's command name with its aliases
// and use count, once per cause: interact.ErrApplied when cause took
// effect before, fault.NotFound when there is no such command,
// fault.Invalid when name is an alias.
func (s *Store) RemoveCustomCommandOnce(ctx context.Context, guild, name string, cause interact.Cause) error {
	for range customEditRetries {
		r, err := s.loadOwn(ctx, guild, name)
		if err != nil {
			return err
		}
		del, err := s.txDelete(customKey(guild, r.Name), expression.Name("version").Equal(expression.Value(r.Version)))
		if err != nil {
			return err
		}
		items := []types.TransactWriteItem{del, s.txRemove(usesKey(guild, r.Name))}
		for _, a := range r.Aliases {
			d, err := s.aliasDelete(guild, r.Name, a)
			if err != nil {
				return err
			}
			items = append(items, d)
		}
		t, err := s.tally(guild, -1)
		if err != nil {
			return err
		}
		items = append(items, t)
		done, err := s.once(ctx, guild, cause, items, "remove custom command")
		if err != nil || done {
			return err
		}
		// Changed or removed since it was read: read it again.
	}
	return fault.E(fault.Transient, "the command !%s was changing; try again", name)
}

// CustomCommand returns guild's command called name, or having name as an
// alias (name in any case); fault.NotFound when there is none. Its Uses
// is not filled in (CustomCommandUses reads it): a chat use does not need
// it.
func (s *Store) CustomCommand(ctx context.Context, guild, name string) (custom.Command, error) {
	if guild == "" {
		return custom.Command{}, fault.E(fault.Invalid, "a custom command needs a guild")
	}
	name = strings.ToLower(name)
	// A name no command can have costs no read.
	if custom.ValidName(name) != nil {
		return custom.Command{}, fault.E(fault.NotFound, "there is no command !%s", name)
	}
	r, ok, err := s.loadCustom(ctx, guild, name)
	if err == nil && ok && r.AliasOf != "" {
		r, ok, err = s.loadCustom(ctx, guild, r.AliasOf)
		// A dangling alias (its command removed between the reads) is
		// no command.
		ok = ok && r.AliasOf == ""
	}
	switch {
	case err != nil:
		return custom.Command{}, err
	case !ok:
		return custom.Command{}, fault.E(fault.NotFound, "there is no command !%s", name)
	}
	return r.command(), nil
}

// CustomCommands returns all of guild's commands, by name, without their
// Uses.
func (s *Store) CustomCommands(ctx context.Context, guild string) ([]custom.Command, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "a custom command needs a guild")
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(customPrefix)),
		consistent: true,
	}, 0, "list custom commands")
	if err != nil {
		return nil, err
	}
	var records []customRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode custom commands")
	}
	var out []custom.Command
	for _, r := range records {
		if r.AliasOf == "" {
			out = append(out, r.command())
		}
	}
	return out, nil
}

// CustomCommandUses returns how often guild's command name was used (its
// CountUse calls, each once); 0 for a command never used or removed.
func (s *Store) CustomCommandUses(ctx context.Context, guild, name string) (int64, error) {
	if err := useKeyParts(guild, name); err != nil {
		return 0, err
	}
	return s.uses(ctx, guild, name)
}

func (s *Store) uses(ctx context.Context, guild, name string) (int64, error) {
	item, _, err := s.getItem(ctx, usesKey(guild, name), "load command uses")
	if err != nil {
		return 0, err
	}
	var r struct {
		Uses int64 `dynamodbav:"uses"`
	}
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return 0, fault.Wrap(fault.Internal, err, "decode command uses")
	}
	return r.Uses, nil
}

// useKeyParts checks that guild and name (a built-in's or a custom
// command's) can make the keys of uses and cooldowns.
func useKeyParts(guild, name string) error {
	if guild == "" || name == "" || len(name) > command.MaxName || strings.Contains(name, "#") {
		return fault.E(fault.Invalid, "a command use needs a guild and a command name")
	}
	return nil
}

// CountUse counts one use of guild's command name, exactly once per useID
// however often it is retried, and returns the count after it. The use's
// marker (kept UseMarkerLife from now) and the count change in one
// transaction. The count returned is read after the change, so concurrent
// uses may return the same number; a retried use returns the count as it
// is then.
func (s *Store) CountUse(ctx context.Context, guild, name, useID string, now time.Time) (int64, error) {
	if err := useKeyParts(guild, name); err != nil {
		return 0, err
	}
	if useID == "" || len(useID) > maxUseID || now.IsZero() {
		return 0, fault.E(fault.Invalid, "a command use needs an id of 1 to %d bytes and a time", maxUseID)
	}
	marker, err := attributevalue.MarshalMap(claimRecord{itemKey: useMarkerKey(guild, name, useID), ExpiresAt: ttlSeconds(now.Add(UseMarkerLife))})
	if err != nil {
		return 0, fault.Wrap(fault.Internal, err, "encode use marker")
	}
	put, err := s.txPut(marker, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return 0, err
	}
	add, err := s.txUpdate(usesKey(guild, name), expression.Add(expression.Name("uses"), expression.Value(1)), nil)
	if err != nil {
		return 0, err
	}
	for round := range useRetries {
		if err := backOff(ctx, round); err != nil {
			return 0, err
		}
		done, err := s.transact(ctx, []types.TransactWriteItem{put, add}, "count command use")
		if err != nil {
			return 0, err
		}
		if !done {
			// Cancelled: by the marker (counted before) or by a
			// concurrent transaction on the count (try again).
			if _, counted, err := s.getItem(ctx, useMarkerKey(guild, name, useID), "load use marker"); err != nil {
				return 0, err
			} else if !counted {
				continue
			}
		}
		return s.uses(ctx, guild, name)
	}
	return 0, fault.E(fault.Transient, "the command !%s is too busy to count; try again", name)
}

// TakeCooldown takes, for claimID, guild's command name's global cooldown
// (for global) and user's cooldown of it (for perUser), both or neither,
// and reports whether it did: true when each was free at now or held by
// claimID already (a retried job passes its own cooldown), false when
// either is held by another claim, which changes nothing. A zero duration
// skips its cooldown. Each cooldown is an item conditioned on being free
// (or claimID's); expired ones are deleted by DynamoDB's TTL.
func (s *Store) TakeCooldown(ctx context.Context, guild, name string, userID int64, global, perUser time.Duration, claimID string, now time.Time) (bool, error) {
	if err := useKeyParts(guild, name); err != nil {
		return false, err
	}
	if global < 0 || perUser < 0 || claimID == "" || len(claimID) > maxUseID || now.IsZero() || (perUser > 0 && userID <= 0) {
		return false, fault.E(fault.Invalid, "a cooldown needs durations of 0 or more, a claim id, a time and, per user, a viewer")
	}
	type hold struct {
		key  itemKey
		span time.Duration
	}
	var holds []hold
	if global > 0 {
		holds = append(holds, hold{globalCooldownKey(guild, name), global})
	}
	if perUser > 0 {
		holds = append(holds, hold{userCooldownKey(guild, name, userID), perUser})
	}
	if len(holds) == 0 {
		return true, nil
	}
	keys := make([]itemKey, len(holds))
	writes := make([]types.TransactWriteItem, len(holds))
	until, claim := expression.Name("until"), expression.Name("claim")
	free := expression.AttributeNotExists(expression.Name("pk")).
		Or(until.LessThanEqual(expression.Value(millis(now)))).
		Or(claim.Equal(expression.Value(claimID)))
	for i, h := range holds {
		keys[i] = h.key
		end := now.Add(h.span)
		item, err := attributevalue.MarshalMap(cooldownRecord{
			itemKey: h.key, Claim: claimID, Until: millis(end),
			// Rounded up, so the item outlives its cooldown.
			ExpiresAt: ttlSeconds(end.Add(time.Second - 1)),
		})
		if err != nil {
			return false, fault.Wrap(fault.Internal, err, "encode cooldown")
		}
		if writes[i], err = s.txPut(item, free); err != nil {
			return false, err
		}
	}
	// An eventually consistent read that shows a cooldown held by another
	// claim is right to refuse: until only moves later. Refusals, the
	// common case of a resting command, so write nothing.
	held, mine, err := s.cooldownsHeld(ctx, keys, claimID, now, false)
	switch {
	case err != nil:
		return false, err
	case held:
		return false, nil
	case mine:
		return true, nil
	}
	for round := range useRetries {
		if err := backOff(ctx, round); err != nil {
			return false, err
		}
		var done bool
		if len(writes) == 1 {
			p := writes[0].Put
			err = s.putIf(ctx, p.Item, free, "", "take cooldown")
			done = err == nil
			if fault.Is(err, fault.Conflict) {
				err = nil
			}
		} else {
			done, err = s.transact(ctx, writes, "take cooldowns")
		}
		if err != nil || done {
			return done, err
		}
		// Refused by a condition or by a concurrent transaction: a
		// consistent read tells which.
		held, mine, err := s.cooldownsHeld(ctx, keys, claimID, now, true)
		switch {
		case err != nil:
			return false, err
		case held:
			return false, nil
		case mine:
			return true, nil
		}
	}
	return false, fault.E(fault.Transient, "the cooldown of !%s is too busy to take; try again", name)
}

// cooldownsHeld reads the cooldowns at keys and reports whether one is
// held at now by a claim other than claimID, and whether all are held by
// claimID.
func (s *Store) cooldownsHeld(ctx context.Context, keys []itemKey, claimID string, now time.Time, consistent bool) (held, mine bool, err error) {
	var items []map[string]types.AttributeValue
	if consistent {
		for _, k := range keys {
			item, ok, err := s.getItem(ctx, k, "load cooldown")
			if err != nil {
				return false, false, err
			}
			if ok {
				items = append(items, item)
			}
		}
	} else if items, err = s.batchGet(ctx, keys, []string{"claim", "until"}, "load cooldowns"); err != nil {
		return false, false, err
	}
	ours := 0
	for _, item := range items {
		var r cooldownRecord
		if err := attributevalue.UnmarshalMap(item, &r); err != nil {
			return false, false, fault.Wrap(fault.Internal, err, "decode cooldown")
		}
		switch {
		case r.Claim == claimID:
			ours++
		case r.Until > millis(now):
			return true, false, nil
		}
	}
	return false, ours == len(keys), nil
}
