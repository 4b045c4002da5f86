// Package event is the vocabulary of things that happen on a Kick channel:
// chat messages, follows, subscriptions, gifts, live status, bans and so on.
//
// The types here are ours, not Kick's wire format; the Kick adapter
// translates its payloads into them. Every Event carries the id of the
// delivery that brought it, which is the cause that keys every state change
// it makes.
package event

import "time"

// Type names a kind of event. The values are Kick's event names, since they
// are also what subscriptions and logs speak of.
type Type string

// The event types Kick delivers (all at version 1).
const (
	ChatMessage        Type = "chat.message.sent"
	Followed           Type = "channel.followed"
	SubscriptionNew    Type = "channel.subscription.new"
	SubscriptionRenew  Type = "channel.subscription.renewal"
	SubscriptionGifts  Type = "channel.subscription.gifts"
	RewardRedemption   Type = "channel.reward.redemption.updated"
	LivestreamStatus   Type = "livestream.status.updated"
	LivestreamMetadata Type = "livestream.metadata.updated"
	Banned             Type = "moderation.banned"
	KicksGifted        Type = "kicks.gifted"
)

// Types lists every known type, in a stable order.
var Types = []Type{
	ChatMessage, Followed, SubscriptionNew, SubscriptionRenew, SubscriptionGifts,
	RewardRedemption, LivestreamStatus, LivestreamMetadata, Banned, KicksGifted,
}

// Known reports whether t is one of Types.
func (t Type) Known() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// User is a Kick account as events name it. ID is 0 for an anonymous user.
type User struct {
	ID        int64   `json:"id,omitempty"`
	Username  string  `json:"username,omitempty"`
	Slug      string  `json:"slug,omitempty"`
	Anonymous bool    `json:"anonymous,omitempty"`
	Verified  bool    `json:"verified,omitempty"`
	Badges    []Badge `json:"badges,omitempty"`
}

// Badge is a chat badge shown beside a sender's name ("subscriber",
// "moderator", ...). The set of types is open.
type Badge struct {
	Type  string `json:"type"`
	Text  string `json:"text,omitempty"`
	Count int    `json:"count,omitempty"`
}

// HasBadge reports whether u carries a badge of type typ.
func (u User) HasBadge(typ string) bool {
	for _, b := range u.Badges {
		if b.Type == typ {
			return true
		}
	}
	return false
}

// Event is one delivery from Kick. Exactly one of the payload pointers is
// set, the one that matches Type.
type Event struct {
	// ID is the delivery's message id, unique per delivery; the idempotency key.
	ID   string `json:"id"`
	Type Type   `json:"type"`
	// SentAt is when Kick sent the delivery (its signed timestamp header).
	SentAt time.Time `json:"sentAt"`
	// Broadcaster is the Kick user id of the channel the event belongs to.
	Broadcaster int64 `json:"broadcaster"`

	Chat       *Chat       `json:"chat,omitempty"`
	Follow     *Follow     `json:"follow,omitempty"`
	Sub        *Sub        `json:"sub,omitempty"`
	Gifts      *Gifts      `json:"gifts,omitempty"`
	Redemption *Redemption `json:"redemption,omitempty"`
	Status     *Status     `json:"status,omitempty"`
	Metadata   *Metadata   `json:"metadata,omitempty"`
	Ban        *Ban        `json:"ban,omitempty"`
	Kicks      *Kicks      `json:"kicks,omitempty"`
}

// Actor returns the viewer who did the thing (the chatter, follower,
// subscriber, gifter, redeemer, KICKs sender), and false for events that
// no viewer did (stream status and metadata, bans) or an anonymous actor.
func (e Event) Actor() (User, bool) {
	var u User
	switch {
	case e.Chat != nil:
		u = e.Chat.Sender
	case e.Follow != nil:
		u = e.Follow.Follower
	case e.Sub != nil:
		u = e.Sub.Subscriber
	case e.Gifts != nil:
		u = e.Gifts.Gifter
	case e.Redemption != nil:
		u = e.Redemption.Redeemer
	case e.Kicks != nil:
		u = e.Kicks.Sender
	default:
		return User{}, false
	}
	return u, !u.Anonymous && u.ID != 0
}

