package interact

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/money"
)

// GTBRounds are a guild's guess-the-balance rounds and their guesses
// (/gtb); *dynamo.Store is one.
type GTBRounds interface {
	// GTBRound returns the current round; fault.NotFound when the guild
	// never opened one.
	GTBRound(ctx context.Context, guild string) (gtb.Round, error)
	// OpenGTBOnce opens the next round, once per cause: ErrApplied when c
	// took effect before, fault.Conflict while a round is open.
	OpenGTBOnce(ctx context.Context, guild string, winners int, at time.Time, c Cause) (gtb.Round, error)
	// CloseGTBOnce closes the open round, once per cause: ErrApplied,
	// fault.NotFound when none is open.
	CloseGTBOnce(ctx context.Context, guild string, at time.Time, c Cause) (gtb.Round, error)
	// GTBGuesses returns the round's guesses, one per viewer.
	GTBGuesses(ctx context.Context, guild string, round int64) ([]gtb.Guess, error)
	// ResultGTB stores the closed round's result and winners for cause
	// (an interaction id); for the same cause again it returns the round
	// as stored first. A round open, resulted for another cause or no
	// longer current is fault.Conflict.
	ResultGTB(ctx context.Context, guild string, number int64, result money.Cents, placed []gtb.Winner, cause string) (gtb.Round, error)
	// MarkGTBAnnounced records that the round's result was posted to
	// Discord.
	MarkGTBAnnounced(ctx context.Context, guild string, number int64) error
}

// KickChannels finds the Kick channel connected to a guild;
// *dynamo.Store is one.
type KickChannels interface {
	// Connection returns the channel's broadcaster id and name, or
	// fault.NotFound.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
}

// EmbedPoster posts an embed in a Discord channel; *discord.REST is one.
type EmbedPoster interface {
	PostEmbed(ctx context.Context, channelID string, e Embed) error
}

// FinishedHunts gives /gtb result its default amount: the final balance
// of the guild's hunt that just finished.
type FinishedHunts interface {
	// FinishedHunt returns that balance, and false when no hunt finished
	// that a result should default to.
	FinishedHunt(ctx context.Context, guild string) (money.Cents, bool, error)
}

// GTB is what /gtb works with. Rounds is needed; the worker, which
// answers /gtb result and /gtb status, sets the rest, any of which may be
// nil: the result is then stored and shown, and what is missing is not
// done.
type GTB struct {
	Rounds GTBRounds
	// Chat says the result in the guild's Kick chat, found by Channels.
	Chat     chat.Sayer
	Channels KickChannels
	// Embeds posts the result in the channel given to /gtb result, else
	// the guild's announce channel.
	Embeds EmbedPoster
	// Hunts gives /gtb result the amount it is not given.
	Hunts FinishedHunts
	// Now is the time chat messages are said at; nil is time.Now.
	Now func() time.Time
}

// gtbCommand is /gtb: one round at a time per guild, its result from an
// admin (or a hunt just finished).
var gtbCommand = Command{Name: "gtb", Description: "Guess the balance: viewers guess with !gtb <amount>", Admin: true, Subcommands: []Command{
	{Name: "open", Description: "Open a round for guesses", Changes: true, Options: []Option{
		{Name: "winners", Description: fmt.Sprintf("How many of the closest guesses win (default %d)", gtb.DefaultWinners),
			Type: IntegerOption, Min: 1, Max: gtb.MaxWinners},
	}},
	{Name: "close", Description: "Stop taking guesses", Changes: true},
	// Reads every guess, then says the winners in Kick chat and Discord.
	{Name: "result", Description: "Set the final balance and announce the winners", Deferred: true, Changes: true, Options: []Option{
		{Name: "amount", Description: "The final balance, like 1234.50 (default: the hunt just finished)", Type: StringOption, MaxLen: 32},
		{Name: "channel", Description: "Where to post the winners (default: the announce channel)", Type: ChannelOption},
	}},
	// Counts the guesses.
	{Name: "status", Description: "Show the current round", Deferred: true},
}}

func (h *Handler) gtbRounds() (*GTB, error) {
	if h.GTB == nil || h.GTB.Rounds == nil {
		return nil, fault.E(fault.NotFound, "guess the balance is not set up on this bot")
	}
	return h.GTB, nil
}

