// Package announce posts a guild's Kick events to its Discord channels:
// each kind of event switchable, sent to its own channel (or the
// announcement channel), with the guild's message template and role
// mention, and at most once per cause.
//
// Service is the Announcer. A post's cause is marked before it is posted
// and the mark released when the post fails, so a duplicated or retried
// job posts nothing twice (as package notice does); a run that dies
// between the mark and the post loses that post. Templates are rendered by
// package response over Post.Vars, each value escaped for Discord's
// markdown. By default the go-live and offline posts are on (to the
// announcement channel, so a guild without one gets none) and the rest
// are off until /announce set. Service also answers /announce.
//
// # Follows
//
// Follows come in waves, so they are batched: the first follow opens a
// batch, later ones join it (the first MaxFollowNames names and a count,
// one small write each to a key of the guild's own, in one transaction
// with the follow's mark where the store offers it: OnceFollows), and the batch is
// posted at the first whole minute FollowEvery after it opened: at most
// one follow post per guild per FollowEvery, so 100 follows in 2 minutes
// are one post. Nothing arrives to post the last batch of a wave, and the
// FIFO queue has no delayed messages, so a clock must: the sweep's minute
// tick (functions/sweep) calls QueueDueFollows, which reads the batches
// listed as due in the last FollowLookback and queues one follows job
// each (job.ForFollows), which the worker runs as FlushFollows. The
// upkeep's five-minute "live" tick was the other candidate; on it a batch
// would wait up to ten minutes. A batch is listed once, under the minute
// it is due, by the follow that opened it, so no key takes a write per
// follow of every guild, and a tick reads a few small partitions.
package announce

import (
	"context"
	"time"

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
	// Template is the message used when the guild set none for the kind,
	// where the kind's default would read wrong (a renewal, a single
	// gift); empty for the kind's default.
	Template string
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

// FlapWindows keeps a guild's go-live flap window: a stream back online
// within it continues the last one (one alert, one recap, which waits
// for the window to pass). golive.Alerts is one; it imports this
// package, so /announce reaches it through this interface.
type FlapWindows interface {
	// SetFlapWindow sets guild's window, whole minutes up to
	// MaxFlapMinutes; 0 restores DefaultFlapMinutes.
	SetFlapWindow(ctx context.Context, guild string, d time.Duration) error
	// FlapWindow returns guild's window: its setting or the default.
	FlapWindow(ctx context.Context, guild string) (time.Duration, error)
}

// The flap window's bounds, golive's (a test there holds them equal).
const (
	DefaultFlapMinutes = 10
	MaxFlapMinutes     = 120
)