// OccurredAt is when the thing happened according to the payload, falling
// back to the delivery's timestamp when the payload has no time of its own.
func (e Event) OccurredAt() time.Time {
	var t time.Time
	switch {
	case e.Chat != nil:
		t = e.Chat.CreatedAt
	case e.Sub != nil:
		t = e.Sub.CreatedAt
	case e.Gifts != nil:
		t = e.Gifts.CreatedAt
	case e.Redemption != nil:
		t = e.Redemption.RedeemedAt
	case e.Ban != nil:
		t = e.Ban.CreatedAt
	case e.Kicks != nil:
		t = e.Kicks.CreatedAt
	}
	if t.IsZero() {
		return e.SentAt
	}
	return t
}

// Chat is a chat message.
type Chat struct {
	MessageID string    `json:"messageId"`
	Sender    User      `json:"sender"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// ReplyTo is the message id this one answers, if any.
	ReplyTo string `json:"replyTo,omitempty"`
}

// Follow is a new follower.
type Follow struct {
	Follower User `json:"follower"`
}

// Sub is a first subscription or a renewal (see the Event's Type).
type Sub struct {
	Subscriber User      `json:"subscriber"`
	Months     int       `json:"months"`
	CreatedAt  time.Time `json:"createdAt,omitzero"`
	ExpiresAt  time.Time `json:"expiresAt,omitzero"`
}

// Gifts is a batch of gifted subscriptions; the count is len(Giftees).
type Gifts struct {
	Gifter    User      `json:"gifter"`
	Giftees   []User    `json:"giftees"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Reward is a channel-points reward.
type Reward struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Cost        int64  `json:"cost"`
	Description string `json:"description,omitempty"`
}

// Redemption is a channel-points reward redemption; the same redemption may
// arrive several times as its status changes.
type Redemption struct {
	ID         string    `json:"id"`
	Status     string    `json:"status"`
	UserInput  string    `json:"userInput,omitempty"`
	RedeemedAt time.Time `json:"redeemedAt,omitzero"`
	Reward     Reward    `json:"reward"`
	Redeemer   User      `json:"redeemer"`
}

// Status is the stream going live or offline.
type Status struct {
	Live      bool      `json:"live"`
	Title     string    `json:"title,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	// EndedAt is zero while the stream is live.
	EndedAt time.Time `json:"endedAt,omitzero"`
}

// Category is a Kick stream category.
type Category struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	Thumbnail string `json:"thumbnail,omitempty"`
}

// Metadata is a change of the stream's title, category, language or
// mature flag.
type Metadata struct {
	Title    string   `json:"title"`
	Language string   `json:"language,omitempty"`
	Mature   bool     `json:"mature,omitempty"`
	Category Category `json:"category"`
}

// Ban is a ban or a timeout.
type Ban struct {
	Moderator User      `json:"moderator"`
	Target    User      `json:"target"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// ExpiresAt is when a timeout ends; zero for a permanent ban.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
}

// Permanent reports whether the ban has no end.
func (b Ban) Permanent() bool { return b.ExpiresAt.IsZero() }

// Kicks is a gift of KICKs.
type Kicks struct {
	Sender        User      `json:"sender"`
	Amount        int64     `json:"amount"`
	Name          string    `json:"name,omitempty"`
	GiftType      string    `json:"giftType,omitempty"`
	Tier          string    `json:"tier,omitempty"`
	Message       string    `json:"message,omitempty"`
	PinnedSeconds int       `json:"pinnedSeconds,omitempty"`
	CreatedAt     time.Time `json:"createdAt,omitzero"`
}
