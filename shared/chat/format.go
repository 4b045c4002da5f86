package chat

import (
	"strconv"
	"strings"
)

// The wording follows what the Discord side shows (shared/interact), in
// plain text: Kick chat has no markdown.

// thousands formats n with commas: 31,877.
func thousands(n int64) string {
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

// count is "1 point", "1,234 points".
func count(n int64, noun string) string {
	if n != 1 {
		noun += "s"
	}
	return thousands(n) + " " + noun
}

// minutes formats a watchtime as days, hours and minutes: "1d 2h 5m",
// "3h 20m", "45m", "0m".
func minutes(m int64) string {
	var parts []string
	if d := m / (24 * 60); d > 0 {
		parts = append(parts, thousands(d)+"d")
	}
	if h := m / 60 % 24; h > 0 {
		parts = append(parts, strconv.FormatInt(h, 10)+"h")
	}
	if m%60 > 0 || len(parts) == 0 {
		parts = append(parts, strconv.FormatInt(m%60, 10)+"m")
	}
	return strings.Join(parts, " ")
}
