package interact

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/kickbot/kickbot/shared/wording"
)

// validName is Discord's rule for command and option names, lower case.
var validName = regexp.MustCompile(`^[-_a-z0-9]{1,32}$`)

// declaredPaths returns every command path Commands declares.
func declaredPaths() []string {
	var ps []string
	for _, c := range Commands {
		if len(c.Subcommands) == 0 {
			ps = append(ps, c.Name)
		}
		for _, s := range c.Subcommands {
			ps = append(ps, commandPath(c.Name, s.Name))
		}
	}
	return ps
}

func TestCommandsHaveHandlers(t *testing.T) {
	declared := declaredPaths()
	for _, p := range declared {
		if commands[p] == nil {
			t.Errorf("/%s is declared but has no handler", p)
		}
	}
	for p := range commands {
		if !slices.Contains(declared, p) {
			t.Errorf("/%s has a handler but is not declared", p)
		}
	}
}

func TestCommandsAdmin(t *testing.T) {
	var got []string
	for p := range adminOnly {
		got = append(got, p)
	}
	slices.Sort(got)
	want := []string{"announce", "announce list", "announce off", "announce set", "announce test", "calls", "calls blacklist", "calls channel", "calls clear", "calls close", "calls list", "calls open", "calls pick", "calls verify",
		"clips settings", "command", "command add", "command edit", "command list", "command remove", "command show", "export", "giveaway", "giveaway draw", "giveaway end", "giveaway reroll", "giveaway start", "gtb", "gtb close", "gtb open", "gtb result", "gtb status", "hunt", "hunt add", "hunt finish", "hunt payout", "hunt remove", "hunt show", "hunt start", "kick", "kick connect", "kick disconnect", "kick status", "points add", "points remove", "points set",
		"raffle", "raffle draw", "raffle end", "raffle exclude", "raffle settings", "raffle start", "raffle status", "raffle tickets", "raffle verify",
		"rewards", "rewards off", "rewards points", "rewards show", "rewards thanks",
		"roles", "roles add", "roles list", "roles remove", "settings", "settings set", "settings show", "timer", "timer add", "timer edit", "timer list", "timer remove",
		"viewer", "viewer unban"}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("admin-only commands (-got +want):\n%s", diff)
	}
}

func TestCommandsDeferred(t *testing.T) {
	tests := []struct {
		r    Request
		want bool
	}{
		{Request{Command: "rank"}, true},
		{Request{Command: "kick", Sub: "status"}, true},
		{Request{Command: "kick", Sub: "disconnect"}, true},
		{Request{Command: "kick", Sub: "connect"}, false},
		{Request{Command: "calls", Sub: "pick"}, true},
		{Request{Command: "calls", Sub: "open"}, false},
		{Request{Command: "giveaway", Sub: "draw"}, true},
		{Request{Command: "giveaway", Sub: "reroll"}, true},
		{Request{Command: "giveaway", Sub: "start"}, false},
		{Request{Command: "leaderboard"}, false},
		{Request{Command: "points", Sub: "add"}, false},
		{Request{Command: "export"}, true},
		{Request{Command: "rank", Component: "lb:points:"}, false}, // a page click is answered at once
		{Request{Component: "purge:confirm"}, true},                // the purge's is the worker's
		{Request{Command: "nosuch"}, false},
	}
	for _, tt := range tests {
		if got := Deferred(tt.r); got != tt.want {
			t.Errorf("Deferred(%s %q) = %v, want %v", commandPath(tt.r.Command, tt.r.Sub), tt.r.Component, got, tt.want)
		}
	}
}

