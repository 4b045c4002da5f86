// Package notice tells a guild's admins about something that needs them,
// once: a message in the guild's announcement channel, at most once per
// key. The role sync uses it for roles the bot cannot give, the upkeep for
// a Kick login that Kick refused.
//
// A notice is marked before it is posted, so two runs cannot both post
// it; when the post fails the mark is removed again, so that the next
// call tries again. A run that dies between the mark and the post loses
// that notice (the next problem of another key is still told), and a post
// whose answer was lost is posted twice by the next call: both are rare,
// and at most one extra message.
//
// A guild without an announcement channel is told nothing and nothing is
// recorded: Once returns fault.NotFound wrapping ErrNoChannel, for the
// caller to log, and a later call, after an admin set a channel, tells.
package notice

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
)

// Store holds the guild's settings and the "told already" markers.
// Implementations return fault.Transient for failures a retry may fix.
type Store interface {
	// Settings returns the guild's settings, with its announcement channel.
	Settings(ctx context.Context, guild string) (settings.Settings, error)
	// MarkReported records key in the guild and reports whether this is
	// the first time.
	MarkReported(ctx context.Context, guild, key string) (first bool, err error)
	// ForgetReported removes the record of key; removing none is no error.
	ForgetReported(ctx context.Context, guild, key string) error
}

// Poster posts to a Discord channel.
type Poster interface {
	// PostMessage posts content in channelID without pinging anyone.
	// fault.NotFound: the channel is gone; fault.Forbidden: the bot may
	// not post there; fault.Transient: try again later.
	PostMessage(ctx context.Context, channelID, content string) error
}

// unmarkTimeout bounds the unmarking of a notice whose post failed.
const unmarkTimeout = 2 * time.Second

// ErrNoChannel is what Once wraps, as fault.NotFound, when the guild has
// no announcement channel.
var ErrNoChannel = errors.New("no announcement channel is set")

// Notifier posts notices to a guild's announcement channel. Set both
// fields.
type Notifier struct {
	Store  Store
	Poster Poster
}

// Once posts message to guild's announcement channel unless a notice with
// key was posted there before, and reports whether it posted. It returns
// fault.NotFound wrapping ErrNoChannel, recording nothing, when the guild
// has no announcement channel; the post's error (see Poster), with the
// mark removed, when the post fails.
func (n *Notifier) Once(ctx context.Context, guild, key, message string) (sent bool, err error) {
	if guild == "" || key == "" || message == "" {
		return false, fault.E(fault.Invalid, "a notice needs a guild, a key and a message")
	}
	if n == nil || n.Store == nil || n.Poster == nil {
		return false, fault.E(fault.Internal, "notifier has no store or no poster")
	}
	set, err := n.Store.Settings(ctx, guild)
	if err != nil {
		return false, err
	}
	if set.AnnounceChannel == "" {
		return false, fault.Wrap(fault.NotFound, ErrNoChannel, "set an announcement channel so that the bot can tell admins about problems")
	}
	first, err := n.Store.MarkReported(ctx, guild, key)
	if err != nil || !first {
		return false, err
	}
	if err := n.Poster.PostMessage(ctx, set.AnnounceChannel, message); err != nil {
		// The caller's context may have ended; unmarking still deserves
		// its chance, briefly, or the notice is never told.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unmarkTimeout)
		uerr := n.Store.ForgetReported(uctx, guild, key)
		cancel()
		if uerr != nil {
			return false, fmt.Errorf("post notice %s: %w (and unmark it: %w)", key, err, uerr)
		}
		return false, fmt.Errorf("post notice %s: %w", key, err)
	}
	return true, nil
}

// Forget lets the notice key be posted again in guild: call it when what
// it told is over (a role was granted after all), so that it is told
// again if it comes back.
func (n *Notifier) Forget(ctx context.Context, guild, key string) error {
	if guild == "" || key == "" {
		return fault.E(fault.Invalid, "forgetting a notice needs a guild and a key")
	}
	if n == nil || n.Store == nil {
		return fault.E(fault.Internal, "notifier has no store")
	}
	return n.Store.ForgetReported(ctx, guild, key)
}
