// Package command recognises chat commands and the rules around them:
// parsing "!name args", the permission level a sender's Kick badges give,
// who skips cooldowns, and the table of built-ins that !commands lists.
package command

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Prefix starts every chat command.
const Prefix = "!"

// MaxName bounds a command name; longer words are not commands.
const MaxName = 32

// MaxArgs bounds a command's arguments, in bytes: enough for any slot
// name or sentence, and well under a chat message (500 characters), so
// that a response that repeats them still fits.
const MaxArgs = 400

// Command is a parsed chat command.
type Command struct {
	// Name is lower-cased and without the prefix: "points".
	Name string `json:"name"`
	// Args is the rest of the message after the name: Kick emotes
	// removed, runs of white space made one space, trimmed, at most
	// MaxArgs bytes (cut on a character boundary).
	Args string `json:"args,omitempty"`
}

// Parse reports whether content is a command and, if so, parses it. A name
// is ASCII letters, digits, '_' or '-', in any case; it ends at white
// space or an invisible format character (some chat clients append one).
// "!" alone, "!!!", "! points" and "!pöints" are not commands. The
// arguments keep every other character as typed.
func Parse(content string) (Command, bool) {
	s := strings.TrimLeftFunc(content, isSeparator)
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return Command{}, false
	}
	name, args := rest, ""
	if i := strings.IndexFunc(rest, isSeparator); i >= 0 {
		name, args = rest[:i], rest[i:]
	}
	if name == "" || len(name) > MaxName {
		return Command{}, false
	}
	// Bytes, not runes: any byte of a multi-byte character is ≥ 0x80 and
	// refused, so a non-ASCII name can neither panic nor split wrongly.
	for i := 0; i < len(name); i++ {
		if !nameByte(name[i]) {
			return Command{}, false
		}
	}
	return Command{Name: strings.ToLower(name), Args: cleanArgs(args)}, true
}

func nameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// isSeparator ends a name: white space, or an invisible format character
// such as a zero-width space.
func isSeparator(r rune) bool {
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
}

// cleanArgs removes Kick's emote markup from s, makes each run of
// separators one space, trims it and caps it at MaxArgs bytes.
func cleanArgs(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		if n := emoteLen(s[i:]); n > 0 {
			i += n
			space = true // an emote separates the words around it
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if isSeparator(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
		if b.Len() >= MaxArgs {
			break
		}
	}
	// The cap may leave the space before a cut character.
	return strings.TrimRight(capBytes(b.String(), MaxArgs), " ")
}

// capBytes cuts s to at most n bytes without splitting a character.
func capBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// maxEmoteName bounds the name in emote markup; longer is not markup.
const maxEmoteName = 64

// emoteLen is the length of the Kick emote markup "[emote:123:name]" that
// starts s, or 0 when s does not start with one.
func emoteLen(s string) int {
	rest, ok := strings.CutPrefix(s, "[emote:")
	if !ok {
		return 0
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i > 20 || i >= len(rest) || rest[i] != ':' {
		return 0
	}
	name := rest[i+1:]
	end := strings.IndexByte(name, ']')
	if end <= 0 || end > maxEmoteName || strings.ContainsFunc(name[:end], func(r rune) bool { return isSeparator(r) || r == '[' }) {
		return 0
	}
	return len("[emote:") + i + 1 + end + 1
}
