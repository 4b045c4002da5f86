// Package clip marks moments of a live stream for cutting later. Kick has
// no clip API, so !clip [title] records a marker (the stream offset less
// a lead, the title, the requester, the stream's title and category),
// answers in chat and posts it to the guild's clip channel; /clips list
// reads a stream's markers back in order. An optional outside clip
// service (Service) may also cut a real clip, whose URL is posted when it
// answers in time.
package clip

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/wording"
)

const (
	// DefaultLead is how far before the !clip the moment is taken to be:
	// a viewer types it after what they want kept.
	DefaultLead = 30 * time.Second
	// DefaultCooldown is how long !clip rests in a guild after any use;
	// DefaultUserCooldown after a use by the same viewer.
	DefaultCooldown     = 15 * time.Second
	DefaultUserCooldown = 60 * time.Second
	// MaxLead bounds the lead: the service's buffer is a few minutes long.
	MaxLead = 5 * time.Minute
	// MinCooldown keeps the guild's clip writes (a marker and the stream's
	// index item, on the guild's partition) far below a partition's limit.
	MinCooldown = 5 * time.Second
	// MaxCooldown bounds both cooldowns.
	MaxCooldown = time.Hour
	// MaxTitle bounds a marker's title, in characters.
	MaxTitle = 100
	// Life is how long a marker is kept: long enough to cut the clip from
	// the stream's VOD.
	Life = 90 * 24 * time.Hour
	// ServiceTimeout bounds the clip service's answer, far inside the
	// worker's 60 s and the chat's freshness window, so a slow service
	// cannot hold the guild's queue.
	ServiceTimeout = 5 * time.Second
)

// Settings are a guild's clip settings.
type Settings struct {
	// Lead is taken off the offset: the moment came before the !clip.
	Lead time.Duration
	// Cooldown rests !clip in the guild after any use, UserCooldown after
	// a use by the same viewer; moderators and the broadcaster skip both.
	Cooldown, UserCooldown time.Duration
}

// Defaults are the settings of a guild that set none.
func Defaults() Settings {
	return Settings{Lead: DefaultLead, Cooldown: DefaultCooldown, UserCooldown: DefaultUserCooldown}
}

// Validate returns fault.Invalid when s is out of bounds.
func (s Settings) Validate() error {
	switch {
	case s.Lead < 0 || s.Lead > MaxLead:
		return fault.E(fault.Invalid, "the lead must be 0 to %d seconds", int(MaxLead/time.Second))
	case s.Cooldown < MinCooldown || s.Cooldown > MaxCooldown:
		return fault.E(fault.Invalid, "the cooldown must be %d to %d seconds", int(MinCooldown/time.Second), int(MaxCooldown/time.Second))
	case s.UserCooldown < 0 || s.UserCooldown > MaxCooldown:
		return fault.E(fault.Invalid, "the user cooldown must be 0 to %d seconds", int(MaxCooldown/time.Second))
	}
	return nil
}

// Marker is one !clip: a moment of a stream to cut.
type Marker struct {
	Guild string
	// Stream is the stream's start: it names the stream.
	Stream time.Time
	// ID is the chat message id of the !clip: the marker's cause.
	ID string
	// At is when the !clip was sent; Offset is the moment marked, from the
	// stream's start.
	At     time.Time
	Offset time.Duration
	Title  string
	// UserID and Username are the requester's.
	UserID   int64
	Username string
	// StreamTitle and Category are the stream's when it was marked.
	StreamTitle, Category string
	// Asked says the clip service was asked; ClipURL is its clip, "" when
	// it failed or was not asked.
	Asked   bool
	ClipURL string
}

// StreamInfo is a stream with markers, as /clips list names it.
type StreamInfo struct {
	Start    time.Time
	Title    string
	Category string
}

