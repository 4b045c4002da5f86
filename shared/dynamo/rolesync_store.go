package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/rolesync"
)

// What the role sync and the notices need beyond rolestore.go and
// links.go. A sync reads, per guild: the rules (one Query), the links
// (one Query of the LINK#MEMBER# range), the watchtime of the viewers at
// or above the lowest threshold (one Query of the watchtime index, its
// range condition leaving out everyone below; its items are a few dozen
// bytes, so one read unit covers about a hundred viewers, where reading
// each linked viewer would cost a unit each), and the grant markers (one
// Query). Each Query reads page after page.

var (
	_ rolesync.Store = (*Store)(nil)
	_ notice.Store   = (*Store)(nil)
)

// LinkedViewers returns every account link of guild as the role sync
// sees it.
func (s *Store) LinkedViewers(ctx context.Context, guild string) ([]rolesync.Link, error) {
	links, err := s.Links(ctx, guild)
	if err != nil {
		return nil, err
	}
	out := make([]rolesync.Link, len(links))
	for i, l := range links {
		out[i] = rolesync.Link{DiscordUser: l.DiscordUser, KickUser: l.KickUser}
	}
	return out, nil
}

// WatchedAtLeast returns, by Kick user id, the watch minutes of guild's
// viewers who have watched at least minutes, from the watchtime index: it
// may lag the latest credits by a moment.
func (s *Store) WatchedAtLeast(ctx context.Context, guild string, minutes int64) (map[int64]int64, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "listing watchtime needs a guild")
	}
	items, err := s.queryWhere(ctx, where{
		index: string(Watchtime),
		key: expression.Key("guild").Equal(expression.Value(guild)).
			And(expression.Key("watchMinutes").GreaterThanEqual(expression.Value(minutes))),
		project: []string{"userId", "watchMinutes"},
	}, 0, "list watchtime")
	if err != nil {
		return nil, err
	}
	var records []viewerRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode watchtime")
	}
	out := make(map[int64]int64, len(records))
	for _, r := range records {
		out[r.UserID] = r.WatchMinutes
	}
	return out, nil
}

// ForgetReported removes the marker MarkReported wrote for key in guild,
// so that the report can be made again; removing none is no error.
func (s *Store) ForgetReported(ctx context.Context, guild, key string) error {
	if guild == "" || key == "" || len(key) > maxMarkerKey {
		return fault.E(fault.Invalid, "a report marker needs a guild and a key")
	}
	_, err := s.deleteItem(ctx, itemKey{PK: guildPrefix + guild, SK: reportedPrefix + key}, nil, "forget report")
	return err
}
