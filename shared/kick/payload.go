package kick

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
)

// Parse decodes the body of a verified delivery into an event of type
// d.Type. A type not in event.Types is fault.NotFound (answer 2xx, log it);
// a body that is not the payload of its type is fault.Invalid.
//
// The type header is not signed, so a captured body can be re-sent under
// another type. Each type therefore needs the fields that only its own
// payload has (kick-api.md §5): its acting user with an id, and its own
// object or times (a ban's metadata has no title or category, so it cannot
// pass as a metadata update and wipe the stream's title). Only
// channel.subscription.new and .renewal share a shape and cannot be told
// apart; callers key their dedupe by type as well, so a relabelled copy
// never stands in for the genuine delivery. Fields Kick adds later are
// ignored.
func Parse(d Delivery, body []byte) (event.Event, error) {
	ev := event.Event{ID: d.MessageID, Type: event.Type(d.Type), SentAt: d.Timestamp}
	var p payload
	switch ev.Type {
	case event.ChatMessage:
		if c, ok := decodeChat(body); ok {
			return finish(ev, c)
		}
		p = new(chatPayload)
	case event.Followed:
		p = new(followPayload)
	case event.SubscriptionNew, event.SubscriptionRenew:
		p = new(subPayload)
	case event.SubscriptionGifts:
		p = new(giftsPayload)
	case event.RewardRedemption:
		p = new(redemptionPayload)
	case event.LivestreamStatus:
		p = new(statusPayload)
	case event.LivestreamMetadata:
		p = new(metadataPayload)
	case event.Banned:
		p = new(banPayload)
	case event.KicksGifted:
		p = new(kicksPayload)
	default:
		// The type header is unsigned and unbounded; quote a short prefix.
		return event.Event{}, fault.E(fault.NotFound, "unknown event type %.64q", d.Type)
	}
	if err := json.Unmarshal(body, p); err != nil {
		return event.Event{}, fault.Wrap(fault.Invalid, err, "malformed payload")
	}
	return finish(ev, p)
}

// finish checks the decoded payload p and completes ev from it.
func finish(ev event.Event, p payload) (event.Event, error) {
	b := p.channel()
	if b == nil {
		return event.Event{}, fault.E(fault.Invalid, "payload has no broadcaster")
	}
	if b.UserID <= 0 {
		return event.Event{}, fault.E(fault.Invalid, "payload has no broadcaster user id")
	}
	ev.Broadcaster = b.UserID
	if err := p.fill(&ev); err != nil {
		return event.Event{}, err
	}
	return ev, nil
}

// payload is the wire form of one event type.
type payload interface {
	channel() *kickChannel
	// fill sets ev's payload pointer, checking the fields that type needs.
	fill(ev *event.Event) error
}

// withBroadcaster is in every payload: the channel the event belongs to.
type withBroadcaster struct {
	Broadcaster *kickChannel `json:"broadcaster"`
}

func (w *withBroadcaster) channel() *kickChannel { return w.Broadcaster }

// kickChannel is the broadcaster user object, of which only the id is used.
type kickChannel struct {
	UserID int64 `json:"user_id"`
}

// kickUser is Kick's user object (kick-api.md §5.1). Ids, names and flags
// are null for an anonymous gifter, which decodes to zero values; reward
// and KICKs payloads omit is_anonymous.
type kickUser struct {
	UserID      int64         `json:"user_id"`
	Username    string        `json:"username"`
	IsAnonymous bool          `json:"is_anonymous"`
	IsVerified  bool          `json:"is_verified"`
	ChannelSlug string        `json:"channel_slug"`
	Identity    *kickIdentity `json:"identity"`
}

type kickIdentity struct {
	Badges []kickBadge `json:"badges"`
}

type kickBadge struct {
	Text  string `json:"text"`
	Type  string `json:"type"`
	Count int    `json:"count"`
}

