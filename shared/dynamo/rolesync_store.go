package dynamo

import (
	"context"

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
// viewers who have watched at least minutes, read from every viewer.
func (s *Store) WatchedAtLeast(ctx context.Context, guild string, minutes int64) (map[int64]int64, error) {
	if guild == "" {
		return nil, fault.E(fault.Invalid, "listing watchtime needs a guild")
	}
	all, err := s.standings(ctx, guild)
	if err != nil {
		return nil, err
	}
	out := map[int64]int64{}
	for _, v := range all {
		if v.Watch != nil && *v.Watch >= minutes {
			out[v.User] = *v.Watch
		}
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
