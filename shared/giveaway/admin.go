package giveaway

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// Store keeps a guild's giveaways and entries; *dynamo.Store is one.
// Implementations return fault.Transient for failures a retry may fix.
type Store interface {
	Current
	// StartGiveawayOnce stores g as the current giveaway once per cause:
	// interact.ErrApplied when c took effect before, fault.Conflict while
	// one runs.
	StartGiveawayOnce(ctx context.Context, guild string, g Giveaway, c interact.Cause) (Giveaway, error)
	// EndGiveawayOnce stops the running giveaway at at, once per cause;
	// fault.NotFound when none runs.
	EndGiveawayOnce(ctx context.Context, guild string, at time.Time, c interact.Cause) (Giveaway, error)
	// DrawGiveaway stores p as giveaway number's draw for cause (the same
	// cause again returns it as stored); fault.Conflict otherwise.
	DrawGiveaway(ctx context.Context, guild string, number int64, p pick.WeightedProof, now time.Time, cause string) (Giveaway, error)
	// RerollGiveaway stores p, the draw with one more winner, replacing
	// replaced, for cause; fault.Conflict when it changed meanwhile.
	RerollGiveaway(ctx context.Context, guild string, number int64, p pick.WeightedProof, replaced, cause string) (Giveaway, error)
	// MarkGiveawayAnnounced records that the first winners drawn were
	// announced.
	MarkGiveawayAnnounced(ctx context.Context, guild string, number int64, winners int) error
	// EnterGiveaway stores e unless its viewer entered: true when it did.
	EnterGiveaway(ctx context.Context, guild string, number int64, e Entry) (bool, error)
	// GiveawayEntries returns giveaway number's keyword entries.
	GiveawayEntries(ctx context.Context, guild string, number int64) ([]Entry, error)
	// Activity returns the guild's activity in minutes from to to.
	Activity(ctx context.Context, guild string, from, to watchtime.Minute) ([]audience.Activity, error)
	// Settings returns the guild's settings (its announce channel).
	Settings(ctx context.Context, guild string) (settings.Settings, error)
	// BannedAt returns which of users were banned or timed out in guild
	// at at, by the bans issued by then.
	BannedAt(ctx context.Context, guild string, users []int64, at time.Time) (map[int64]bool, error)
}

// Channels finds the Kick channel of a guild; *dynamo.Store is one.
type Channels interface {
	// Connection returns the Kick channel connected to guild, or
	// fault.NotFound.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
}

// Poster posts an embed in a Discord channel; *discord.REST is one.
type Poster interface {
	PostEmbed(ctx context.Context, channelID string, e interact.Embed) error
}

// Admin answers /giveaway (interact.Handler's Giveaways). /giveaway draw
// and reroll are the worker's: it sets Chat, Channels and Poster to
// announce the winners in Kick chat and the announce channel.
type Admin struct {
	Store Store
	// Random makes seeds; nil is crypto/rand.
	Random   io.Reader
	Chat     chat.Sayer
	Channels Channels
	Poster   Poster
	Log      *slog.Logger
}

var _ interact.Feature = (*Admin)(nil)

// color is the giveaway embeds' accent.
const color = 0xF5A623

// maxTableField is the longest table CSV shown in an embed field (Discord
// allows 1,024 characters, the code fence takes some).
const maxTableField = 1000

// Handle answers r, a /giveaway subcommand.
func (a *Admin) Handle(ctx context.Context, r interact.Request) (interact.Response, error) {
	if a.Store == nil {
		return interact.Response{}, fault.E(fault.NotFound, "giveaways are not set up on this bot")
	}
	switch {
	case r.Command != "giveaway":
	case r.Sub == "start":
		return a.start(ctx, r)
	case r.Sub == "end":
		return a.end(ctx, r)
	case r.Sub == "draw":
		return a.draw(ctx, r)
	case r.Sub == "reroll":
		return a.reroll(ctx, r)
	}
	return interact.Response{}, fault.E(fault.NotFound, "unknown command")
}

// intOption reads a whole-number option; 0 when absent.
func intOption(r interact.Request, name string) (int, error) {
	v, ok := r.Options[name]
	if !ok {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, fault.E(fault.Invalid, "%s must be a whole number", name)
	}
	return n, nil
}