// Store keeps a guild's clip settings and markers; *dynamo.Store is one.
// Methods return fault.Transient for failures a retry may fix.
type Store interface {
	// ClipSettings returns guild's settings, Defaults when it set none.
	ClipSettings(ctx context.Context, guild string) (Settings, error)
	// AddClip stores m once per (m.Guild, m.Stream, m.At, m.ID) and
	// returns the marker as stored: m the first time (new true), the one
	// stored before on a repeat.
	AddClip(ctx context.Context, m Marker) (stored Marker, new bool, err error)
	// SaveClipAnswer records on m that the clip service was asked and
	// m.ClipURL what it answered.
	SaveClipAnswer(ctx context.Context, m Marker) error
	// Stream returns guild's stream state; the zero State when none is
	// known.
	Stream(ctx context.Context, guild string) (stream.State, error)
	// Connection returns the Kick channel connected to guild and its
	// name, or fault.NotFound.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
	// TakeCooldown is chat.Customs' TakeCooldown: !clip takes its
	// cooldowns itself, with the guild's settings.
	TakeCooldown(ctx context.Context, guild, name string, userID int64, global, perUser time.Duration, claimID string, now time.Time) (bool, error)
}

// AdminStore is the store of /clips; *dynamo.Store is one.
type AdminStore interface {
	// ClipSettings returns guild's settings, Defaults when it set none.
	ClipSettings(ctx context.Context, guild string) (Settings, error)
	// SaveClipSettings writes guild's settings once per cause:
	// interact.ErrApplied when c took effect before.
	SaveClipSettings(ctx context.Context, guild string, s Settings, c interact.Cause) error
	// Clips returns the markers of guild's stream that started at start,
	// in the order they were asked for.
	Clips(ctx context.Context, guild string, start time.Time) ([]Marker, error)
	// ClipStreams returns up to limit of guild's streams with markers
	// that started in [from, to), the latest first.
	ClipStreams(ctx context.Context, guild string, from, to time.Time, limit int) ([]StreamInfo, error)
	// Stream returns guild's stream state; the zero State when none is
	// known.
	Stream(ctx context.Context, guild string) (stream.State, error)
}

// Request is what the clip service is asked for.
type Request struct {
	// Channel is the Kick channel's name (slug).
	Channel string
	// Duration is how much of the stream, up to the request, the clip
	// covers.
	Duration time.Duration
	Username string
	Title    string
	// Guild is the Discord server the clip is for.
	Guild string
}

// Service is an outside service that cuts real clips from a live stream
// (the clip service of the old system); shared/clipsvc is one.
type Service interface {
	// Create asks for a clip and returns its URL. Errors: the service's
	// refusal or failure, or ctx's when it did not answer in time.
	Create(ctx context.Context, r Request) (url string, err error)
}

// Offset is the moment a !clip sent at at marks in a stream started at
// started: the time since the start less lead, never below 0.
func Offset(started, at time.Time, lead time.Duration) time.Duration {
	return max(at.Sub(started)-lead, 0)
}

// FormatOffset is d as h:mm:ss, rounded down to the second.
func FormatOffset(d time.Duration) string {
	s := int64(max(d, 0) / time.Second)
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}

// Mark makes the marker of a !clip sent at at by the viewer (userID,
// username) with title (cleaned; "" takes the stream's title) in the
// live stream st, with the guild's settings. A stream not live, or whose
// start is unknown, is fault.Invalid.
func Mark(st stream.State, id string, at time.Time, userID int64, username, title string, set Settings) (Marker, error) {
	if !Live(st) {
		return Marker{}, fault.E(fault.Invalid, "the stream is not live")
	}
	if id == "" {
		return Marker{}, fault.E(fault.Invalid, "a clip needs the id of its chat message")
	}
	title = Clean(title)
	if title == "" {
		title = Clean(st.Title)
	}
	if title == "" {
		title = "Clip by " + username
	}
	return Marker{
		Guild: st.Guild, Stream: st.StartedAt, ID: id, At: at, Offset: Offset(st.StartedAt, at, set.Lead),
		Title: title, UserID: userID, Username: username, StreamTitle: st.Title, Category: st.Category.Name,
	}, nil
}

// Live reports whether a marker can be made in st: it is live and its
// start is known.
func Live(st stream.State) bool { return st.Live && !st.StartedAt.IsZero() }

// Clean makes a title fit to store and repeat: Kick's emote markup
// ([emote:123:name]) and control characters dropped, runs of space made
// one, at most MaxTitle characters.
func Clean(s string) string { return wording.Tidy(s, MaxTitle) }

// KickURL is the Kick channel's page, "" without a name.
func KickURL(channel string) string {
	if channel == "" {
		return ""
	}
	return "https://kick.com/" + url.PathEscape(channel)
}
