package announce

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/response"
	"github.com/kickbot/kickbot/shared/settings"
)

// Setting is how a guild announces one Kind.
type Setting struct {
	On bool `json:"on,omitempty"`
	// Channel is the Discord channel id; "" posts to the guild's
	// announcement channel (settings.Settings.AnnounceChannel).
	Channel string `json:"channel,omitempty"`
	// Template is the message above the embed; "" is DefaultTemplates'.
	Template string `json:"template,omitempty"`
	// Role is the id of the role the message mentions; "" for none.
	Role string `json:"role,omitempty"`
}

// Config is a guild's announcement settings.
type Config struct {
	// Kinds holds the kinds a guild set; the others are Default's.
	Kinds map[Kind]Setting `json:"kinds,omitempty"`
	// Version counts the stored changes (0: never stored); a store writes
	// a Config only over the version it was read at.
	Version int64 `json:"-"`
}

// Default is how a guild that set nothing announces kind: the go-live and
// offline posts are on (they go to the announcement channel, so a guild
// without one still gets none), the rest are off until /announce set:
// follows, subs and KICKs can be many, and a guild chooses where they go.
func Default(kind Kind) Setting {
	return Setting{On: kind == Live || kind == Offline}
}

// Setting returns the guild's setting of kind.
func (c Config) Setting(kind Kind) Setting {
	if s, ok := c.Kinds[kind]; ok {
		return s
	}
	return Default(kind)
}

// DefaultTemplates are the messages of a kind whose guild set none.
var DefaultTemplates = map[Kind]string{
	Live:       "{channel} is live!",
	Offline:    "{channel} went offline.",
	Follow:     "{count} new followers!",
	Sub:        "{user} subscribed!",
	Gift:       "{user} gifted {count} subs!",
	Kicks:      "{user} sent {amount} KICKs!",
	Redemption: "{user} redeemed {reward}!",
	Clip:       "{user} clipped the stream!",
}

// renewalTemplate is a renewal's message when the guild set no sub
// template: the sub kind's default would say "subscribed".
func renewalTemplate(months int) string {
	if months > 1 {
		return "{user} renewed their subscription: {months} months!"
	}
	return "{user} renewed their subscription!"
}

// giftTemplate is the gift message for n subs when the guild set none.
func giftTemplate(n int) string {
	if n == 1 {
		return "{user} gifted a sub!"
	}
	return ""
}

// template returns the template s uses for kind.
func (s Setting) template(kind Kind) string {
	return cmp.Or(s.Template, DefaultTemplates[kind])
}

// Limits of the settings.
const (
	// MaxTemplate is a template's length in characters.
	MaxTemplate = 400
	// MarkerLife is how long a post's cause is remembered: far past any
	// retry or duplicate delivery of the event that caused it.
	MarkerLife = 30 * 24 * time.Hour
)

var snowflake = regexp.MustCompile(`^[0-9]{1,20}$`)

