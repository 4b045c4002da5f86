package interact_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// fakeCustom keeps custom commands like the store: names and aliases
// unique, at most custom.MaxCommands, each change once per cause.
type fakeCustom struct {
	mu     sync.Mutex
	cmds   map[string]custom.Command
	uses   map[string]int64
	claims claims
	// limit stands in for custom.MaxCommands when > 0.
	limit int
}

var _ interact.CustomCommands = (*fakeCustom)(nil)

func newFakeCustom(cmds ...custom.Command) *fakeCustom {
	f := &fakeCustom{cmds: map[string]custom.Command{}, uses: map[string]int64{}, claims: claims{}}
	for _, c := range cmds {
		f.cmds[c.Name] = c
	}
	return f
}

// owner returns the command that has name as its name or an alias.
func (f *fakeCustom) owner(name string) (custom.Command, bool) {
	for _, c := range f.cmds {
		if slices.Contains(c.Names(), name) {
			return c, true
		}
	}
	return custom.Command{}, false
}

// taken returns Conflict for the first of names another command holds.
func (f *fakeCustom) taken(own string, names []string) error {
	for _, n := range names {
		if c, ok := f.owner(n); ok && c.Name != own {
			return fault.E(fault.Conflict, "!%s is already taken by !%s", n, c.Name)
		}
	}
	return nil
}

func (f *fakeCustom) own(name string) (custom.Command, error) {
	c, ok := f.owner(name)
	switch {
	case !ok:
		return custom.Command{}, fault.E(fault.NotFound, "there is no command !%s", name)
	case c.Name != name:
		return custom.Command{}, fault.E(fault.Invalid, "!%s is an alias of !%s: name the command itself", name, c.Name)
	}
	return c, nil
}

func (f *fakeCustom) AddCustomCommandOnce(_ context.Context, _ string, c custom.Command, cause interact.Cause) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(cause); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := f.taken("", c.Names()); err != nil {
		return err
	}
	limit := custom.MaxCommands
	if f.limit > 0 {
		limit = f.limit
	}
	if len(f.cmds) >= limit {
		return fault.E(fault.Conflict, "this server has %d custom commands, the most it may have", len(f.cmds))
	}
	f.cmds[c.Name] = c
	f.claims[cause.ID] = true
	return nil
}

func (f *fakeCustom) EditCustomCommandOnce(_ context.Context, _ string, name string, e custom.Edit, cause interact.Cause) (custom.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(cause); err != nil {
		return custom.Command{}, err
	}
	c, err := f.own(name)
	if err != nil {
		return custom.Command{}, err
	}
	if c, err = e.Apply(c); err != nil {
		return custom.Command{}, err
	}
	if err := f.taken(c.Name, c.Aliases); err != nil {
		return custom.Command{}, err
	}
	f.cmds[c.Name] = c
	f.claims[cause.ID] = true
	return c, nil
}

func (f *fakeCustom) RemoveCustomCommandOnce(_ context.Context, _ string, name string, cause interact.Cause) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.claims.claimed(cause); err != nil {
		return err
	}
	if _, err := f.own(name); err != nil {
		return err
	}
	delete(f.cmds, name)
	delete(f.uses, name)
	f.claims[cause.ID] = true
	return nil
}

func (f *fakeCustom) CustomCommand(_ context.Context, _ string, name string) (custom.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.owner(name)
	if !ok {
		return custom.Command{}, fault.E(fault.NotFound, "there is no command !%s", name)
	}
	return c, nil
}

