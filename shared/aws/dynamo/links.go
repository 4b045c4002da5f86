package dynamo

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/fault"
)

// An account link ties, within one guild, a Discord member to a Kick
// account, one to one. It is two items in the guild's partition, one per
// direction, written together in one transaction:
//
//	pk GUILD#<guild>   sk LINK#MEMBER#<discord user>   discordUser S, kickUser N, kickName S
//	pk GUILD#<guild>   sk LINK#KICK#<kick user id>     discordUser S, kickUser N, kickName S
//
// Access patterns: a member's link by Discord user (LinkedKick, slash
// commands), a Kick account's member by Kick user id (LinkedMember, for
// Kick events such as subscriptions), and every link of a guild (Links,
// for role sync), a Query of the LINK#MEMBER# range. No index is needed.
// The items carry no index key attribute (guild, lastChatAt, ...), so
// they stay out of every index.
//
// Each item may exist only as the partner of the other: the member item
// is conditioned on being absent or pointing at the Kick account that was
// read, the Kick item on being absent or pointing at this member. So a
// Kick account linked to another member is refused (fault.Conflict), and
// a member linked to another Kick account moves: the transaction deletes
// the old Kick item (if it still points at this member) and writes both
// new items, so no Kick account is left pointing at a member who moved
// on. A transaction that loses a race is cancelled whole; Link reads
// again and decides again.

const (
	linkMemberPrefix = "LINK#MEMBER#"
	linkKickPrefix   = "LINK#KICK#"

	// linkAttempts bounds the read-and-write rounds of a link change that
	// keeps losing races.
	linkAttempts = 3

	linkedElsewhere = "that Kick account is linked to another member"
)

// Link is one member's account link in a guild.
type Link struct {
	DiscordUser string
	KickUser    int64
	KickName    string
}

type linkRecord struct {
	itemKey
	DiscordUser string `dynamodbav:"discordUser"`
	KickUser    int64  `dynamodbav:"kickUser"`
	KickName    string `dynamodbav:"kickName"`
}

func memberLinkKey(guild, discordUser string) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: linkMemberPrefix + discordUser}
}

func kickLinkKey(guild string, kickUser int64) itemKey {
	return itemKey{PK: guildPrefix + guild, SK: linkKickPrefix + strconv.FormatInt(kickUser, 10)}
}

// loadLink reads the link item at k; false when there is none.
func (s *Store) loadLink(ctx context.Context, k itemKey) (linkRecord, bool, error) {
	item, ok, err := s.getItem(ctx, k, "load account link")
	if err != nil || !ok {
		return linkRecord{}, false, err
	}
	var r linkRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return linkRecord{}, false, fault.Wrap(fault.Internal, err, "decode account link")
	}
	return r, true, nil
}

// Link links guild's member discordUser to the Kick account kickUser
// (named kickName). Linking the same pair again only updates the name; a
// member linked to another Kick account is relinked to this one. It
// returns fault.Conflict when kickUser is linked to another member of
// guild, and fault.Transient when the links kept changing under it.
func (s *Store) Link(ctx context.Context, guild, discordUser string, kickUser int64, kickName string) error {
	if guild == "" || discordUser == "" || kickUser <= 0 {
		return fault.E(fault.Invalid, "a link needs a guild, a Discord member and a Kick account")
	}
	memberKey, kickKey := memberLinkKey(guild, discordUser), kickLinkKey(guild, kickUser)
	for range linkAttempts {
		mine, linked, err := s.loadLink(ctx, memberKey)
		if err != nil {
			return err
		}
		theirs, taken, err := s.loadLink(ctx, kickKey)
		if err != nil {
			return err
		}
		if taken && theirs.DiscordUser != discordUser {
			return fault.E(fault.Conflict, linkedElsewhere)
		}
		if linked && taken && mine.KickUser == kickUser && mine.KickName == kickName && theirs.KickName == kickName {
			return nil // linked as asked already
		}

		items, err := s.linkItems(guild, discordUser, kickUser, kickName, mine, linked)
		if err != nil {
			return err
		}
		done, err := s.transact(ctx, items, "save account link")
		if err != nil || done {
			return err
		}
	}
	return fault.E(fault.Transient, "the account link kept changing; try again")
}

