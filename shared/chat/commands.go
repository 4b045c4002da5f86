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
	"github.com/kickbot/kickbot/shared/custom"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
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

// Customs is a guild's custom commands and the cooldowns of every
// command, kept where concurrent Lambdas share them; *dynamo.Store is
// one. Implementations return fault.Transient for failures a retry may
// fix.
type Customs interface {
	// CustomCommand returns guild's custom command called name or with
	// name as an alias, or fault.NotFound when there is none.
	CustomCommand(ctx context.Context, guild, name string) (custom.Command, error)
	// CustomCommands returns all of guild's custom commands, by name.
	CustomCommands(ctx context.Context, guild string) ([]custom.Command, error)
	// CountUse counts one use of guild's command name, once per useID,
	// and returns the count after it.
	CountUse(ctx context.Context, guild, name, useID string, now time.Time) (int64, error)
	// TakeCooldown takes the command's global cooldown and userID's
	// cooldown of it at now, with a conditional write, and reports true
	// when both were free (and are now taken) or are already held by
	// claimID (a retry of the same use). Built-ins take theirs the same
	// way, under their own names, which no custom command may have.
	TakeCooldown(ctx context.Context, guild, name string, userID int64, global, perUser time.Duration, claimID string, now time.Time) (bool, error)
}

// Lookups reads what a custom command's response may show beside the
// viewers' counters; *dynamo.Store is one. Implementations return
// fault.Transient for failures a retry may fix.
type Lookups interface {
	// Place returns guild's viewer userID's position on board as the
	// board was last built, from one read of it: 0 when the board does
	// not list the viewer, and beyond true when the board is full, so the
	// viewer may be ranked below it. (An exact rank counts the whole
	// audience; /rank does that, in the worker.)
	Place(ctx context.Context, guild string, board audience.Board, userID int64) (place int64, beyond bool, err error)
	// Stream returns guild's stream state; the zero State when none is
	// known.
	Stream(ctx context.Context, guild string) (stream.State, error)
	// Connection returns the Kick channel connected to guild and its
	// name, or fault.NotFound.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
}

// Sayer says a message in a Kick chat; *Sender is one.
type Sayer interface {
	Say(ctx context.Context, m Message, now time.Time) (Outcome, error)
}

var _ Sayer = (*Sender)(nil)

// Commands routes chat commands and answers them in the chat they were
// typed in. Set Viewers and Chat; without Customs a guild has no custom
// commands and no command has a cooldown, and without Lookups {rank},
// {uptime}, {title}, {category} and {channel} show as unknown data
// (unranked, offline, empty). It is safe for concurrent use.
type Commands struct {
	Viewers Viewers
	Chat    Sayer
	Customs Customs
	Lookups Lookups
	// Rand returns a random number in [0, n) for {random:…} and
	// {randnum:…}; nil is math/rand/v2's Int64N.
	Rand func(n int64) int64
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
	// Features answer the feature built-ins, by built-in name; one that
	// is missing is silent.
	Features map[string]Answerer
	Log      *slog.Logger
}

// Ask is a built-in command as a feature's Answerer gets it: routed,
// allowed and off cooldown.
type Ask struct {
	Guild       string
	Broadcaster int64
	Asker       event.User
	// Level is the asker's level, from their badges.
	Level command.Level
	// Name is the built-in's name, whatever alias was typed.
	Name, Args string
	// MessageID is the chat message's id: the cause every write of the
	// answer is keyed by, so a retried job changes nothing.
	MessageID string
	// Sent is when the chat message was sent (event.Event.OccurredAt): the
	// same on every run of its job, unlike Now.
	Sent, Now time.Time
}

// Answerer answers the built-ins of one feature (command.Builtin.Feature)
// with the reply to say; "" says nothing. Its errors are treated as the
// store's: fault.Transient may be retried.
type Answerer interface {
	Answer(ctx context.Context, a Ask) (string, error)
}

// answerFunc computes the reply to a built-in command from asker in
// guild, with the command's arguments.
type answerFunc func(c *Commands, ctx context.Context, guild string, asker event.User, args string) (string, error)

// answers are the built-ins Run answers, by name: one per entry of
// command.Builtins (TestEveryBuiltinIsAnswered).
var answers = map[string]answerFunc{
	"points":    (*Commands).points,
	"watchtime": (*Commands).watchtime,
	"commands":  (*Commands).commands,
}

// Known reports whether package chat answers the built-in called name
// itself (a feature built-in is answered by its Answerer).
func Known(name string) bool {
	b, ok := command.LookupBuiltin(name)
	if !ok {
		return false
	}
	_, ok = answers[b.Name]
	return ok
}

// route is a command resolved to what answers it.
type route struct {
	// name is the command's own name (not the alias typed): cooldowns and
	// use counts are kept under it.
	name  string
	rules command.Rules
	// Exactly one of builtin, feature and custom is set.
	builtin answerFunc
	feature Answerer
	custom  *custom.Command
}