func (h *Handler) gtbOpen(ctx context.Context, r Request) (Response, error) {
	g, err := h.gtbRounds()
	if err != nil {
		return Response{}, err
	}
	winners := int64(gtb.DefaultWinners)
	if n, ok, err := wholeOption(r, "winners", "winners"); err != nil {
		return Response{}, err
	} else if ok {
		winners = n
	}
	if winners < 1 || winners > gtb.MaxWinners {
		return Response{}, gtb.ValidWinners(0)
	}
	round, err := g.Rounds.OpenGTBOnce(ctx, r.Guild, int(winners), r.At, r.Cause())
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Embeds: []Embed{{
		Title:       fmt.Sprintf("GTB #%d is open", round.Number),
		Description: "Viewers guess with `!gtb <amount>` (like `!gtb 1234.50` or `!gtb 1.5k`). " + winnersLine(round.Winners),
		Footer:      "One guess each: a new guess replaces the old one and its place in ties. Close with /gtb close.",
		Color:       Accent,
	}}}, nil
}

// winnersLine says who wins a round of n winners.
func winnersLine(n int) string {
	if n == 1 {
		return "The closest guess wins."
	}
	return fmt.Sprintf("The %d closest guesses win.", n)
}

func (h *Handler) gtbClose(ctx context.Context, r Request) (Response, error) {
	g, err := h.gtbRounds()
	if err != nil {
		return Response{}, err
	}
	round, err := g.Rounds.CloseGTBOnce(ctx, r.Guild, r.At, r.Cause())
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf(
		"GTB #%d is closed: no more guesses. Set the result with /gtb result amount:<amount>.", round.Number)}, nil
}

