package custom_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/fault"
)

// FuzzNames builds a command from any typed name and aliases as
// /commands add does: one that validates answers in chat to every name,
// typed in any case with or without arguments (command.Parse finds
// exactly that name), and to no built-in; one that does not is
// fault.Invalid.
func FuzzNames(f *testing.F) {
	for _, tt := range [][2]string{
		{"discord", "dc, !Invite"},
		{"!Socials", "hi,, !Hello , "},
		{"points", ""},
		{"a-b", "c d"},
		{"ok", "ok"},
		{strings.Repeat("n", custom.MaxName), strings.Repeat("a,", custom.MaxAliases+1)},
		{"naïve", "\u200bzero"},
	} {
		f.Add(tt[0], tt[1])
	}
	f.Fuzz(func(t *testing.T, name, aliases string) {
		c := custom.New(name, "hello {user}")
		c.Aliases = custom.ParseAliases(aliases)
		if err := c.Validate(); err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("New(%q) with aliases %q: Validate = %v, want fault.Invalid", name, aliases, err)
			}
			return
		}
		names := c.Names()
		if slices.Contains(names[1:], c.Name) {
			t.Fatalf("New(%q) with aliases %q: names %q repeat the name", name, aliases, names)
		}
		for _, n := range names {
			if command.Reserved(n) {
				t.Fatalf("New(%q) with aliases %q: %q is a built-in's", name, aliases, n)
			}
			for _, typed := range []string{"!" + n, "!" + strings.ToUpper(n) + " some args"} {
				got, ok := command.Parse(typed)
				if !ok || got.Name != n {
					t.Fatalf("New(%q) with aliases %q: Parse(%q) = %+v, %v; want name %q", name, aliases, typed, got, ok, n)
				}
			}
		}
	})
}
