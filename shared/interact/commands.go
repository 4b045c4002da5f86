package interact

import (
	"context"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/timer"
)

// Command is a slash command as registration declares it.
type Command struct {
	Name, Description string
	// Admin restricts the command to members with Manage Server. Handle
	// checks it; on a top-level command registration also hides it from
	// other members (Discord's default_member_permissions), which a
	// server's own overrides can undo.
	Admin bool
	// Deferred answers the command from the worker (see Deferred): for
	// commands whose cost grows with the guild's audience.
	Deferred bool
	// Changes marks a command that changes state: it takes effect at most
	// once per interaction id, however often the signed interaction is
	// re-sent. An inline command writes its change and the claim of its
	// id in one store write (the *Once methods, or the /points ledger's
	// cause); a Deferred one is claimed at receipt (Handler.Admit), since
	// its job may run twice.
	Changes bool
	// Options are the command's options; a command with Subcommands has
	// none of its own.
	Options     []Option
	Subcommands []Command
}

// OptionType is the kind of value an option takes.
type OptionType uint8

// The option types.
const (
	StringOption OptionType = iota + 1
	IntegerOption
	BooleanOption
	// ChannelOption takes a channel messages can be posted in; its value
	// is the channel id.
	ChannelOption
	// RoleOption takes a role of the server; its value is the role id.
	RoleOption
)

// Option is an option of a command.
type Option struct {
	Name, Description string
	Type              OptionType
	Required          bool
	// Choices, when set, are the only values a StringOption takes.
	Choices []Choice
	// Min and Max bound an IntegerOption when Min < Max.
	Min, Max int64
	// MaxLen bounds a StringOption's length when > 0.
	MaxLen int
}

// Choice is a value of an option with choices, and the name shown for it.
type Choice struct{ Name, Value string }

// Limits of options, also enforced by Handle.
const (
	MaxAmount   = 1_000_000_000 // whole points one /points command moves
	maxUsername = 25            // bytes of a Kick username, as in package settings
)

var (
	userOption  = Option{Name: "user", Description: "Kick username (default: your linked account)", Type: StringOption, MaxLen: maxUsername}
	boardOption = Option{Name: "board", Description: "Which leaderboard (default: watchtime)", Type: StringOption,
		Choices: []Choice{{"Watchtime", string(WatchtimeBoard)}, {"Points", string(PointsBoard)}}}
)

// adjustOptions are the options of /points add, remove and set; least is the
// smallest amount.
func adjustOptions(least int64) []Option {
	user := userOption
	user.Description, user.Required = "Kick username", true
	return []Option{
		user,
		{Name: "amount", Description: "Whole points", Type: IntegerOption, Required: true, Min: least, Max: MaxAmount},
		{Name: "reason", Description: "Why, for the ledger", Type: StringOption, MaxLen: points.MaxReasonLen},
	}
}

