package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/rolesync"
)

var (
	_ rolesync.Discord = (*REST)(nil)
	_ notice.Poster    = (*REST)(nil)
	// calls.Poster and its like in other feature packages.
	_ interface {
		PostEmbed(ctx context.Context, channelID string, e interact.Embed) error
	} = (*REST)(nil)
)

// Discord's JSON error codes that role grants and posts tell apart
// (https://discord.com/developers/docs/topics/opcodes-and-status-codes#json).
const (
	codeUnknownMember      = 10007
	codeUnknownRole        = 10011
	codeUnknownUser        = 10013
	codeMissingPermissions = 50013
)

// maxContent is the longest message content Discord accepts, in characters.
const maxContent = 2000

// GrantRole gives guild's member userID the role roleID (PUT
// /guilds/{guild}/members/{user}/roles/{role}, 204). Giving a role the
// member holds succeeds: the PUT is idempotent.
//
// Errors say what the caller can do:
//
//   - a *rolesync.Refusal, as fault.Forbidden or fault.NotFound, when the
//     guild's setup forbids the grant: RoleGone for Unknown Role (10011);
//     for Missing Permissions (403, 50013), what rolePermission finds
//     (MissingPermission, RoleAbove or RoleGone); MissingPermission for
//     any other 403 (Missing Access);
//   - rolesync.ErrMemberGone, as fault.NotFound, for Unknown Member
//     (10007) or Unknown User (10013): the member left;
//   - fault.Transient for 429, 5xx and network failures (also of the
//     requests that diagnose a 50013);
//   - fault.NotFound for Unknown Guild (the bot is no longer in it),
//     fault.Forbidden for a bot token Discord refuses (401), and
//     fault.Invalid for ids that are not snowflakes.
func (c *REST) GrantRole(ctx context.Context, guildID, userID, roleID string) error {
	const op = "add member role"
	if err := c.check(); err != nil {
		return err
	}
	for _, id := range []string{guildID, userID, roleID} {
		if !isSnowflake(id) {
			return fault.E(fault.Invalid, "discord %s: %q is not a snowflake", op, clip(id))
		}
	}
	err := restError(op, c.Session.GuildMemberRoleAdd(guildID, userID, roleID, discordgo.WithContext(ctx)))
	apiErr, ok := errors.AsType[*APIError](err)
	if !ok {
		return err
	}
	switch {
	case apiErr.Status == http.StatusNotFound && apiErr.Code == codeUnknownRole:
		return refused(fault.NotFound, roles.Problem{RoleID: roleID, Reason: roles.RoleGone}, apiErr)
	case apiErr.Status == http.StatusNotFound && (apiErr.Code == codeUnknownMember || apiErr.Code == codeUnknownUser):
		return fault.Wrap(fault.NotFound, fmt.Errorf("%w: %w", rolesync.ErrMemberGone, apiErr), "that member is no longer in the server")
	case apiErr.Status == http.StatusForbidden && apiErr.Code == codeMissingPermissions:
		reason, err := c.rolePermission(ctx, guildID, roleID)
		if err != nil {
			return err
		}
		return refused(fault.Forbidden, roles.Problem{RoleID: roleID, Reason: reason}, apiErr)
	case apiErr.Status == http.StatusForbidden:
		return refused(fault.Forbidden, roles.Problem{RoleID: roleID, Reason: roles.MissingPermission}, apiErr)
	}
	return err
}

// refused is the error of a grant that p forbids; its message tells an
// admin what to fix.
func refused(k fault.Kind, p roles.Problem, apiErr *APIError) error {
	return fault.Wrap(k, &rolesync.Refusal{Reason: p.Reason, Err: apiErr}, p.Message())
}

// rolePermission finds why Discord refused to grant roleID in guildID
// with Missing Permissions (50013), a code Discord gives both to a bot
// without Manage Roles and to a role at or above the bot's highest role.
// It asks Discord, over REST only and only after such a refusal, who the
// bot is (GET /users/@me), which roles it holds (GET
// /guilds/{guild}/members/{bot}) and the guild's roles (GET
// /guilds/{guild}/roles), and decides as Discord does:
//
//   - MissingPermission when neither @everyone nor the bot's roles grant
//     Manage Roles or Administrator;
//   - RoleGone when the role is not among the guild's roles any more;
//   - RoleAbove otherwise: the role is at or above the bot's highest
//     role, or (rarely) managed by an integration; and when Discord
//     refuses the diagnosis itself. That answer names the role and stays
//     the same run after run, where a guild-wide MissingPermission guessed
//     without evidence would contradict the bot's successful grants of
//     other roles (and its marker, cleared by each of them, would be told
//     again and again).
//
// A Transient failure of a diagnosing request is returned, for the grant
// to be retried; any other makes the answer RoleAbove.
func (c *REST) rolePermission(ctx context.Context, guildID, roleID string) (roles.Reason, error) {
	const op = "diagnose missing permissions"
	opt := discordgo.WithContext(ctx)
	me, err := c.Session.User("@me", opt)
	if err := restError(op, err); err != nil || me == nil || !isSnowflake(me.ID) {
		return transientOr(err, roles.RoleAbove)
	}
	var member struct {
		Roles []string `json:"roles"`
	}
	body, err := c.Session.RequestWithBucketID(http.MethodGet, discordgo.EndpointGuildMember(guildID, me.ID), nil,
		discordgo.EndpointGuildMember(guildID, ""), opt)
	if err := restError(op, err); err != nil {
		return transientOr(err, roles.RoleAbove)
	}
	if json.Unmarshal(body, &member) != nil {
		return roles.RoleAbove, nil
	}
	all, err := c.Session.GuildRoles(guildID, opt)
	if err := restError(op, err); err != nil {
		return transientOr(err, roles.RoleAbove)
	}
	return diagnose(guildID, roleID, member.Roles, all), nil
}