// linkItems is the transaction that links discordUser to kickUser, given
// the member's link as read (mine, when linked).
func (s *Store) linkItems(guild, discordUser string, kickUser int64, kickName string, mine linkRecord, linked bool) ([]types.TransactWriteItem, error) {
	memberKey, kickKey := memberLinkKey(guild, discordUser), kickLinkKey(guild, kickUser)
	// The member item must be as read: absent, or linked to the same Kick
	// account as then.
	memberCond := expression.AttributeNotExists(expression.Name("pk"))
	if linked {
		memberCond = expression.Name("kickUser").Equal(expression.Value(mine.KickUser))
	}
	// A Kick item may be absent or this member's; never another's.
	kickCond := expression.AttributeNotExists(expression.Name("pk")).
		Or(expression.Name("discordUser").Equal(expression.Value(discordUser)))

	var items []types.TransactWriteItem
	for _, p := range []struct {
		key  itemKey
		cond expression.ConditionBuilder
	}{{memberKey, memberCond}, {kickKey, kickCond}} {
		item, err := attributevalue.MarshalMap(linkRecord{itemKey: p.key, DiscordUser: discordUser, KickUser: kickUser, KickName: kickName})
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, "encode account link")
		}
		put, err := s.txPut(item, p.cond)
		if err != nil {
			return nil, err
		}
		items = append(items, put)
	}
	if linked && mine.KickUser != kickUser {
		// Relinking: the old Kick account is free again.
		del, err := s.txDelete(kickLinkKey(guild, mine.KickUser), kickCond)
		if err != nil {
			return nil, err
		}
		items = append(items, del)
	}
	return items, nil
}

// Unlink removes the link of guild's member discordUser, both ways. It
// returns fault.NotFound when the member has none.
func (s *Store) Unlink(ctx context.Context, guild, discordUser string) error {
	return s.unlink(ctx, guild, discordUser, func(items []types.TransactWriteItem) (bool, error) {
		return s.transact(ctx, items, "remove account link")
	})
}

// unlink is Unlink with write as the transaction that removes the link.
func (s *Store) unlink(ctx context.Context, guild, discordUser string, write func([]types.TransactWriteItem) (bool, error)) error {
	if guild == "" || discordUser == "" {
		return fault.E(fault.Invalid, "unlinking needs a guild and a Discord member")
	}
	memberKey := memberLinkKey(guild, discordUser)
	for range linkAttempts {
		mine, linked, err := s.loadLink(ctx, memberKey)
		if err != nil {
			return err
		}
		if !linked {
			return fault.E(fault.NotFound, "no Kick account is linked")
		}
		del, err := s.txDelete(memberKey, expression.Name("kickUser").Equal(expression.Value(mine.KickUser)))
		if err != nil {
			return err
		}
		delKick, err := s.txDelete(kickLinkKey(guild, mine.KickUser),
			expression.AttributeNotExists(expression.Name("pk")).Or(expression.Name("discordUser").Equal(expression.Value(discordUser))))
		if err != nil {
			return err
		}
		done, err := write([]types.TransactWriteItem{del, delKick})
		if err != nil || done {
			return err
		}
	}
	return fault.E(fault.Transient, "the account link kept changing; try again")
}

// LinkedKick returns the Kick account linked to guild's member
// discordUser, or fault.NotFound when there is none.
func (s *Store) LinkedKick(ctx context.Context, guild, discordUser string) (kickUser int64, kickName string, err error) {
	if guild == "" || discordUser == "" {
		return 0, "", fault.E(fault.Invalid, "a link lookup needs a guild and a Discord member")
	}
	r, ok, err := s.loadLink(ctx, memberLinkKey(guild, discordUser))
	if err != nil {
		return 0, "", err
	}
	if !ok {
		return 0, "", fault.E(fault.NotFound, "no Kick account is linked")
	}
	return r.KickUser, r.KickName, nil
}

// LinkedMember returns the member of guild linked to the Kick account
// kickUser, or fault.NotFound when there is none.
func (s *Store) LinkedMember(ctx context.Context, guild string, kickUser int64) (string, error) {
	if guild == "" || kickUser <= 0 {
		return "", fault.E(fault.Invalid, "a link lookup needs a guild and a Kick account")
	}
	r, ok, err := s.loadLink(ctx, kickLinkKey(guild, kickUser))
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fault.E(fault.NotFound, "no member is linked to that Kick account")
	}
	return r.DiscordUser, nil
}

// Links returns every account link of guild, ordered by Discord user id
// as a string, reading page after page.
func (s *Store) Links(ctx context.Context, guild string) ([]Link, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "listing links needs a guild")
	}
	items, err := s.queryWhere(ctx, where{
		key:        expression.Key("pk").Equal(expression.Value(guildPrefix + guild)).And(expression.Key("sk").BeginsWith(linkMemberPrefix)),
		project:    []string{"discordUser", "kickUser", "kickName"},
		consistent: true,
	}, 0, "list account links")
	if err != nil {
		return nil, err
	}
	var records []linkRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode account links")
	}
	links := make([]Link, len(records))
	for i, r := range records {
		links[i] = Link{DiscordUser: r.DiscordUser, KickUser: r.KickUser, KickName: r.KickName}
	}
	return links, nil
}