// Commands are the slash commands the bot registers; Handle answers each.
var Commands = []Command{
	{Name: "watchtime", Description: "Show how long a viewer has watched", Options: []Option{userOption}},
	{Name: "points", Description: "Show or change loyalty points", Subcommands: []Command{
		{Name: "show", Description: "Show a viewer's points", Options: []Option{userOption}},
		{Name: "add", Description: "Give a viewer points (admins)", Admin: true, Changes: true, Options: adjustOptions(1)},
		{Name: "remove", Description: "Take points from a viewer (admins)", Admin: true, Changes: true, Options: adjustOptions(1)},
		{Name: "set", Description: "Set a viewer's points (admins)", Admin: true, Changes: true, Options: adjustOptions(0)},
	}},
	{Name: "leaderboard", Description: "Show the top viewers", Options: []Option{boardOption}},
	// A rank counts everyone ahead: one index read per 1 MB of them.
	{Name: "rank", Description: "Show a viewer's place on a leaderboard", Deferred: true, Options: []Option{userOption, boardOption}},
	{Name: "kick", Description: "Connect this server to a Kick channel", Admin: true, Subcommands: []Command{
		// Hands out a consent link: a replay must not mint another.
		{Name: "connect", Description: "Connect (or reconnect) the streamer's Kick channel", Changes: true},
		// Both ask Kick, which may be slow.
		{Name: "status", Description: "Show the connection, its login and its event subscriptions", Deferred: true},
		{Name: "disconnect", Description: "Disconnect the Kick channel and stop its events", Deferred: true, Changes: true, Options: []Option{
			{Name: "purge", Description: "Also delete all of this server's data (asks to confirm)", Type: BooleanOption},
		}},
	}},
	// Reads every viewer of the guild.
	{Name: "export", Description: "Download the viewers' watchtime, points, tickets and links as CSV", Admin: true, Deferred: true},
	{Name: "link", Description: "Link your Kick account, so the bot knows which viewer you are", Changes: true},
	// Only the member who ran /link can confirm the account that signed
	// in through its link, which may have been opened by someone else.
	{Name: "confirm-link", Description: "Link the Kick account that signed in through your /link", Changes: true},
	{Name: "unlink", Description: "Unlink your Kick account", Changes: true},
	{Name: "roles", Description: "Give Discord roles for watchtime", Admin: true, Subcommands: []Command{
		{Name: "add", Description: "Give a role to linked members who watched this long", Changes: true, Options: []Option{
			{Name: "role", Description: "The role to give", Type: RoleOption, Required: true},
			{Name: "minutes", Description: "Minutes of watchtime (suggested: 120, 600, 2000)", Type: IntegerOption, Required: true,
				Min: roles.MinMinutes, Max: roles.MaxMinutes},
		}},
		{Name: "remove", Description: "Stop giving the role at this watchtime", Changes: true, Options: []Option{
			{Name: "minutes", Description: "Minutes of watchtime of the reward", Type: IntegerOption, Required: true,
				Min: roles.MinMinutes, Max: roles.MaxMinutes},
		}},
		{Name: "list", Description: "Show the role rewards"},
	}},
	{Name: "settings", Description: "Configure the bot for this server", Admin: true, Subcommands: []Command{
		{Name: "show", Description: "Show the settings"},
		{Name: "set", Description: "Change one or more settings", Changes: true, Options: []Option{
			{Name: "activity_window", Description: "Minutes a chat message counts as watching", Type: IntegerOption,
				Min: int64(settings.MinActivityWindow.Minutes()), Max: int64(settings.MaxActivityWindow.Minutes())},
			{Name: "points_per_5min", Description: "Points earned per 5 minutes watched", Type: IntegerOption,
				Min: 0, Max: settings.MaxPointsPer5Min},
			{Name: "sub_multiplier", Description: "Subscribers' points in percent (100 = the same)", Type: IntegerOption,
				Min: 100, Max: settings.MaxSubMultiplier},
			{Name: "track_offline", Description: "Count watchtime while the stream is offline", Type: BooleanOption},
			{Name: "ignore_add", Description: "Kick username that earns nothing (a bot)", Type: StringOption, MaxLen: maxUsername},
			{Name: "ignore_remove", Description: "Kick username that earns again", Type: StringOption, MaxLen: maxUsername},
			{Name: "announce_channel", Description: "Channel for announcements", Type: ChannelOption},
			{Name: "announce_off", Description: "Stop announcements (clears the channel)", Type: BooleanOption},
		}},
	}},
	{Name: "timer", Description: "Say messages in Kick chat every so many minutes", Admin: true, Subcommands: []Command{
		{Name: "add", Description: "Add a timed message", Changes: true, Options: timerOptions(true)},
		{Name: "edit", Description: "Change a timed message", Changes: true, Options: timerOptions(false)},
		{Name: "remove", Description: "Remove a timed message", Changes: true, Options: []Option{
			{Name: "name", Description: "The timer's name", Type: StringOption, Required: true, MaxLen: timer.MaxName},
		}},
		{Name: "list", Description: "Show the timed messages"},
	}},
	{Name: "viewer", Description: "Manage a Kick viewer", Admin: true, Subcommands: []Command{
		// Kick sends no event when it lifts a ban.
		{Name: "unban", Description: "Let a viewer banned on Kick earn again (Kick sends no unban)", Changes: true, Options: []Option{
			{Name: "user", Description: "Kick username", Type: StringOption, Required: true, MaxLen: maxUsername},
		}},
	}},
	{Name: "command", Description: "Manage this server's custom chat commands", Admin: true, Subcommands: []Command{
		{Name: "add", Description: "Add a chat command", Changes: true, Options: commandOptions(false)},
		{Name: "edit", Description: "Change a chat command; options left out stay as they are", Changes: true, Options: commandOptions(true)},
		{Name: "remove", Description: "Remove a chat command and its aliases", Changes: true, Options: []Option{commandNameOption}},
		{Name: "list", Description: "List the chat commands"},
		{Name: "show", Description: "Show a chat command and how often it was used", Options: []Option{commandNameOption}},
	}},
	gtbCommand,
	huntCommand,
	{Name: "calls", Description: "Slot calls: viewers call slots with !call <slot>", Admin: true, Subcommands: callsCommands},
	{Name: "giveaway", Description: "A giveaway for this stream, drawn verifiably", Admin: true, Subcommands: giveawayCommands},
	{Name: "raffle", Description: "Raffles: tickets from watchtime, subs, gifts and KICKs; provably fair draws", Admin: true, Subcommands: raffleCommands},
	{Name: "clips", Description: "Moments viewers marked with !clip, for cutting later", Subcommands: clipsCommands},
	{Name: "rewards", Description: "Points and chat thank-yous for follows, subs, gifts and KICKs", Admin: true, Subcommands: rewardsCommands},
	{Name: "announce", Description: "Announce the stream and its events in Discord", Admin: true, Subcommands: announceCommands},
}

