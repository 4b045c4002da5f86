package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
)

// wireCommand and wireOption are slash commands as Discord reads them.
type wireCommand struct {
	Type                     int          `json:"type"`
	Name                     string       `json:"name"`
	Description              string       `json:"description"`
	DefaultMemberPermissions *string      `json:"default_member_permissions"`
	DMPermission             *bool        `json:"dm_permission"`
	Contexts                 []int        `json:"contexts"`
	Options                  []wireOption `json:"options"`
}

type wireOption struct {
	Type     int          `json:"type"`
	Name     string       `json:"name"`
	Required bool         `json:"required"`
	Options  []wireOption `json:"options"`
	Choices  []struct {
		Name  string `json:"name"`
		Value any    `json:"value"`
	} `json:"choices"`
	MinValue     *float64 `json:"min_value"`
	MaxValue     *float64 `json:"max_value"`
	MaxLength    int      `json:"max_length"`
	ChannelTypes []int    `json:"channel_types"`
}

var optionTypes = map[int]string{1: "sub", 3: "string", 4: "integer", 5: "boolean", 7: "channel", 8: "role"}

// describe writes o compactly: "amount:integer! 1..1000000000" is a
// required integer option with bounds; a subcommand lists its options in
// parentheses.
func describe(o wireOption) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%s", o.Name, optionTypes[o.Type])
	if o.Required {
		b.WriteString("!")
	}
	if o.MinValue != nil || o.MaxValue != nil {
		fmt.Fprintf(&b, " %v..%v", *o.MinValue, *o.MaxValue)
	}
	if o.MaxLength > 0 {
		fmt.Fprintf(&b, " ≤%d", o.MaxLength)
	}
	for i, c := range o.Choices {
		sep := ","
		if i == 0 {
			sep = " {"
		}
		fmt.Fprintf(&b, "%s%v", sep, c.Value)
		if i == len(o.Choices)-1 {
			b.WriteString("}")
		}
	}
	if len(o.ChannelTypes) > 0 {
		fmt.Fprintf(&b, " %v", o.ChannelTypes)
	}
	if o.Type == 1 {
		var subs []string
		for _, s := range o.Options {
			subs = append(subs, describe(s))
		}
		fmt.Fprintf(&b, "(%s)", strings.Join(subs, " "))
	}
	return b.String()
}