// TestCommandsValid checks what Discord would refuse at registration.
func TestCommandsValid(t *testing.T) {
	checkText := func(t *testing.T, where, name, desc string) {
		t.Helper()
		if !validName.MatchString(name) {
			t.Errorf("%s: name %q is not a valid Discord name", where, name)
		}
		if n := utf8.RuneCountInString(desc); n < 1 || n > 100 {
			t.Errorf("%s: description has %d characters, want 1 to 100", where, n)
		}
	}
	checkOptions := func(t *testing.T, where string, opts []Option) {
		t.Helper()
		if len(opts) > 25 {
			t.Errorf("%s: %d options, want ≤ 25", where, len(opts))
		}
		optional := false
		for _, o := range opts {
			checkText(t, where+" "+o.Name, o.Name, o.Description)
			if o.Required && optional {
				t.Errorf("%s: required option %s follows an optional one", where, o.Name)
			}
			optional = optional || !o.Required
			if o.Type < StringOption || o.Type > RoleOption {
				t.Errorf("%s %s: unknown type %d", where, o.Name, o.Type)
			}
			if len(o.Choices) > 0 && o.Type != StringOption {
				t.Errorf("%s %s: choices on a non-string option", where, o.Name)
			}
		}
	}
	seen := map[string]bool{}
	for _, c := range Commands {
		checkText(t, "/"+c.Name, c.Name, c.Description)
		if seen[c.Name] {
			t.Errorf("/%s declared twice", c.Name)
		}
		seen[c.Name] = true
		if len(c.Subcommands) > 0 && len(c.Options) > 0 {
			t.Errorf("/%s has both subcommands and options", c.Name)
		}
		checkOptions(t, "/"+c.Name, c.Options)
		for _, s := range c.Subcommands {
			checkText(t, "/"+c.Name+" "+s.Name, s.Name, s.Description)
			checkOptions(t, "/"+c.Name+" "+s.Name, s.Options)
			if len(s.Subcommands) > 0 {
				t.Errorf("/%s %s nests subcommands", c.Name, s.Name)
			}
		}
	}
}

func TestMinutes(t *testing.T) {
	tests := []struct {
		m    int64
		want string
	}{
		{0, "0m"}, {1, "1m"}, {59, "59m"}, {60, "1h"}, {725, "12h 5m"}, {1440, "1d"},
		{1441, "1d 1m"}, {3000, "2d 2h"}, {1440 * 1234, "1,234d"},
	}
	for _, tt := range tests {
		if got := wording.Minutes(tt.m); got != tt.want {
			t.Errorf("wording.Minutes(%d) = %q, want %q", tt.m, got, tt.want)
		}
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"mossyrock", "mossyrock"},
		{"kick_bot_official", `kick\_bot\_official`},
		{"*b* `c` ~~s~~ ||x|| [a](b) <@1> \\", "\\*b\\* \\`c\\` \\~\\~s\\~\\~ \\|\\|x\\|\\| \\[a\\](b) \\<@1> \\\\"},
	}
	for _, tt := range tests {
		if got := escape(tt.in); got != tt.want {
			t.Errorf("escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPageButtons(t *testing.T) {
	cursor := strings.Repeat("A", 80)
	tests := []struct {
		name  string
		board Board
		page  int
		next  string
		want  []Button
	}{
		{"one page", PointsBoard, 1, "", nil},
		{"first of many", PointsBoard, 1, "Y3Vy", []Button{
			{Label: "First", ID: "lb:points:1:", Disabled: true}, {Label: "Next", ID: "lb:points:2:Y3Vy"}}},
		{"middle", WatchtimeBoard, 7, "Y3Vy", []Button{
			{Label: "First", ID: "lb:watchtime:1:"}, {Label: "Next", ID: "lb:watchtime:8:Y3Vy"}}},
		{"last", PointsBoard, 3, "", []Button{
			{Label: "First", ID: "lb:points:1:"}, {Label: "Next", ID: "lb:points:end", Disabled: true}}},
		{"80-character cursor fits", WatchtimeBoard, 99, cursor, []Button{
			{Label: "First", ID: "lb:watchtime:1:"}, {Label: "Next", ID: "lb:watchtime:100:" + cursor}}},
		{"cursor too long for an id", WatchtimeBoard, 2, cursor + "AAAAAA", []Button{
			{Label: "First", ID: "lb:watchtime:1:"}, {Label: "Next", ID: "lb:watchtime:end", Disabled: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pageButtons(tt.board, tt.page, tt.next)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("pageButtons(%s, %d, %q) (-got +want):\n%s", tt.board, tt.page, tt.next, diff)
			}
			for _, b := range got {
				if len(b.ID) > MaxCustomID {
					t.Errorf("button %s id has %d bytes, want ≤ %d", b.Label, len(b.ID), MaxCustomID)
				}
				if _, _, _, ok := parseLeaderboardID(b.ID); !ok && !b.Disabled {
					t.Errorf("button %s id %q does not parse", b.Label, b.ID)
				}
			}
		})
	}
}

func TestSigned(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0"}, {50, "+50"}, {-1000, "−1,000"}}
	for _, tt := range tests {
		if got := signed(tt.n); got != tt.want {
			t.Errorf("signed(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