// announceKind is the kind option of /announce; its values are package
// announce's Kinds.
var announceKind = Option{Name: "kind", Description: "What to announce", Type: StringOption, Required: true, Choices: []Choice{
	{"Go-live", "live"}, {"Offline", "offline"}, {"Follows", "follow"}, {"Subs", "sub"}, {"Gifted subs", "gift"},
	{"KICKs", "kicks"}, {"Reward redemptions", "redemption"}, {"Clips", "clip"},
}}

// announceCommands are /announce's subcommands, answered by package
// announce (Handler.Announce). /announce test posts to Discord, so the
// worker answers it.
var announceCommands = []Command{
	{Name: "set", Description: "Announce a kind of event in a channel", Changes: true, Options: []Option{
		announceKind,
		{Name: "channel", Description: "The channel", Type: ChannelOption, Required: true},
		{Name: "message", Description: "Message above the post: {user} {months} {count} {amount} {reward} {input} …", Type: StringOption, MaxLen: 400},
		{Name: "role", Description: "A role to mention", Type: RoleOption},
		{Name: "flap_minutes", Description: "live: a stream back within this many minutes continues the last one (0: default 10)", Type: IntegerOption, Min: 0, Max: 120},
	}},
	{Name: "off", Description: "Stop announcing a kind of event", Changes: true, Options: []Option{announceKind}},
	{Name: "list", Description: "Show what is announced where"},
	{Name: "test", Description: "Post a sample announcement of a kind", Deferred: true, Changes: true, Options: []Option{announceKind}},
}

// clipsCommands are /clips' subcommands, answered by package clip
// (Handler.Clips).
var clipsCommands = []Command{
	{Name: "list", Description: "List a stream's clip markers with their offsets", Options: []Option{
		{Name: "stream", Description: "The day the stream started, as 2026-03-14 UTC (default: the current or last stream)", Type: StringOption, MaxLen: 10},
	}},
	{Name: "settings", Description: "Set how !clip marks the stream and its cooldowns", Admin: true, Changes: true, Options: []Option{
		{Name: "lead", Description: "Seconds taken off the offset: the moment came before the !clip (default 30)", Type: IntegerOption, Min: 0, Max: 300},
		{Name: "cooldown", Description: "Seconds !clip rests in the channel after any use (default 15)", Type: IntegerOption, Min: 5, Max: 3600},
		{Name: "user_cooldown", Description: "Seconds !clip rests for a viewer after their use (default 60)", Type: IntegerOption, Min: 0, Max: 3600},
	}},
}

