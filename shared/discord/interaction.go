package discord

import "github.com/bwmarrin/discordgo"

// Option is an option of a slash command as Discord sends it; its Value is
// a float64 for integers and numbers, a string for ids.
type Option = discordgo.ApplicationCommandInteractionDataOption

// Caller returns who invoked i: the member's user in a guild, the user in a
// DM; empty strings when neither is present.
func Caller(i *discordgo.Interaction) (userID, username string) {
	if i == nil {
		return "", ""
	}
	u := i.User
	if i.Member != nil && i.Member.User != nil {
		u = i.Member.User
	}
	if u == nil {
		return "", ""
	}
	return u.ID, u.Username
}

// GuildID returns the guild i came from, "" for a DM.
func GuildID(i *discordgo.Interaction) string {
	if i == nil {
		return ""
	}
	return i.GuildID
}

// CanManageGuild reports whether the caller has Manage Server (or
// Administrator) in the channel i came from. Discord computes these
// permissions and signs them, so they can be trusted; a DM has none.
func CanManageGuild(i *discordgo.Interaction) bool {
	if i == nil || i.Member == nil {
		return false
	}
	return i.Member.Permissions&(discordgo.PermissionManageGuild|discordgo.PermissionAdministrator) != 0
}

// CommandPath returns the command i invokes, for slash commands and their
// autocomplete: its name, its subcommand ("group sub" within a subcommand
// group, "" for none) and the options given to that subcommand by name.
// Other interactions give "", "", nil.
func CommandPath(i *discordgo.Interaction) (name, sub string, opts map[string]*Option) {
	if i == nil {
		return "", "", nil
	}
	var data *discordgo.ApplicationCommandInteractionData
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		data = &d
	case *discordgo.ApplicationCommandInteractionData:
		data = d
	}
	if data == nil {
		return "", "", nil
	}
	options := data.Options
	if len(options) == 1 && options[0] != nil {
		switch o := options[0]; o.Type {
		case discordgo.ApplicationCommandOptionSubCommand:
			sub, options = o.Name, o.Options
		case discordgo.ApplicationCommandOptionSubCommandGroup:
			sub, options = o.Name, o.Options
			if len(options) == 1 && options[0] != nil && options[0].Type == discordgo.ApplicationCommandOptionSubCommand {
				sub += " " + options[0].Name
				options = options[0].Options
			}
		}
	}
	opts = make(map[string]*Option, len(options))
	for _, o := range options {
		if o != nil {
			opts[o.Name] = o
		}
	}
	return data.Name, sub, opts
}

// ComponentID returns the custom_id of the button or select menu (or
// submitted modal) i comes from, "" for other interactions.
func ComponentID(i *discordgo.Interaction) string {
	if i == nil {
		return ""
	}
	switch d := i.Data.(type) {
	case discordgo.MessageComponentInteractionData:
		return d.CustomID
	case *discordgo.MessageComponentInteractionData:
		if d != nil {
			return d.CustomID
		}
	case discordgo.ModalSubmitInteractionData:
		return d.CustomID
	case *discordgo.ModalSubmitInteractionData:
		if d != nil {
			return d.CustomID
		}
	}
	return ""
}
