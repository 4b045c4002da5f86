package interact

import (
	"strconv"
	"strings"
)

// markdown escapes what Discord's markdown would read in a name: Kick
// names hold underscores, which would otherwise turn into italics, and a
// name typed into a command may hold anything.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `<`, `\<`, `[`, `\[`, `]`, `\]`,
)

func escape(s string) string { return markdown.Replace(s) }

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

func plural(n int64, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// boldPoints is "**31,877** points".
func boldPoints(n int64) string {
	return "**" + thousands(n) + "** " + plural(n, "point")
}

// minutes formats a watchtime as days, hours and minutes: "1d 2h 5m",
// "45m", "0m".
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

// signed formats a change of n with its sign: +50, −1,000 (a minus sign,
// not a hyphen), 0.
func signed(n int64) string {
	switch {
	case n > 0:
		return "+" + thousands(n)
	case n < 0:
		return "−" + thousands(-n)
	}
	return "0"
}