// rewardsCommands are /rewards' subcommands, answered by package rewards
// (Handler.Rewards). Points and templates are checked there too.
var rewardsCommands = []Command{
	{Name: "show", Description: "Show the points and thank-yous for events"},
	{Name: "points", Description: "Points per event, 0 for none; options left out stay as they are", Changes: true, Options: []Option{
		{Name: "follow", Description: "For a viewer's first follow (once ever)", Type: IntegerOption, Min: 0, Max: maxEventPoints},
		{Name: "sub", Description: "For a sub or renewal, to the subscriber", Type: IntegerOption, Min: 0, Max: maxEventPoints},
		{Name: "gift", Description: "For each gifted sub, to the gifter", Type: IntegerOption, Min: 0, Max: maxEventPoints},
		{Name: "kicks", Description: "For each 100 KICKs, to the sender", Type: IntegerOption, Min: 0, Max: maxEventPoints},
	}},
	{Name: "thanks", Description: "Thank subs, gifts or KICKs in Kick chat", Changes: true, Options: []Option{
		thanksKindOption,
		{Name: "message", Description: "Template: {user} {months} {count} {amount} {gifter} (default: a plain thank-you)",
			Type: StringOption, MaxLen: 300},
	}},
	{Name: "off", Description: "Stop thanking for a kind of event", Changes: true, Options: []Option{thanksKindOption}},
}

// maxEventPoints is rewards.MaxPoints (package rewards builds on this one).
const maxEventPoints = 1_000_000

var thanksKindOption = Option{Name: "kind", Description: "Which events", Type: StringOption, Required: true,
	Choices: []Choice{{"Subs and renewals", "sub"}, {"Gifted subs", "gift"}, {"KICKs", "kicks"}}}

// giveawayCommands are /giveaway's subcommands, answered by package
// giveaway (Handler.Giveaways). Draw and reroll are the worker's: they
// read every entry and announce the winners in Kick chat and Discord.
var giveawayCommands = []Command{
	{Name: "start", Description: "Start a giveaway", Changes: true, Options: []Option{
		{Name: "prize", Description: "What the winners get", Type: StringOption, Required: true, MaxLen: 200},
		{Name: "keyword", Description: "Viewers type it in chat to enter (default: every viewer who chats is in)", Type: StringOption, MaxLen: 32},
		{Name: "minutes", Description: "How long it takes entries (default 10)", Type: IntegerOption, Min: 1, Max: 1440},
		{Name: "winners", Description: "How many win (default 1)", Type: IntegerOption, Min: 1, Max: 20},
		{Name: "min_watchtime", Description: "Minutes an entrant must be active in chat during it (default 0)", Type: IntegerOption, Min: 0, Max: 1440},
		{Name: "sub_luck", Description: "Tickets of a subscriber (default 1: no extra luck)", Type: IntegerOption, Min: 1, Max: 10},
	}},
	{Name: "end", Description: "Stop taking entries", Changes: true},
	{Name: "draw", Description: "Draw the winners and announce them", Deferred: true, Changes: true},
	{Name: "reroll", Description: "Replace a winner by the next one drawn", Deferred: true, Changes: true, Options: []Option{
		{Name: "user", Description: "The winner to replace, by Kick name (default: the last winner)", Type: StringOption, MaxLen: maxUsername},
	}},
}

