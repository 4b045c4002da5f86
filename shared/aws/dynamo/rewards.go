package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/rewards"
)

// Event rewards keep two kinds of item:
//
//	rewards    GUILD#<guild>       REWARDS               follow/sub/gift/kicks N (whole points),
//	                                                     thanks M (kind → template), version N
//	follow     GUILD#<guild>#V<nn> FOLLOWED#<user id>    cause S (the delivery credited), at N(ms)
//
// The follow marker sits in the viewer's own shard, beside the viewer
// item, so a follow wave spreads like credits do; it is one small item per
// viewer that never grows and never expires: a viewer's first follow
// earns once ever. The credit itself is a ledger change (AdjustPoints)
// keyed by the delivery id.

const (
	rewardsSK      = "REWARDS"
	followedPrefix = "FOLLOWED#"
)

var (
	_ rewards.Store      = (*Store)(nil)
	_ rewards.AdminStore = (*Store)(nil)
)

type rewardsRecord struct {
	itemKey
	Follow  int64             `dynamodbav:"follow"`
	Sub     int64             `dynamodbav:"sub"`
	Gift    int64             `dynamodbav:"gift"`
	Kicks   int64             `dynamodbav:"kicks"`
	Thanks  map[string]string `dynamodbav:"thanks,omitempty"`
	Version int64             `dynamodbav:"version"`
}

func rewardsKey(guild string) itemKey { return itemKey{PK: guildPrefix + guild, SK: rewardsSK} }

func followedKey(guild string, user int64) itemKey {
	return itemKey{PK: viewerPK(guild, shardOf(user)), SK: followedPrefix + strconv.FormatInt(user, 10)}
}

// Rewards returns the guild's event rewards, the zero Settings (all off)
// when it set none.
func (s *Store) Rewards(ctx context.Context, guild string) (rewards.Settings, error) {
	if guild == "" {
		return rewards.Settings{}, fault.E(fault.Invalid, "rewards need a guild")
	}
	out, err := s.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &s.Table, Key: rewardsKey(guild).av()})
	if err != nil {
		return rewards.Settings{}, classify(err, "load rewards")
	}
	if len(out.Item) == 0 {
		return rewards.Settings{}, nil
	}
	var r rewardsRecord
	if err := attributevalue.UnmarshalMap(out.Item, &r); err != nil {
		return rewards.Settings{}, fault.Wrap(fault.Internal, err, "decode rewards")
	}
	set := rewards.Settings{Follow: r.Follow, Sub: r.Sub, Gift: r.Gift, Kicks: r.Kicks, Version: r.Version}
	for k, t := range r.Thanks {
		if set.Thanks == nil {
			set.Thanks = map[rewards.Kind]string{}
		}
		set.Thanks[rewards.Kind(k)] = t
	}
	return set, nil
}

// PutRewardsOnce stores the guild's event rewards whole, if the stored
// version is still set.Version (none stored for 0), once per cause:
// interact.ErrApplied when c took effect before, fault.Conflict when the
// rewards changed meanwhile, fault.Invalid when set does not validate.
func (s *Store) PutRewardsOnce(ctx context.Context, guild string, set rewards.Settings, c interact.Cause) error {
	if guild == "" {
		return fault.E(fault.Invalid, "rewards need a guild")
	}
	if err := set.Validate(); err != nil {
		return err
	}
	r := rewardsRecord{itemKey: rewardsKey(guild), Follow: set.Follow, Sub: set.Sub, Gift: set.Gift, Kicks: set.Kicks, Version: set.Version + 1}
	for k, t := range set.Thanks {
		if r.Thanks == nil {
			r.Thanks = map[string]string{}
		}
		r.Thanks[string(k)] = t
	}
	item, err := attributevalue.MarshalMap(r)
	if err != nil {
		return fault.Wrap(fault.Internal, err, "encode rewards")
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if set.Version > 0 {
		cond = expression.Name("version").Equal(expression.Value(set.Version))
	}
	put, err := s.txPut(item, cond)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "save rewards")
	if err != nil || done {
		return err
	}
	return fault.E(fault.Conflict, "the rewards were changed meanwhile; run the command again")
}

// CreditEvent applies c's points change to its viewer once per cause
// (AdjustPoints), first recording the viewer if the guild never saw them
// (a follower who never chatted). A first-follow credit first claims the
// viewer's follow marker for c's cause: a marker naming another cause (an
// earlier follow, then an unfollow) makes it credit nothing and return
// false; one naming this cause (a retry) lets it finish.
func (s *Store) CreditEvent(ctx context.Context, guild string, c rewards.Credit) (points.Entry, bool, error) {
	u := c.User
	if guild == "" || u.ID <= 0 {
		return points.Entry{}, false, fault.E(fault.Invalid, "an event credit needs a guild and a known viewer")
	}
	if err := c.Change.Validate(); err != nil {
		return points.Entry{}, false, err
	}
	// Create the viewer only if absent: a known viewer's item stays as
	// the sweep wrote it (and its name index untouched).
	expr, err := expression.NewBuilder().
		WithUpdate(identify(expression.UpdateBuilder{}, guild, u.ID, u.Username)).
		WithCondition(expression.AttributeNotExists(expression.Name("pk"))).
		Build()
	if err != nil {
		return points.Entry{}, false, fault.Wrap(fault.Internal, err, "build viewer")
	}
	if err := s.update(ctx, viewerKey(guild, u.ID), expr, "record viewer"); err != nil {
		return points.Entry{}, false, err
	}
	if c.FirstFollow {
		first, err := s.claimFollow(ctx, guild, u.ID, c.Change)
		if err != nil || !first {
			return points.Entry{}, false, err
		}
	}
	e, err := s.AdjustPoints(ctx, guild, u.ID, c.Change)
	return e, err == nil, err
}

// claimFollow records that ch's cause is the viewer's first follow, and
// reports whether it is (true again for a retry of that cause).
func (s *Store) claimFollow(ctx context.Context, guild string, user int64, ch points.Change) (bool, error) {
	item, err := attributevalue.MarshalMap(struct {
		itemKey
		Cause string `dynamodbav:"cause"`
		At    int64  `dynamodbav:"at"`
	}{followedKey(guild, user), ch.Cause, millis(ch.At)})
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode follow marker")
	}
	cause := expression.Name("cause")
	err = s.putIf(ctx, item, expression.AttributeNotExists(expression.Name("pk")).Or(cause.Equal(expression.Value(ch.Cause))), "", "record first follow")
	if fault.Is(err, fault.Conflict) {
		return false, nil
	}
	return err == nil, err
}
