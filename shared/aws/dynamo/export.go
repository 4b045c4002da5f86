package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/raffle"
)

var _ interact.Export = (*Store)(nil)

// EachViewer calls fn with every viewer of guild, shard by shard, a
// Query page (1 MB) at a time: memory holds one page, whatever the
// audience. Viewers carry their id, name, watchtime and points only. An
// error of fn stops it and is returned.
func (s *Store) EachViewer(ctx context.Context, guild string, fn func(audience.Viewer) error) error {
	if guild == "" {
		return fault.E(fault.Invalid, "viewers need a guild")
	}
	for shard := range ViewerShards {
		err := s.eachPage(ctx, where{
			key:     expression.Key("pk").Equal(expression.Value(viewerPK(guild, shard))),
			project: []string{"sk", "userId", "username", "watchMinutes", "pointsMilli"},
		}, "read viewers", func(items []map[string]types.AttributeValue) error {
			for _, item := range items {
				var r viewerRecord
				if err := attributevalue.UnmarshalMap(item, &r); err != nil {
					return fault.Wrap(fault.Internal, err, "decode viewer")
				}
				if r.UserID == 0 {
					r.UserID = keyUser(item)
				}
				r.Guild = guild
				if err := fn(r.viewer()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// LinkedMembers maps the Kick user ids of guild's linked accounts to
// their Discord members.
func (s *Store) LinkedMembers(ctx context.Context, guild string) (map[int64]string, error) {
	links, err := s.Links(ctx, guild)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]string, len(links))
	for _, l := range links {
		out[l.KickUser] = l.DiscordUser
	}
	return out, nil
}

// OpenRaffleTickets returns the id of guild's open raffle period and each
// viewer's tickets in it that count at now (held gift tickets left out);
// "" and nil when no period is open.
func (s *Store) OpenRaffleTickets(ctx context.Context, guild string, now time.Time) (string, map[int64]int64, error) {
	p, ok, err := s.Raffle(ctx, guild)
	if err != nil || !ok || p.State != raffle.Open {
		return "", nil, err
	}
	all, err := s.RaffleTickets(ctx, guild, p.ID, now)
	if err != nil {
		return "", nil, err
	}
	out := make(map[int64]int64, len(all))
	for _, t := range all {
		if n := t.Total(); n > 0 {
			out[t.UserID] = n
		}
	}
	return p.ID, out, nil
}
