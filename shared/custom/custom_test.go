package custom_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/fault"
)

func TestNew(t *testing.T) {
	got := custom.New(" !Discord ", "join us")
	want := custom.Command{Name: "discord", Response: "join us", Level: command.Everyone, Cooldown: 5 * time.Second, Enabled: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("New (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("New(...).Validate() = %v, want nil", err)
	}
}

func TestParseAliases(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"hi", []string{"hi"}},
		{" Hi , !hello,,  ", []string{"hi", "hello"}},
		{"a b", []string{"a b"}}, // kept for Validate to refuse
	}
	for _, tt := range tests {
		if got := custom.ParseAliases(tt.in); !cmp.Equal(got, tt.want) {
			t.Errorf("ParseAliases(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := custom.New("discord", "join us")
	with := func(change func(*custom.Command)) custom.Command {
		c := ok
		change(&c)
		return c
	}
	aliases := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("a%d", i)
		}
		return out
	}
	tests := []struct {
		name string
		c    custom.Command
		// want is in the error's message; "" for a valid command.
		want string
	}{
		{"defaults", ok, ""},
		{"longest name", with(func(c *custom.Command) { c.Name = strings.Repeat("a", 25) }), ""},
		{"digits and underscore", with(func(c *custom.Command) { c.Name = "top_10" }), ""},
		{"ten aliases", with(func(c *custom.Command) { c.Aliases = aliases(10) }), ""},
		{"500 characters", with(func(c *custom.Command) { c.Response = strings.Repeat("é", 500) }), ""},
		{"a day's cooldowns", with(func(c *custom.Command) { c.Cooldown, c.UserCooldown = 24*time.Hour, 24*time.Hour }), ""},
		{"no cooldowns", with(func(c *custom.Command) { c.Cooldown = 0 }), ""},
		{"broadcaster", with(func(c *custom.Command) { c.Level = command.Broadcaster }), ""},

		{"empty name", with(func(c *custom.Command) { c.Name = "" }), "1 to 25"},
		{"long name", with(func(c *custom.Command) { c.Name = strings.Repeat("a", 26) }), "1 to 25"},
		{"upper case", with(func(c *custom.Command) { c.Name = "Discord" }), "only a-z"},
		{"hyphen", with(func(c *custom.Command) { c.Name = "my-cmd" }), "only a-z"},
		{"unicode", with(func(c *custom.Command) { c.Name = "pöints" }), "only a-z"},
		{"built-in", with(func(c *custom.Command) { c.Name = "points" }), "built-in"},
		{"reserved", with(func(c *custom.Command) { c.Name = "raffle" }), "built-in"},
		{"built-in alias", with(func(c *custom.Command) { c.Aliases = []string{"x", "watchtime"} }), "built-in"},
		{"bad alias", with(func(c *custom.Command) { c.Aliases = []string{"a b"} }), "only a-z"},
		{"eleven aliases", with(func(c *custom.Command) { c.Aliases = aliases(11) }), "at most 10 aliases"},
		{"alias twice", with(func(c *custom.Command) { c.Aliases = []string{"dc", "dc"} }), `"dc" is given twice`},
		{"alias is the name", with(func(c *custom.Command) { c.Aliases = []string{"discord"} }), `"discord" is given twice`},
		{"blank response", with(func(c *custom.Command) { c.Response = " \n " }), "needs a response"},
		{"501 characters", with(func(c *custom.Command) { c.Response = strings.Repeat("a", 501) }), "at most 500"},
		{"invalid UTF-8", with(func(c *custom.Command) { c.Response = "a\xffb" }), "at most 500"},
		{"unknown level", with(func(c *custom.Command) { c.Level = command.Broadcaster + 1 }), "unknown level"},
		{"negative cooldown", with(func(c *custom.Command) { c.Cooldown = -time.Second }), "0 to 86400"},
		{"user cooldown over a day", with(func(c *custom.Command) { c.UserCooldown = 24*time.Hour + time.Second }), "0 to 86400"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.Message(err), tt.want) {
				t.Errorf("Validate() = %v, want Invalid with %q", err, tt.want)
			}
		})
	}
}

func TestEditApply(t *testing.T) {
	base := custom.New("discord", "join us")
	base.Aliases = []string{"dc"}
	resp, level, off, cd, ucd := "new text", command.Moderator, false, time.Minute, 30*time.Second
	none := []string{}
	bad := []string{"points"}
	tests := []struct {
		name   string
		e      custom.Edit
		change func(*custom.Command)
		want   string // in the error; "" for none
	}{
		{"response only", custom.Edit{Response: &resp}, func(c *custom.Command) { c.Response = resp }, ""},
		{"level and cooldowns", custom.Edit{Level: &level, Cooldown: &cd, UserCooldown: &ucd},
			func(c *custom.Command) { c.Level, c.Cooldown, c.UserCooldown = level, cd, ucd }, ""},
		{"disable", custom.Edit{Enabled: &off}, func(c *custom.Command) { c.Enabled = false }, ""},
		{"clear aliases", custom.Edit{Aliases: &none}, func(c *custom.Command) { c.Aliases = nil }, ""},
		{"nothing", custom.Edit{}, nil, "at least one"},
		{"invalid result", custom.Edit{Response: &resp, Aliases: &bad}, nil, "built-in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := base
			before.Aliases = append([]string(nil), base.Aliases...)
			got, err := tt.e.Apply(base)
			if !cmp.Equal(base, before) {
				t.Errorf("Apply changed its argument to %+v", base)
			}
			if tt.want != "" {
				if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.Message(err), tt.want) {
					t.Errorf("Apply = %+v, %v; want Invalid with %q", got, err, tt.want)
				}
				return
			}
			want := before
			tt.change(&want)
			if err != nil {
				t.Fatalf("Apply = %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Apply (-want +got):\n%s", diff)
			}
		})
	}
}

func Example() {
	c := custom.New("!Discord", "Join us: discord.gg/example")
	c.Aliases = custom.ParseAliases("dc, !Server")
	fmt.Println(c.Names(), c.Level, c.Cooldown, c.Validate())

	slow := 30 * time.Second
	c, err := custom.Edit{UserCooldown: &slow}.Apply(c)
	fmt.Println(c.UserCooldown, err)

	c.Name = "points"
	fmt.Println(c.Validate())
	// Output:
	// [discord dc server] everyone 5s <nil>
	// 30s <nil>
	// "points" is a built-in command's name (or kept for one); choose another
}
