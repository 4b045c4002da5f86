package giveaway

import (
	"bytes"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
)

// FuzzKeyword starts a giveaway with any keyword: one that Start takes is
// one word of at most MaxKeyword characters that a viewer enters with by
// typing it as the admin did, in lower or upper case, with spaces around
// (Candidate and Matches both say yes), and that no other word enters
// with; one it refuses is fault.Invalid.
func FuzzKeyword(f *testing.F) {
	for _, k := range []string{"enter", " GO ", "", "two words", "İSTANBUL", "ırmak", "straße", "ẞ", "K", "ς", "\u200bhidden", strings.Repeat("é", MaxKeyword+1)} {
		f.Add(k, "other")
	}
	f.Fuzz(func(t *testing.T, keyword, other string) {
		g, err := Start(Options{Prize: "A prize", Keyword: keyword}, 1, t0, bytes.NewReader(make([]byte, 64)))
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("Start(keyword %q) = %v, want fault.Invalid", keyword, err)
			}
			return
		}
		if g.Keyword == "" {
			return // no keyword: every active viewer enters
		}
		if utf8.RuneCountInString(g.Keyword) > MaxKeyword || strings.ContainsFunc(g.Keyword, func(r rune) bool { return r == ' ' }) {
			t.Fatalf("Start(keyword %q).Keyword = %q: not one word of at most %d characters", keyword, g.Keyword, MaxKeyword)
		}
		at := t0.Add(1)
		for _, typed := range []string{keyword, g.Keyword, strings.ToUpper(keyword), strings.ToLower(keyword), "  " + strings.TrimSpace(keyword) + " "} {
			if !Candidate(typed) || !g.Matches(typed, at) {
				t.Fatalf("keyword %q (stored %q): %q typed in chat is candidate %v, matches %v; want both", keyword, g.Keyword, typed, Candidate(typed), g.Matches(typed, at))
			}
		}
		// Each character through upper then lower case.
		folded := func(s string) string { return strings.Map(unicode.ToLower, strings.Map(unicode.ToUpper, s)) }
		if o := strings.TrimSpace(other); g.Matches(other, at) && !strings.EqualFold(o, g.Keyword) && folded(o) != folded(g.Keyword) {
			t.Fatalf("keyword %q (stored %q): %q enters too", keyword, g.Keyword, other)
		}
	})
}

// TestKeywordWithTurkishI: "İSTANBUL" is stored lowered as "istanbul",
// and strings.EqualFold does not fold "İ" to "i", so typing the keyword
// as the admin did entered nobody (FuzzKeyword's seed); nor did "IRMAK"
// for the keyword "ırmak" (FuzzKeyword found it).
func TestKeywordWithTurkishI(t *testing.T) {
	for _, tt := range []struct {
		keyword     string
		typed       []string
		anotherWord string
	}{
		{"İSTANBUL", []string{"İSTANBUL", "İstanbul", "istanbul", "ISTANBUL"}, "İSTANBULL"},
		{"ırmak", []string{"ırmak", "IRMAK", "Irmak"}, "ırmaklar"},
	} {
		g, err := Start(Options{Prize: "A prize", Keyword: tt.keyword}, 1, t0, bytes.NewReader(make([]byte, 64)))
		if err != nil {
			t.Fatal(err)
		}
		for _, typed := range tt.typed {
			if !g.Matches(typed, t0.Add(1)) {
				t.Errorf("keyword %s: Matches(%q) = false, want true", tt.keyword, typed)
			}
		}
		if g.Matches(tt.anotherWord, t0.Add(1)) {
			t.Errorf("keyword %s: Matches(%q) = true, want false (another word)", tt.keyword, tt.anotherWord)
		}
	}
}
