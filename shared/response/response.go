// Package response fills the variables of a custom command's response,
// such as "{user} has {points} points", in one pass: what a variable
// stands for is written out and never read again, so text a viewer typed
// ({args}, {touser}) cannot bring in another variable.
//
// Render makes no call of its own: the caller reads the data a text needs
// (Needs says which kinds), each kind at most once, and hands it over in
// Data, with the clock and the random source.
package response

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/wording"
)

// Kinds are the kinds of data a response needs read before it is
// rendered, as a set of bits.
type Kinds uint8

// The kinds of data Render may need. The rest of Data (names, arguments,
// clock, randomness) costs no read.
const (
	// Count is the command's use count, {count}.
	Count Kinds = 1 << iota
	// SenderStats is the sender's viewer record: {points}, {watchtime}.
	SenderStats
	// SenderRank is the sender's points rank, {rank}.
	SenderRank
	// TargetStats is the record of the viewer {touser} names:
	// {points:touser}, {watchtime:touser}.
	TargetStats
	// TargetRank is that viewer's points rank, {rank:touser}.
	TargetRank
	// Stream is the stream state: {uptime}, {title}, {category}.
	Stream
	// Channel is the Kick channel's name, {channel}.
	Channel
)

// Has reports whether k holds every kind in x.
func (k Kinds) Has(x Kinds) bool { return k&x == x }

// Stats are what Render shows of one viewer.
type Stats struct {
	Points       int64
	WatchMinutes int64
	// Rank is the viewer's position by points, 1 for the top; 0 when the
	// viewer is not ranked.
	Rank int64
	// Below, when Rank is 0, says the viewer may be ranked below the top
	// Below that the leaderboard lists: {rank} shows "100+".
	Below int64
}

// Data is what the variables stand for, read by the caller before Render.
// Fields of a kind the text does not need (see Needs) may stay zero.
type Data struct {
	// User is the sender's name, Args the command's arguments.
	User, Args string
	// Channel is the Kick channel's name.
	Channel string
	// Count is the command's uses, this one included.
	Count int64
	// Sender and Target are the stats of the sender and of the viewer
	// {touser} names (ToUser).
	Sender, Target Stats
	// Live, StartedAt, Title and Category are the stream state.
	Live            bool
	StartedAt       time.Time
	Title, Category string
	// Now is the time {uptime} is measured at.
	Now time.Time
	// Rand returns a random number in [0, n), for {random:…} and
	// {randnum:…}; nil picks the first option and the lowest number.
	Rand func(n int64) int64
	// Vars are further variables by lower-case name ({months}, {amount}
	// of an announcement); a name here wins over a built-in one.
	Vars map[string]string
}

// Prefix starts a response that would otherwise start with "!" or "/",
// so that no bot (this one included) reads it as a command.
const Prefix = "▸ "

// Unranked is what {rank} shows for a viewer without a rank.
const Unranked = "unranked"

// Offline is what {uptime} shows while the stream is not live.
const Offline = "offline"

// maxRandNum bounds the numbers of {randnum:a-b}.
const maxRandNum = 1_000_000_000_000

// ToUser is whom {touser} names: the first word of args without a
// leading "@", or user when args is empty.
func ToUser(user, args string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(args), " ")
	if first = strings.TrimLeft(first, "@"); first != "" {
		return first
	}
	return user
}

// Needs returns the kinds of data text's variables need read.
func Needs(text string) Kinds {
	var k Kinds
	scan(text, func(name, _ string) {
		switch strings.ToLower(name) {
		case "count":
			k |= Count
		case "points", "watchtime":
			k |= SenderStats
		case "rank":
			k |= SenderRank
		case "points:touser", "watchtime:touser":
			k |= TargetStats
		case "rank:touser":
			k |= TargetRank
		case "uptime", "title", "category":
			k |= Stream
		case "channel":
			k |= Channel
		}
	})
	return k
}

// Render fills text's variables from d in one pass, leaves unknown ones as
// written, prefixes a result that starts with "!" or "/" (Prefix), and
// fits it to one chat message (reply.Fit). The variables:
//
//	{user}             the sender
//	{touser}           the first argument without "@", else the sender
//	{args}, {1}…{9}    the arguments, all or the nth word ("" if missing)
//	{count}            the command's uses
//	{random:a|b|c}     one of the options
//	{randnum:1-100}    a whole number in the range, ends included
//	{points} {watchtime} {rank}                      the sender's
//	{points:touser} {watchtime:touser} {rank:touser} {touser}'s
//	{uptime} {title} {category}                      the stream's
//	{channel}          the Kick channel
//
// Names are matched in any case. A variable runs from "{" to the next
// "}" with no "{" between; anything else is text.
func Render(text string, d Data) string {
	var b strings.Builder
	b.Grow(len(text) + 32)
	scan(text, func(name, raw string) {
		if v, ok := d.value(name); ok && name != "" {
			b.WriteString(v)
		} else {
			b.WriteString(raw) // text, or a variable left as written
		}
	})
	return finish(b.String())
}