// callsCommands are /calls' subcommands, answered by package calls
// (Handler.Calls). /calls pick is the worker's: it says the pick in Kick
// chat and posts it to Discord.
var callsCommands = []Command{
	{Name: "open", Description: "Open calls: !call <slot> in Kick chat", Changes: true, Options: []Option{
		{Name: "limit_per_user", Description: "Calls per viewer in the round, 0 for no limit (default 1)", Type: IntegerOption, Min: 0, Max: 100},
		{Name: "allow_duplicates", Description: "Let viewers call a slot called already (default: no)", Type: BooleanOption},
	}},
	{Name: "close", Description: "Stop taking calls (they stay for /calls pick)", Changes: true},
	{Name: "list", Description: "Show the round's calls", Options: []Option{
		{Name: "page", Description: "Page of the list", Type: IntegerOption, Min: 1, Max: 1000},
	}},
	{Name: "pick", Description: "Draw one pending call, fairly and verifiably, and play it", Deferred: true, Changes: true},
	{Name: "clear", Description: "Drop the round's calls and start again", Changes: true},
	{Name: "blacklist", Description: "Keep viewers or slots out of calls", Changes: true, Options: []Option{
		{Name: "action", Description: "What to do", Type: StringOption, Required: true,
			Choices: []Choice{{"Add", "add"}, {"Remove", "remove"}, {"List", "list"}}},
		{Name: "viewer", Description: "Kick username", Type: StringOption, MaxLen: maxUsername},
		{Name: "slot", Description: "Slot name", Type: StringOption, MaxLen: 100},
	}},
	{Name: "channel", Description: "Post accepted calls and picks in this channel", Changes: true, Options: []Option{
		{Name: "channel", Description: "The channel", Type: ChannelOption, Required: true},
	}},
	{Name: "verify", Description: "Show the last pick's proof: commitment, seed, client seed, nonce, result"},
}

// raffleCommands are /raffle's subcommands, answered by package raffle.
// Discord nests one level here, so ticket and exclusion changes take an
// action.
var raffleCommands = []Command{
	{Name: "start", Description: "Start a raffle period (default: to the end of the month, 1 winner)", Changes: true, Options: []Option{
		{Name: "days", Description: "How many days it runs (default: to the end of the month)", Type: IntegerOption, Min: 1, Max: 93},
		{Name: "winners", Description: "How many winners (default 1)", Type: IntegerOption, Min: 1, Max: 20},
		{Name: "prize", Description: "The prize", Type: StringOption, MaxLen: 100},
	}},
	{Name: "status", Description: "Show the raffle, its tickets so far and its seed commitment"},
	{Name: "draw", Description: "Draw the winners, ticket-weighted and verifiable, and announce them", Deferred: true, Changes: true, Options: []Option{
		{Name: "channel", Description: "Where to post the winners (default: the announce channel)", Type: ChannelOption},
	}},
	{Name: "end", Description: "End the raffle without a draw", Changes: true},
	{Name: "tickets", Description: "Give or take a viewer's tickets, or void a gift's held tickets", Changes: true, Options: []Option{
		{Name: "action", Description: "What to do", Type: StringOption, Required: true,
			Choices: []Choice{{"Add", "add"}, {"Remove", "remove"}, {"Void a gift", "void"}}},
		{Name: "user", Description: "Kick username (add, remove)", Type: StringOption, MaxLen: maxUsername},
		{Name: "amount", Description: "Tickets (add, remove)", Type: IntegerOption, Min: 1, Max: 1_000_000},
		{Name: "reason", Description: "Why, for the ledger", Type: StringOption, MaxLen: 200},
		{Name: "gift", Description: "The gift event's id (void)", Type: StringOption, MaxLen: 200},
	}},
	{Name: "exclude", Description: "Leave a viewer out of the draw, or let them back in", Changes: true, Options: []Option{
		{Name: "action", Description: "What to do", Type: StringOption, Required: true, Choices: []Choice{{"Add", "add"}, {"Remove", "remove"}}},
		{Name: "user", Description: "Kick username", Type: StringOption, Required: true, MaxLen: maxUsername},
	}},
	{Name: "settings", Description: "Show or change how many tickets each source gives", Changes: true, Options: []Option{
		{Name: "tickets_per_hour", Description: "Per full hour watched (default 10)", Type: IntegerOption, Min: 0, Max: 1000},
		{Name: "tickets_per_gift", Description: "Per gifted sub, to the gifter (default 15)", Type: IntegerOption, Min: 0, Max: 1000},
		{Name: "tickets_per_sub", Description: "Per new sub or renewal (default 5)", Type: IntegerOption, Min: 0, Max: 1000},
		{Name: "tickets_per_100_kicks", Description: "Per 100 KICKs in one gift (default 1)", Type: IntegerOption, Min: 0, Max: 1000},
		{Name: "gift_hold_hours", Description: "Hours gift tickets are held before they count (default 24)", Type: IntegerOption, Min: 0, Max: 168},
	}},
	// Reads the whole ticket table, attached as a file when long: only a
	// deferred answer carries files.
	{Name: "verify", Description: "Show a draw's proof: commitment, seed, client seed, table size, winners", Deferred: true, Options: []Option{
		{Name: "period", Description: "The period id (default: the latest)", Type: StringOption, MaxLen: 40},
	}},
}

