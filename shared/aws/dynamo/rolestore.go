package dynamo

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
)

// Role rewards live in the guild's partition:
//
//	role rule       pk GUILD#<guild>   sk ROLERULE#<minutes, 19 digits>       minutes N, roleId S
//	grant marker    pk GUILD#<guild>   sk GRANT#<discord user>#<role id>      discordUser S, roleId S
//	report marker   pk GUILD#<guild>   sk REPORTED#<key>                      (keys only)
//
// Access patterns: a guild's rules in threshold order (one Query; the
// zero-padded minutes sort as numbers), one rule by threshold (add,
// remove), "was this role granted to this member already?" (a conditional
// put that answers first or not) and every grant of a guild (one Query),
// and "was this reported already?" (a conditional put). Markers are never
// removed by these methods. None of the items carries an index key.

const (
	roleRulePrefix = "ROLERULE#"
	grantPrefix    = "GRANT#"
	reportedPrefix = "REPORTED#"

	// maxMarkerKey keeps a report key well inside DynamoDB's 1024-byte
	// sort key limit.
	maxMarkerKey = 512
)

type roleRuleRecord struct {
	itemKey
	Minutes int64  `dynamodbav:"minutes"`
	RoleID  string `dynamodbav:"roleId"`
}

type grantRecord struct {
	itemKey
	DiscordUser string `dynamodbav:"discordUser"`
	RoleID      string `dynamodbav:"roleId"`
}

func roleRuleKey(guild string, minutes int64) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: fmt.Sprintf("%s%019d", roleRulePrefix, minutes)}
}

// AddRoleRule adds to guild the rule that r.RoleID is given at r.Minutes
// of watchtime. Adding the same rule again changes nothing; a threshold
// that already gives another role is fault.Conflict (remove it first).
func (s *Store) AddRoleRule(ctx context.Context, guild string, r roles.Rule) error {
	item, cond, err := roleRulePut(guild, r)
	if err != nil {
		return err
	}
	return s.putIf(ctx, item, cond, roleTaken(r.Minutes), "save role reward")
}

// roleRulePut is the item of r and the condition of its put: no rule at
// its minutes, or this one.
func roleRulePut(guild string, r roles.Rule) (map[string]types.AttributeValue, expression.ConditionBuilder, error) {
	if guild == "" || r.RoleID == "" || r.Minutes < 0 {
		return nil, expression.ConditionBuilder{}, fault.E(fault.Invalid, "a role reward needs a guild, a role and a watchtime of 0 minutes or more")
	}
	item, err := attributevalue.MarshalMap(roleRuleRecord{itemKey: roleRuleKey(guild, r.Minutes), Minutes: r.Minutes, RoleID: r.RoleID})
	if err != nil {
		return nil, expression.ConditionBuilder{}, fault.Wrap(fault.Internal, err, "encode role reward")
	}
	cond := expression.AttributeNotExists(expression.Name("pk")).
		Or(expression.Name("roleId").Equal(expression.Value(r.RoleID)))
	return item, cond, nil
}

// RemoveRoleRule removes guild's rule at minutes, or returns
// fault.NotFound when there is none.
func (s *Store) RemoveRoleRule(ctx context.Context, guild string, minutes int64) error {
	if guild == "" || minutes < 0 {
		return fault.E(fault.Invalid, "removing a role reward needs a guild and its watchtime")
	}
	exists := expression.AttributeExists(expression.Name("pk"))
	deleted, err := s.deleteItem(ctx, roleRuleKey(guild, minutes), &exists, "remove role reward")
	if err == nil && !deleted {
		return fault.E(fault.NotFound, "no role is given at %d minutes", minutes)
	}
	return err
}

// RoleRules returns guild's rules, lowest threshold first.
func (s *Store) RoleRules(ctx context.Context, guild string) ([]roles.Rule, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "listing role rewards needs a guild")
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(roleRulePrefix)),
		project:    []string{"minutes", "roleId"},
		consistent: true,
	}, 0, "list role rewards")
	if err != nil {
		return nil, err
	}
	var records []roleRuleRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode role rewards")
	}
	rules := make([]roles.Rule, len(records))
	for i, r := range records {
		rules[i] = roles.Rule{Minutes: r.Minutes, RoleID: r.RoleID}
	}
	return rules, nil
}

// MarkGranted records that guild's member discordUser was given roleID,
// and reports whether this is the first time.
func (s *Store) MarkGranted(ctx context.Context, guild, discordUser, roleID string) (first bool, err error) {
	if guild == "" || discordUser == "" || roleID == "" || strings.Contains(discordUser, "#") || strings.Contains(roleID, "#") {
		return false, fault.E(fault.Invalid, "a role grant needs a guild, a Discord member and a role")
	}
	item, err := attributevalue.MarshalMap(grantRecord{
		itemKey:     itemKey{PK: guildPrefix + guild, SK: grantPrefix + discordUser + "#" + roleID},
		DiscordUser: discordUser,
		RoleID:      roleID,
	})
	if err != nil {
		return false, fault.Wrap(fault.Internal, err, "encode role grant")
	}
	return s.putFirst(ctx, item, "mark role grant")
}

// Granted returns the roles marked as granted in guild, by Discord user.
func (s *Store) Granted(ctx context.Context, guild string) (map[string][]string, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "listing role grants needs a guild")
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(grantPrefix)),
		project:    []string{"discordUser", "roleId"},
		consistent: true,
	}, 0, "list role grants")
	if err != nil {
		return nil, err
	}
	var records []grantRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode role grants")
	}
	granted := make(map[string][]string)
	for _, r := range records {
		granted[r.DiscordUser] = append(granted[r.DiscordUser], r.RoleID)
	}
	return granted, nil
}

// MarkReported records that the report named key (say a role sync's
// "missing permission" warning) was made in guild, and reports whether
// this is the first time.
func (s *Store) MarkReported(ctx context.Context, guild, key string) (first bool, err error) {
	if guild == "" || key == "" || len(key) > maxMarkerKey {
		return false, fault.E(fault.Invalid, "a report marker needs a guild and a key")
	}
	// Owned, not merely first: a mark whose put landed unheard must not
	// read as reported before, or the report would never be made.
	k := itemKey{PK: guildPrefix + guild, SK: reportedPrefix + key}
	return s.claimOwned(ctx, k, k.av(), "mark report")
}
