package rewards

import (
	"context"
	"log/slog"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/reply"
)

// Store is what rewarding events needs from the database; *dynamo.Store
// is one. Implementations return fault.Transient for failures a retry may
// fix.
type Store interface {
	// Rewards returns the guild's settings, the zero Settings when it set
	// none.
	Rewards(ctx context.Context, guild string) (Settings, error)
	// CreditEvent applies c to its viewer's balance once per cause,
	// recording the viewer first if the guild never saw them. With
	// c.FirstFollow it credits only the viewer's first follow: a marker
	// per viewer names the cause that took it, and a follow with another
	// cause credits nothing and returns false.
	CreditEvent(ctx context.Context, guild string, c Credit) (points.Entry, bool, error)
}

// Service rewards a guild's events (the worker's Rewards hook). Set
// Store; without Say no thank-you is said.
type Service struct {
	Store Store
	Say   chat.Sayer
	Log   *slog.Logger
}

// Event credits the points ev earns in guild and says the guild's
// thank-you for it in Kick chat, each at most once per delivery however
// often it runs. A thank-you that would come later than reply.StaleAfter
// after the delivery is dropped; so is one Kick refuses (the channel must
// reconnect, or is gone), which a retry would not change. Errors a retry
// may fix are returned.
func (s *Service) Event(ctx context.Context, guild string, ev event.Event, now time.Time) error {
	switch ev.Type {
	case event.Followed, event.SubscriptionNew, event.SubscriptionRenew, event.SubscriptionGifts, event.KicksGifted:
	default:
		return nil // nothing else earns or is thanked: spare the read
	}
	set, err := s.Store.Rewards(ctx, guild)
	if err != nil {
		return err
	}
	log := s.log().With("guild", guild, "event", ev.Type, "delivery", ev.ID)
	if c, ok := Earned(set, ev); ok {
		e, credited, err := s.Store.CreditEvent(ctx, guild, c)
		switch {
		case err != nil:
			return err
		case credited:
			log.InfoContext(ctx, "event points", "user", c.User.ID, "milli", e.Milli)
		default:
			log.InfoContext(ctx, "event points: not the viewer's first follow", "user", c.User.ID)
		}
	}
	if s.Say == nil {
		return nil
	}
	text, ok := Thanks(set, ev)
	if !ok {
		return nil
	}
	if reply.Stale(ev.SentAt, now) {
		log.InfoContext(ctx, "thank-you not said: stale", "age", now.Sub(ev.SentAt))
		return nil
	}
	out, err := s.Say.Say(ctx, chat.Message{Broadcaster: ev.Broadcaster, Text: text, Cause: ThanksCause(ev.ID)}, now)
	switch {
	case fault.Is(err, fault.Forbidden) || fault.Is(err, fault.NotFound) || fault.Is(err, fault.Invalid):
		log.WarnContext(ctx, "thank-you not said", "error", err)
		return nil
	case err != nil:
		return err
	}
	log.InfoContext(ctx, "thank-you", "outcome", out)
	return nil
}

// ThanksCause is the chat cause of the thank-you for delivery id: the
// Sayer says one message per cause.
func ThanksCause(id string) string { return "thanks/" + id }

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
