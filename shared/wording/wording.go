// Package wording is how the bot writes numbers and watchtimes, the same
// in Discord and in Kick chat: "31,877", "1 point", "1d 2h 5m", and how
// it tidies what viewers type before storing and repeating it.
package wording

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Thousands formats n with commas: 31,877.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Plural is noun for one, noun+"s" otherwise.
func Plural(n int64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// Count is "1 point", "1,234 points".
func Count(n int64, noun string) string { return Thousands(n) + " " + Plural(n, noun) }

// Minutes formats a watchtime of m minutes as days, hours and minutes:
// "1d 2h 5m", "3h 20m", "45m", "0m".
func Minutes(m int64) string {
	var parts []string
	if d := m / (24 * 60); d > 0 {
		parts = append(parts, Thousands(d)+"d")
	}
	if h := m / 60 % 24; h > 0 {
		parts = append(parts, strconv.FormatInt(h, 10)+"h")
	}
	if m%60 > 0 || len(parts) == 0 {
		parts = append(parts, strconv.FormatInt(m%60, 10)+"m")
	}
	return strings.Join(parts, " ")
}

// Mention is how a chat reply addresses a viewer: "@name", or "" for a
// viewer without a name (an anonymous sender).
func Mention(name string) string {
	if name == "" {
		return ""
	}
	return "@" + name
}

// Tidy makes text a viewer typed fit to store and repeat (a slot call, a
// clip title): Kick's emote markup removed, control and invisible
// characters dropped, runs of space made one, at most max characters.
// Tidy of its own result changes nothing.
func Tidy(s string, max int) string {
	out := tidyOnce(s)
	// What one pass drops can join the text around it into new markup:
	// "[emote:\x001:x]" loses its NUL, a name over the 100-byte bound
	// loses spaces or an inner emote. Tidy until nothing changes: after
	// the first pass only an emote's removal changes the text, and each
	// turns at least ten bytes into one space, so this ends.
	for {
		next := tidyOnce(out)
		if next == out {
			break
		}
		out = next
	}
	if max < 0 {
		max = 0
	}
	if utf8.RuneCountInString(out) > max {
		out = strings.TrimSpace(string([]rune(out)[:max]))
	}
	return out
}

// tidyOnce is one pass of Tidy, without the cut to length.
func tidyOnce(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if n := emoteLen(s[i:]); n > 0 {
			b.WriteByte(' ')
			i += n
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		case unicode.IsPrint(r):
			b.WriteRune(r)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// emoteLen is the length of the Kick emote markup "[emote:123:name]" that
// s starts with, 0 when it starts with none.
func emoteLen(s string) int {
	rest, ok := strings.CutPrefix(s, "[emote:")
	if !ok {
		return 0
	}
	digits := 0
	for digits < len(rest) && rest[digits] >= '0' && rest[digits] <= '9' {
		digits++
	}
	if digits == 0 || digits >= len(rest) || rest[digits] != ':' {
		return 0
	}
	end := strings.IndexByte(rest[digits+1:], ']')
	if end < 0 || end > 100 {
		return 0
	}
	return len("[emote:") + digits + 1 + end + 1
}

// Cut is s cut to at most n characters (n ≥ 1), ending in "…" when cut:
// what fits a Discord embed's field or a chat line.
func Cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n < 1 {
		return ""
	}
	return string([]rune(s)[:n-1]) + "…"
}
