package chat

import (
	"cmp"
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/wording"
)

// Viewers is what Commands reads about a guild's audience. Implementations
// return fault.Transient for failures a retry may fix.
type Viewers interface {
	// Viewer returns a viewer of guild by Kick user id, or fault.NotFound
	// when the viewer was never recorded there.
	Viewer(ctx context.Context, guild string, userID int64) (audience.Viewer, error)
	// ViewerByName returns the guild's viewer with that Kick username (any
	// case), or fault.NotFound.
	ViewerByName(ctx context.Context, guild, username string) (audience.Viewer, error)
	// Settings returns the guild's settings, the defaults when it set none.
	Settings(ctx context.Context, guild string) (settings.Settings, error)
}

// Sayer says a message in a Kick chat; *Sender is one.
type Sayer interface {
	Say(ctx context.Context, m Message, now time.Time) (Outcome, error)
}

var _ Sayer = (*Sender)(nil)

// Commands answers chat commands in the chat they were typed in. Set
// Viewers and Chat. It is safe for concurrent use.
type Commands struct {
	Viewers Viewers
	Chat    Sayer
	// BotUserID is the Kick user id of the app's bot account, whose
	// messages are never answered; 0 when it is not known. (The bot's own
	// messages never start with "!" either: see Speakable.)
	BotUserID int64
	// RetryAfter is how long the queue waits before it offers a failed
	// job again (the worker's RetryAfter, the queue's visibility timeout).
	// A failure a retry could fix (fault.Transient) is logged and dropped
	// instead of returned when the retry would come after the message goes
	// stale: it would only hold up the guild's FIFO queue until then. With
	// the template's 6 minutes every such failure is dropped; 0 takes a
	// retry to come at once.
	RetryAfter time.Duration
	Log        *slog.Logger
}

// answerFunc computes the reply to a command from asker in guild, with
// the command's arguments.
type answerFunc func(c *Commands, ctx context.Context, guild string, asker event.User, args string) (string, error)

// answers are the commands Run knows, by name.
var answers = map[string]answerFunc{
	"points":    (*Commands).points,
	"watchtime": (*Commands).watchtime,
}

// Known reports whether Run answers the command called name.
func Known(name string) bool {
	_, ok := answers[name]
	return ok
}

// Run answers cmd, typed in the chat message ev, with guild's data, as a
// reply to that message:
//
//   - !points [user]: the viewer's points balance;
//   - !watchtime [user]: the viewer's watchtime.
//
// Without a user the asker's own stats are shown. A message older than
// reply.StaleAfter at now (by its created_at, or the delivery's time
// when the payload has none) is not answered, nor is one from the bot
// itself or from a name on the guild's ignore list (the streamer's other
// bots): Run logs it and returns nil. The message counted for activity
// when it arrived (ingest records that), whether or not it is answered.
//
// Errors: fault.NotFound for a command Run does not know (a chat bot
// answers those with silence), fault.Invalid for an event that is not a
// chat message, and Say's and the Viewers' errors, among them fault.
// Forbidden (credential.ErrReconnect) when the streamer must reconnect the
// Kick channel. A fault.Transient error is returned only when a retry
// after RetryAfter can still answer in time.
func (c *Commands) Run(ctx context.Context, guild string, ev event.Event, cmd command.Command, now time.Time) error {
	fn, ok := answers[cmd.Name]
	if !ok {
		return fault.E(fault.NotFound, "unknown command !%s", cmd.Name)
	}
	if ev.Chat == nil || ev.Broadcaster <= 0 {
		return fault.E(fault.Invalid, "command !%s is not from a chat message of a channel", cmd.Name)
	}
	if c.Viewers == nil || c.Chat == nil {
		return fault.E(fault.Internal, "chat commands have no viewer store or no chat sender")
	}
	asker := ev.Chat.Sender
	log := c.log().With("guild", guild, "broadcaster", ev.Broadcaster, "command", cmd.Name,
		"chat_message_id", ev.Chat.MessageID, "sender_id", asker.ID)
	sentAt := ev.OccurredAt()
	switch {
	case asker.ID == 0 || asker.Anonymous:
		log.InfoContext(ctx, "chat command not answered: anonymous sender")
		return nil
	case c.BotUserID != 0 && asker.ID == c.BotUserID:
		log.InfoContext(ctx, "chat command not answered: sent by the bot")
		return nil
	case reply.Stale(sentAt, now):
		log.InfoContext(ctx, "chat command not answered: stale", "sent_at", sentAt, "age", now.Sub(sentAt))
		return nil
	}
	out, err := c.answer(ctx, guild, ev, cmd, fn, now)
	switch {
	case fault.Is(err, fault.Transient) && reply.Stale(sentAt, now.Add(c.RetryAfter)):
		// A retry would find the message stale and drop it; returning the
		// error would only hold up the guild's queue until then.
		log.WarnContext(ctx, "chat command not answered: a retry would be too late", "err", err)
		return nil
	case err != nil:
		return err
	case out != 0:
		log.InfoContext(ctx, "chat command answered", "outcome", out)
	}
	return nil
}