func (f *fakeCustom) CustomCommands(context.Context, string) ([]custom.Command, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []custom.Command
	for _, c := range f.cmds {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b custom.Command) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (f *fakeCustom) CustomCommandUses(_ context.Context, _ string, name string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.uses[name], nil
}

func customHandler(f *fakeCustom) *interact.Handler {
	return &interact.Handler{Store: newFakeStore(), Custom: f}
}

// discordCmd is the command the tests start from.
func discordCmd() custom.Command {
	c := custom.New("discord", "Join us: discord.gg/example")
	c.Aliases = []string{"dc"}
	return c
}

func TestCommandCommands(t *testing.T) {
	many := make([]custom.Command, 150)
	for i := range many {
		many[i] = custom.New(fmt.Sprintf("cmd_%03d", i), strings.Repeat("long response ", 20))
	}
	tests := []struct {
		name     string
		r        interact.Request
		setup    func(*fakeCustom)
		wantKind fault.Kind
		want     []string
		// check checks the commands stored after.
		check func(t *testing.T, f *fakeCustom)
	}{
		{"add with defaults", admin("command", "add", "name", "!Hype", "response", "  HYPE {user}  "), nil, noError,
			[]string{"Command added", "!hype says:\nHYPE {user}", "Aliases: none", "Who may run it: everyone", "Enabled: on",
				"Cooldown: 5 seconds", "Per viewer: none"},
			func(t *testing.T, f *fakeCustom) {
				want := custom.New("hype", "HYPE {user}")
				if diff := cmp.Diff(want, f.cmds["hype"]); diff != "" {
					t.Errorf("stored (-want +got):\n%s", diff)
				}
			}},
		{"add with every option", admin("command", "add", "name", "lurk", "response", "{user} lurks", "aliases", "Lurking, !afk",
			"level", "subscriber", "cooldown", "0", "user_cooldown", "300"), nil, noError,
			[]string{"Aliases: !lurking, !afk", "Who may run it: subscriber", "Cooldown: none", "Per viewer: 300 seconds"},
			func(t *testing.T, f *fakeCustom) {
				want := custom.Command{Name: "lurk", Aliases: []string{"lurking", "afk"}, Response: "{user} lurks",
					Level: command.Subscriber, UserCooldown: 5 * time.Minute, Enabled: true}
				if diff := cmp.Diff(want, f.cmds["lurk"]); diff != "" {
					t.Errorf("stored (-want +got):\n%s", diff)
				}
			}},
		{"add a built-in", admin("command", "add", "name", "points", "response", "x"), nil, fault.Invalid, []string{`"points" is a built-in`}, nil},
		{"add a reserved name", admin("command", "add", "name", "raffle", "response", "x"), nil, fault.Invalid, []string{"built-in"}, nil},
		{"add a bad name", admin("command", "add", "name", "my-cmd", "response", "x"), nil, fault.Invalid, []string{"only a-z, 0-9 and _"}, nil},
		{"add a long name", admin("command", "add", "name", strings.Repeat("a", 26), "response", "x"), nil, fault.Invalid, []string{"1 to 25"}, nil},
		{"add a built-in alias", admin("command", "add", "name", "x", "response", "x", "aliases", "watchtime"), nil, fault.Invalid, []string{"built-in"}, nil},
		{"add eleven aliases", admin("command", "add", "name", "x", "response", "x", "aliases", "a,b,c,d,e,f,g,h,i,j,k"), nil, fault.Invalid,
			[]string{"at most 10 aliases"}, nil},
		{"add a long response", admin("command", "add", "name", "x", "response", strings.Repeat("a", 501)), nil, fault.Invalid, []string{"at most 500"}, nil},
		{"add a blank response", admin("command", "add", "name", "x", "response", "   "), nil, fault.Invalid, []string{"needs a response"}, nil},
		{"add without a response", admin("command", "add", "name", "x"), nil, fault.Invalid, []string{"give the command a response"}, nil},
		{"add without a name", admin("command", "add", "response", "x"), nil, fault.Invalid, []string{"name the command"}, nil},
		{"add a bad level", admin("command", "add", "name", "x", "response", "x", "level", "king"), nil, fault.Invalid, []string{`unknown level "king"`}, nil},
		{"add a bad cooldown", admin("command", "add", "name", "x", "response", "x", "cooldown", "86401"), nil, fault.Invalid,
			[]string{"cooldown is 0 to 86,400 seconds"}, nil},
		{"add a negative cooldown", admin("command", "add", "name", "x", "response", "x", "user_cooldown", "-1"), nil, fault.Invalid,
			[]string{"user_cooldown is 0 to 86,400 seconds"}, nil},
		{"add a cooldown in words", admin("command", "add", "name", "x", "response", "x", "cooldown", "ten"), nil, fault.Invalid,
			[]string{"cooldown must be a whole number"}, nil},
		{"add disabled", admin("command", "add", "name", "x", "response", "x", "enabled", "false"), nil, fault.Invalid, []string{"/command edit"}, nil},
		{"add a taken name", admin("command", "add", "name", "dc", "response", "x"), nil, fault.Conflict, []string{"!dc is already taken by !discord"}, nil},
		{"add past the limit", admin("command", "add", "name", "x", "response", "x"), func(f *fakeCustom) { f.limit = 1 }, fault.Conflict,
			[]string{"the most it may have"}, nil},
		{"add needs Manage Server", member("command", "add", "name", "x", "response", "x"), nil, fault.Forbidden, []string{"Manage Server"}, nil},

		{"edit response", admin("command", "edit", "name", "Discord", "response", "new"), nil, noError,
			[]string{"Command changed", "!discord says:\nnew", "Aliases: !dc"},
			func(t *testing.T, f *fakeCustom) {
				want := discordCmd()
				want.Response = "new"
				if diff := cmp.Diff(want, f.cmds["discord"]); diff != "" {
					t.Errorf("stored (-want +got):\n%s", diff)
				}
			}},
		{"edit off and aliases cleared", admin("command", "edit", "name", "discord", "enabled", "false", "aliases", " - "), nil, noError,
			[]string{"Enabled: off", "Aliases: none"},
			func(t *testing.T, f *fakeCustom) {
				if c := f.cmds["discord"]; c.Enabled || len(c.Aliases) != 0 {
					t.Errorf("stored %+v, want disabled without aliases", c)
				}
			}},
		{"edit level and cooldowns", admin("command", "edit", "name", "discord", "level", "Moderator", "cooldown", "60", "user_cooldown", "1"), nil, noError,
			[]string{"Who may run it: moderator", "Cooldown: 60 seconds", "Per viewer: 1 second"}, nil},
		{"edit nothing", admin("command", "edit", "name", "discord"), nil, fault.Invalid, []string{"at least one thing"}, nil},
		{"edit enabled in words", admin("command", "edit", "name", "discord", "enabled", "maybe"), nil, fault.Invalid, []string{"true or false"}, nil},
		{"edit an alias", admin("command", "edit", "name", "dc", "response", "x"), nil, fault.Invalid, []string{"!dc is an alias of !discord"}, nil},
		{"edit no command", admin("command", "edit", "name", "nope", "response", "x"), nil, fault.NotFound, []string{"no command !nope"}, nil},
		{"edit to a taken alias", admin("command", "edit", "name", "discord", "aliases", "so"),
			func(f *fakeCustom) {
				f.cmds["socials"] = custom.Command{Name: "socials", Aliases: []string{"so"}, Response: "x", Enabled: true}
			},
			fault.Conflict, []string{"!so is already taken by !socials"}, nil},

		{"remove", admin("command", "remove", "name", "!discord"), nil, noError, []string{"Removed !discord and its aliases."},
			func(t *testing.T, f *fakeCustom) {
				if len(f.cmds) != 0 {
					t.Errorf("commands after remove = %v, want none", f.cmds)
				}
			}},
		{"remove an alias", admin("command", "remove", "name", "dc"), nil, fault.Invalid, []string{"alias of !discord"}, nil},
		{"remove no command", admin("command", "remove", "name", "nope"), nil, fault.NotFound, []string{"no command !nope"}, nil},

		{"show needs Manage Server", member("command", "show", "name", "DC"), func(f *fakeCustom) { f.uses["discord"] = 1234 }, fault.Forbidden, nil, nil},
		{"show", admin("command", "show", "name", "DC"), func(f *fakeCustom) { f.uses["discord"] = 1234 }, noError,
			[]string{"!discord\n!discord says:\nJoin us: discord.gg/example", "Uses: 1,234"}, nil},
		{"show no command", admin("command", "show", "name", "nope"), nil, fault.NotFound, []string{"no command !nope"}, nil},
		{"list", admin("command", "list"),
			func(f *fakeCustom) {
				f.cmds["mods_only"] = custom.Command{Name: "mods_only", Response: "secret\nstuff", Level: command.Moderator}
			},
			noError, []string{"Custom commands", "**!discord** — Join us: discord.gg/example\n**!mods\\_only** (off) [moderator] — secret stuff",
				"2 of 200"}, nil},
		{"list none", admin("command", "list"), func(f *fakeCustom) { delete(f.cmds, "discord") }, noError, []string{"None yet"}, nil},
		{"list many", admin("command", "list"), func(f *fakeCustom) {
			for _, c := range many {
				f.cmds[c.Name] = c
			}
		}, noError, []string{"**!cmd\\_000** — long response long response long response long response lon…", "… and ", "151 of 200"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCustom(discordCmd())
			if tt.setup != nil {
				tt.setup(f)
			}
			before := len(f.claims)
			resp, err := customHandler(f).Handle(context.Background(), tt.r)
			got := text(resp)
			if tt.wantKind == noError {
				if err != nil {
					t.Fatalf("Handle = %v, want no error", err)
				}
				if !resp.Ephemeral {
					t.Error("answer is public, want ephemeral")
				}
				if len(resp.Embeds) > 0 && len(resp.Embeds[0].Description) > 4096 {
					t.Errorf("description of %d bytes, over Discord's 4,096", len(resp.Embeds[0].Description))
				}
			} else {
				if fault.KindOf(err) != tt.wantKind || err == nil {
					t.Fatalf("Handle = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
				}
				got = fault.Message(err)
				if len(f.claims) != before {
					t.Error("a refused command claimed its interaction")
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			if tt.check != nil {
				tt.check(t, f)
			}
		})
	}
}

func TestCommandCommandsWithoutStore(t *testing.T) {
	h := &interact.Handler{Store: newFakeStore()}
	for _, sub := range []string{"add", "edit", "remove", "list", "show"} {
		_, err := h.Handle(context.Background(), admin("command", sub, "name", "x", "response", "x"))
		if !fault.Is(err, fault.NotFound) || !strings.Contains(fault.Message(err), "not set up") {
			t.Errorf("/command %s without a store = %v, want NotFound (not set up)", sub, err)
		}
	}
}

// TestCommandAppliesOnce replays each /command change after a later one:
// the replay is answered as done and the later change stands.
func TestCommandAppliesOnce(t *testing.T) {
	ctx := context.Background()
	later := func(r interact.Request) interact.Request { r.ID = "1482453932679757999"; return r }
	tests := []struct {
		name         string
		first, again interact.Request
		check        func(t *testing.T, f *fakeCustom)
	}{
		{"add", admin("command", "add", "name", "hype", "response", "x"), later(admin("command", "remove", "name", "hype")),
			func(t *testing.T, f *fakeCustom) {
				if _, ok := f.cmds["hype"]; ok {
					t.Error("!hype exists, want it removed by the later change")
				}
			}},
		{"edit", admin("command", "edit", "name", "discord", "response", "first"), later(admin("command", "edit", "name", "discord", "response", "later")),
			func(t *testing.T, f *fakeCustom) {
				if got := f.cmds["discord"].Response; got != "later" {
					t.Errorf("response = %q, want the later one", got)
				}
			}},
		{"remove", admin("command", "remove", "name", "discord"), later(admin("command", "add", "name", "discord", "response", "again")),
			func(t *testing.T, f *fakeCustom) {
				if got := f.cmds["discord"].Response; got != "again" {
					t.Errorf("response = %q, want the command added again", got)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeCustom(discordCmd())
			h := customHandler(f)
			for _, r := range []interact.Request{tt.first, tt.again} {
				if _, err := h.Handle(ctx, r); err != nil {
					t.Fatalf("/command %s: %v", r.Sub, err)
				}
			}
			resp, err := h.Handle(ctx, tt.first)
			if err != nil || resp.Content != interact.AppliedMessage {
				t.Errorf("replay = %+v, %v; want %q", resp, err, interact.AppliedMessage)
			}
			tt.check(t, f)
		})
	}
}
