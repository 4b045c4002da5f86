// Package connect is the Kick side of a guild's setup: it connects a guild
// to the Kick channel whose streamer consents (OAuth with PKCE and a
// signed, single-use state), takes the Kick account that signs in for a
// member's link (which the member then confirms in Discord), keeps the channel's event subscriptions whole, reports
// the connection's health and disconnects it.
package connect

import (
	"time"

	"github.com/kickbot/kickbot/shared/consent"
)

// Scopes the bot asks for. A streamer grants the bot a voice in their chat
// and the right to read who they are; a viewer who links proves only who
// they are.
var (
	ConnectScopes = []string{"user:read", "channel:read", "chat:write", "events:subscribe"}
	LinkScopes    = []string{"user:read"}
)

// User is a Kick account.
type User struct {
	ID   int64
	Name string
}

// Status is a guild's Kick connection as /kick status shows it.
type Status struct {
	// Connected is false when the guild has no Kick channel; the other
	// fields are then zero.
	Connected   bool
	Channel     User // the broadcaster
	ConnectedAt time.Time
	// TokenExpiry is when the stored access token expires (zero: unknown)
	// and Scopes what the streamer granted.
	TokenExpiry time.Time
	Scopes      []string
	// NeedsReauth says Kick refused the stored refresh token: the streamer
	// has to run /kick connect again.
	NeedsReauth bool
	// Subscriptions has one entry per wanted event type, in the order of
	// subscription.Wanted.
	Subscriptions []Subscription
}

// Subscription is the state of one wanted event type.
type Subscription struct {
	Event   string
	Version int
	// IDs are Kick's subscription ids for it: none is missing, more than
	// one a duplicate (Kick then delivers every event more than once).
	IDs []string
}

// Outcome is what a completed OAuth callback did, for the page the
// browser shows.
type Outcome struct {
	Purpose consent.Purpose
	// Guild and Member are the Discord server and the member who asked
	// (the consent's state).
	Guild, Member string
	Kick          User
	// Until is when a link's pending sign-in expires unless the member
	// confirms it; zero for a connect.
	Until time.Time
	// Note, when set, is something the person should know although the
	// consent succeeded, such as subscriptions that will be repaired
	// later; it is safe to show.
	Note string
}