// finish fits s to one chat message and keeps it from reading as a
// command.
func finish(s string) string {
	// Fit first: what it drops (invalid bytes, line breaks) could
	// otherwise uncover a "!".
	s = strings.TrimLeftFunc(reply.Fit(s), func(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) })
	if strings.HasPrefix(s, "!") || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "！") {
		s = reply.Fit(Prefix + s)
	}
	return s
}

// scan walks text once, calling fn with each variable's name (without the
// braces) and its raw text, and with "" and the raw text for the text
// between variables.
func scan(text string, fn func(name, raw string)) {
	for len(text) > 0 {
		open := strings.IndexByte(text, '{')
		if open < 0 {
			fn("", text)
			return
		}
		end := strings.IndexAny(text[open+1:], "{}")
		if end < 0 {
			fn("", text)
			return
		}
		end += open + 1
		if text[end] == '{' || end == open+1 { // "{{…" or "{}": text
			fn("", text[:end])
			text = text[end:]
			continue
		}
		if open > 0 {
			fn("", text[:open])
		}
		fn(text[open+1:end], text[open:end+1])
		text = text[end+1:]
	}
}

// value is what the variable name stands for, and false for an unknown
// or malformed one.
func (d Data) value(name string) (string, bool) {
	if v, ok := d.Vars[strings.ToLower(name)]; ok {
		return v, true
	}
	key, arg, hasArg := strings.Cut(name, ":")
	key = strings.ToLower(key)
	if hasArg {
		switch key {
		case "random":
			opts := strings.Split(arg, "|")
			return opts[d.intn(int64(len(opts)))], true
		case "randnum":
			return d.randnum(arg)
		}
		if !strings.EqualFold(arg, "touser") {
			return "", false
		}
		switch key {
		case "points":
			return wording.Thousands(d.Target.Points), true
		case "watchtime":
			return wording.Minutes(d.Target.WatchMinutes), true
		case "rank":
			return d.Target.rank(), true
		}
		return "", false
	}
	switch key {
	case "user":
		return d.User, true
	case "touser":
		return ToUser(d.User, d.Args), true
	case "args":
		return d.Args, true
	case "1", "2", "3", "4", "5", "6", "7", "8", "9":
		words := strings.Fields(d.Args)
		if n := int(key[0] - '0'); n <= len(words) {
			return words[n-1], true
		}
		return "", true
	case "count":
		return wording.Thousands(d.Count), true
	case "points":
		return wording.Thousands(d.Sender.Points), true
	case "watchtime":
		return wording.Minutes(d.Sender.WatchMinutes), true
	case "rank":
		return d.Sender.rank(), true
	case "uptime":
		if !d.Live || d.StartedAt.IsZero() {
			return Offline, true
		}
		return wording.Minutes(int64(max(d.Now.Sub(d.StartedAt), 0) / time.Minute)), true
	case "title":
		return d.Title, true
	case "category":
		return d.Category, true
	case "channel":
		return d.Channel, true
	}
	return "", false
}

func (s Stats) rank() string {
	switch {
	case s.Rank > 0:
		return wording.Thousands(s.Rank)
	case s.Below > 0:
		return wording.Thousands(s.Below) + "+"
	}
	return Unranked
}

// randnum is a number in "a-b" (whole, 0 ≤ a ≤ b ≤ maxRandNum).
func (d Data) randnum(arg string) (string, bool) {
	lo, hi, ok := strings.Cut(arg, "-")
	if !ok {
		return "", false
	}
	a, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 64)
	b, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 64)
	if err1 != nil || err2 != nil || a < 0 || a > b || b > maxRandNum {
		return "", false
	}
	return strconv.FormatInt(a+d.intn(b-a+1), 10), true
}

// intn is a random number in [0, n), from d.Rand; 0 without it, or when
// it returns something out of range.
func (d Data) intn(n int64) int64 {
	if d.Rand == nil || n <= 1 {
		return 0
	}
	if r := d.Rand(n); r >= 0 && r < n {
		return r
	}
	return 0
}