func (a *Admin) start(ctx context.Context, r interact.Request) (interact.Response, error) {
	o := Options{Prize: r.Options["prize"], Keyword: r.Options["keyword"]}
	var err error
	for name, to := range map[string]*int{"minutes": &o.Minutes, "winners": &o.Winners, "min_watchtime": &o.MinWatch, "sub_luck": &o.SubLuck} {
		if *to, err = intOption(r, name); err != nil {
			return interact.Response{}, err
		}
	}
	var number int64 = 1
	switch prev, err := a.Store.Giveaway(ctx, r.Guild); {
	case err == nil:
		number = prev.Number + 1
	case !fault.Is(err, fault.NotFound):
		return interact.Response{}, err
	}
	random := a.Random
	if random == nil {
		random = rand.Reader
	}
	g, err := Start(o, number, r.At, random)
	if err != nil {
		return interact.Response{}, err
	}
	if g, err = a.Store.StartGiveawayOnce(ctx, r.Guild, g, r.Cause()); err != nil {
		return interact.Response{}, err
	}
	how := "Every viewer who chats while it runs is in."
	if g.Keyword != "" {
		how = fmt.Sprintf("Type `%s` in Kick chat to enter (once each).", g.Keyword)
	}
	if g.MinWatch > 0 {
		how += fmt.Sprintf(" Entrants must be active in chat in at least %d minutes of it.", g.MinWatch)
	}
	if g.SubLuck > 1 {
		how += fmt.Sprintf(" Subscribers get %d tickets.", g.SubLuck)
	}
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
		Title: fmt.Sprintf("Giveaway #%d: %s", g.Number, g.Prize), Description: how, Color: color,
		Fields: []interact.Field{
			{Name: "Ends", Value: fmt.Sprintf("<t:%d:t>", g.EndsAt.Unix()), Inline: true},
			{Name: "Winners", Value: strconv.Itoa(g.Winners), Inline: true},
			{Name: "Seed commitment", Value: "`" + g.Commitment + "`"},
		},
		Footer: "The seed is revealed with the winners; /giveaway end stops entries early.",
	}}}, nil
}

func (a *Admin) end(ctx context.Context, r interact.Request) (interact.Response, error) {
	g, err := a.Store.EndGiveawayOnce(ctx, r.Guild, r.At, r.Cause())
	if err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Content: fmt.Sprintf(
		"Giveaway #%d no longer takes entries. Draw the winners with /giveaway draw.", g.Number)}, nil
}

// table rebuilds g's ticket table from what the store holds; fixed once
// g closed.
func (a *Admin) table(ctx context.Context, guild string, g Giveaway) ([]Entrant, error) {
	var entries []Entry
	if g.Keyword != "" {
		var err error
		if entries, err = a.Store.GiveawayEntries(ctx, guild, g.Number); err != nil {
			return nil, err
		}
	}
	activity, err := a.Store.Activity(ctx, guild, watchtime.MinuteOf(g.OpenedAt), watchtime.MinuteOf(g.End()))
	if err != nil {
		return nil, err
	}
	all := Table(g, entries, activity, nil)
	users := make([]int64, len(all))
	for i, e := range all {
		users[i] = e.UserID
	}
	// Banned as the giveaway ended: the same at the draw and every reroll.
	banned, err := a.Store.BannedAt(ctx, guild, users, g.End())
	if err != nil || len(banned) == 0 {
		return all, err
	}
	return Table(g, entries, activity, banned), nil
}

