// Package chat is the bot's voice in Kick chat: a Sender that says a text
// in a broadcaster's chat, and Commands, the one router of the chat
// commands viewers type there: the built-ins (!points, !watchtime,
// !commands) and each guild's custom commands, with permission levels and
// cooldowns.
//
// The Sender posts as the app's bot account with the streamer's user
// token (kick-api.md §6.1: type "bot" posts into the token owner's
// channel). Before it posts it
//
//   - fits the text to one chat message (reply.Fit) and strips a leading
//     "!", so the bot never sends an empty message and never types a
//     command, its own included;
//   - claims the message's cause (by default the chat message it answers),
//     so that a job SQS delivers twice, or the same chat message routed to
//     several guilds that share the channel, is answered once;
//   - takes a slot in the channel's outbound rate window (reply.Allow,
//     persisted by the Store with a conditional write, so concurrent
//     Lambdas share it).
//
// A message over the rate limit is dropped and logged, not returned as an
// error: a chat reply delayed by a retry is worth less than none (it would
// soon be stale anyway), and an error would make SQS offer the job again
// and again while the chat is busy. Kick refusing the token (401) gets one
// refresh (Tokens.TokenAfter401) and one retry; a channel whose refresh
// token Kick refused fails with the token source's error (for
// credential.Source, credential.ErrReconnect, of kind fault.Forbidden), on
// which the caller tells the guild's admins to reconnect.
package chat

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/reply"
)

// Message is something the bot says in one Kick channel's chat.
type Message struct {
	// Broadcaster is the Kick user id of the channel.
	Broadcaster int64
	// Text is what to say; Say fits it to one chat message.
	Text string
	// ReplyTo is the message_id of the chat message this answers; "" for
	// none.
	ReplyTo string
	// Cause names why the message is said: of the Says with one
	// Broadcaster and Cause, only the first posts (within ClaimFor). ""
	// means ReplyTo; when both are "" every Say posts.
	Cause string
}

func (m Message) cause() string {
	if m.Cause != "" {
		return m.Cause
	}
	return m.ReplyTo
}

// MaxCauseLen bounds a Message's cause (it becomes part of a storage key);
// a chat message id is a 36-character UUID.
const MaxCauseLen = 200

// Outcome is what Say did with a message.
type Outcome int

// The outcomes of Say. Only Sent posted anything.
const (
	// Sent: Kick took the message.
	Sent Outcome = iota + 1
	// Empty: nothing was left to say once the text was fitted.
	Empty
	// Repeated: a message with the same cause was said (or is being said)
	// already.
	Repeated
	// Limited: the channel's rate window was full; the message is dropped.
	Limited
)

