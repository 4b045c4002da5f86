package discord

import (
	"bytes"
	"context"
	"strconv"

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
//
// r's Files go in the same edit, as a multipart request; the edit lists
// them as the message's only attachments, so a retry replaces rather than
// adds them. Files above interact.MaxAttachmentBytes together, or more
// than interact.MaxFiles, are fault.Invalid and send nothing: Discord
// would refuse them with 413.
func (p Replies) Finish(ctx context.Context, token string, r interact.Response) error {
	files, attachments, err := uploads(r.Files)
	if err != nil {
		return err
	}
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
		Files:           files,
		Attachments:     attachments,
	})
}

// uploads translates files to discordgo's, with the attachment list that
// names them (ids "0", "1", … refer to the multipart parts files[0], …);
// nil and nil without files.
func uploads(in []interact.File) ([]*discordgo.File, *[]*discordgo.MessageAttachment, error) {
	if len(in) == 0 {
		return nil, nil, nil
	}
	if len(in) > interact.MaxFiles {
		return nil, nil, fault.E(fault.Invalid, "%d files, more than Discord's %d a message", len(in), interact.MaxFiles)
	}
	total := 0
	files := make([]*discordgo.File, len(in))
	list := make([]*discordgo.MessageAttachment, len(in))
	for i, f := range in {
		if f.Name == "" {
			return nil, nil, fault.E(fault.Invalid, "file %d has no name", i)
		}
		total += len(f.Data)
		files[i] = &discordgo.File{Name: f.Name, ContentType: f.ContentType, Reader: bytes.NewReader(f.Data)}
		list[i] = &discordgo.MessageAttachment{ID: strconv.Itoa(i), Filename: f.Name}
	}
	if total > interact.MaxAttachmentBytes {
		return nil, nil, fault.E(fault.Invalid, "the files take %d bytes, more than Discord's %d", total, interact.MaxAttachmentBytes)
	}
	return files, &list, nil
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
