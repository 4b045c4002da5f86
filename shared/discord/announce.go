package discord

import (
	"context"
	"net/url"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/fault"
)

var _ announce.Poster = (*REST)(nil)

// PostAnnouncement posts m to m.Channel as the bot: its content, its
// embed (title link, thumbnail, image, timestamp, fields, footer, colour)
// and, when m.Link is set, a link button. Only m.MentionRole may be
// pinged: every other mention in the content or the embed is inert.
// Errors as PostEmbed's; a link that is not an http(s) URL, or a role
// that is not a snowflake, is fault.Invalid.
func (c *REST) PostAnnouncement(ctx context.Context, m announce.Message) error {
	const op = "create announcement"
	if err := c.check(); err != nil {
		return err
	}
	if !isSnowflake(m.Channel) {
		return fault.E(fault.Invalid, "discord channel id %q is not a snowflake", clip(m.Channel))
	}
	if m.MentionRole != "" && !isSnowflake(m.MentionRole) {
		return fault.E(fault.Invalid, "discord role id %q is not a snowflake", clip(m.MentionRole))
	}
	if utf8.RuneCountInString(m.Content) > maxContent {
		return fault.E(fault.Invalid, "a Discord message holds at most %d characters", maxContent)
	}
	if err := checkEmbed(m.Embed); err != nil {
		return err
	}
	msg := &discordgo.MessageSend{Content: m.Content, Embeds: []*discordgo.MessageEmbed{embed(m.Embed)}}
	if m.Link.URL != "" {
		if u, err := url.Parse(m.Link.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fault.E(fault.Invalid, "a link button needs an http(s) URL")
		}
		label := m.Link.Label
		if label == "" {
			label = "Open"
		}
		msg.Components = []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: label, Style: discordgo.LinkButton, URL: m.Link.URL},
		}}}
	}
	mentions := &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
	if m.MentionRole != "" {
		mentions.Roles = []string{m.MentionRole}
	}
	return c.sendWith(ctx, op, "the announcement channel", m.Channel, msg, mentions)
}
