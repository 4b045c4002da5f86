// Package interact is what the bot's slash commands and buttons do: look up
// a viewer's watchtime, points and rank, page through leaderboards, change
// a guild's settings and adjust points. It works on plain requests and
// responses; the Discord adapter translates them to and from Discord's
// wire types, and a Store gives it the guild's data.
package interact

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/settings"
)

// Request is one slash command or button click, as plain values.
//
// Its JSON form is how a deferred request travels to the worker.
type Request struct {
	// ID is the interaction id: the cause of any change it makes, so that
	// the same interaction applied twice changes things once.
	ID     string `json:"id"`
	Guild  string `json:"guild"`
	UserID string `json:"user"` // the Discord user who invoked it
	// CanManage says the caller has Manage Server (or Administrator),
	// as Discord computed and signed it.
	CanManage bool `json:"canManage,omitempty"`
	// Command and Sub name the slash command ("points", "add"); Sub is ""
	// for a command without subcommands.
	Command string `json:"command,omitempty"`
	Sub     string `json:"sub,omitempty"`
	// Options maps option names to their values as text: booleans
	// "true" or "false", numbers in decimal, channels by id.
	Options map[string]string `json:"options,omitempty"`
	// Component is the custom id of the clicked button, "" for a command.
	Component string `json:"component,omitempty"`
	// At is when the interaction arrived; it dates ledger entries and
	// bounds how long a deferred answer may take (TokenLife).
	At time.Time `json:"at"`
}

// TokenLife is how long Discord accepts the answer to an interaction: a
// deferred request not answered by then cannot be answered at all.
const TokenLife = 15 * time.Minute

// FailureMessage is what the caller sees when a command fails for a reason
// of ours rather than theirs: Discord does not retry interactions, so only
// the user can.
const FailureMessage = "Something went wrong, try again."

// ClaimLife is how long a store remembers that an interaction took
// effect: well past every replay Discord's signature allows (five
// minutes) and every job that may still finish it (TokenLife).
const ClaimLife = time.Hour

// Cause names the interaction a change comes from: a store makes a change
// with a cause at most once, and remembers the cause until Expires.
type Cause struct {
	ID      string
	Expires time.Time
}

// Cause is the cause of the changes r makes.
func (r Request) Cause() Cause { return Cause{ID: r.ID, Expires: r.At.Add(ClaimLife)} }

// ErrApplied is what a store returns for a change whose cause took effect
// before: the change was made once and is not made again. A signed
// interaction may be re-sent for five minutes; a replay must not undo
// what came after it.
var ErrApplied = fault.E(fault.Conflict, "this command took effect already")

// AppliedMessage answers an interaction that took effect before.
const AppliedMessage = "Already done: this command took effect when it was first received. Running it again changed nothing."

// UncertainMessage is what the caller sees when a state-changing command
// failed in a way that may have let the change land (a write that timed
// out): "try again" would make it twice.
const UncertainMessage = "Something went wrong, and the bot cannot tell whether this took effect. Check before running it again."

// Applied is the answer to an interaction that took effect before.
func Applied() Response { return Response{Ephemeral: true, Content: AppliedMessage} }

// Private reports whether r's answer, and its "thinking…" while deferred,
// is for the caller alone: an admin command's.
func Private(r Request) bool {
	if r.Component != "" {
		return workerButtons[buttonPrefix(r.Component)]
	}
	return adminOnly[commandPath(r.Command, r.Sub)]
}

// Deferred reports whether r is answered later, by the worker, rather than
// within Discord's three seconds: the commands declared Deferred, whose
// cost grows with the guild.
func Deferred(r Request) bool {
	if r.Component != "" {
		return workerButtons[buttonPrefix(r.Component)]
	}
	return deferredPaths[commandPath(r.Command, r.Sub)]
}

// Changes reports whether r changes state (see Command.Changes): it takes
// effect at most once per r.ID.
func Changes(r Request) bool {
	return r.Component == "" && changingPaths[commandPath(r.Command, r.Sub)]
}

// Admit claims r at receipt when r changes state and the worker finishes
// it: the worker may run a job more than once, so only the claim at
// receipt tells a replay from the worker's own retry. It returns
// ErrApplied for an interaction admitted before and nil for every other
// request. Losing the job after the claim loses the change, which the
// caller, told of the failure, makes again under a new interaction.
func (h *Handler) Admit(ctx context.Context, r Request) error {
	if !Changes(r) || !Deferred(r) {
		return nil
	}
	if r.ID == "" {
		return fault.E(fault.Invalid, "this interaction has no id")
	}
	return h.Store.ClaimInteraction(ctx, r.Guild, r.Cause())
}