func TestApplicationCommands(t *testing.T) {
	b, err := json.Marshal(discord.ApplicationCommands(interact.Commands))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []wireCommand
	if err := json.Unmarshal(b, &cmds); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	var admins, names []string
	for _, c := range cmds {
		names = append(names, c.Name)
		if c.Type != 1 || c.Description == "" {
			t.Errorf("/%s: type %d, description %q; want a chat command with a description", c.Name, c.Type, c.Description)
		}
		if c.DMPermission == nil || *c.DMPermission || !cmp.Equal(c.Contexts, []int{0}) {
			t.Errorf("/%s: dm_permission %v, contexts %v; want false and [0] (servers only)", c.Name, c.DMPermission, c.Contexts)
		}
		if p := c.DefaultMemberPermissions; p != nil {
			if *p != "32" {
				t.Errorf("/%s: default_member_permissions = %q, want \"32\" (Manage Server)", c.Name, *p)
			}
			admins = append(admins, c.Name)
		}
		got[c.Name] = []string{}
		for _, o := range c.Options {
			got[c.Name] = append(got[c.Name], describe(o))
		}
	}
	if want := []string{"watchtime", "points", "leaderboard", "rank", "kick", "export", "link", "confirm-link", "unlink", "roles", "settings", "timer", "viewer", "command", "gtb", "hunt", "calls", "giveaway", "raffle", "clips", "rewards", "announce"}; !cmp.Equal(names, want) {
		t.Errorf("commands = %v, want %v", names, want)
	}
	// /points holds the member's show, so only the handler guards its
	// admin subcommands.
	if want := []string{"kick", "export", "roles", "settings", "timer", "viewer", "command", "gtb", "hunt", "calls", "giveaway", "raffle", "rewards", "announce"}; !cmp.Equal(admins, want) {
		t.Errorf("commands needing Manage Server = %v, want %v", admins, want)
	}
	want := map[string][]string{
		"watchtime": {"user:string ≤25"},
		"points": {
			"show:sub(user:string ≤25)",
			"add:sub(user:string! ≤25 amount:integer! 1..1e+09 reason:string ≤200)",
			"remove:sub(user:string! ≤25 amount:integer! 1..1e+09 reason:string ≤200)",
			"set:sub(user:string! ≤25 amount:integer! 0..1e+09 reason:string ≤200)",
		},
		"leaderboard":  {"board:string {watchtime,points}"},
		"rank":         {"user:string ≤25", "board:string {watchtime,points}"},
		"kick":         {"connect:sub()", "status:sub()", "disconnect:sub(purge:boolean)"},
		"export":       {},
		"link":         {},
		"confirm-link": {},
		"unlink":       {},
		"roles": {
			"add:sub(role:role! minutes:integer! 1..1e+07)",
			"remove:sub(minutes:integer! 1..1e+07)",
			"list:sub()",
		},
		"settings": {
			"show:sub()",
			"set:sub(activity_window:integer 1..60 points_per_5min:integer 0..1000 sub_multiplier:integer 100..1000 " +
				"track_offline:boolean ignore_add:string ≤25 ignore_remove:string ≤25 announce_channel:channel [0 5] announce_off:boolean)",
		},
		"timer": {
			"add:sub(name:string! ≤25 message:string! ≤5040 interval:integer! 5..1440 min_chatters:integer 0..100 offline:boolean)",
			"edit:sub(name:string! ≤25 message:string ≤5040 interval:integer 5..1440 min_chatters:integer 0..100 offline:boolean enabled:boolean)",
			"remove:sub(name:string! ≤25)",
			"list:sub()",
		},
		"viewer": {"unban:sub(user:string! ≤25)"},
		"command": {
			"add:sub(name:string! ≤26 response:string! ≤500 aliases:string ≤280 " +
				"level:string {everyone,subscriber,vip,moderator,broadcaster} cooldown:integer 0..86400 user_cooldown:integer 0..86400)",
			"edit:sub(name:string! ≤26 response:string ≤500 aliases:string ≤280 " +
				"level:string {everyone,subscriber,vip,moderator,broadcaster} cooldown:integer 0..86400 user_cooldown:integer 0..86400 " +
				"enabled:boolean)",
			"remove:sub(name:string! ≤26)",
			"list:sub()",
			"show:sub(name:string! ≤26)",
		},
		"hunt": {
			"start:sub(balance:string! ≤24 name:string ≤60)",
			"add:sub(bet:string! ≤24 slot:string ≤100)",
			"payout:sub(slot:string! ≤100 amount:string! ≤24)",
			"remove:sub(slot:string ≤100)",
			"finish:sub()",
			"show:sub()",
		},
		"gtb": {
			"open:sub(winners:integer 1..10)", "close:sub()",
			"result:sub(amount:string ≤32 channel:channel [0 5])", "status:sub()",
		},
		"calls": {
			"open:sub(limit_per_user:integer 0..100 allow_duplicates:boolean)",
			"close:sub()", "list:sub(page:integer 1..1000)", "pick:sub()", "clear:sub()",
			"blacklist:sub(action:string! {add,remove,list} viewer:string ≤25 slot:string ≤100)",
			"channel:sub(channel:channel! [0 5])", "verify:sub()",
		},
		"giveaway": {
			"start:sub(prize:string! ≤200 keyword:string ≤32 minutes:integer 1..1440 winners:integer 1..20 min_watchtime:integer 0..1440 sub_luck:integer 1..10)",
			"end:sub()", "draw:sub()", "reroll:sub(user:string ≤25)",
		},
		"raffle": {
			"start:sub(days:integer 1..93 winners:integer 1..20 prize:string ≤100)",
			"status:sub()", "draw:sub(channel:channel [0 5])", "end:sub()",
			"tickets:sub(action:string! {add,remove,void} user:string ≤25 amount:integer 1..1e+06 reason:string ≤200 gift:string ≤200)",
			"exclude:sub(action:string! {add,remove} user:string! ≤25)",
			"settings:sub(tickets_per_hour:integer 0..1000 tickets_per_gift:integer 0..1000 tickets_per_sub:integer 0..1000 " +
				"tickets_per_100_kicks:integer 0..1000 gift_hold_hours:integer 0..168)",
			"verify:sub(period:string ≤40)",
		},
		// /clips list is every member's; /clips settings needs Manage
		// Server, which Handle checks.
		"clips": {
			"list:sub(stream:string ≤10)",
			"settings:sub(lead:integer 0..300 cooldown:integer 5..3600 user_cooldown:integer 0..3600)",
		},
		"rewards": {
			"show:sub()",
			"points:sub(follow:integer 0..1e+06 sub:integer 0..1e+06 gift:integer 0..1e+06 kicks:integer 0..1e+06)",
			"thanks:sub(kind:string! {sub,gift,kicks} message:string ≤300)",
			"off:sub(kind:string! {sub,gift,kicks})",
		},
		"announce": {
			"set:sub(kind:string! {live,offline,follow,sub,gift,kicks,redemption,clip} channel:channel! [0 5] message:string ≤400 role:role flap_minutes:integer 0..120)",
			"off:sub(kind:string! {live,offline,follow,sub,gift,kicks,redemption,clip})", "list:sub()",
			"test:sub(kind:string! {live,offline,follow,sub,gift,kicks,redemption,clip})",
		},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("command options (-got +want):\n%s", diff)
	}
}

// TestRegisterApplicationCommands registers the commands with a Fake, as
// the registration script will.
func TestRegisterApplicationCommands(t *testing.T) {
	fake, rest := fakeDiscord(t)
	if err := rest.RegisterCommands(context.Background(), guildID, discord.ApplicationCommands(interact.Commands)); err != nil {
		t.Fatalf("RegisterCommands = %v", err)
	}
	reqs := fake.Requests()
	if len(reqs) != 1 {
		t.Fatalf("Fake received %d requests, want 1", len(reqs))
	}
	list, ok := reqs[0].Body.([]any)
	if !ok || len(list) != len(interact.Commands) {
		t.Fatalf("registered body = %v, want a list of %d commands", reqs[0].Body, len(interact.Commands))
	}
	// /command is registered for admins, with its five subcommands.
	var custom map[string]any
	for _, c := range list {
		if m, ok := c.(map[string]any); ok && m["name"] == "command" {
			custom = m
		}
	}
	if opts, _ := custom["options"].([]any); custom["default_member_permissions"] != "32" || len(opts) != 5 {
		t.Errorf("registered /command = %v, want Manage Server and 5 subcommands", custom)
	}
}
