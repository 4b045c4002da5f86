package wording_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/wording"
)

// hasEmote reports whether s holds Kick's emote markup as Tidy promises
// to remove it: "[emote:", one or more digits, ":", a name of at most
// 100 bytes without "]", then "]". Written apart from Tidy's parser, so
// the two check each other.
func hasEmote(s string) bool {
	for {
		i := strings.Index(s, "[emote:")
		if i < 0 {
			return false
		}
		s = s[i+len("[emote:"):]
		digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
		if digits > 0 && digits < len(s) && s[digits] == ':' {
			if end := strings.IndexByte(s[digits+1:], ']'); end >= 0 && end <= 100 {
				return true
			}
		}
	}
}

// TestTidyLeavesNoMarkup holds inputs whose emote markup appeared only
// once Tidy dropped what was inside it; they were found by FuzzTidy and
// are kept in its corpus too.
func TestTidyLeavesNoMarkup(t *testing.T) {
	for _, tt := range []struct {
		name, in, want string
	}{
		{"a NUL inside", "a [emote:\x001:x] b", "a b"},
		{"invalid UTF-8 inside", "a [emote:1\xff:x] b", "a b"},
		{"a name shortened by its spaces", "a [emote:1:" + strings.Repeat(" ", 100) + "x] b", "a b"},
		{"an emote inside a name", "a [emote:1:[emote:2:" + strings.Repeat("y", 95) + "]x] b", "a b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := wording.Tidy(tt.in, 100); got != tt.want {
				t.Errorf("Tidy(%q, 100) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzTidy checks what Tidy promises of any text and length: at most max
// characters of valid UTF-8, printable, single spaces between words and
// none at the ends, no emote markup left; the cut only shortens (the
// result starts the uncut one); and tidying the result changes nothing.
func FuzzTidy(f *testing.F) {
	for _, s := range []string{
		"  insane [emote:37226:KEKW] hit\x00 ",
		"[emote:abc:x] stays",
		"aaa bbb",
		"Sweet Bonanza 1000 [emote:39261:kickSip][emote:39262:kickGasm]",
		"tab\there\r\nnew line \u200b zero width \u00a0 nbsp",
		"👩\u200D👩\u200D👧 family",
		"[emote:1:" + strings.Repeat("n", 100) + "]",
		"[emote:1:" + strings.Repeat("n", 101) + "]",
	} {
		f.Add(s, 100)
	}
	f.Add("aaa bbb", 4)
	f.Add("cut here", 0)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max %= 1000
		if max < 0 {
			max = -max
		}
		got := wording.Tidy(s, max)
		if !utf8.ValidString(got) || utf8.RuneCountInString(got) > max {
			t.Fatalf("Tidy(%q, %d) = %q: not valid UTF-8 of at most %d characters", s, max, got, max)
		}
		for _, r := range got {
			if r != ' ' && !unicode.IsPrint(r) {
				t.Fatalf("Tidy(%q, %d) = %q holds %U, want printable characters and spaces", s, max, got, r)
			}
		}
		if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Fatalf("Tidy(%q, %d) = %q, want single spaces between words and none at the ends", s, max, got)
		}
		if hasEmote(got) {
			t.Fatalf("Tidy(%q, %d) = %q still holds emote markup", s, max, got)
		}
		if full := wording.Tidy(s, len(s)); !strings.HasPrefix(full, got) {
			t.Fatalf("Tidy(%q, %d) = %q, want the start of the uncut %q", s, max, got, full)
		}
		if again := wording.Tidy(got, max); again != got {
			t.Fatalf("Tidy(Tidy(%q, %d)) = %q, want %q", s, max, again, got)
		}
	})
}