// Known reports whether k is one of Kinds.
func (k Kind) Known() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// Validate reports the first setting that is out of range, as
// fault.Invalid.
func (c Config) Validate() error {
	for k, s := range c.Kinds {
		if !k.Known() {
			return fault.E(fault.Invalid, "%q is not a kind of announcement", k)
		}
		if err := s.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (s Setting) validate() error {
	switch {
	case s.Channel != "" && !snowflake.MatchString(s.Channel):
		return fault.E(fault.Invalid, "choose a channel")
	case s.Role != "" && !snowflake.MatchString(s.Role):
		return fault.E(fault.Invalid, "choose a role")
	case utf8.RuneCountInString(s.Template) > MaxTemplate || !utf8.ValidString(s.Template):
		return fault.E(fault.Invalid, "a message is at most %d characters", MaxTemplate)
	}
	return nil
}

// Store holds the guild's announcement settings and the marks of the
// posts made. Implementations return fault.Transient for failures a retry
// may fix.
type Store interface {
	// Settings returns the guild's settings, for its announcement channel.
	Settings(ctx context.Context, guild string) (settings.Settings, error)
	// AnnounceConfig returns the guild's announcement settings; a zero
	// Config when it set none.
	AnnounceConfig(ctx context.Context, guild string) (Config, error)
	// SaveAnnounceConfig stores c whole if the stored version is still
	// c.Version, once per cause: interact.ErrApplied when cause took
	// effect before, fault.Conflict when the settings changed meanwhile.
	SaveAnnounceConfig(ctx context.Context, guild string, c Config, cause interact.Cause) error
	// ClaimAnnouncement marks guild's post of kind for cause until
	// expires, and reports whether this is the first mark.
	ClaimAnnouncement(ctx context.Context, guild string, kind Kind, cause string, expires time.Time) (first bool, err error)
	// ReleaseAnnouncement removes that mark; removing none is no error.
	ReleaseAnnouncement(ctx context.Context, guild string, kind Kind, cause string) error
}

// Channels finds the Kick channel's name of a guild, for {channel};
// *dynamo.Store is one.
type Channels interface {
	// Connection returns the Kick channel connected to guild, or
	// fault.NotFound.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
}

// Service is the Announcer: it applies a guild's settings to a Post and
// posts it once per cause. Set Store and Poster; Follows enables the
// follow batches, Channels fills {channel} where a Post leaves it out.
type Service struct {
	Store    Store
	Poster   Poster
	Follows  FollowStore
	Channels Channels
	// Flaps keeps the go-live flap window /announce set kind:live
	// flap_minutes sets; nil refuses the option.
	Flaps FlapWindows
	// Now tells the time; nil is time.Now.
	Now func() time.Time
	Log *slog.Logger
}

var (
	_ Announcer        = (*Service)(nil)
	_ interact.Feature = (*Service)(nil)
)

// unmarkTimeout bounds the release of a mark whose post failed.
const unmarkTimeout = 2 * time.Second

// Announce posts p as guild's announcement of kind, once per cause (see
// Announcer). It returns nil, posting nothing, when the kind is off or
// has no channel; fault.Invalid for an unknown kind or no cause; the
// Poster's error, with the mark released, when the post fails.
func (s *Service) Announce(ctx context.Context, guild string, kind Kind, cause string, p Post) error {
	if guild == "" || cause == "" || !kind.Known() {
		return fault.E(fault.Invalid, "an announcement needs a guild, a known kind and a cause")
	}
	if s == nil || s.Store == nil || s.Poster == nil {
		return fault.E(fault.Internal, "the announcer has no store or no poster")
	}
	m, ok, err := s.message(ctx, guild, kind, p)
	if err != nil || !ok {
		return err
	}
	first, err := s.Store.ClaimAnnouncement(ctx, guild, kind, cause, s.now().Add(MarkerLife))
	if err != nil || !first {
		return err
	}
	if err := s.Poster.PostAnnouncement(ctx, m); err != nil {
		// The caller's context may have ended; the release still
		// deserves its chance, or a retry would never post.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unmarkTimeout)
		uerr := s.Store.ReleaseAnnouncement(uctx, guild, kind, cause)
		cancel()
		if uerr != nil {
			return fmt.Errorf("post %s announcement %s: %w (and release its mark: %w)", kind, cause, err, uerr)
		}
		return fmt.Errorf("post %s announcement %s: %w", kind, cause, err)
	}
	return nil
}

// message applies guild's settings of kind to p; false when the kind is
// off or has nowhere to go.
func (s *Service) message(ctx context.Context, guild string, kind Kind, p Post) (Message, bool, error) {
	cfg, err := s.Store.AnnounceConfig(ctx, guild)
	if err != nil {
		return Message{}, false, err
	}
	set := cfg.Setting(kind)
	if !set.On {
		return Message{}, false, nil
	}
	channel := set.Channel
	if channel == "" {
		gs, err := s.Store.Settings(ctx, guild)
		if err != nil {
			return Message{}, false, err
		}
		channel = gs.AnnounceChannel
	}
	if channel == "" {
		s.log().InfoContext(ctx, "announcement has no channel", "guild", guild, "kind", string(kind))
		return Message{}, false, nil
	}
	text, err := s.render(ctx, guild, cmp.Or(set.Template, p.Template, DefaultTemplates[kind]), p.Vars)
	if err != nil {
		return Message{}, false, err
	}
	if set.Role != "" {
		text = strings.TrimSpace("<@&" + set.Role + "> " + text)
	}
	return Message{Channel: channel, Content: text, MentionRole: set.Role, Embed: p.Embed, Link: p.Link}, true, nil
}

// render fills template from vars, each escaped for Discord's markdown,
// with the Kick channel's name for a {channel} that vars leave out.
func (s *Service) render(ctx context.Context, guild, template string, vars map[string]string) (string, error) {
	d := response.Data{Vars: make(map[string]string, len(vars)), Now: s.now()}
	for k, v := range vars {
		d.Vars[strings.ToLower(k)] = Escape(v)
	}
	if _, ok := d.Vars["channel"]; !ok && s.Channels != nil && response.Needs(template).Has(response.Channel) {
		_, name, _, err := s.Channels.Connection(ctx, guild)
		switch {
		case fault.Is(err, fault.NotFound):
		case err != nil:
			return "", err
		default:
			d.Vars["channel"] = Escape(name)
		}
	}
	return response.Render(template, d), nil
}

// markdown escapes what Discord's markdown would read in a name: Kick
// names hold underscores, which would otherwise turn into italics.
var markdown = strings.NewReplacer(
	`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `~`, `\~`, `|`, `\|`, `<`, `\<`, `[`, `\[`, `]`, `\]`,
)

// Escape escapes Discord's markdown in s.
func Escape(s string) string { return markdown.Replace(s) }

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
