package wording_test

import (
	"fmt"
	"testing"

	"github.com/kickbot/kickbot/shared/wording"
)

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 31877: "31,877",
		1_000_000_000: "1,000,000,000", -1234567: "-1,234,567"} {
		if got := wording.Thousands(n); got != want {
			t.Errorf("Thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestMinutes(t *testing.T) {
	for m, want := range map[int64]string{0: "0m", 45: "45m", 60: "1h", 200: "3h 20m", 1440: "1d", 1565: "1d 2h 5m", 2000: "1d 9h 20m",
		1440 * 1000: "1,000d"} {
		if got := wording.Minutes(m); got != want {
			t.Errorf("Minutes(%d) = %q, want %q", m, got, want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0 points", 1: "1 point", 1234: "1,234 points"} {
		if got := wording.Count(n, "point"); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

func ExampleMinutes() {
	fmt.Println(wording.Minutes(200), "·", wording.Count(31877, "point"))
	// Output: 3h 20m · 31,877 points
}

func TestMention(t *testing.T) {
	for _, tt := range []struct{ name, want string }{{"mossyrock", "@mossyrock"}, {"", ""}} {
		if got := wording.Mention(tt.name); got != tt.want {
			t.Errorf("Mention(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestTidy(t *testing.T) {
	for _, tt := range []struct {
		in   string
		max  int
		want string
	}{
		{"  insane [emote:37226:KEKW] hit\x00 ", 100, "insane hit"},
		{"[emote:abc:x] stays", 100, "[emote:abc:x] stays"},
		{"aaa bbb", 4, "aaa"}, // cut, then the trailing space trimmed
	} {
		if got := wording.Tidy(tt.in, tt.max); got != tt.want {
			t.Errorf("Tidy(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"one over", 7, "one ov…"},
		{"ééééé", 3, "éé…"}, // characters, not bytes
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := wording.Cut(tt.s, tt.n); got != tt.want {
			t.Errorf("Cut(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