func (u *kickUser) user() event.User {
	if u == nil {
		return event.User{}
	}
	out := event.User{
		ID:        u.UserID,
		Username:  u.Username,
		Slug:      u.ChannelSlug,
		Anonymous: u.IsAnonymous,
		Verified:  u.IsVerified,
	}
	if u.Identity != nil && len(u.Identity.Badges) > 0 {
		out.Badges = make([]event.Badge, len(u.Identity.Badges))
		for i, b := range u.Identity.Badges {
			out.Badges[i] = event.Badge{Type: b.Type, Text: b.Text, Count: b.Count}
		}
	}
	return out
}

// kickTime is an RFC 3339 time that may be null or empty (zero), with or
// without fractional seconds and with any offset; it is kept in UTC.
type kickTime struct{ time.Time }

func (t *kickTime) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte(`""`)) {
		return nil
	}
	var s string
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' && bytes.IndexByte(b, '\\') < 0 {
		// No escapes: the string is the bytes between the quotes (time.Parse
		// rejects whatever encoding/json would have replaced).
		s = string(b[1 : len(b)-1])
	} else if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return err
	}
	t.Time = v.UTC()
	return nil
}

// chatPayload is chat.message.sent (§5.2). Emotes are not decoded: nothing
// uses them, and emote_id arrives as a string or a number.
type chatPayload struct {
	withBroadcaster
	MessageID string     `json:"message_id"`
	Sender    *kickUser  `json:"sender"`
	Content   string     `json:"content"`
	CreatedAt kickTime   `json:"created_at"`
	RepliesTo *chatReply `json:"replies_to"`
}

type chatReply struct {
	MessageID string `json:"message_id"`
}

func (p *chatPayload) fill(ev *event.Event) error {
	if p.MessageID == "" {
		return fault.E(fault.Invalid, "chat message has no message_id")
	}
	if p.Sender == nil || p.Sender.UserID <= 0 {
		return fault.E(fault.Invalid, "chat message has no sender user id")
	}
	ev.Chat = &event.Chat{
		MessageID: p.MessageID,
		Sender:    p.Sender.user(),
		Content:   p.Content,
		CreatedAt: p.CreatedAt.Time,
	}
	if p.RepliesTo != nil {
		ev.Chat.ReplyTo = p.RepliesTo.MessageID
	}
	return nil
}

// followPayload is channel.followed (§5.3).
type followPayload struct {
	withBroadcaster
	Follower *kickUser `json:"follower"`
}

func (p *followPayload) fill(ev *event.Event) error {
	if p.Follower == nil {
		return fault.E(fault.Invalid, "follow has no follower")
	}
	if p.Follower.UserID <= 0 {
		return fault.E(fault.Invalid, "follow has no follower user id")
	}
	ev.Follow = &event.Follow{Follower: p.Follower.user()}
	return nil
}

// subPayload is channel.subscription.new and .renewal (§5.4).
type subPayload struct {
	withBroadcaster
	Subscriber *kickUser `json:"subscriber"`
	Duration   *int      `json:"duration"`
	CreatedAt  kickTime  `json:"created_at"`
	ExpiresAt  kickTime  `json:"expires_at"`
}

func (p *subPayload) fill(ev *event.Event) error {
	switch {
	case p.Subscriber == nil:
		return fault.E(fault.Invalid, "subscription has no subscriber")
	case p.Subscriber.UserID <= 0:
		return fault.E(fault.Invalid, "subscription has no subscriber user id")
	case p.Duration == nil:
		return fault.E(fault.Invalid, "subscription has no duration")
	case p.CreatedAt.IsZero():
		return fault.E(fault.Invalid, "subscription has no created_at")
	}
	ev.Sub = &event.Sub{
		Subscriber: p.Subscriber.user(),
		Months:     *p.Duration,
		CreatedAt:  p.CreatedAt.Time,
		ExpiresAt:  p.ExpiresAt.Time,
	}
	return nil
}