// Response is the message that answers a Request.
type Response struct {
	// Ephemeral shows the message to the caller alone.
	Ephemeral bool
	Content   string
	Embeds    []Embed
	Buttons   []Button
	// Update replaces the message the clicked button is on instead of
	// posting a new one.
	Update bool
	// Files are attached to the message. Only a deferred answer carries
	// them (Discord takes files in a webhook's multipart request, not in
	// the three-second answer), at most MaxFiles of at most
	// MaxAttachmentBytes together.
	Files []File
}

// File is a file attached to a Response.
type File struct {
	Name, ContentType string
	Data              []byte
}

// Bounds of a Response's Files. Discord refuses an upload above 10 MiB
// in a server without boosts (its smallest limit), and more than 10 files
// a message; a command whose file could be larger says so instead of
// sending it.
const (
	MaxAttachmentBytes = 10 << 20
	MaxFiles           = 10
)

// Embed is a rich block of a message.
type Embed struct {
	Title, Description string
	// URL makes the title a link.
	URL    string
	Fields []Field
	Footer string
	Color  int // 0xRRGGBB
	// Thumbnail and Image are image URLs (a small one beside the text, a
	// large one under it); empty for none.
	Thumbnail, Image string
	// Timestamp is shown beside the footer; zero for none.
	Timestamp time.Time
}

// Accent is the colour of the bot's embeds: Kick's green.
const Accent = 0x53FC18

// Discord's limits for an embed, in characters: it refuses a message
// whose embed is over any of them.
const (
	MaxEmbedTitle       = 256
	MaxEmbedDescription = 4096
	MaxEmbedFields      = 25
	MaxFieldName        = 256
	MaxFieldValue       = 1024
	MaxEmbedFooter      = 2048
	// MaxEmbedText bounds the title, description, footer and every
	// field's name and value together.
	MaxEmbedText = 6000
)

// Over reports which of Discord's limits e is over, "" when it fits.
func (e Embed) Over() string {
	count := utf8.RuneCountInString
	switch {
	case count(e.Title) > MaxEmbedTitle:
		return fmt.Sprintf("the title is over %d characters", MaxEmbedTitle)
	case count(e.Description) > MaxEmbedDescription:
		return fmt.Sprintf("the description is over %d characters", MaxEmbedDescription)
	case count(e.Footer) > MaxEmbedFooter:
		return fmt.Sprintf("the footer is over %d characters", MaxEmbedFooter)
	case len(e.Fields) > MaxEmbedFields:
		return fmt.Sprintf("%d fields, more than %d", len(e.Fields), MaxEmbedFields)
	}
	n := count(e.Title) + count(e.Description) + count(e.Footer)
	for _, f := range e.Fields {
		if count(f.Name) > MaxFieldName || count(f.Value) > MaxFieldValue {
			return fmt.Sprintf("field %q is over %d characters of name or %d of value", f.Name, MaxFieldName, MaxFieldValue)
		}
		n += count(f.Name) + count(f.Value)
	}
	if n > MaxEmbedText {
		return fmt.Sprintf("%d characters in all, more than %d", n, MaxEmbedText)
	}
	return ""
}

// Field is a named value in an Embed.
type Field struct {
	Name, Value string
	Inline      bool
}

// Button is a button under a message; clicking it sends a Request whose
// Component is ID, or, when URL is set, opens URL in the browser instead.
type Button struct {
	Label, ID string
	URL       string
	Disabled  bool
}

// Board is a leaderboard: what it orders a guild's viewers by.
type Board = audience.Board

// The leaderboards.
const (
	WatchtimeBoard = audience.WatchtimeBoard
	PointsBoard    = audience.PointsBoard
)

// Page is one page of a leaderboard.
type Page = audience.Page