func transientOr(err error, r roles.Reason) (roles.Reason, error) {
	if fault.Is(err, fault.Transient) {
		return 0, err
	}
	return r, nil
}

// diagnose decides, from the guild's roles and the bot's, why granting
// roleID was refused; see rolePermission. With Manage Roles, a refusal of
// a role that exists can only be the hierarchy (or an integration's
// managed role, which no one can give), so the positions need no
// comparing.
func diagnose(guildID, roleID string, botRoles []string, all []*discordgo.Role) roles.Reason {
	var perms int64
	exists := false
	for _, r := range all {
		if r == nil {
			continue
		}
		if r.ID == guildID || slices.Contains(botRoles, r.ID) { // @everyone has the guild's id
			perms |= r.Permissions
		}
		exists = exists || r.ID == roleID
	}
	switch {
	case perms&(discordgo.PermissionAdministrator|discordgo.PermissionManageRoles) == 0:
		return roles.MissingPermission
	case !exists:
		return roles.RoleGone
	default:
		return roles.RoleAbove
	}
}

// PostMessage posts content in channelID as the bot (POST
// /channels/{channel}/messages) with every mention disabled, so that a
// notice naming a role or a member pings nobody. Unlike a grant it is not
// idempotent: a retry after an error whose request did reach Discord
// posts twice.
//
// Errors: fault.Invalid for a channel id that is not a snowflake or
// content that is empty or longer than 2000 characters; fault.NotFound
// when the channel is gone; fault.Forbidden when the bot may not see it
// or post in it; fault.Transient for 429, 5xx and network failures.
func (c *REST) PostMessage(ctx context.Context, channelID, content string) error {
	const op = "create message"
	if err := c.check(); err != nil {
		return err
	}
	if !isSnowflake(channelID) {
		return fault.E(fault.Invalid, "discord channel id %q is not a snowflake", clip(channelID))
	}
	if content == "" || utf8.RuneCountInString(content) > maxContent {
		return fault.E(fault.Invalid, "a Discord message holds 1 to %d characters", maxContent)
	}
	return c.send(ctx, op, "the announcement channel", channelID, &discordgo.MessageSend{Content: content})
}

// maxEmbedText bounds the text of one embed (Discord's limit for all
// its titles, descriptions, field names and values and footer).
const maxEmbedText = 6000

// PostEmbed posts e to the channel channelID as the bot, with no
// mentions parsed. Errors as PostMessage's; an embed with no title and no
// description, or over Discord's limits, is fault.Invalid.
func (c *REST) PostEmbed(ctx context.Context, channelID string, e interact.Embed) error {
	const op = "create embed message"
	if err := c.check(); err != nil {
		return err
	}
	if !isSnowflake(channelID) {
		return fault.E(fault.Invalid, "discord channel id %q is not a snowflake", clip(channelID))
	}
	if err := checkEmbed(e); err != nil {
		return err
	}
	return c.send(ctx, op, "the channel", channelID, &discordgo.MessageSend{Embeds: []*discordgo.MessageEmbed{embed(e)}})
}

// checkEmbed refuses, as fault.Invalid, an embed with no title and no
// description, or over Discord's limits.
func checkEmbed(e interact.Embed) error {
	n := utf8.RuneCountInString(e.Title) + utf8.RuneCountInString(e.Description) + utf8.RuneCountInString(e.Footer)
	for _, f := range e.Fields {
		n += utf8.RuneCountInString(f.Name) + utf8.RuneCountInString(f.Value)
	}
	switch {
	case e.Title == "" && e.Description == "":
		return fault.E(fault.Invalid, "an embed needs a title or a description")
	case n > maxEmbedText || len(e.Fields) > 25 || utf8.RuneCountInString(e.Title) > 256 || utf8.RuneCountInString(e.Description) > 4096:
		return fault.E(fault.Invalid, "the embed is over Discord's limits")
	}
	return nil
}

// send posts msg to channelID, which errors call channel, with no
// mentions parsed.
func (c *REST) send(ctx context.Context, op, channel, channelID string, msg *discordgo.MessageSend) error {
	return c.sendWith(ctx, op, channel, channelID, msg, &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}})
}

// sendWith is send with the mentions Discord may notify.
func (c *REST) sendWith(ctx context.Context, op, channel, channelID string, msg *discordgo.MessageSend, mentions *discordgo.MessageAllowedMentions) error {
	msg.AllowedMentions = mentions
	_, err := c.Session.ChannelMessageSendComplex(channelID, msg, discordgo.WithContext(ctx))
	err = restError(op, err)
	if apiErr, ok := errors.AsType[*APIError](err); ok {
		switch {
		case apiErr.Status == http.StatusNotFound:
			return fault.Wrap(fault.NotFound, apiErr, channel+" no longer exists")
		case apiErr.Status == http.StatusForbidden:
			return fault.Wrap(fault.Forbidden, apiErr, "the bot may not post in "+channel)
		}
	}
	return err
}
