package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/rolesync"
)

// What the role sync and the notices need beyond rolestore.go and
// links.go. A sync reads, per guild: the rules (one Query), the links
// (one Query of the LINK#MEMBER# range), the watch minutes of the linked
// viewers only (their viewer items by key, BatchGetItem of 100 keys,
// projected to two attributes: a read unit per linked viewer, however
// many viewers the guild has), and the grant markers (one Query). Each
// Query reads page after page.

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

// WatchMinutes returns, by Kick user id, the watch minutes of users in
// guild, read by key (eventually consistent, so it may lag the latest
// credits by a moment); a user never recorded in guild is absent.
func (s *Store) WatchMinutes(ctx context.Context, guild string, users []int64) (map[int64]int64, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "reading watchtime needs a guild")
	}
	keys := make([]itemKey, 0, len(users))
	seen := make(map[int64]bool, len(users))
	for _, u := range users {
		if u <= 0 {
			return nil, fault.E(fault.Invalid, "reading watchtime needs known viewers, not %d", u)
		}
		if !seen[u] {
			seen[u] = true
			keys = append(keys, viewerKey(guild, u))
		}
	}
	items, err := s.batchGet(ctx, keys, []string{"userId", "watchMinutes"}, "read watchtime")
	if err != nil {
		return nil, err
	}
	var records []viewerRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &records); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "decode watchtime")
	}
	out := make(map[int64]int64, len(records))
	for i, r := range records {
		if r.UserID == 0 {
			r.UserID = keyUser(items[i])
		}
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