func (a *Admin) draw(ctx context.Context, r interact.Request) (interact.Response, error) {
	g, err := a.Store.Giveaway(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	if g.State == Open && !g.OpenAt(r.At) {
		g.State, g.ClosedAt = Closed, g.EndsAt // ran out without /giveaway end
	}
	if g.State == Open {
		return interact.Response{}, fault.E(fault.Conflict, "giveaway #%d is still running: end it with /giveaway end first", g.Number)
	}
	table, err := a.table(ctx, r.Guild, g)
	if err != nil {
		return interact.Response{}, err
	}
	if g.State != Drawn || g.DrawCause != r.ID { // else the worker's retry of a draw that landed
		p, err := Draw(g, r.Guild, table)
		if err != nil {
			return interact.Response{}, err
		}
		if g, err = a.Store.DrawGiveaway(ctx, r.Guild, g.Number, p, r.At, r.ID); err != nil {
			return interact.Response{}, err
		}
	}
	return a.announce(ctx, r, g, table, "")
}

func (a *Admin) reroll(ctx context.Context, r interact.Request) (interact.Response, error) {
	g, err := a.Store.Giveaway(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	if g.State != Drawn {
		return interact.Response{}, fault.E(fault.Conflict, "giveaway #%d has not been drawn: /giveaway draw first", g.Number)
	}
	table, err := a.table(ctx, r.Guild, g)
	if err != nil {
		return interact.Response{}, err
	}
	if g.RerollCause == r.ID && len(g.Rerolled) > 0 {
		return a.announce(ctx, r, g, table, g.Rerolled[len(g.Rerolled)-1]) // the worker's retry
	}
	who := ""
	if name := strings.TrimPrefix(strings.TrimSpace(r.Options["user"]), "@"); name != "" {
		for _, w := range g.CurrentWinners() {
			if strings.EqualFold(Name(w), name) {
				who = w
			}
		}
		if who == "" {
			return interact.Response{}, fault.E(fault.NotFound, "%s is not a winner of giveaway #%d", name, g.Number)
		}
	}
	p, replaced, err := Reroll(g, r.Guild, table, who)
	if err != nil {
		return interact.Response{}, err
	}
	if g, err = a.Store.RerollGiveaway(ctx, r.Guild, g.Number, p, replaced, r.ID); err != nil {
		return interact.Response{}, err
	}
	return a.announce(ctx, r, g, table, replaced)
}

// Embed is how g's winners are posted in Discord, with everything needed
// to verify the draw; replaced names a winner a reroll replaced.
func Embed(guild string, g Giveaway, table []Entrant, replaced string) interact.Embed {
	ws := g.CurrentWinners()
	lines := make([]string, len(ws))
	for i, w := range ws {
		lines[i] = fmt.Sprintf("🏆 **%s**", Name(w))
	}
	desc := strings.Join(lines, "\n")
	if replaced != "" {
		desc += fmt.Sprintf("\n(rerolled: %s)", Name(replaced))
	}
	p := g.Proof
	published := "Too long for a field: attached to the admin's answer as " + tableFileName(guild, g.Number) + "."
	if csv, ok := tableCSV(table); ok {
		published = "```\n" + csv + "```"
	}
	return interact.Embed{
		Title: fmt.Sprintf("🎉 Giveaway #%d: %s", g.Number, g.Prize), Description: desc, Color: color,
		Fields: []interact.Field{
			{Name: "Entrants", Value: strconv.Itoa(p.Entries), Inline: true},
			{Name: "Tickets", Value: strconv.FormatInt(p.Total, 10), Inline: true},
			{Name: "Drawn", Value: strconv.Itoa(len(p.Winners)), Inline: true},
			{Name: "Period", Value: "`" + Period(guild, g.Number) + "`"},
			{Name: "Seed commitment", Value: "`" + g.Commitment + "`"},
			{Name: "Seed", Value: "`" + p.Seed + "`"},
			{Name: "Client seed (table digest)", Value: "`" + p.ClientSeed + "`"},
			{Name: "Ticket table (id,weight)", Value: published},
		},
		Footer: fmt.Sprintf("Verify: go run ./scripts/verifypick -commitment … -seed … -period %s -table <table> -winners %s",
			Period(guild, g.Number), strings.Join(p.Winners, ",")),
	}
}

// announce says g's winners in Kick chat (once per interaction: the chat
// claim is keyed by it) and posts them to the announce channel; a job run
// again after a transient post failure posts again (better twice than
// never), and the giveaway records how many winners were announced.
func (a *Admin) announce(ctx context.Context, r interact.Request, g Giveaway, table []Entrant, replaced string) (interact.Response, error) {
	e := Embed(r.Guild, g, table, replaced)
	var notes []string
	if a.Chat != nil && a.Channels != nil {
		b, _, _, err := a.Channels.Connection(ctx, r.Guild)
		switch {
		case fault.Is(err, fault.NotFound):
			notes = append(notes, "Not said in Kick chat: this server is not connected to a Kick channel.")
		case err != nil:
			return interact.Response{}, err
		default:
			if _, err := a.Chat.Say(ctx, chat.Message{Broadcaster: b, Text: Announcement(g), Cause: "giveaway:" + r.ID}, r.At); err != nil {
				return interact.Response{}, err
			}
		}
	}
	if a.Poster != nil {
		set, err := a.Store.Settings(ctx, r.Guild)
		if err != nil {
			return interact.Response{}, err
		}
		switch {
		case set.AnnounceChannel == "":
			notes = append(notes, "Not posted in Discord: set an announce channel with /settings set announce_channel.")
		default:
			if err := a.Poster.PostEmbed(ctx, set.AnnounceChannel, e); err != nil {
				if fault.Is(err, fault.Transient) {
					return interact.Response{}, err
				}
				notes = append(notes, "Not posted in Discord: "+fault.Message(err)+".")
			} else {
				_ = a.Store.MarkGiveawayAnnounced(ctx, r.Guild, g.Number, len(g.Proof.Winners))
			}
		}
	}
	shown := e
	if len(notes) > 0 {
		shown.Footer = strings.Join(notes, " ")
	}
	resp := interact.Response{Ephemeral: true, Embeds: []interact.Embed{shown}}
	if _, ok := tableCSV(table); !ok {
		// The embed cannot hold the table: the admin's answer carries it,
		// to publish beside the winners.
		data, err := pick.TableCSV(weighted(table))
		if err != nil {
			return interact.Response{}, err
		}
		if len(data) > interact.MaxAttachmentBytes {
			return interact.Response{}, fault.E(fault.Invalid, "the ticket table takes %d bytes, more than one Discord attachment holds", len(data))
		}
		resp.Files = []interact.File{{Name: tableFileName(r.Guild, g.Number), ContentType: "text/csv", Data: []byte(data)}}
	}
	return resp, nil
}

// tableCSV is table as scripts/verifypick reads it, when an embed field
// holds it.
func tableCSV(table []Entrant) (string, bool) {
	csv, err := pick.TableCSV(weighted(table))
	return csv, err == nil && len(csv) <= maxTableField
}

// tableFileName names the attached table of giveaway number of guild.
func tableFileName(guild string, number int64) string {
	return fmt.Sprintf("giveaway-%s-%d-tickets.csv", guild, number)
}
