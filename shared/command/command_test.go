package command_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/command"
)

func TestParse(t *testing.T) {
	long := strings.Repeat("é", command.MaxArgs) // 2 bytes each
	tests := []struct {
		name   string
		in     string
		want   command.Command
		wantOK bool
	}{
		{"plain", "!points", command.Command{Name: "points"}, true},
		{"case and space", "  !Points  ", command.Command{Name: "points"}, true},
		{"upper case", "!WATCHTIME", command.Command{Name: "watchtime"}, true},
		{"args", "!call Book of Dead", command.Command{Name: "call", Args: "Book of Dead"}, true},
		{"args trimmed", "!gtb   1234.50 ", command.Command{Name: "gtb", Args: "1234.50"}, true},
		{"dash and underscore", "!my-cmd_2", command.Command{Name: "my-cmd_2"}, true},
		{"tab separates", "!points\t@bob", command.Command{Name: "points", Args: "@bob"}, true},
		{"no-break space separates", "!points\u00a0@bob", command.Command{Name: "points", Args: "@bob"}, true},
		{"zero-width space ends the name", "!points\u200b", command.Command{Name: "points"}, true},
		{"unicode args kept", "!say Grüße 🎰 日本", command.Command{Name: "say", Args: "Grüße 🎰 日本"}, true},
		{"emote removed", "!hype [emote:37226:KEKW] now", command.Command{Name: "hype", Args: "now"}, true},
		{"emotes only", "!hype [emote:1:a][emote:2:b]", command.Command{Name: "hype"}, true},
		{"emote between words", "!say a[emote:5:x]b", command.Command{Name: "say", Args: "a b"}, true},
		{"not an emote: no id", "!say [emote::x]", command.Command{Name: "say", Args: "[emote::x]"}, true},
		{"not an emote: unclosed", "!say [emote:1:x", command.Command{Name: "say", Args: "[emote:1:x"}, true},
		{"emote as the name is not one", "![emote:1:x]", command.Command{}, false},
		{"runs of space become one", "!say a  \n  b", command.Command{Name: "say", Args: "a b"}, true},
		{"args capped on a rune boundary", "!say " + long, command.Command{Name: "say", Args: long[:command.MaxArgs]}, true},
		{"odd cap keeps whole runes", "!say x" + long, command.Command{Name: "say", Args: "x" + long[:command.MaxArgs-2]}, true},
		{"cap leaves no space at the end", "!say " + strings.Repeat("a", command.MaxArgs-2) + " é", command.Command{Name: "say", Args: strings.Repeat("a", command.MaxArgs-2)}, true},
		{"not at the start", "hello !points", command.Command{}, false},
		{"prefix alone", "!", command.Command{}, false},
		{"space after prefix", "! points", command.Command{}, false},
		{"only prefixes", "!!!", command.Command{}, false},
		{"unicode name", "!pöints", command.Command{}, false},
		{"unicode first letter", "!Ünïcode hi", command.Command{}, false},
		{"fullwidth prefix", "！points", command.Command{}, false},
		{"name too long", "!" + strings.Repeat("a", command.MaxName+1), command.Command{}, false},
		{"empty", "", command.Command{}, false},
		{"invalid utf-8 in args", "!say a\xffb", command.Command{Name: "say", Args: "a\uFFFDb"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := command.Parse(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Parse(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// FuzzParse checks what Parse promises for any input: no panic; a command
// has a lower-case ASCII name within MaxName and valid, trimmed arguments
// within MaxArgs; and a message that is a command still is one, with the
// same name, when text follows it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"!points", "!call Book of Dead", "!Ünïcode", "!say [emote:1:x] hi", "! x", "!a\u200bb", "!say \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := command.Parse(s)
		if !ok {
			if c != (command.Command{}) {
				t.Fatalf("Parse(%q) = %+v, false: want the zero Command", s, c)
			}
			return
		}
		if c.Name == "" || len(c.Name) > command.MaxName || c.Name != strings.ToLower(c.Name) {
			t.Fatalf("Parse(%q).Name = %q: want 1..%d lower-case bytes", s, c.Name, command.MaxName)
		}
		for _, r := range c.Name {
			if r >= utf8.RuneSelf {
				t.Fatalf("Parse(%q).Name = %q: not ASCII", s, c.Name)
			}
		}
		if len(c.Args) > command.MaxArgs || !utf8.ValidString(c.Args) || strings.TrimSpace(c.Args) != c.Args {
			t.Fatalf("Parse(%q).Args = %q: want valid, trimmed, at most %d bytes", s, c.Args, command.MaxArgs)
		}
		again, ok := command.Parse(s + " more")
		if !ok || again.Name != c.Name {
			t.Fatalf("Parse(%q) = %+v, %v: want name %q as in Parse(%q)", s+" more", again, ok, c.Name, s)
		}
	})
}

func ExampleParse() {
	c, ok := command.Parse("!Call Book of Dead [emote:37226:KEKW]")
	fmt.Printf("%v %q %q\n", ok, c.Name, c.Args)
	// Output: true "call" "Book of Dead"
}
