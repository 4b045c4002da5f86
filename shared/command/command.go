// Package command recognises chat commands: messages that start with "!"
// followed by a name, such as "!points" or "!call Book of Dead".
package command

import "strings"

// Prefix starts every chat command.
const Prefix = "!"

// MaxName bounds a command name; longer words are not commands.
const MaxName = 32

// Command is a parsed chat command.
type Command struct {
	// Name is lower-cased and without the prefix: "points".
	Name string `json:"name"`
	// Args is the rest of the message after the name, trimmed.
	Args string `json:"args,omitempty"`
}

// Parse reports whether content is a command and, if so, parses it. A name
// is letters, digits, '_' or '-'; "!" alone, "!!!" or "! points" are not
// commands.
func Parse(content string) (Command, bool) {
	s := strings.TrimSpace(content)
	if !strings.HasPrefix(s, Prefix) {
		return Command{}, false
	}
	s = s[len(Prefix):]
	name, args, _ := strings.Cut(s, " ")
	if name == "" || len(name) > MaxName {
		return Command{}, false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return Command{}, false
		}
	}
	return Command{Name: strings.ToLower(name), Args: strings.TrimSpace(args)}, true
}
