// Package timer decides when a guild's timed messages post: a message
// said in Kick chat every so many minutes while the stream is live, only
// into a chat that is talking, one timer per minute, its variants in turn.
//
// Everything here is a pure function of the timers, the channel (live or
// not, who chatted when) and the time: the sweep supplies them each
// minute, the store keeps each timer's last post and next variant, and
// the worker says the message.
package timer

import (
	"cmp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
)

// Limits of a guild's timers.
const (
	MaxTimers   = 50
	MaxName     = 25
	MaxMessage  = 500 // characters of each variant: one Kick chat message
	MaxVariants = 10
	MinInterval = 5 * time.Minute
	MaxInterval = 24 * time.Hour
	// DefaultMinChatters is how many distinct viewers must have chatted
	// since a timer's last post before it posts again.
	DefaultMinChatters = 3
	MaxMinChatters     = 100
	// Lookback bounds how far back chatters are counted: someone who
	// chatted a day ago does not make the chat alive, and the sweep never
	// reads more than this of a guild's activity for its timers.
	Lookback = 24 * time.Hour
)

// Separator splits a timer's message into the variants it posts in turn.
const Separator = " || "

// Timer is one timed message of a guild, with the state of its posting.
type Timer struct {
	// Name is [a-z0-9_]{1,25}, unique in the guild.
	Name string
	// Variants are posted in turn, each at most MaxMessage characters.
	Variants []string
	// Interval is the least time between two posts (whole minutes).
	Interval time.Duration
	// MinChatters distinct viewers must have chatted since the last post;
	// 0 posts into a silent chat too.
	MinChatters int
	// Offline lets the timer post while the stream is offline (the sweep
	// visits an offline guild only while it tracks offline).
	Offline bool
	Enabled bool

	// Created is when the timer was added: its first wait starts then.
	Created time.Time
	// LastPost is the slot (a minute's start) of its last post; zero when
	// it never posted.
	LastPost time.Time
	// Next is the index of the variant to post next.
	Next int
	// Version is the store's count of edits: an edit applies only to the
	// version it read.
	Version int64
}

// Split turns a message into its variants: the parts between Separators,
// trimmed.
func Split(message string) []string {
	parts := strings.Split(message, Separator)
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// Message is t's variants joined as an admin types them.
func (t Timer) Message() string { return strings.Join(t.Variants, Separator) }

// ValidName reports whether name may name a timer: [a-z0-9_]{1,25}.
func ValidName(name string) error {
	if name == "" || len(name) > MaxName {
		return fault.E(fault.Invalid, "a timer name is 1 to %d characters", MaxName)
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return fault.E(fault.Invalid, "a timer name holds only a-z, 0-9 and _ (got %q)", name)
		}
	}
	return nil
}

// Validate reports whether t's settings are allowed.
func (t Timer) Validate() error {
	if err := ValidName(t.Name); err != nil {
		return err
	}
	switch {
	case len(t.Variants) == 0 || len(t.Variants) > MaxVariants:
		return fault.E(fault.Invalid, "a timer has 1 to %d messages, separated by %q", MaxVariants, strings.TrimSpace(Separator))
	case t.Interval < MinInterval || t.Interval > MaxInterval || t.Interval%time.Minute != 0:
		return fault.E(fault.Invalid, "a timer's interval is whole minutes from %d to %d", int(MinInterval.Minutes()), int(MaxInterval.Minutes()))
	case t.MinChatters < 0 || t.MinChatters > MaxMinChatters:
		return fault.E(fault.Invalid, "min_chatters is 0 to %d", MaxMinChatters)
	case t.Next < 0:
		return fault.E(fault.Invalid, "a timer's next message cannot be negative")
	}
	for i, v := range t.Variants {
		switch n := utf8.RuneCountInString(v); {
		case !utf8.ValidString(v):
			return fault.E(fault.Invalid, "message %d is not valid text", i+1)
		case strings.TrimSpace(v) == "":
			return fault.E(fault.Invalid, "message %d is empty", i+1)
		case n > MaxMessage:
			return fault.E(fault.Invalid, "message %d is %d characters; Kick chat takes %d", i+1, n, MaxMessage)
		}
		if name, ok := viewerVariable(v); ok {
			return fault.E(fault.Invalid, "message %d uses {%s}, but a timed message has no viewer to fill it in; "+
				"it may use {channel}, {uptime}, {title}, {category}, {random:a|b} and {randnum:1-100}", i+1, name)
		}
	}
	return nil
}

// viewerVariables are the variables of shared/response that stand for
// the viewer who typed a command, and mean nothing in a timed message.
var viewerVariables = []string{"user", "touser", "args", "1", "2", "3", "4", "5", "6", "7", "8", "9", "count", "points", "watchtime", "rank"}

