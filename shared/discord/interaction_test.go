package discord_test

import (
	"encoding/json"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/discord"
)

func decodeFixture(t *testing.T, name string) *discordgo.Interaction {
	t.Helper()
	var i discordgo.Interaction
	if err := json.Unmarshal(fixture(t, name), &i); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return &i
}

// accessors is what the accessors say about one interaction, with option
// values in place of option structs.
type accessors struct {
	UserID, Username, Guild string
	CanManage               bool
	Name, Sub               string
	Options                 map[string]any
	ComponentID             string
}

func read(i *discordgo.Interaction) accessors {
	var a accessors
	a.UserID, a.Username = discord.Caller(i)
	a.Guild = discord.GuildID(i)
	a.CanManage = discord.CanManageGuild(i)
	name, sub, opts := discord.CommandPath(i)
	a.Name, a.Sub = name, sub
	if opts != nil {
		a.Options = map[string]any{}
		for k, o := range opts {
			a.Options[k] = o.Value
		}
	}
	a.ComponentID = discord.ComponentID(i)
	return a
}

const (
	member = "569802374110117888" // mossyrock, no Manage Server
	owner  = "774998079505039360" // northwind_tv, Manage Server
)

func TestAccessorsOnFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    accessors
	}{
		{"ping", accessors{UserID: "643945264868098049", Username: "discord"}},
		{"application_command", accessors{
			UserID: member, Username: "mossyrock", Guild: guildID,
			Name: "points", Options: map[string]any{"user": "944002309543821312"},
		}},
		{"application_command_subcommand", accessors{
			UserID: owner, Username: "northwind_tv", Guild: guildID, CanManage: true,
			Name: "settings", Sub: "set",
			Options: map[string]any{"points_per_5min": float64(3), "track_offline": false, "announce_channel": "883082588674195459"},
		}},
		{"message_component", accessors{
			UserID: member, Username: "mossyrock", Guild: guildID,
			ComponentID: "lb:points:eyJnIjoiODgzMDgyNTg3MzI3ODIzODcyIiwidSI6NzMzMTA5NTQsInAiOjEyODQ1MDB9",
		}},
		{"autocomplete", accessors{
			UserID: member, Username: "mossyrock", Guild: guildID,
			Name: "rank", Options: map[string]any{"viewer": "moss"},
		}},
		{"modal_submit", accessors{
			UserID: owner, Username: "northwind_tv", Guild: guildID, CanManage: true,
			ComponentID: "settings:ignored",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, read(decodeFixture(t, tt.fixture))); diff != "" {
				t.Errorf("accessors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAccessorsBuilt(t *testing.T) {
	user := &discordgo.User{ID: member, Username: "mossyrock"}
	sub := func(name string, opts ...*discord.Option) *discord.Option {
		return &discord.Option{Name: name, Type: discordgo.ApplicationCommandOptionSubCommand, Options: opts}
	}
	amount := &discord.Option{Name: "amount", Type: discordgo.ApplicationCommandOptionInteger, Value: float64(250)}
	command := func(name string, opts ...*discord.Option) discordgo.InteractionData {
		return discordgo.ApplicationCommandInteractionData{Name: name, Options: opts}
	}
	tests := []struct {
		name string
		i    *discordgo.Interaction
		want accessors
	}{
		{"nil", nil, accessors{}},
		{"DM: user, no member, no guild", &discordgo.Interaction{Type: discordgo.InteractionApplicationCommand, User: user, Data: command("watchtime")},
			accessors{UserID: member, Username: "mossyrock", Name: "watchtime", Options: map[string]any{}}},
		{"member's user wins", &discordgo.Interaction{User: &discordgo.User{ID: "1"}, Member: &discordgo.Member{User: user}, GuildID: guildID},
			accessors{UserID: member, Username: "mossyrock", Guild: guildID}},
		{"Administrator without Manage Server", &discordgo.Interaction{Member: &discordgo.Member{User: user, Permissions: discordgo.PermissionAdministrator}},
			accessors{UserID: member, Username: "mossyrock", CanManage: true}},
		{"Manage Server alone", &discordgo.Interaction{Member: &discordgo.Member{Permissions: discordgo.PermissionManageGuild}},
			accessors{CanManage: true}},
		{"Manage Messages is not enough", &discordgo.Interaction{Member: &discordgo.Member{Permissions: discordgo.PermissionManageMessages | discordgo.PermissionBanMembers}},
			accessors{}},
		{"subcommand with options", &discordgo.Interaction{Data: command("points", sub("add", amount))},
			accessors{Name: "points", Sub: "add", Options: map[string]any{"amount": float64(250)}}},
		{"subcommand group", &discordgo.Interaction{Data: command("settings", &discord.Option{
			Name: "timers", Type: discordgo.ApplicationCommandOptionSubCommandGroup, Options: []*discord.Option{sub("remove", amount)},
		})}, accessors{Name: "settings", Sub: "timers remove", Options: map[string]any{"amount": float64(250)}}},
		{"pointer data", &discordgo.Interaction{Data: &discordgo.ApplicationCommandInteractionData{Name: "leaderboard"}},
			accessors{Name: "leaderboard", Options: map[string]any{}}},
		{"nil pointer data", &discordgo.Interaction{Data: (*discordgo.MessageComponentInteractionData)(nil)}, accessors{}},
		{"select menu", &discordgo.Interaction{Data: discordgo.MessageComponentInteractionData{CustomID: "settings:channel", ComponentType: discordgo.SelectMenuComponent}},
			accessors{ComponentID: "settings:channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, read(tt.i)); diff != "" {
				t.Errorf("accessors (-want +got):\n%s", diff)
			}
		})
	}
}

// The fixtures are what Discord sends: they survive discordgo's decoder
// with the fields handlers need.
func TestFixturesDecode(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			i := decodeFixture(t, name)
			if i.ID == "" || i.AppID != appID || i.Token == "" || i.Version != 1 {
				t.Errorf("decoded {ID:%q AppID:%q Token set:%v Version:%d}, want all set", i.ID, i.AppID, i.Token != "", i.Version)
			}
			if i.Type != discordgo.InteractionPing && (i.Member == nil || i.Member.Permissions == 0 || i.ChannelID == "") {
				t.Errorf("decoded a guild interaction without member permissions or channel: %+v", i.Member)
			}
		})
	}
	msg := decodeFixture(t, "message_component").Message
	if msg == nil || len(msg.Components) != 1 || len(msg.Embeds) != 1 {
		t.Fatalf("message_component's message = %+v, want the leaderboard with one row of buttons", msg)
	}
	modal := decodeFixture(t, "modal_submit").ModalSubmitData()
	row, ok := modal.Components[0].(*discordgo.ActionsRow)
	if !ok || len(row.Components) != 1 {
		t.Fatalf("modal_submit components = %#v, want one row with the text input", modal.Components)
	}
	if in, ok := row.Components[0].(*discordgo.TextInput); !ok || in.CustomID != "ignored" || in.Value != "nightbot\nbotrix\nkickbot_official" {
		t.Errorf("modal_submit text input = %#v, want ignored = the three bot names", row.Components[0])
	}
}
