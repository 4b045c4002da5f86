package calls

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/wording"
)

// Poster posts an embed to a Discord channel; *discord.REST is one.
type Poster interface {
	PostEmbed(ctx context.Context, channelID string, e interact.Embed) error
}

// Chat answers !call (alias !sr) and !current in Kick chat: the
// chat.Answerer of both built-ins. Set Store; without Poster accepted
// calls are not posted to Discord.
type Chat struct {
	Store  Store
	Poster Poster
	Log    *slog.Logger
}

var _ chat.Answerer = (*Chat)(nil)

// Answer answers a.Name "call" or "current"; any other name is silent.
func (c *Chat) Answer(ctx context.Context, a chat.Ask) (string, error) {
	switch a.Name {
	case "call":
		return c.call(ctx, a)
	case "current":
		return c.current(ctx, a)
	}
	return "", nil
}

// call takes a.Args as a call. A retried job finds its call stored and
// answers it the same way, posting the embed only if the first run did
// not.
func (c *Chat) call(ctx context.Context, a chat.Ask) (string, error) {
	st, err := c.Store.CallState(ctx, a.Guild)
	if err != nil {
		return "", err
	}
	at := wording.Mention(a.Asker.Username)
	if !st.Round.Open {
		return at + " calls are closed right now", nil
	}
	slot, err := Clean(a.Args)
	if err != nil {
		return at + " " + fault.Message(err), nil
	}
	switch st.Check(a.Asker.Username, slot) {
	case BlockedViewer:
		c.log().InfoContext(ctx, "call not taken: the viewer is blacklisted", "guild", a.Guild, "user", a.Asker.ID)
		return "", nil
	case BlockedSlot:
		return at + " " + slot + " can't be called here", nil
	}
	got, out, err := c.Store.AddCall(ctx, a.Guild, st.Round, Call{
		Round: st.Round.ID, ID: a.MessageID, UserID: a.Asker.ID, Username: a.Asker.Username, Slot: slot, At: a.Now,
	})
	if err != nil {
		return "", err
	}
	switch out {
	case AtLimit:
		return fmt.Sprintf("%s you have made your %s this round", at, wording.Count(int64(st.Round.Limit), "call")), nil
	case Duplicate:
		return at + " " + slot + " was called already", nil
	}
	if err := c.post(ctx, a.Guild, st.Channel, got); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s your call for %s is in (#%d)", at, got.Slot, got.Number), nil
}

// post sends call's embed to the calls channel unless it went before. A
// failure a retry may fix is returned, so the job is retried; any other is
// logged: the call stands without its embed.
func (c *Chat) post(ctx context.Context, guild, channel string, call Call) error {
	if c.Poster == nil || channel == "" || call.Posted {
		return nil
	}
	err := c.Poster.PostEmbed(ctx, channel, CallEmbed(call))
	switch {
	case fault.Is(err, fault.Transient):
		return err
	case err != nil:
		c.log().WarnContext(ctx, "call not posted to Discord", "guild", guild, "channel", channel, "err", err)
		return nil
	}
	return c.Store.MarkCallPosted(ctx, guild, call)
}

// CallEmbed is the embed an accepted call posts to the calls channel.
func CallEmbed(call Call) interact.Embed {
	return interact.Embed{
		Title:       "Slot call #" + strconv.Itoa(call.Number),
		Description: call.Slot,
		Fields:      []interact.Field{{Name: "Called by", Value: call.Username, Inline: true}},
		Color:       interact.Accent,
	}
}

// current answers !current: the slot being played and who called it.
func (c *Chat) current(ctx context.Context, a chat.Ask) (string, error) {
	st, err := c.Store.CallState(ctx, a.Guild)
	if err != nil {
		return "", err
	}
	at := wording.Mention(a.Asker.Username)
	if st.Current == nil {
		return at + " no call has been picked yet", nil
	}
	return fmt.Sprintf("%s now playing %s, called by %s (#%d)", at, st.Current.Slot, st.Current.By, st.Current.Number), nil
}

func (c *Chat) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}