// Store is the guild data the commands read and change.
type Store interface {
	// ViewerByName returns the guild's viewer with that Kick username, in
	// any case; fault.NotFound when no such viewer was seen.
	ViewerByName(ctx context.Context, guild, username string) (audience.Viewer, error)
	// Top returns a page of up to limit of the guild's viewers on board,
	// highest first, starting after cursor ("" for the first page). It
	// returns fault.Invalid for a cursor that is not a Next of that board.
	Top(ctx context.Context, guild string, board Board, limit int, cursor string) (Page, error)
	// Rank returns the position of the guild's viewer userID on board (1
	// for the top; equal values share a position) and the viewer;
	// fault.NotFound when the viewer is not on the board.
	Rank(ctx context.Context, guild string, board Board, userID int64) (int64, audience.Viewer, error)
	// Settings returns the guild's settings, settings.Defaults() when it
	// set none.
	Settings(ctx context.Context, guild string) (settings.Settings, error)
	// PutSettingsOnce stores the guild's settings whole, once per cause:
	// ErrApplied when c took effect before, fault.Invalid when they do
	// not validate, fault.Conflict when the stored version is not
	// s.Version.
	PutSettingsOnce(ctx context.Context, guild string, s settings.Settings, c Cause) error
	// ClaimInteraction records that c took effect, for a change made
	// outside the store (a consent link handed out, a job queued);
	// ErrApplied when it was recorded before.
	ClaimInteraction(ctx context.Context, guild string, c Cause) error
	// AdjustPoints applies c to the viewer's balance once per c.Cause: a
	// cause applied before changes nothing and returns the recorded entry.
	// It returns fault.Invalid for a change that does not validate,
	// fault.NotFound for an unknown viewer and fault.Conflict for a
	// Remove of more than the balance.
	AdjustPoints(ctx context.Context, guild string, userID int64, c points.Change) (points.Entry, error)
	// Connected reports whether a Kick channel feeds the guild.
	Connected(ctx context.Context, guild string) (bool, error)
}

// Page sizes of a leaderboard.
const (
	DefaultPageSize = 10
	// MaxPageSize keeps a page readable and its embed far below Discord's
	// 4,096 characters.
	MaxPageSize = 25
)

// Connection is a guild's Kick connection, as package connect's Service
// keeps it.
type Connection interface {
	// StartURL returns the link that starts Kick's consent for purpose,
	// for guild's member user.
	StartURL(purpose consent.Purpose, guild, user string, now time.Time) (string, error)
	// Status reports guild's connection; Status.Connected is false when
	// it has none.
	Status(ctx context.Context, guild string) (connect.Status, error)
	// Disconnect ends guild's connection; fault.NotFound when it has none.
	Disconnect(ctx context.Context, guild string) error
}

// Links are the members' linked Kick accounts.
type Links interface {
	// LinkedKick returns the Kick account linked to guild's member
	// discordUser; fault.NotFound when there is none.
	LinkedKick(ctx context.Context, guild, discordUser string) (kickUser int64, kickName string, err error)
	// UnlinkOnce removes it, once per cause: ErrApplied when c took
	// effect before, fault.NotFound when there is no link.
	UnlinkOnce(ctx context.Context, guild, discordUser string, c Cause) error
	// Viewer returns the guild's viewer with that Kick user id;
	// fault.NotFound when none was seen.
	Viewer(ctx context.Context, guild string, userID int64) (audience.Viewer, error)
	// ConfirmLink links guild's member discordUser to the Kick account
	// that signed in for them after /link, if that sign-in is still
	// pending at now, and returns the account: fault.NotFound when no
	// sign-in waits for this member, fault.Conflict (with the account)
	// when it is linked to another member.
	ConfirmLink(ctx context.Context, guild, discordUser string, now time.Time) (kickUser int64, kickName string, err error)
}

// RoleRules are a guild's watchtime role rewards.
type RoleRules interface {
	// AddRoleRuleOnce adds r, once per cause: ErrApplied when c took
	// effect before. Adding the rule again changes nothing; another role
	// at the same minutes is fault.Conflict.
	AddRoleRuleOnce(ctx context.Context, guild string, r roles.Rule, c Cause) error
	// RemoveRoleRuleOnce removes the rule at minutes, once per cause:
	// ErrApplied when c took effect before, fault.NotFound if none.
	RemoveRoleRuleOnce(ctx context.Context, guild string, minutes int64, c Cause) error
	// RoleRules returns the rules, lowest threshold first.
	RoleRules(ctx context.Context, guild string) ([]roles.Rule, error)
}