type handlerFunc func(h *Handler, ctx context.Context, r Request) (Response, error)

// commands maps each command path ("points add") in Commands to what
// answers it.
var commands = map[string]handlerFunc{
	"watchtime":       (*Handler).watchtime,
	"points show":     (*Handler).pointsShow,
	"points add":      adjust(points.Add),
	"points remove":   adjust(points.Remove),
	"points set":      adjust(points.Set),
	"leaderboard":     (*Handler).leaderboard,
	"rank":            (*Handler).rank,
	"settings show":   (*Handler).settingsShow,
	"settings set":    (*Handler).settingsSet,
	"kick connect":    (*Handler).kickConnect,
	"kick status":     (*Handler).kickStatus,
	"kick disconnect": (*Handler).kickDisconnect,
	"export":          (*Handler).export,
	"link":            (*Handler).link,
	"confirm-link":    (*Handler).confirmLink,
	"unlink":          (*Handler).unlink,
	"roles add":       (*Handler).rolesAdd,
	"roles remove":    (*Handler).rolesRemove,
	"roles list":      (*Handler).rolesList,
	"viewer unban":    (*Handler).viewerUnban,
	"timer add":       (*Handler).timerAdd,
	"timer edit":      (*Handler).timerEdit,
	"timer remove":    (*Handler).timerRemove,
	"timer list":      (*Handler).timerList,
	"command add":     (*Handler).commandAdd,
	"command edit":    (*Handler).commandEdit,
	"command remove":  (*Handler).commandRemove,
	"command list":    (*Handler).commandList,
	"command show":    (*Handler).commandShow,
	"gtb open":        (*Handler).gtbOpen,
	"gtb close":       (*Handler).gtbClose,
	"gtb result":      (*Handler).gtbResult,
	"gtb status":      (*Handler).gtbStatus,
	"hunt start":      (*Handler).huntStart,
	"hunt add":        (*Handler).huntAdd,
	"hunt payout":     (*Handler).huntPayout,
	"hunt remove":     (*Handler).huntRemove,
	"hunt finish":     (*Handler).huntFinish,
	"hunt show":       (*Handler).huntShow,
	"calls open":      (*Handler).calls,
	"calls close":     (*Handler).calls,
	"calls list":      (*Handler).calls,
	"calls pick":      (*Handler).calls,
	"calls clear":     (*Handler).calls,
	"calls blacklist": (*Handler).calls,
	"calls channel":   (*Handler).calls,
	"calls verify":    (*Handler).calls,
	"giveaway start":  (*Handler).giveaway,
	"giveaway end":    (*Handler).giveaway,
	"giveaway draw":   (*Handler).giveaway,
	"giveaway reroll": (*Handler).giveaway,
	"raffle start":    (*Handler).raffle,
	"raffle status":   (*Handler).raffle,
	"raffle draw":     (*Handler).raffle,
	"raffle end":      (*Handler).raffle,
	"raffle tickets":  (*Handler).raffle,
	"raffle exclude":  (*Handler).raffle,
	"raffle settings": (*Handler).raffle,
	"raffle verify":   (*Handler).raffle,
	"clips list":      (*Handler).clips,
	"clips settings":  (*Handler).clips,
	"rewards show":    (*Handler).rewards,
	"rewards points":  (*Handler).rewards,
	"rewards thanks":  (*Handler).rewards,
	"rewards off":     (*Handler).rewards,
	"announce set":    (*Handler).announce,
	"announce off":    (*Handler).announce,
	"announce list":   (*Handler).announce,
	"announce test":   (*Handler).announce,
}