// giftsPayload is channel.subscription.gifts (§5.5).
type giftsPayload struct {
	withBroadcaster
	Gifter    *kickUser  `json:"gifter"`
	Giftees   []kickUser `json:"giftees"`
	CreatedAt kickTime   `json:"created_at"`
	ExpiresAt kickTime   `json:"expires_at"`
}

func (p *giftsPayload) fill(ev *event.Event) error {
	switch {
	case p.Gifter == nil:
		return fault.E(fault.Invalid, "gift has no gifter")
	case p.Gifter.UserID <= 0 && !p.Gifter.IsAnonymous:
		// Only an anonymous gifter comes without an id.
		return fault.E(fault.Invalid, "gift has no gifter user id")
	case len(p.Giftees) == 0:
		return fault.E(fault.Invalid, "gift has no giftees")
	case p.CreatedAt.IsZero():
		return fault.E(fault.Invalid, "gift has no created_at")
	}
	for i := range p.Giftees {
		if p.Giftees[i].UserID <= 0 {
			return fault.E(fault.Invalid, "gift has a giftee without a user id")
		}
	}
	g := &event.Gifts{
		Gifter:    p.Gifter.user(),
		Giftees:   make([]event.User, len(p.Giftees)),
		CreatedAt: p.CreatedAt.Time,
		ExpiresAt: p.ExpiresAt.Time,
	}
	for i := range p.Giftees {
		g.Giftees[i] = p.Giftees[i].user()
	}
	ev.Gifts = g
	return nil
}

// redemptionPayload is channel.reward.redemption.updated (§5.6).
type redemptionPayload struct {
	withBroadcaster
	ID         string    `json:"id"`
	UserInput  string    `json:"user_input"`
	Status     string    `json:"status"`
	RedeemedAt kickTime  `json:"redeemed_at"`
	Redeemer   *kickUser `json:"redeemer"`
	Reward     *struct {
		ID          string `json:"id"`
		Title       string `json:"title"`
		Cost        int64  `json:"cost"`
		Description string `json:"description"`
	} `json:"reward"`
}

func (p *redemptionPayload) fill(ev *event.Event) error {
	switch {
	case p.ID == "":
		return fault.E(fault.Invalid, "redemption has no id")
	case p.Reward == nil:
		return fault.E(fault.Invalid, "redemption has no reward")
	case p.Reward.ID == "":
		return fault.E(fault.Invalid, "redemption has no reward id")
	case p.Redeemer == nil:
		return fault.E(fault.Invalid, "redemption has no redeemer")
	case p.Redeemer.UserID <= 0:
		return fault.E(fault.Invalid, "redemption has no redeemer user id")
	case p.Status == "":
		return fault.E(fault.Invalid, "redemption has no status")
	}
	ev.Redemption = &event.Redemption{
		ID:         p.ID,
		Status:     p.Status,
		UserInput:  p.UserInput,
		RedeemedAt: p.RedeemedAt.Time,
		Reward: event.Reward{
			ID:          p.Reward.ID,
			Title:       p.Reward.Title,
			Cost:        p.Reward.Cost,
			Description: p.Reward.Description,
		},
		Redeemer: p.Redeemer.user(),
	}
	return nil
}

// statusPayload is livestream.status.updated (§5.7).
type statusPayload struct {
	withBroadcaster
	IsLive    *bool    `json:"is_live"`
	Title     string   `json:"title"`
	StartedAt kickTime `json:"started_at"`
	EndedAt   kickTime `json:"ended_at"`
}

func (p *statusPayload) fill(ev *event.Event) error {
	// Absent is_live must not read as "went offline".
	if p.IsLive == nil {
		return fault.E(fault.Invalid, "status has no is_live")
	}
	ev.Status = &event.Status{
		Live:      *p.IsLive,
		Title:     p.Title,
		StartedAt: p.StartedAt.Time,
		EndedAt:   p.EndedAt.Time,
	}
	return nil
}