// answer says fn's answer to cmd at now, unless the asker is on the
// guild's ignore list (then the Outcome is 0).
func (c *Commands) answer(ctx context.Context, guild string, ev event.Event, cmd command.Command, fn answerFunc, now time.Time) (Outcome, error) {
	set, err := c.Viewers.Settings(ctx, guild)
	if err != nil {
		return 0, err
	}
	asker := ev.Chat.Sender
	if set.IsIgnored(asker.Username) {
		c.log().InfoContext(ctx, "chat command not answered: sender is on the ignore list",
			"guild", guild, "command", cmd.Name, "sender_id", asker.ID)
		return 0, nil
	}
	text, err := fn(c, ctx, guild, asker, cmd.Args)
	if err != nil {
		return 0, err
	}
	return c.Chat.Say(ctx, Message{Broadcaster: ev.Broadcaster, Text: text, ReplyTo: ev.Chat.MessageID}, now)
}

func (c *Commands) points(ctx context.Context, guild string, asker event.User, args string) (string, error) {
	v, self, err := c.target(ctx, guild, asker, args)
	if err != nil {
		return "", err
	}
	if v == nil {
		return notSeen(asker, args), nil
	}
	p := v.Points()
	switch {
	case !self:
		return mention(asker) + ": " + v.Username + " has " + wording.Count(p, "point"), nil
	case p == 0:
		return mention(asker) + " has 0 points so far. Chat while the stream is live to earn some!", nil
	}
	return mention(asker) + " has " + wording.Count(p, "point"), nil
}

func (c *Commands) watchtime(ctx context.Context, guild string, asker event.User, args string) (string, error) {
	v, self, err := c.target(ctx, guild, asker, args)
	if err != nil {
		return "", err
	}
	if v == nil {
		return notSeen(asker, args), nil
	}
	m := v.WatchMinutes
	switch {
	case !self && m == 0:
		return mention(asker) + ": " + v.Username + " has no watchtime yet", nil
	case !self:
		return mention(asker) + ": " + v.Username + " has watched " + wording.Minutes(m), nil
	case m == 0:
		return mention(asker) + " has no watchtime yet. Chat while the stream is live to earn some!", nil
	}
	return mention(asker) + " has watched " + wording.Minutes(m), nil
}

// target returns the viewer a command is about: the one args names, or
// the asker when args names no one (or the asker). self says it is the
// asker. A nil viewer with no error is a named viewer never seen in the
// guild's chat.
func (c *Commands) target(ctx context.Context, guild string, asker event.User, args string) (v *audience.Viewer, self bool, err error) {
	name := targetName(args)
	if name == "" || settings.NormalizeName(name) == settings.NormalizeName(asker.Username) {
		got, err := c.Viewers.Viewer(ctx, guild, asker.ID)
		switch {
		case fault.Is(err, fault.NotFound):
			// Ingest records every chatter before queueing the command,
			// so this is a race with a deletion: nothing earned yet.
			got = audience.Viewer{Guild: guild, UserID: asker.ID}
		case err != nil:
			return nil, true, err
		}
		got.Username = cmp.Or(got.Username, asker.Username)
		return &got, true, nil
	}
	if !isUsername(name) {
		return nil, false, nil
	}
	got, err := c.Viewers.ViewerByName(ctx, guild, name)
	switch {
	case fault.Is(err, fault.NotFound), fault.Is(err, fault.Invalid):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	}
	got.Username = cmp.Or(got.Username, name)
	return &got, false, nil
}

// maxUsername is the longest Kick username.
const maxUsername = 25

// targetName is the user a command's arguments name: the first word,
// without the "@" of a mention.
func targetName(args string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(args), " ")
	return strings.TrimPrefix(first, "@")
}

// isUsername reports whether name can be a Kick username: short and
// printable.
func isUsername(name string) bool {
	if name == "" || utf8.RuneCountInString(name) > maxUsername || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// notSeen answers a command about a viewer the guild's chat never saw.
func notSeen(asker event.User, args string) string {
	return mention(asker) + ": I haven't seen " + shown(targetName(args)) + " in this chat yet"
}

// shown is a name as typed, fit to repeat: printable, at most maxUsername
// characters (then cut with an ellipsis), or "them" when nothing is left.
func shown(name string) string {
	name = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) && r != utf8.RuneError {
			return r
		}
		return -1
	}, name)
	switch {
	case name == "":
		return "them"
	case utf8.RuneCountInString(name) > maxUsername:
		return string([]rune(name)[:maxUsername]) + "…"
	}
	return name
}

// mention is "@name", or "" for a sender without a name.
func mention(u event.User) string {
	if u.Username == "" {
		return ""
	}
	return "@" + u.Username
}

func (c *Commands) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}