// Handler answers Requests from a Store.
type Handler struct {
	Store Store
	// Kick, Links, Roles and Bans serve /kick, /link and /unlink, /roles
	// and /viewer unban; a command whose part is nil answers that it is
	// not available.
	Kick  Connection
	Links Links
	Roles RoleRules
	Bans  Bans
	// Custom serves /command; nil answers that it is not available.
	Custom CustomCommands
	// Timers serves /timer; nil answers that it is not available.
	Timers Timers
	// Hunts serves /hunt; nil answers that it is not available.
	Hunts Hunts
	// Picked gives /hunt add without a slot the picked call; nil asks
	// for the slot.
	Picked PickedCalls
	// GTB serves /gtb; nil answers that it is not available.
	GTB *GTB
	// Calls serves /calls (package calls); nil answers that it is not
	// available.
	Calls Feature
	// Giveaways serves /giveaway (package giveaway); nil answers that it
	// is not available.
	Giveaways Feature
	// Raffle serves /raffle (package raffle); nil answers that it is not
	// available.
	Raffle Feature
	// Clips serves /clips (package clip); nil answers that it is not
	// available.
	Clips Feature
	// Rewards serves /rewards (package rewards); nil answers that it is
	// not available.
	Rewards Feature
	// Announce serves /announce (package announce); nil answers that it
	// is not available.
	Announce Feature
	// Purge serves /kick disconnect purge:true; nil answers that it is
	// not available.
	Purge Purger
	// Export serves /export; nil answers that it is not available.
	Export Export
	// PageSize is the number of viewers on a leaderboard page:
	// DefaultPageSize when ≤ 0, at most MaxPageSize.
	PageSize int
}

// Purger deletes a guild's data.
type Purger interface {
	// PurgeGuild deletes every item of guild and returns how many; run
	// again, it deletes what an interrupted run left.
	PurgeGuild(ctx context.Context, guild string) (int, error)
}

// Feature answers the slash commands of a feature package that builds
// on this one (it imports package interact for Request and Response).
type Feature interface {
	Handle(ctx context.Context, r Request) (Response, error)
}

// Handle answers r. Its errors carry a kind and a message for the caller:
// fault.NotFound for an unknown command, button, viewer or an unconnected
// guild, fault.Forbidden for an admin command without Manage Server,
// fault.Invalid for bad options, fault.Conflict for a removal of more
// points than a viewer has; errors of the Store pass through. A command
// that changes state takes effect once per r.ID: again, it changes nothing
// and answers Applied (a /points change shows its ledger entry).
func (h *Handler) Handle(ctx context.Context, r Request) (Response, error) {
	if r.Guild == "" {
		return Response{}, fault.E(fault.Invalid, "use this command in a server")
	}
	if r.Component != "" {
		run, ok := buttons[buttonPrefix(r.Component)]
		if !ok {
			return Response{}, fault.E(fault.NotFound, "this button no longer works")
		}
		return run(h, ctx, r)
	}
	path := commandPath(r.Command, r.Sub)
	run, ok := commands[path]
	if !ok {
		return Response{}, fault.E(fault.NotFound, "unknown command")
	}
	if adminOnly[path] && !r.CanManage {
		return Response{}, fault.E(fault.Forbidden, "you need the Manage Server permission")
	}
	if changingPaths[path] && r.ID == "" {
		return Response{}, fault.E(fault.Invalid, "this interaction has no id")
	}
	resp, err := run(h, ctx, r)
	if errors.Is(err, ErrApplied) {
		return Applied(), nil
	}
	return resp, err
}

// buttonPrefix is the part of a button's custom id before the first ":",
// which names what answers it.
func buttonPrefix(id string) string {
	prefix, _, _ := strings.Cut(id, ":")
	return prefix
}

func commandPath(command, sub string) string {
	if sub == "" {
		return command
	}
	return command + " " + sub
}

func (h *Handler) pageSize() int {
	switch {
	case h.PageSize <= 0:
		return DefaultPageSize
	case h.PageSize > MaxPageSize:
		return MaxPageSize
	}
	return h.PageSize
}

// notConnected explains an empty answer: checking the connection only
// then saves a read on every command of a connected guild. It returns
// err when the guild is connected.
func (h *Handler) notConnected(ctx context.Context, guild string, err error) error {
	ok, cerr := h.Store.Connected(ctx, guild)
	switch {
	case cerr != nil:
		return cerr
	case !ok:
		return fault.E(fault.NotFound, "this server is not connected to a Kick channel yet")
	}
	return err
}
