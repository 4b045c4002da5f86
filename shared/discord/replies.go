package discord

import (
	"context"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// Replies answers the interactions Bridge deferred, through each
// interaction's own webhook: the worker's half of the deferred flow.
type Replies struct {
	REST *REST
}

// Finish replaces the deferred response with r. Editing is idempotent, so
// a retried job that finishes twice shows the same message.
func (p Replies) Finish(ctx context.Context, token string, r interact.Response) error {
	data := response(r).Data
	embeds, components := data.Embeds, data.Components
	// Lists, not null: the edit states the whole message.
	if embeds == nil {
		embeds = []*discordgo.MessageEmbed{}
	}
	if components == nil {
		components = []discordgo.MessageComponent{}
	}
	return p.REST.EditOriginal(ctx, token, &discordgo.WebhookEdit{
		Content:         &data.Content,
		Embeds:          &embeds,
		Components:      &components,
		AllowedMentions: data.AllowedMentions,
	})
}

// Refuse shows message to the caller alone. A deferred response that
// everyone sees cannot become ephemeral, so Refuse deletes it and follows
// up with an ephemeral message; a retry finds it deleted already.
func (p Replies) Refuse(ctx context.Context, token, message string) error {
	if err := p.REST.DeleteOriginal(ctx, token); err != nil && fault.KindOf(err) != fault.NotFound {
		return err
	}
	return p.REST.Followup(ctx, token, &discordgo.WebhookParams{
		Content:         message,
		Flags:           discordgo.MessageFlagsEphemeral,
		AllowedMentions: noMentions(),
	})
}