func (o Outcome) String() string {
	switch o {
	case Sent:
		return "sent"
	case Empty:
		return "empty"
	case Repeated:
		return "repeated"
	case Limited:
		return "rate limited"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Kick posts chat messages. kickapi.ChatPoster adapts the Kick client.
type Kick interface {
	// Post says m.Text in m.Broadcaster's chat as the app's bot, with the
	// broadcaster's user token, replying to m.ReplyTo when it is set, and
	// returns the new message's id. Errors carry a fault kind:
	// fault.Transient for a failure a retry may fix (429, 5xx, network),
	// fault.Forbidden when Kick refuses the token or a scope is missing.
	Post(ctx context.Context, token string, m Message) (messageID string, err error)
	// Unauthorized reports whether err, from Post, says Kick refused the
	// token itself (401): it expired early or was revoked, so a refreshed
	// token may work.
	Unauthorized(err error) bool
}

// Tokens hands out broadcasters' user access tokens; *credential.Source
// is one.
type Tokens interface {
	// Token returns broadcaster's access token, refreshed when it is due.
	// Errors: fault.NotFound when the channel is not connected,
	// fault.Forbidden (credential.ErrReconnect) when only a new
	// authorisation by the streamer helps, fault.Transient when a retry may.
	Token(ctx context.Context, broadcaster int64) (string, error)
	// TokenAfter401 is Token for a caller whose token Kick refused: it
	// refreshes the token unless the stored one is already another.
	TokenAfter401(ctx context.Context, broadcaster int64, rejected string) (string, error)
}

// Store keeps what Say must share across Lambdas. Implementations return
// fault.Transient for failures a retry may fix.
type Store interface {
	// TakeChatSlot counts one message against broadcaster's rate window
	// under l at now (reply.Allow, written only if the stored window did
	// not change meanwhile) and reports whether the message may go out.
	// A full window is false with no error, and changes nothing.
	TakeChatSlot(ctx context.Context, broadcaster int64, now time.Time, l reply.Limit) (bool, error)
	// ClaimChat records that the message with cause is being said in
	// broadcaster's chat and reports whether this call claimed it first.
	// The claim may vanish after expires.
	ClaimChat(ctx context.Context, broadcaster int64, cause string, expires time.Time) (bool, error)
	// ReleaseChat drops the claim on cause, so that a retry may say the
	// message after all. Releasing a claim that is not there is no error.
	ReleaseChat(ctx context.Context, broadcaster int64, cause string) error
}

// DefaultClaimFor is how long a cause's claim keeps a message from being
// said again: far longer than reply.StaleAfter, after which a command is
// not answered anyway, and than SQS's redelivery of a job.
const DefaultClaimFor = time.Hour

// releaseTimeout bounds the release of a claim after a failed Say.
const releaseTimeout = 2 * time.Second

// Sender says texts in Kick chats. Set Kick, Tokens and Store; the rest
// have defaults. It is safe for concurrent use.
type Sender struct {
	Kick   Kick
	Tokens Tokens
	Store  Store
	// Limit is the outbound rate per Kick channel; the zero Limit is
	// reply.DefaultLimit.
	Limit reply.Limit
	// ClaimFor is how long a cause's claim lasts; 0 is DefaultClaimFor.
	ClaimFor time.Duration
	Log      *slog.Logger
}

// Say posts m in m.Broadcaster's chat at now, unless there is nothing to
// say, the same cause was said already, or the channel's rate window is
// full (see Outcome; each is logged). A nil error with an Outcome other
// than Sent is a deliberate silence, not a failure.
//
// Errors carry a fault kind: fault.Invalid for a message without a
// broadcaster or with an overlong cause, the Tokens' errors (fault.
// Forbidden when the streamer must reconnect the channel, fault.NotFound
// when it is not connected), and the Store's and Kick's. After an error
// the cause's claim is released, so that a retry may say the message.
func (s *Sender) Say(ctx context.Context, m Message, now time.Time) (Outcome, error) {
	cause := m.cause()
	switch {
	case m.Broadcaster <= 0:
		return 0, fault.E(fault.Invalid, "a chat message needs a broadcaster")
	case len(cause) > MaxCauseLen:
		return 0, fault.E(fault.Invalid, "a chat message's cause is at most %d bytes", MaxCauseLen)
	case s.Kick == nil || s.Tokens == nil || s.Store == nil:
		return 0, fault.E(fault.Internal, "chat sender has no Kick client, token source or store")
	}
	log := s.log().With("broadcaster", m.Broadcaster, "cause", cause)
	m.Text = Speakable(m.Text)
	if m.Text == "" {
		log.WarnContext(ctx, "chat message not sent: nothing to say")
		return Empty, nil
	}
	if cause != "" {
		first, err := s.Store.ClaimChat(ctx, m.Broadcaster, cause, now.Add(s.claimFor()))
		if err != nil {
			return 0, err
		}
		if !first {
			log.InfoContext(ctx, "chat message not sent: said already")
			return Repeated, nil
		}
	}
	out, err := s.say(ctx, m, now)
	switch out {
	case Sent:
		metric.From(ctx).Count(metric.ChatRepliesSent, 1)
	case Limited:
		l := s.limit()
		metric.From(ctx).Count(metric.ChatRepliesDropped, 1, metric.D("Window", fmt.Sprintf("%d/%s", l.Max, l.Per)))
	}
	if err != nil && cause != "" {
		// Best effort: an unreleased claim only costs the retry its reply.
		// The caller's ctx may have ended; the release still deserves its
		// chance, briefly.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
		if rerr := s.Store.ReleaseChat(rctx, m.Broadcaster, cause); rerr != nil {
			log.WarnContext(ctx, "chat message claim not released", "err", rerr)
		}
		cancel()
	}
	return out, err
}

// say takes a rate slot and posts m, refreshing the token once on a 401.
func (s *Sender) say(ctx context.Context, m Message, now time.Time) (Outcome, error) {
	ok, err := s.Store.TakeChatSlot(ctx, m.Broadcaster, now, s.limit())
	if err != nil {
		return 0, err
	}
	if !ok {
		s.log().WarnContext(ctx, "chat message not sent: rate limit", "broadcaster", m.Broadcaster,
			"limit", s.limit().Max, "per", s.limit().Per)
		return Limited, nil
	}
	token, err := s.Tokens.Token(ctx, m.Broadcaster)
	if err != nil {
		return 0, fmt.Errorf("chat token for broadcaster %d: %w", m.Broadcaster, err)
	}
	_, err = s.Kick.Post(ctx, token, m)
	if err != nil && s.Kick.Unauthorized(err) {
		token, err = s.Tokens.TokenAfter401(ctx, m.Broadcaster, token)
		if err != nil {
			return 0, fmt.Errorf("chat token for broadcaster %d after a 401: %w", m.Broadcaster, err)
		}
		_, err = s.Kick.Post(ctx, token, m)
	}
	if err != nil {
		return 0, err
	}
	return Sent, nil
}

// Speakable returns text as the bot may say it: fitted to one chat
// message (reply.Fit), without leading exclamation marks (or invisible
// format characters before them), so that no bot, this one included,
// reads it as a command. "" means there is nothing to say.
func Speakable(text string) string {
	return strings.TrimLeftFunc(reply.Fit(text), func(r rune) bool {
		return r == '!' || r == '！' || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)
	})
}

func (s *Sender) limit() reply.Limit {
	if s.Limit == (reply.Limit{}) {
		return reply.DefaultLimit
	}
	return s.Limit
}

func (s *Sender) claimFor() time.Duration {
	if s.ClaimFor <= 0 {
		return DefaultClaimFor
	}
	return s.ClaimFor
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}
