package interact

import (
	"strings"

	"github.com/kickbot/kickbot/shared/wording"
)

// markdown escapes what Discord's markdown would read in a name: Kick
// names hold underscores, which would otherwise turn into italics, and a
// name typed into a command may hold anything.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `<`, `\<`, `[`, `\[`, `]`, `\]`,
)

func escape(s string) string { return markdown.Replace(s) }

// boldPoints is "**31,877** points".
func boldPoints(n int64) string {
	return "**" + wording.Thousands(n) + "** " + wording.Plural(n, "point")
}

// signed formats a change of n with its sign: +50, −1,000 (a minus sign,
// not a hyphen), 0.
func signed(n int64) string {
	switch {
	case n > 0:
		return "+" + wording.Thousands(n)
	case n < 0:
		return "−" + wording.Thousands(-n)
	}
	return "0"
}
