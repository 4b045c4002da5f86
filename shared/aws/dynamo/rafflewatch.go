package dynamo

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/raffle"
)

// ConvertRaffleWatch turns the watchtime of guild's viewers into tickets
// of its open raffle period, from every viewer's minutes as read now, and
// returns the tickets granted. The sweep calls it beside the leaderboard
// build (every five minutes while live), so a credit costs nothing more:
// it reads the viewers' minutes and the period's ticket items (one Query
// page per 1 MB of each) and writes only where something changes:
//   - a viewer the period has not seen gets a baseline, their minutes as
//     read now (one write per viewer per period): minutes before never
//     count, nor those of the up to five minutes since the last build;
//   - a viewer with a full hour more than converted gets its tickets
//     (ConvertWatch: one ledger entry keyed by the hour count).
//
// Without an open period, or with tickets_per_hour 0, it reads one item.
func (s *Store) ConvertRaffleWatch(ctx context.Context, guild string, now time.Time) (int64, error) {
	if guild == "" {
		return 0, fault.E(fault.Invalid, "a raffle needs a guild")
	}
	p, ok, err := s.Raffle(ctx, guild)
	if err != nil || !ok || !p.Accepts(now) || p.Settings.PerHour == 0 {
		return 0, err
	}
	viewers, err := s.standings(ctx, guild)
	if err != nil {
		return 0, err
	}
	items, err := s.queryShards(ctx, raffleShards, func(shard int) where {
		pk := expression.Key("pk").Equal(expression.Value(rafflePK(guild, p.ID, shard)))
		return where{key: pk.And(expression.Key("sk").BeginsWith(ticketsSKStart)), project: []string{"userId", "wm0", "wh"}}
	}, "read watch baselines")
	if err != nil {
		return 0, err
	}
	var marks []ticketsRecord
	if err := attributevalue.UnmarshalListOfMaps(items, &marks); err != nil {
		return 0, fault.Wrap(fault.Internal, err, "decode watch baselines")
	}
	seen := make(map[int64]ticketsRecord, len(marks))
	for _, m := range marks {
		seen[m.UserID] = m
	}
	var granted int64
	for _, v := range viewers {
		if v.Watch == nil {
			continue
		}
		m, ok := seen[v.User]
		if ok && m.Base != nil && raffle.WatchHours(*m.Base, *v.Watch) <= m.Hours {
			continue // nothing new: most viewers at most builds
		}
		n, err := s.ConvertWatch(ctx, guild, p, v.User, v.Name, *v.Watch, *v.Watch, now)
		if err != nil {
			return granted, err
		}
		granted += n
	}
	return granted, nil
}
