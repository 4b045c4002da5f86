package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/settings"
)

// An interaction claim records that a Discord interaction took effect:
//
//	pk GUILD#<guild>   sk INTERACTION#<interaction id>   expiresAt N(s, TTL)
//
// A state-changing slash command writes it, conditioned on its absence, in
// the same transaction as its change (once), so that the two land together
// or not at all: a replayed interaction (Discord's signature stays valid
// for five minutes) or a job finishing it again finds the claim and
// changes nothing, and no crash leaves one without the other. A change made
// outside the table (a consent link handed out, a job queued) is claimed
// alone (ClaimInteraction). Claims expire after interact.ClaimLife.

const (
	interactionPrefix = "INTERACTION#"

	// maxInteractionID bounds an interaction id: Discord's are snowflakes
	// of up to 20 digits.
	maxInteractionID = 64
)

type claimRecord struct {
	itemKey
	ExpiresAt int64 `dynamodbav:"expiresAt"`
}

func claimKey(guild, id string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: interactionPrefix + id}
}

// claimItem is the item of c's claim in guild.
func claimItem(guild string, c interact.Cause) (map[string]types.AttributeValue, error) {
	if guild == "" || c.ID == "" || len(c.ID) > maxInteractionID || c.Expires.IsZero() {
		return nil, fault.E(fault.Invalid, "an interaction claim needs a guild, an interaction id and an expiry")
	}
	item, err := attributevalue.MarshalMap(claimRecord{itemKey: claimKey(guild, c.ID), ExpiresAt: ttlSeconds(c.Expires)})
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, "encode interaction claim")
	}
	return item, nil
}

// ClaimInteraction records that c took effect in guild, or returns
// interact.ErrApplied when it was recorded before.
func (s *Store) ClaimInteraction(ctx context.Context, guild string, c interact.Cause) error {
	item, err := claimItem(guild, c)
	if err != nil {
		return err
	}
	// Owned, not merely first: a claim whose put landed unheard must not
	// read as applied before, or its effect would never be made.
	first, err := s.claimOwned(ctx, claimKey(guild, c.ID), item, "claim interaction")
	if err == nil && !first {
		return interact.ErrApplied
	}
	return err
}

// once writes items and c's claim in one transaction. It returns true
// when it wrote them; interact.ErrApplied when c was claimed before; and
// false with no error when a condition of items failed or another
// transaction was changing them, c being unclaimed: the caller reads
// again and decides.
func (s *Store) once(ctx context.Context, guild string, c interact.Cause, items []types.TransactWriteItem, what string) (bool, error) {
	item, err := claimItem(guild, c)
	if err != nil {
		return false, err
	}
	claim, err := s.txPut(item, expression.AttributeNotExists(expression.Name("pk")))
	if err != nil {
		return false, err
	}
	done, err := s.transact(ctx, append(items, claim), what)
	if err != nil || done {
		return done, err
	}
	// Cancelled: by the claim, or by the change's own condition. A read
	// tells which, whatever the cancellation reasons say.
	_, claimed, err := s.getItem(ctx, claimKey(guild, c.ID), "load interaction claim")
	switch {
	case err != nil:
		return false, err
	case claimed:
		return false, interact.ErrApplied
	}
	return false, nil
}

// PutSettingsOnce is PutSettings once per cause: it returns
// interact.ErrApplied when c took effect before, changing nothing.
func (s *Store) PutSettingsOnce(ctx context.Context, guild string, set settings.Settings, c interact.Cause) error {
	item, cond, err := settingsPut(guild, set)
	if err != nil {
		return err
	}
	put, err := s.txPut(item, cond)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "save settings")
	if err != nil || done {
		return err
	}
	return fault.E(fault.Conflict, settingsChanged)
}

// AddRoleRuleOnce is AddRoleRule once per cause: it returns
// interact.ErrApplied when c took effect before, changing nothing.
func (s *Store) AddRoleRuleOnce(ctx context.Context, guild string, r roles.Rule, c interact.Cause) error {
	item, cond, err := roleRulePut(guild, r)
	if err != nil {
		return err
	}
	put, err := s.txPut(item, cond)
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{put}, "save role reward")
	if err != nil || done {
		return err
	}
	stored, ok, err := s.getItem(ctx, roleRuleKey(guild, r.Minutes), "load role reward")
	if err != nil {
		return err
	}
	var rec roleRuleRecord
	if err := attributevalue.UnmarshalMap(stored, &rec); err != nil {
		return fault.Wrap(fault.Internal, err, "decode role reward")
	}
	if ok && rec.RoleID != r.RoleID {
		return fault.E(fault.Conflict, "%s", roleTaken(r.Minutes))
	}
	// Another transaction was changing the rule: the caller may retry.
	return fault.E(fault.Transient, "the role rewards were changing; try again")
}

// RemoveRoleRuleOnce is RemoveRoleRule once per cause: it returns
// interact.ErrApplied when c took effect before, changing nothing.
func (s *Store) RemoveRoleRuleOnce(ctx context.Context, guild string, minutes int64, c interact.Cause) error {
	if guild == "" || minutes < 0 {
		return fault.E(fault.Invalid, "removing a role reward needs a guild and its watchtime")
	}
	del, err := s.txDelete(roleRuleKey(guild, minutes), expression.AttributeExists(expression.Name("pk")))
	if err != nil {
		return err
	}
	done, err := s.once(ctx, guild, c, []types.TransactWriteItem{del}, "remove role reward")
	if err != nil || done {
		return err
	}
	_, ok, err := s.getItem(ctx, roleRuleKey(guild, minutes), "load role reward")
	switch {
	case err != nil:
		return err
	case !ok:
		return fault.E(fault.NotFound, "no role is given at %d minutes", minutes)
	}
	return fault.E(fault.Transient, "the role rewards were changing; try again")
}

// UnlinkOnce is Unlink once per cause: it returns interact.ErrApplied
// when c took effect before, changing nothing.
func (s *Store) UnlinkOnce(ctx context.Context, guild, discordUser string, c interact.Cause) error {
	return s.unlink(ctx, guild, discordUser, func(items []types.TransactWriteItem) (bool, error) {
		return s.once(ctx, guild, c, items, "remove account link")
	})
}

func roleTaken(minutes int64) string {
	return fmt.Sprintf("another role is already given at %d minutes; remove it first", minutes)
}
