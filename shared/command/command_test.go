package command_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/command"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in     string
		want   command.Command
		wantOK bool
	}{
		{"!points", command.Command{Name: "points"}, true},
		{"  !Points  ", command.Command{Name: "points"}, true},
		{"!call Book of Dead", command.Command{Name: "call", Args: "Book of Dead"}, true},
		{"!gtb   1234.50 ", command.Command{Name: "gtb", Args: "1234.50"}, true},
		{"!my-cmd_2", command.Command{Name: "my-cmd_2"}, true},
		{"hello !points", command.Command{}, false},
		{"!", command.Command{}, false},
		{"! points", command.Command{}, false},
		{"!!!", command.Command{}, false},
		{"!pöints", command.Command{}, false},
		{"!" + strings.Repeat("a", command.MaxName+1), command.Command{}, false},
		{"", command.Command{}, false},
	}
	for _, tt := range tests {
		got, ok := command.Parse(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("Parse(%q) = %+v, %v, want %+v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func ExampleParse() {
	c, ok := command.Parse("!call Book of Dead")
	fmt.Printf("%v %q %q\n", ok, c.Name, c.Args)
	// Output: true "call" "Book of Dead"
}
