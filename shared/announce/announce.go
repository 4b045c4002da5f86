// Package announce posts a guild's Kick events to its Discord channels:
// each kind of event switchable, sent to its own channel (or the
// announcement channel), with the guild's message template and role
// mention, and at most once per cause.
package announce

import (
	"context"

	"github.com/kickbot/kickbot/shared/interact"
)

// Kind is a kind of announcement, which a guild switches and routes on its
// own.
type Kind string

// The kinds of announcement.
const (
	Live       Kind = "live"
	Offline    Kind = "offline"
	Follow     Kind = "follow"
	Sub        Kind = "sub"
	Gift       Kind = "gift"
	Kicks      Kind = "kicks"
	Redemption Kind = "redemption"
	Clip       Kind = "clip"
)

// Kinds lists every Kind, in the order the settings show them.
var Kinds = []Kind{Live, Offline, Follow, Sub, Gift, Kicks, Redemption, Clip}

// Post is an announcement as a feature builds it, before the guild's
// settings (channel, template, role) are applied.
type Post struct {
	Embed interact.Embed
	// Link is a link button under the post (the go-live's Watch button);
	// zero for none.
	Link Link
	// Vars fill the guild's message template for the kind: the chat
	// engine's variables ({user}, {channel}, …) plus {months}, {count},
	// {amount}, {reward} and {input} where the kind has them.
	Vars map[string]string
}

// Link is a button that opens URL.
type Link struct{ Label, URL string }

// Message is a Post made ready for one channel: what Discord receives.
type Message struct {
	Channel string
	// Content is the rendered template, after the role mention.
	Content string
	// MentionRole is the role Content mentions; the only mention Discord
	// may notify.
	MentionRole string
	Embed       interact.Embed
	Link        Link
}

// Announcer posts a guild's announcements.
type Announcer interface {
	// Announce posts p as guild's announcement of kind, at most once per
	// cause (a Kick delivery id, a clip's id, a stream's start). A kind
	// the guild switched off posts nothing and returns nil.
	Announce(ctx context.Context, guild string, kind Kind, cause string, p Post) error
}

// Poster sends a Message to Discord (discord.REST).
type Poster interface {
	PostAnnouncement(ctx context.Context, m Message) error
}