func (h *Handler) gtbStatus(ctx context.Context, r Request) (Response, error) {
	g, err := h.gtbRounds()
	if err != nil {
		return Response{}, err
	}
	round, err := g.Rounds.GTBRound(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	e := Embed{Title: fmt.Sprintf("GTB #%d: %s", round.Number, round.State), Color: Accent, Fields: []Field{
		{Name: "Winners", Value: fmt.Sprint(round.Winners), Inline: true},
		{Name: "Opened", Value: discordTime(round.OpenedAt), Inline: true},
	}}
	if !round.ClosedAt.IsZero() {
		e.Fields = append(e.Fields, Field{Name: "Closed", Value: discordTime(round.ClosedAt), Inline: true})
	}
	if round.State == gtb.Resulted {
		e.Description = "Result: **" + round.Result.String() + "**\n" + placedLines(round.Placed)
		return Response{Ephemeral: true, Embeds: []Embed{e}}, nil
	}
	guesses, err := g.Rounds.GTBGuesses(ctx, r.Guild, round.Number)
	if err != nil {
		return Response{}, err
	}
	n := 0
	for _, x := range guesses {
		if round.Takes(x.At) {
			n++
		}
	}
	e.Fields = append(e.Fields, Field{Name: "Guesses", Value: fmt.Sprint(n), Inline: true})
	return Response{Ephemeral: true, Embeds: []Embed{e}}, nil
}

// discordTime shows t in each reader's own time zone.
func discordTime(t time.Time) string { return fmt.Sprintf("<t:%d:t>", t.Unix()) }

// placedLines lists winners, one a line.
func placedLines(ws []gtb.Winner) string {
	if len(ws) == 0 {
		return "No guesses this round."
	}
	lines := make([]string, len(ws))
	for i, w := range ws {
		name := w.Username
		if name == "" {
			name = fmt.Sprintf("user %d", w.UserID)
		}
		lines[i] = fmt.Sprintf("%s **%s** %s (%s off)", placeMark(w.Place), escape(name), w.Amount, w.Off)
	}
	return strings.Join(lines, "\n")
}

func placeMark(p int) string {
	if marks := []string{"🥇", "🥈", "🥉"}; p >= 1 && p <= len(marks) {
		return marks[p-1]
	}
	return fmt.Sprintf("%d.", p)
}

// gtbResult sets the closed round's result, from the amount option or
// else the hunt just finished, picks its winners from the guesses sent
// while it was open, and announces them in Kick chat (once per
// interaction: the chat claim of its cause) and in Discord (once the
// round records it posted). Run again for the same interaction, it
// announces what the first run stored, and only what is not yet done.
func (h *Handler) gtbResult(ctx context.Context, r Request) (Response, error) {
	g, err := h.gtbRounds()
	if err != nil {
		return Response{}, err
	}
	round, err := g.Rounds.GTBRound(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	var (
		amount money.Cents
		placed []gtb.Winner
	)
	switch round.State {
	case gtb.Open:
		return Response{}, fault.E(fault.Conflict, "GTB #%d is still open: close it with /gtb close first", round.Number)
	case gtb.Closed:
		if amount, err = h.gtbAmount(ctx, g, r); err != nil {
			return Response{}, err
		}
		guesses, err := g.Rounds.GTBGuesses(ctx, r.Guild, round.Number)
		if err != nil {
			return Response{}, err
		}
		counted := guesses[:0]
		for _, x := range guesses {
			if round.Takes(x.At) {
				counted = append(counted, x)
			}
		}
		placed = gtb.Winners(counted, amount, round.Winners)
	}
	// Resulted: this interaction's own result (a job run again, whatever
	// the hunt says now), or ResultGTB refuses.
	round, err = g.Rounds.ResultGTB(ctx, r.Guild, round.Number, amount, placed, r.ID)
	if err != nil {
		return Response{}, err
	}
	notes := []string{h.gtbSay(ctx, g, r, round)}
	notes = append(notes, h.gtbPost(ctx, g, r, &round))
	e := Embed{Title: fmt.Sprintf("GTB #%d result: %s", round.Number, round.Result), Description: placedLines(round.Placed),
		Color: Accent, Footer: strings.Join(notes, " ")}
	return Response{Ephemeral: true, Embeds: []Embed{e}}, nil
}

// gtbAmount is /gtb result's amount: the option, else the balance of the
// hunt that just finished.
func (h *Handler) gtbAmount(ctx context.Context, g *GTB, r Request) (money.Cents, error) {
	if v, ok := r.Options["amount"]; ok {
		return money.Parse(v)
	}
	if g.Hunts != nil {
		c, ok, err := g.Hunts.FinishedHunt(ctx, r.Guild)
		if err != nil || ok {
			return c, err
		}
	}
	return 0, fault.E(fault.Invalid, "give the final balance: /gtb result amount:<amount>")
}

// gtbSay says round's result in the guild's Kick chat and returns a note
// on it for the caller. Its failures are notes, not errors: the result is
// stored, and the caller can say it themselves.
func (h *Handler) gtbSay(ctx context.Context, g *GTB, r Request, round gtb.Round) string {
	if g.Chat == nil || g.Channels == nil {
		return "Not said in Kick chat: the bot cannot post there."
	}
	broadcaster, _, _, err := g.Channels.Connection(ctx, r.Guild)
	if err != nil {
		return "Not said in Kick chat: this server is not connected to a Kick channel."
	}
	now := time.Now
	if g.Now != nil {
		now = g.Now
	}
	out, err := g.Chat.Say(ctx, chat.Message{Broadcaster: broadcaster, Text: gtb.Announcement(round), Cause: "gtb:" + r.ID}, now())
	switch {
	case fault.Is(err, fault.Forbidden):
		return "Not said in Kick chat: reconnect the Kick channel with /kick connect."
	case err != nil:
		return "Not said in Kick chat: " + fault.Message(err) + "."
	case out == chat.Sent, out == chat.Repeated:
		return "Said in Kick chat."
	}
	return "Not said in Kick chat: the chat was too busy."
}

// gtbPost posts round's result in Discord, unless it was posted before,
// and returns a note on it.
func (h *Handler) gtbPost(ctx context.Context, g *GTB, r Request, round *gtb.Round) string {
	if round.Announced {
		return "Posted in Discord."
	}
	if g.Embeds == nil {
		return "Not posted in Discord: the bot cannot post there."
	}
	channel := r.Options["channel"]
	if channel == "" {
		set, err := h.Store.Settings(ctx, r.Guild)
		if err != nil {
			return "Not posted in Discord: the settings could not be read."
		}
		channel = set.AnnounceChannel
	}
	if channel == "" {
		return "Not posted in Discord: give a channel, or set one with /settings set announce_channel."
	}
	e := Embed{Title: fmt.Sprintf("🏆 GTB #%d result: %s", round.Number, round.Result), Description: placedLines(round.Placed),
		Color: Accent, Footer: "The closest guesses win; of two as close, the earlier."}
	if err := g.Embeds.PostEmbed(ctx, channel, e); err != nil {
		return "Not posted in Discord: " + fault.Message(err) + "."
	}
	// Unmarked, a run again posts it again: better twice than never.
	_ = g.Rounds.MarkGTBAnnounced(ctx, r.Guild, round.Number)
	round.Announced = true
	return "Posted in Discord."
}
