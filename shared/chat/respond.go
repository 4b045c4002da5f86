package chat

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/response"
	"github.com/kickbot/kickbot/shared/settings"
)

// respond counts one use of cc (keyed by use) and renders its response
// for the sender of ev with args, reading only the data the response
// needs (response.Needs), each kind once.
func (c *Commands) respond(ctx context.Context, guild string, ev event.Event, cc custom.Command, args, use string, now time.Time) (string, error) {
	asker := ev.Chat.Sender
	count, err := c.Customs.CountUse(ctx, guild, cc.Name, use, now)
	if err != nil {
		return "", err
	}
	d := response.Data{User: asker.Username, Args: args, Count: count, Now: now, Rand: c.Rand}
	if d.Rand == nil {
		d.Rand = rand.Int64N
	}
	needs := response.Needs(cc.Response)

	// {points:touser} of the sender is the sender's: read once.
	self, other := needs&(response.SenderStats|response.SenderRank), response.Kinds(0)
	if needs&(response.TargetStats|response.TargetRank) != 0 {
		asTarget := response.Kinds(0)
		if needs.Has(response.TargetStats) {
			asTarget |= response.SenderStats
		}
		if needs.Has(response.TargetRank) {
			asTarget |= response.SenderRank
		}
		name := response.ToUser(asker.Username, args)
		if settings.NormalizeName(name) == settings.NormalizeName(asker.Username) {
			self |= asTarget
		} else {
			other = asTarget
		}
	}
	if self != 0 {
		if d.Sender, err = c.stats(ctx, guild, asker.ID, self); err != nil {
			return "", err
		}
		d.Target = d.Sender
	}
	if other != 0 {
		if d.Target, err = c.statsByName(ctx, guild, response.ToUser(asker.Username, args), other); err != nil {
			return "", err
		}
	}
	if needs.Has(response.Stream) && c.Lookups != nil {
		st, err := c.Lookups.Stream(ctx, guild)
		if err != nil {
			return "", err
		}
		d.Live, d.StartedAt, d.Title, d.Category = st.Live, st.StartedAt, st.Title, st.Category.Name
	}
	if needs.Has(response.Channel) && c.Lookups != nil {
		_, name, _, err := c.Lookups.Connection(ctx, guild)
		if err != nil && !fault.Is(err, fault.NotFound) {
			return "", err
		}
		d.Channel = name
	}
	return response.Render(cc.Response, d), nil
}

// stats reads what want (SenderStats, SenderRank) asks of guild's viewer
// userID: the viewer's record and its place on the points board, one read
// each. A viewer never seen has zero stats.
func (c *Commands) stats(ctx context.Context, guild string, userID int64, want response.Kinds) (response.Stats, error) {
	var s response.Stats
	if want.Has(response.SenderStats) {
		v, err := c.Viewers.Viewer(ctx, guild, userID)
		switch {
		case fault.Is(err, fault.NotFound):
		case err != nil:
			return response.Stats{}, err
		default:
			s = statsOf(v)
		}
	}
	return s, c.place(ctx, guild, userID, want, &s)
}

// place fills s's rank from the points board, when want asks for it.
func (c *Commands) place(ctx context.Context, guild string, userID int64, want response.Kinds, s *response.Stats) error {
	if !want.Has(response.SenderRank) || c.Lookups == nil {
		return nil
	}
	place, beyond, err := c.Lookups.Place(ctx, guild, audience.PointsBoard, userID)
	if err != nil {
		return err
	}
	s.Rank = place
	if beyond {
		s.Below = audience.BoardSize
	}
	return nil
}

// statsByName is stats of the viewer called name; zero for a name that is
// no viewer of guild.
func (c *Commands) statsByName(ctx context.Context, guild, name string, want response.Kinds) (response.Stats, error) {
	if !isUsername(name) {
		return response.Stats{}, nil
	}
	v, err := c.Viewers.ViewerByName(ctx, guild, name)
	switch {
	case fault.Is(err, fault.NotFound), fault.Is(err, fault.Invalid):
		return response.Stats{}, nil
	case err != nil:
		return response.Stats{}, err
	}
	s := statsOf(v)
	return s, c.place(ctx, guild, v.UserID, want, &s)
}

func statsOf(v audience.Viewer) response.Stats {
	return response.Stats{Points: v.Points(), WatchMinutes: v.WatchMinutes}
}
