package work

import (
	"context"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/raffle"
)

// RaffleStore is the guild's raffle as the worker credits it;
// *dynamo.Store is one.
type RaffleStore interface {
	// Raffle returns the guild's latest period; false when none.
	Raffle(ctx context.Context, guild string) (raffle.Period, bool, error)
	// AddTickets records e for the viewer once per cause.
	AddTickets(ctx context.Context, guild, period string, user int64, name string, e raffle.Entry) (raffle.Entry, bool, error)
}

// raffleTickets grants the tickets an event earns in the guild's open
// raffle: gifted subs to the gifter (held; an anonymous gifter earns
// nothing, and nobody else is credited instead), new subs and renewals
// to the subscriber, KICKs to the sender. The delivery id is the cause,
// so a duplicate delivery or a retried job grants nothing twice; the
// signed delivery time decides whether the period takes it.
func (w *Worker) raffleTickets(ctx context.Context, guild string, ev event.Event) error {
	if w.Raffle == nil {
		return nil
	}
	u, ok := ev.Actor()
	if !ok || (ev.Gifts == nil && ev.Sub == nil && ev.Kicks == nil) {
		return nil
	}
	p, ok, err := w.Raffle.Raffle(ctx, guild)
	if err != nil || !ok || !p.Accepts(ev.SentAt) {
		return err
	}
	var e raffle.Entry
	switch {
	case ev.Gifts != nil:
		e, ok = p.Settings.GiftEntry(ev.ID, len(ev.Gifts.Giftees), ev.SentAt)
	case ev.Sub != nil:
		e, ok = p.Settings.SubEntry(ev.ID, ev.SentAt)
	default:
		e, ok = p.Settings.KicksEntry(ev.ID, ev.Kicks.Amount, ev.SentAt)
	}
	if !ok {
		return nil
	}
	_, _, err = w.Raffle.AddTickets(ctx, guild, p.ID, u.ID, u.Username, e)
	return err
}
