package raffle

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
)

// Reader reads a guild's raffle for chat; *dynamo.Store is one.
type Reader interface {
	// Raffle returns the guild's latest period; false when none.
	Raffle(ctx context.Context, guild string) (Period, bool, error)
	// ViewerTickets returns a viewer's tickets at now.
	ViewerTickets(ctx context.Context, guild, period string, user int64, now time.Time, consistent bool) (Tickets, error)
	// RaffleTotal is about everyone's tickets, held ones included.
	RaffleTotal(ctx context.Context, guild, period string) (int64, error)
}

// Chat answers the chat built-ins !tickets (the asker's tickets by
// source, total and chance) and !raffle (the period, its prize, its end
// and how to earn tickets); it is a chat.Answerer. Reads only.
type Chat struct{ Store Reader }

var _ chat.Answerer = Chat{}

// NoRaffle is the answer when no raffle is running.
const NoRaffle = "No raffle is running."

// Answer answers ask.
func (c Chat) Answer(ctx context.Context, ask chat.Ask) (string, error) {
	p, ok, err := c.Store.Raffle(ctx, ask.Guild)
	switch {
	case err != nil:
		return "", err
	case !ok || p.State != Open:
		if ok && p.Result != nil && ask.Name == "raffle" {
			return fmt.Sprintf("🎟️ The raffle was drawn: %s. Next one soon!", strings.Join(p.Result.Names, ", ")), nil
		}
		return NoRaffle, nil
	case ask.Name == "raffle":
		return "🎟️ " + p.Describe() + " " + p.Settings.HowToEarn() + " Check yours with !tickets.", nil
	}
	if ask.Asker.ID <= 0 {
		return "", nil
	}
	t, err := c.Store.ViewerTickets(ctx, ask.Guild, p.ID, ask.Asker.ID, ask.Now, false)
	if err != nil {
		return "", err
	}
	total, err := c.Store.RaffleTotal(ctx, ask.Guild, p.ID)
	if err != nil {
		return "", err
	}
	return TicketsLine(ask.Asker.Username, t, total, p), nil
}

// TicketsLine is !tickets' answer: the viewer's tickets by source, the
// held ones, the total and the chance (about: total counts held tickets).
func TicketsLine(name string, t Tickets, total int64, p Period) string {
	var parts []string
	for _, s := range Sources {
		if n := t.Counted(s); n != 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, n))
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "🎟️ @%s: %d %s", name, t.Total(), plural(int(min(t.Total(), 2)), "ticket", "tickets"))
	if len(parts) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	if t.Held > 0 {
		fmt.Fprintf(&b, ", %d gift tickets on hold", t.Held)
	}
	if p.IsExcluded(t.UserID) {
		b.WriteString(". You are excluded from this raffle.")
		return b.String()
	}
	fmt.Fprintf(&b, ". Chance about %.2f%% of %d tickets.", Chance(t.Total(), max(total, t.Total()), p.Winners), max(total, t.Total()))
	return b.String()
}