// viewerVariable returns the first variable of text, "{" to the next "}"
// with no "{" between as shared/response reads them, that stands for a
// viewer.
func viewerVariable(text string) (string, bool) {
	for {
		open := strings.IndexByte(text, '{')
		if open < 0 {
			return "", false
		}
		text = text[open+1:]
		end := strings.IndexAny(text, "{}")
		if end < 0 {
			return "", false
		}
		if text[end] == '}' {
			name := text[:end]
			key, _, _ := strings.Cut(name, ":")
			if slices.Contains(viewerVariables, strings.ToLower(key)) {
				return name, true
			}
		}
		text = text[end:]
	}
}

// CanAdd reports whether t may join a guild's timers: it validates, its
// name is free, and the guild has fewer than MaxTimers.
func CanAdd(timers []Timer, t Timer) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if slices.ContainsFunc(timers, func(o Timer) bool { return o.Name == t.Name }) {
		return fault.E(fault.Conflict, "a timer named %s exists already; edit it or pick another name", t.Name)
	}
	if len(timers) >= MaxTimers {
		return fault.E(fault.Invalid, "a server has at most %d timers; remove one first", MaxTimers)
	}
	return nil
}

// Chat is a viewer who chatted at At (the latest time of a minute in
// which they did).
type Chat struct {
	UserID int64
	At     time.Time
}

// Channel is what due-ness reads about the Kick channel at a minute.
type Channel struct {
	Live bool
	// LiveSince is when the current stream started; zero when unknown.
	// Chat before it does not wake a timer that posts only while live.
	LiveSince time.Time
	// Chats are who chatted when, covering at least from ReadFrom's time
	// to now. The bot's own messages and ignored names must not be in it.
	Chats []Chat
}

// Since is when t's current wait began: its last post, or its creation.
func (t Timer) Since() time.Time {
	if t.LastPost.IsZero() {
		return t.Created
	}
	return t.LastPost
}

// Waiting reports whether t would post at now if enough viewers had
// chatted: enabled, the stream live (or t Offline), and Interval passed
// since its last post.
func (t Timer) Waiting(now time.Time, live bool) bool {
	return t.Enabled && len(t.Variants) > 0 && (live || t.Offline) && !now.Before(t.Since().Add(t.Interval))
}

// countFrom is the first instant whose chat counts for t at now.
func (t Timer) countFrom(now time.Time, ch Channel) time.Time {
	from := later(t.Since(), now.Add(-Lookback))
	if !t.Offline && ch.Live {
		from = later(from, ch.LiveSince)
	}
	return from
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Chatters counts the distinct viewers in chats who chatted at or after
// from.
func Chatters(chats []Chat, from time.Time) int {
	seen := make(map[int64]struct{})
	for _, c := range chats {
		if !c.At.Before(from) {
			seen[c.UserID] = struct{}{}
		}
	}
	return len(seen)
}

// Due reports whether t posts at now: it is Waiting, and at least
// MinChatters distinct viewers chatted since its last post (and, for a
// timer that posts only while live, since the stream started).
func (t Timer) Due(now time.Time, ch Channel) bool {
	return t.Waiting(now, ch.Live) && (t.MinChatters <= 0 || Chatters(ch.Chats, t.countFrom(now, ch)) >= t.MinChatters)
}

// ReadFrom returns the earliest chat any of timers needs at now to judge
// whether it is due, and false when none is Waiting, so the caller reads
// no chat at all.
func ReadFrom(timers []Timer, now time.Time, ch Channel) (time.Time, bool) {
	var from time.Time
	found := false
	for _, t := range timers {
		if !t.Waiting(now, ch.Live) || t.MinChatters <= 0 {
			continue
		}
		if f := t.countFrom(now, ch); !found || f.Before(from) {
			from, found = f, true
		}
	}
	return from, found
}

// Post is one timed message to say.
type Post struct {
	Name string `json:"name"`
	// Slot is the minute it posts in (its start): the post's key, so the
	// same decision made twice posts once.
	Slot time.Time `json:"slot"`
	// Prior is the timer's LastPost when it was chosen: the post stands
	// only if no other post came between.
	Prior time.Time `json:"prior,omitzero"`
	// Text is the variant to say, Next the variant after it.
	Text string `json:"text"`
	Next int    `json:"next"`
}

// Pick returns the one timer of timers to post at now, if any is due. Of
// several due in the same minute it picks the one that has waited longest
// past its interval (then by name), so the rest follow one a minute, in
// that fair order, and the chat never gets two at once.
func Pick(timers []Timer, now time.Time, ch Channel) (Post, bool) {
	var due []Timer
	for _, t := range timers {
		if t.Due(now, ch) {
			due = append(due, t)
		}
	}
	if len(due) == 0 {
		return Post{}, false
	}
	t := slices.MinFunc(due, func(a, b Timer) int {
		return cmp.Or(a.Since().Add(a.Interval).Compare(b.Since().Add(b.Interval)), strings.Compare(a.Name, b.Name))
	})
	i := t.Next % len(t.Variants)
	return Post{
		Name:  t.Name,
		Slot:  now.Truncate(time.Minute),
		Prior: t.LastPost,
		Text:  t.Variants[i],
		Next:  (i + 1) % len(t.Variants),
	}, true
}