// metadataPayload is livestream.metadata.updated (§5.8).
type metadataPayload struct {
	withBroadcaster
	// The fields are pointers so that absent differs from empty: an
	// update without a title must not set the title to "".
	Metadata *struct {
		Title            *string `json:"title"`
		Language         *string `json:"language"`
		HasMatureContent *bool   `json:"has_mature_content"`
		Category         *struct {
			ID        int64  `json:"id"`
			Name      string `json:"name"`
			Thumbnail string `json:"thumbnail"`
		} `json:"category"`
	} `json:"metadata"`
}

func (p *metadataPayload) fill(ev *event.Event) error {
	m := p.Metadata
	switch {
	case m == nil:
		return fault.E(fault.Invalid, "metadata update has no metadata")
	case m.Title == nil:
		return fault.E(fault.Invalid, "metadata update has no title")
	case m.Language == nil:
		return fault.E(fault.Invalid, "metadata update has no language")
	case m.HasMatureContent == nil:
		return fault.E(fault.Invalid, "metadata update has no has_mature_content")
	case m.Category == nil:
		return fault.E(fault.Invalid, "metadata update has no category")
	}
	ev.Metadata = &event.Metadata{
		Title:    *m.Title,
		Language: *m.Language,
		Mature:   *m.HasMatureContent,
		Category: event.Category{ID: m.Category.ID, Name: m.Category.Name, Thumbnail: m.Category.Thumbnail},
	}
	return nil
}

// banPayload is moderation.banned (§5.9).
type banPayload struct {
	withBroadcaster
	Moderator  *kickUser `json:"moderator"`
	BannedUser *kickUser `json:"banned_user"`
	Metadata   *struct {
		Reason    string   `json:"reason"`
		CreatedAt kickTime `json:"created_at"`
		// ExpiresAt is null for a permanent ban.
		ExpiresAt kickTime `json:"expires_at"`
	} `json:"metadata"`
}

func (p *banPayload) fill(ev *event.Event) error {
	switch {
	case p.BannedUser == nil || p.BannedUser.UserID <= 0:
		return fault.E(fault.Invalid, "ban has no banned user id")
	case p.Metadata == nil || p.Metadata.CreatedAt.IsZero():
		return fault.E(fault.Invalid, "ban has no metadata.created_at")
	}
	ev.Ban = &event.Ban{
		Moderator: p.Moderator.user(),
		Target:    p.BannedUser.user(),
		Reason:    p.Metadata.Reason,
		CreatedAt: p.Metadata.CreatedAt.Time,
		ExpiresAt: p.Metadata.ExpiresAt.Time,
	}
	return nil
}

// kicksPayload is kicks.gifted (§5.10).
type kicksPayload struct {
	withBroadcaster
	Sender *kickUser `json:"sender"`
	Gift   *struct {
		Amount            *int64 `json:"amount"`
		Name              string `json:"name"`
		Type              string `json:"type"`
		Tier              string `json:"tier"`
		Message           string `json:"message"`
		PinnedTimeSeconds int    `json:"pinned_time_seconds"`
	} `json:"gift"`
	CreatedAt kickTime `json:"created_at"`
}

func (p *kicksPayload) fill(ev *event.Event) error {
	switch {
	case p.Sender == nil:
		return fault.E(fault.Invalid, "KICKs gift has no sender")
	case p.Sender.UserID <= 0:
		return fault.E(fault.Invalid, "KICKs gift has no sender user id")
	case p.Gift == nil:
		return fault.E(fault.Invalid, "KICKs gift has no gift")
	case p.Gift.Amount == nil:
		return fault.E(fault.Invalid, "KICKs gift has no amount")
	}
	ev.Kicks = &event.Kicks{
		Sender:        p.Sender.user(),
		Amount:        *p.Gift.Amount,
		Name:          p.Gift.Name,
		GiftType:      p.Gift.Type,
		Tier:          p.Gift.Tier,
		Message:       p.Gift.Message,
		PinnedSeconds: p.Gift.PinnedTimeSeconds,
		CreatedAt:     p.CreatedAt.Time,
	}
	return nil
}
