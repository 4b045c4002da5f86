package discord

import (
	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/interact"
)

// ApplicationCommands translates cmds into the slash commands
// REST.RegisterCommands registers. Every command is for servers only; an
// admin command needs Manage Server by default, which hides it from other
// members (the handler checks again, since a server can change who sees
// what).
func ApplicationCommands(cmds []interact.Command) []*discordgo.ApplicationCommand {
	out := make([]*discordgo.ApplicationCommand, 0, len(cmds))
	for _, c := range cmds {
		ac := &discordgo.ApplicationCommand{
			Type:        discordgo.ChatApplicationCommand,
			Name:        c.Name,
			Description: c.Description,
			Contexts:    &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild},
			Options:     options(c.Options),
		}
		// dm_permission is what API v9, the version discordgo calls,
		// documents for guild-only commands; contexts replaces it in v10.
		//lint:ignore SA1019 set alongside Contexts on purpose, see above
		ac.DMPermission = new(false)
		if c.Admin {
			ac.DefaultMemberPermissions = new(int64(discordgo.PermissionManageGuild))
		}
		for _, s := range c.Subcommands {
			ac.Options = append(ac.Options, &discordgo.ApplicationCommandOption{
				Type:        discordgo.ApplicationCommandOptionSubCommand,
				Name:        s.Name,
				Description: s.Description,
				Options:     options(s.Options),
			})
		}
		out = append(out, ac)
	}
	return out
}

func options(opts []interact.Option) []*discordgo.ApplicationCommandOption {
	var out []*discordgo.ApplicationCommandOption
	for _, o := range opts {
		ao := &discordgo.ApplicationCommandOption{
			Name:        o.Name,
			Description: o.Description,
			Required:    o.Required,
		}
		switch o.Type {
		case interact.StringOption:
			ao.Type = discordgo.ApplicationCommandOptionString
			ao.MaxLength = o.MaxLen
			for _, ch := range o.Choices {
				ao.Choices = append(ao.Choices, &discordgo.ApplicationCommandOptionChoice{Name: ch.Name, Value: ch.Value})
			}
		case interact.IntegerOption:
			ao.Type = discordgo.ApplicationCommandOptionInteger
			if o.Min < o.Max {
				ao.MinValue = new(float64(o.Min))
				ao.MaxValue = float64(o.Max)
			}
		case interact.BooleanOption:
			ao.Type = discordgo.ApplicationCommandOptionBoolean
		case interact.RoleOption:
			ao.Type = discordgo.ApplicationCommandOptionRole
		case interact.ChannelOption:
			ao.Type = discordgo.ApplicationCommandOptionChannel
			// Channels the bot can post announcements in.
			ao.ChannelTypes = []discordgo.ChannelType{discordgo.ChannelTypeGuildText, discordgo.ChannelTypeGuildNews}
		}
		out = append(out, ao)
	}
	return out
}