// clips hands /clips to package clip.
func (h *Handler) clips(ctx context.Context, r Request) (Response, error) {
	if h.Clips == nil {
		return Response{}, fault.E(fault.NotFound, "clips are not set up on this bot")
	}
	return h.Clips.Handle(ctx, r)
}

// rewards hands /rewards to package rewards.
func (h *Handler) rewards(ctx context.Context, r Request) (Response, error) {
	if h.Rewards == nil {
		return Response{}, fault.E(fault.NotFound, "event rewards are not set up on this bot")
	}
	return h.Rewards.Handle(ctx, r)
}

// announce hands /announce to package announce.
func (h *Handler) announce(ctx context.Context, r Request) (Response, error) {
	if h.Announce == nil {
		return Response{}, fault.E(fault.NotFound, "announcements are not set up on this bot")
	}
	return h.Announce.Handle(ctx, r)
}

// raffle hands /raffle to package raffle.
func (h *Handler) raffle(ctx context.Context, r Request) (Response, error) {
	if h.Raffle == nil {
		return Response{}, fault.E(fault.NotFound, "raffles are not set up on this bot")
	}
	return h.Raffle.Handle(ctx, r)
}

// giveaway hands /giveaway to package giveaway.
func (h *Handler) giveaway(ctx context.Context, r Request) (Response, error) {
	if h.Giveaways == nil {
		return Response{}, fault.E(fault.NotFound, "giveaways are not set up on this bot")
	}
	return h.Giveaways.Handle(ctx, r)
}

// calls hands /calls to package calls.
func (h *Handler) calls(ctx context.Context, r Request) (Response, error) {
	if h.Calls == nil {
		return Response{}, fault.E(fault.NotFound, "slot calls are not set up on this bot")
	}
	return h.Calls.Handle(ctx, r)
}

// buttons maps the prefix of a button's custom id (before the first ":")
// to what answers its click. Only the purge button changes state, and it
// needs no claim of its interaction id: purging again deletes nothing
// more.
var buttons = map[string]handlerFunc{
	leaderboardPrefix: (*Handler).leaderboardPage,
	purgePrefix:       (*Handler).purgeConfirmed,
}

// workerButtons are the buttons answered by the worker, for the clicker
// alone (see Deferred, Private): their cost grows with the guild.
var workerButtons = map[string]bool{purgePrefix: true}

// adminOnly holds the command paths that need Manage Server, taken from
// Commands as they were at start-up, so that the declaration and the
// check cannot disagree.
var adminOnly = paths(Commands, func(c Command) bool { return c.Admin })

// deferredPaths holds the command paths answered by the worker, likewise.
var deferredPaths = paths(Commands, func(c Command) bool { return c.Deferred })

// changingPaths holds the command paths that change state, likewise.
var changingPaths = paths(Commands, func(c Command) bool { return c.Changes })

// paths returns the command paths of cmds for which has holds, of the
// command itself or, for its subcommands, of either.
func paths(cmds []Command, has func(Command) bool) map[string]bool {
	out := map[string]bool{}
	for _, c := range cmds {
		if has(c) {
			out[c.Name] = true
		}
		for _, s := range c.Subcommands {
			if has(c) || has(s) {
				out[commandPath(c.Name, s.Name)] = true
			}
		}
	}
	return out
}