// Run answers cmd, typed in the chat message ev, with guild's data, as a
// reply to that message. Every command goes through one table: a
// built-in (command.Builtins, answered by name or alias) first, then the
// guild's enabled custom command of that name or alias; anything else is
// not answered. Then
//
//   - a sender below the command's level (command.LevelOf their badges)
//     gets no answer;
//   - a sender on the guild's ignore list (the streamer's other bots)
//     gets no answer;
//   - unless the sender is a moderator or the broadcaster, the command's
//     cooldowns are taken through Customs, and a command on cooldown gets
//     no answer;
//   - a custom command counts the use (once per chat message, so a
//     retried job counts once) and says its response with the variables
//     filled (package response).
//
// A message older than reply.StaleAfter at now (by its created_at, or the
// delivery's time when the payload has none) is not answered, nor is one
// from the bot itself or an anonymous sender. Each silence is logged and
// returns nil. The message counted for activity when it arrived (ingest
// records that), whether or not it is answered.
//
// Errors: fault.Invalid for an event that is not a chat message, and the
// stores' and Say's errors, among them fault.Forbidden
// (credential.ErrReconnect) when the streamer must reconnect the Kick
// channel. A fault.Transient error is returned only when a retry after
// RetryAfter can still answer in time.
func (c *Commands) Run(ctx context.Context, guild string, ev event.Event, cmd command.Command, now time.Time) error {
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
		log.WarnContext(ctx, "chat command not answered: stale", "sent_at", sentAt, "age", now.Sub(sentAt))
		return nil
	}
	out, err := c.answer(ctx, log, guild, ev, cmd, now)
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

// answer routes cmd and says its answer at now; the Outcome is 0 when the
// rules keep it silent.
func (c *Commands) answer(ctx context.Context, log *slog.Logger, guild string, ev event.Event, cmd command.Command, now time.Time) (Outcome, error) {
	r, ok, err := c.resolve(ctx, guild, cmd.Name)
	if err != nil || !ok {
		if err == nil {
			log.DebugContext(ctx, "chat command not answered: no such command")
		}
		return 0, err
	}
	asker := ev.Chat.Sender
	level := command.LevelOf(asker)
	gate := r.rules.For(level)
	if !gate.Allowed {
		log.InfoContext(ctx, "chat command not answered: level too low", "level", level, "needs", r.rules.Level)
		return 0, nil
	}
	set, err := c.Viewers.Settings(ctx, guild)
	if err != nil {
		return 0, err
	}
	if set.IsIgnored(asker.Username) {
		log.InfoContext(ctx, "chat command not answered: sender is on the ignore list")
		return 0, nil
	}
	use := useID(ev)
	if gate.Cooled() && c.Customs != nil {
		free, err := c.Customs.TakeCooldown(ctx, guild, r.name, asker.ID, gate.Cooldown, gate.UserCooldown, use, now)
		if err != nil {
			return 0, err
		}
		if !free {
			log.InfoContext(ctx, "chat command not answered: on cooldown")
			return 0, nil
		}
	}
	var text string
	switch {
	case r.builtin != nil:
		text, err = r.builtin(c, ctx, guild, asker, cmd.Args)
	case r.feature != nil:
		text, err = r.feature.Answer(ctx, Ask{Guild: guild, Broadcaster: ev.Broadcaster, Asker: asker, Level: level,
			Name: r.name, Args: cmd.Args, MessageID: use, Sent: ev.OccurredAt(), Now: now})
	default:
		text, err = c.respond(ctx, guild, ev, *r.custom, cmd.Args, use, now)
	}
	if err != nil || text == "" {
		return 0, err
	}
	return c.Chat.Say(ctx, Message{Broadcaster: ev.Broadcaster, Text: text, ReplyTo: ev.Chat.MessageID}, now)
}

// useID names one use of a command: the chat message, so that a retried
// job neither counts twice nor finds its own cooldown taken.
func useID(ev event.Event) string {
	return cmp.Or(ev.Chat.MessageID, ev.ID)
}

// resolve finds what answers the command called name: a built-in, else
// the guild's enabled custom command. false means nothing does.
func (c *Commands) resolve(ctx context.Context, guild, name string) (route, bool, error) {
	if b, ok := command.LookupBuiltin(name); ok {
		if b.Feature {
			f := c.Features[b.Name]
			return route{name: b.Name, rules: b.Rules(), feature: f}, f != nil, nil
		}
		fn, ok := answers[b.Name]
		return route{name: b.Name, rules: b.Rules(), builtin: fn}, ok, nil
	}
	// A name no custom command can have costs no read.
	if c.Customs == nil || !command.Routable(name) {
		return route{}, false, nil
	}
	cc, err := c.Customs.CustomCommand(ctx, guild, name)
	switch {
	case fault.Is(err, fault.NotFound):
		return route{}, false, nil
	case err != nil:
		return route{}, false, err
	case !cc.Enabled:
		return route{}, false, nil
	}
	rules := command.Rules{Level: cc.Level, Cooldown: cc.Cooldown, UserCooldown: cc.UserCooldown}
	return route{name: cc.Name, rules: rules, custom: &cc}, true, nil
}

// commands answers !commands: the list of built-ins and the guild's
// enabled custom commands, or with a name, that built-in's help line.
func (c *Commands) commands(ctx context.Context, guild string, asker event.User, args string) (string, error) {
	if name := strings.TrimPrefix(targetName(args), command.Prefix); name != "" {
		if b, ok := command.LookupBuiltin(strings.ToLower(name)); ok {
			// After the mention: a help line starts with "!", which
			// Speakable would strip.
			return strings.TrimSpace(mention(asker) + " " + b.Help), nil
		}
	}
	var names []string
	if c.Customs != nil {
		all, err := c.Customs.CustomCommands(ctx, guild)
		if err != nil {
			return "", err
		}
		for _, cc := range all {
			if cc.Enabled {
				names = append(names, cc.Name)
			}
		}
	}
	return command.List(names), nil
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
func mention(u event.User) string { return wording.Mention(u.Username) }

func (c *Commands) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}
