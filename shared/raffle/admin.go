package raffle

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/settings"
)

// AdminStore is the store of /raffle; *dynamo.Store is one. Changes made
// with a Cause take effect once per interaction (interact.ErrApplied);
// tickets once per cause (the entry recorded first is returned).
type AdminStore interface {
	Reader
	RafflePeriod(ctx context.Context, guild, id string) (Period, error)
	RaffleSeed(ctx context.Context, guild string) (pick.Seed, error)
	StartRaffle(ctx context.Context, guild string, p Period, seed pick.Seed, c interact.Cause) (Period, error)
	ChangeRaffle(ctx context.Context, guild string, c interact.Cause, change func(p *Period) error) (Period, error)
	// DrawRaffle stores the draw once per cause (the interaction id,
	// claimed at receipt): a rerun returns the first draw.
	DrawRaffle(ctx context.Context, guild, cause string, draw func(p *Period) error) (Period, error)
	// SaveRaffleTable keeps a draw's table under its digest;
	// RaffleTable reads it back (fault.NotFound when not kept).
	SaveRaffleTable(ctx context.Context, guild, period, digest string, table []pick.Weighted) error
	RaffleTable(ctx context.Context, guild, period, digest string) ([]pick.Weighted, error)
	AddTickets(ctx context.Context, guild, period string, user int64, name string, e Entry) (Entry, bool, error)
	VoidGift(ctx context.Context, guild, period, cause, by string, now time.Time) (int64, int64, error)
	RaffleTickets(ctx context.Context, guild, period string, now time.Time) ([]Tickets, error)
	BannedViewers(ctx context.Context, guild string, users []int64, t time.Time) (map[int64]bool, error)
	ViewerByName(ctx context.Context, guild, username string) (audience.Viewer, error)
	Settings(ctx context.Context, guild string) (settings.Settings, error)
}

// Channels finds the Kick channel of a guild; *dynamo.Store is one.
type Channels interface {
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
}

// Admin answers /raffle (interact.Handler's Raffle). The worker, which
// answers /raffle draw, sets Chat, Channels and Embeds to announce the
// winners in Kick chat and in the guild's announce channel.
type Admin struct {
	Store AdminStore
	// Random makes server seeds; nil is crypto/rand.
	Random   io.Reader
	Chat     chat.Sayer
	Channels Channels
	Embeds   interact.EmbedPoster
	// Now is when chat messages are said; nil is time.Now.
	Now func() time.Time
}

var _ interact.Feature = (*Admin)(nil)

const accent = 0xF2C14E

// Handle answers r, a /raffle subcommand.
func (a *Admin) Handle(ctx context.Context, r interact.Request) (interact.Response, error) {
	if a.Store == nil {
		return interact.Response{}, fault.E(fault.NotFound, "raffles are not set up on this bot")
	}
	switch r.Sub {
	case "start":
		return a.start(ctx, r)
	case "status":
		return a.status(ctx, r)
	case "draw":
		return a.draw(ctx, r)
	case "end":
		p, err := a.Store.ChangeRaffle(ctx, r.Guild, r.Cause(), func(p *Period) error { return p.End() })
		if err != nil {
			return interact.Response{}, err
		}
		return interact.Response{Ephemeral: true, Content: fmt.Sprintf("Raffle %s ended without a draw.", p.ID)}, nil
	case "tickets":
		return a.tickets(ctx, r)
	case "exclude":
		return a.exclude(ctx, r)
	case "settings":
		return a.settings(ctx, r)
	case "verify":
		return a.verify(ctx, r)
	}
	return interact.Response{}, fault.E(fault.NotFound, "unknown command")
}

func intOption(r interact.Request, name string) (int64, bool, error) {
	v, ok := r.Options[name]
	if !ok || v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, false, fault.E(fault.Invalid, "%s must be a whole number", name)
	}
	return n, true, nil
}

func (a *Admin) start(ctx context.Context, r interact.Request) (interact.Response, error) {
	days, _, err := intOption(r, "days")
	if err != nil {
		return interact.Response{}, err
	}
	winners, _, err := intOption(r, "winners")
	if err != nil {
		return interact.Response{}, err
	}
	set := Defaults()
	if prev, ok, err := a.Store.Raffle(ctx, r.Guild); err != nil {
		return interact.Response{}, err
	} else if ok {
		set = prev.Settings // settings carry over to the next period
	}
	random := a.Random
	if random == nil {
		random = rand.Reader
	}
	seed, err := pick.NewSeed(random)
	if err != nil {
		return interact.Response{}, err
	}
	p, err := New(r.At, int(days), int(winners), r.Options["prize"], seed.Commitment(), set)
	if err != nil {
		return interact.Response{}, err
	}
	if p, err = a.Store.StartRaffle(ctx, r.Guild, p, seed, r.Cause()); err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Content: "Raffle started. Viewers check their tickets with !tickets.",
		Embeds: []interact.Embed{statusEmbed(p, 0)}}, nil
}

func (a *Admin) latest(ctx context.Context, guild string) (Period, error) {
	p, ok, err := a.Store.Raffle(ctx, guild)
	if err == nil && !ok {
		err = fault.E(fault.NotFound, "there is no raffle: start one with /raffle start")
	}
	return p, err
}

func (a *Admin) status(ctx context.Context, r interact.Request) (interact.Response, error) {
	p, err := a.latest(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	total, err := a.Store.RaffleTotal(ctx, r.Guild, p.ID)
	if err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{statusEmbed(p, total)}}, nil
}

// statusEmbed shows p with the SHA-256 of its seed, committed from the
// start.
func statusEmbed(p Period, total int64) interact.Embed {
	prize := p.Prize
	if prize == "" {
		prize = "(no prize named)"
	}
	s := p.Settings
	return interact.Embed{Title: "🎟️ Raffle " + p.ID + " (" + string(p.State) + ")", Color: accent, Fields: []interact.Field{
		{Name: "Prize", Value: prize, Inline: true},
		{Name: "Winners", Value: strconv.Itoa(p.Winners), Inline: true},
		{Name: "Ends", Value: fmt.Sprintf("<t:%d:f>", p.Ends.Unix()), Inline: true},
		{Name: "Tickets so far", Value: fmt.Sprintf("about %d (held gifts included)", total), Inline: true},
		{Name: "Excluded", Value: strconv.Itoa(len(p.Excluded)), Inline: true},
		{Name: "Settings", Value: fmt.Sprintf("%d/hour watched, %d/gifted sub (held %dh), %d/sub, %d/100 KICKs",
			s.PerHour, s.PerGift, int(s.GiftHold/time.Hour), s.PerSub, s.Per100Kicks)},
		{Name: "Seed commitment (SHA-256)", Value: "`" + p.Commitment + "`"},
	}}
}

// viewer resolves the user option to a Kick viewer of the guild.
func (a *Admin) viewer(ctx context.Context, r interact.Request) (audience.Viewer, error) {
	name := strings.TrimPrefix(strings.TrimSpace(r.Options["user"]), "@")
	if name == "" {
		return audience.Viewer{}, fault.E(fault.Invalid, "name the viewer: user:<kick name>")
	}
	return a.Store.ViewerByName(ctx, r.Guild, name)
}

func (a *Admin) tickets(ctx context.Context, r interact.Request) (interact.Response, error) {
	p, err := a.latest(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	if p.State != Open {
		return interact.Response{}, fault.E(fault.Conflict, "the raffle is %s", p.State)
	}
	action := r.Options["action"]
	if action == "void" {
		gift := strings.TrimSpace(r.Options["gift"])
		if gift == "" {
			return interact.Response{}, fault.E(fault.Invalid, "name the gift event: gift:<event id>")
		}
		user, n, err := a.Store.VoidGift(ctx, r.Guild, p.ID, gift, r.UserID, r.At)
		if err != nil {
			return interact.Response{}, err
		}
		return interact.Response{Ephemeral: true, Content: fmt.Sprintf("Voided %d held gift tickets of viewer %d.", n, user)}, nil
	}
	v, err := a.viewer(ctx, r)
	if err != nil {
		return interact.Response{}, err
	}
	amount, ok, err := intOption(r, "amount")
	switch {
	case err != nil:
		return interact.Response{}, err
	case !ok || amount < 1:
		return interact.Response{}, fault.E(fault.Invalid, "give an amount of at least 1")
	}
	if action == "remove" {
		amount = -amount
	} else if action != "add" {
		return interact.Response{}, fault.E(fault.Invalid, "the action is add, remove or void")
	}
	e := Entry{Cause: r.ID, Source: Manual, Tickets: amount, At: r.At, Reason: r.Options["reason"], By: r.UserID}
	got, applied, err := a.Store.AddTickets(ctx, r.Guild, p.ID, v.UserID, v.Username, e)
	if err != nil {
		return interact.Response{}, err
	}
	if !applied {
		return interact.Applied(), nil
	}
	verb := "Gave"
	if got.Tickets < 0 {
		verb = "Took"
	}
	return interact.Response{Ephemeral: true, Content: fmt.Sprintf("%s %d tickets %s %s.", verb, abs(got.Tickets), map[bool]string{true: "from", false: "to"}[got.Tickets < 0], v.Username)}, nil
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func (a *Admin) exclude(ctx context.Context, r interact.Request) (interact.Response, error) {
	v, err := a.viewer(ctx, r)
	if err != nil {
		return interact.Response{}, err
	}
	add := r.Options["action"] != "remove"
	if _, err := a.Store.ChangeRaffle(ctx, r.Guild, r.Cause(), func(p *Period) error { return p.Exclude(v.UserID, add) }); err != nil {
		return interact.Response{}, err
	}
	if add {
		return interact.Response{Ephemeral: true, Content: v.Username + " is left out of this raffle's draw."}, nil
	}
	return interact.Response{Ephemeral: true, Content: v.Username + " is back in this raffle's draw."}, nil
}

func (a *Admin) settings(ctx context.Context, r interact.Request) (interact.Response, error) {
	opts := []struct {
		name string
		set  func(s *Settings, n int64)
	}{
		{"tickets_per_hour", func(s *Settings, n int64) { s.PerHour = n }},
		{"tickets_per_gift", func(s *Settings, n int64) { s.PerGift = n }},
		{"tickets_per_sub", func(s *Settings, n int64) { s.PerSub = n }},
		{"tickets_per_100_kicks", func(s *Settings, n int64) { s.Per100Kicks = n }},
		{"gift_hold_hours", func(s *Settings, n int64) { s.GiftHold = time.Duration(n) * time.Hour }},
	}
	var changes []func(*Settings)
	for _, o := range opts {
		n, ok, err := intOption(r, o.name)
		if err != nil {
			return interact.Response{}, err
		}
		if ok {
			changes = append(changes, func(s *Settings) { o.set(s, n) })
		}
	}
	if len(changes) == 0 {
		p, err := a.latest(ctx, r.Guild)
		if err != nil {
			return interact.Response{}, err
		}
		return interact.Response{Ephemeral: true, Content: p.Settings.HowToEarn()}, nil
	}
	p, err := a.Store.ChangeRaffle(ctx, r.Guild, r.Cause(), func(p *Period) error {
		s := p.Settings
		for _, c := range changes {
			c(&s)
		}
		if err := s.Validate(); err != nil {
			return err
		}
		p.Settings = s
		return nil
	})
	if err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Content: "Saved. " + p.Settings.HowToEarn() + " Tickets granted before keep their amounts."}, nil
}

// draw is answered by the worker: it builds the final table (excluded
// and banned viewers removed, held gifts left out), draws, stores the
// proof, and announces the winners in Kick chat and the announce
// channel.
func (a *Admin) draw(ctx context.Context, r interact.Request) (interact.Response, error) {
	p, err := a.latest(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	var table []pick.Weighted
	names := map[string]string{}
	var seed pick.Seed
	if p.State == Open {
		all, err := a.Store.RaffleTickets(ctx, r.Guild, p.ID, r.At)
		if err != nil {
			return interact.Response{}, err
		}
		users := make([]int64, 0, len(all))
		for _, v := range all {
			if v.Total() > 0 {
				users = append(users, v.UserID)
			}
			names[strconv.FormatInt(v.UserID, 10)] = v.Name
		}
		banned, err := a.Store.BannedViewers(ctx, r.Guild, users, r.At)
		if err != nil {
			return interact.Response{}, err
		}
		table = p.Table(all, func(u int64) bool { return banned[u] })
		if seed, err = a.Store.RaffleSeed(ctx, r.Guild); err != nil {
			return interact.Response{}, err
		}
		if len(table) > 0 {
			// Kept before the draw is stored: a stored draw always has
			// its table.
			digest, err := pick.TableDigest(p.ID, table)
			if err != nil {
				return interact.Response{}, err
			}
			if err := a.Store.SaveRaffleTable(ctx, r.Guild, p.ID, digest, table); err != nil {
				return interact.Response{}, err
			}
		}
	}
	id := p.ID
	p, err = a.Store.DrawRaffle(ctx, r.Guild, r.ID, func(cur *Period) error {
		if cur.ID != id || seed == nil {
			return fault.E(fault.Conflict, "the raffle is %s", cur.State)
		}
		return cur.Draw(seed, table, names, r.At)
	})
	if err != nil {
		return interact.Response{}, err
	}
	e := ResultEmbed(p)
	notes := []string{a.say(ctx, r, p), a.post(ctx, r, e)}
	return interact.Response{Ephemeral: true, Content: strings.Join(notes, " "), Embeds: []interact.Embed{e}}, nil
}

// Announcement is the winners' line in Kick chat.
func Announcement(p Period) string {
	var ws []string
	for _, n := range p.Result.Names {
		ws = append(ws, "@"+n)
	}
	return fmt.Sprintf("🎉 Raffle drawn! Winner%s: %s. Verify it: /raffle verify period:%s", map[bool]string{true: "s", false: ""}[len(ws) > 1], strings.Join(ws, ", "), p.ID)
}

func (a *Admin) say(ctx context.Context, r interact.Request, p Period) string {
	if a.Chat == nil || a.Channels == nil {
		return "Not said in Kick chat: the bot cannot post there."
	}
	broadcaster, _, _, err := a.Channels.Connection(ctx, r.Guild)
	if err != nil {
		return "Not said in Kick chat: this server is not connected to a Kick channel."
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	out, err := a.Chat.Say(ctx, chat.Message{Broadcaster: broadcaster, Text: Announcement(p), Cause: "raffle:" + r.ID}, now())
	switch {
	case err != nil:
		return "Not said in Kick chat: " + fault.Message(err) + "."
	case out == chat.Sent, out == chat.Repeated:
		return "Said in Kick chat."
	}
	return "Not said in Kick chat: the chat was too busy."
}

func (a *Admin) post(ctx context.Context, r interact.Request, e interact.Embed) string {
	if a.Embeds == nil {
		return "Not posted in Discord: the bot cannot post there."
	}
	channel := r.Options["channel"]
	if channel == "" {
		set, err := a.Store.Settings(ctx, r.Guild)
		if err != nil {
			return "Not posted in Discord: the settings could not be read."
		}
		channel = set.AnnounceChannel
	}
	if channel == "" {
		return "Not posted in Discord: give a channel, or set one with /settings set announce_channel."
	}
	if err := a.Embeds.PostEmbed(ctx, channel, e); err != nil {
		return "Not posted in Discord: " + fault.Message(err) + "."
	}
	return "Posted in Discord."
}

// ResultEmbed shows a drawn period's winners with everything needed to
// verify the draw.
func ResultEmbed(p Period) interact.Embed {
	res := p.Result
	var lines []string
	for i, w := range res.Proof.Winners {
		name := ""
		if i < len(res.Names) {
			name = res.Names[i]
		}
		lines = append(lines, fmt.Sprintf("%d. **%s** (Kick id %s)", i+1, name, w))
	}
	prize := p.Prize
	if prize == "" {
		prize = "the raffle"
	}
	return interact.Embed{Title: "🏆 Raffle winners: " + prize, Description: strings.Join(lines, "\n"), Color: accent,
		Fields: verifyFields(p),
		Footer: "Ticket-weighted, no repeats. The seed was committed when the raffle started; recompute the winners from the ticket table with scripts/verifypick."}
}

func verifyFields(p Period) []interact.Field {
	f := []interact.Field{
		{Name: "Period", Value: "`" + p.ID + "`", Inline: true},
		{Name: "Commitment (SHA-256 of the seed)", Value: "`" + p.Commitment + "`"},
	}
	if r := p.Result; r != nil {
		f = append(f,
			interact.Field{Name: "Seed (revealed)", Value: "`" + r.Proof.Seed + "`"},
			interact.Field{Name: "Client seed (table digest)", Value: "`" + r.Proof.ClientSeed + "`"},
			interact.Field{Name: "Entries", Value: strconv.Itoa(r.Proof.Entries), Inline: true},
			interact.Field{Name: "Tickets", Value: strconv.FormatInt(r.Proof.Total, 10), Inline: true},
			interact.Field{Name: "Winners (ids)", Value: strings.Join(r.Proof.Winners, ", "), Inline: true})
	}
	return f
}

func (a *Admin) verify(ctx context.Context, r interact.Request) (interact.Response, error) {
	var p Period
	var err error
	if id := strings.TrimSpace(r.Options["period"]); id != "" {
		p, err = a.Store.RafflePeriod(ctx, r.Guild, id)
	} else {
		p, err = a.latest(ctx, r.Guild)
	}
	if err != nil {
		return interact.Response{}, err
	}
	e := interact.Embed{Title: "🔎 Raffle " + p.ID + " (" + string(p.State) + ")", Color: accent, Fields: verifyFields(p)}
	if p.Result == nil {
		e.Description = "Not drawn yet: the seed stays secret until the draw; its SHA-256 is the commitment below."
		return interact.Response{Ephemeral: true, Embeds: []interact.Embed{e}}, nil
	}
	table, err := a.Store.RaffleTable(ctx, r.Guild, p.ID, p.Result.Proof.ClientSeed)
	if err != nil {
		return interact.Response{}, err
	}
	check := "✅ The stored table redraws these winners."
	if err := pick.VerifyWeighted(p.Result.Proof, p.ID, table); err != nil {
		check = "❌ The stored table does not redraw these winners: " + fault.Message(err)
	}
	e.Description = check + "\nCheck SHA-256(seed) = commitment, rebuild the client seed from the period id and the ticket table " +
		"(one line per viewer: Kick id, a space and tickets, sorted by id as text), and redraw with scripts/verifypick."
	block, whole := tableBlock(table, maxTableText)
	e.Description += "\n" + block
	resp := interact.Response{Ephemeral: true, Embeds: []interact.Embed{e}}
	if !whole {
		f, err := TableFile("raffle-"+p.ID, table)
		if err != nil {
			return interact.Response{}, err
		}
		resp.Files = []interact.File{f}
		e.Description += fmt.Sprintf("\nThe whole table (%d lines) is attached: `go run ./scripts/verifypick -commitment … -seed … -period %s -table %s -winners …`.",
			len(table), p.ID, f.Name)
		resp.Embeds[0] = e
	}
	return resp, nil
}

// TableFile is table as the CSV file scripts/verifypick reads
// (pick.TableCSV), named after name, for a draw's table too long for an
// embed. A table beyond one Discord attachment is fault.Invalid.
func TableFile(name string, table []pick.Weighted) (interact.File, error) {
	data, err := pick.TableCSV(table)
	if err != nil {
		return interact.File{}, err
	}
	if len(data) > interact.MaxAttachmentBytes {
		return interact.File{}, fault.E(fault.Invalid, "the ticket table takes %d bytes, more than one Discord attachment holds", len(data))
	}
	return interact.File{Name: name + "-tickets.csv", ContentType: "text/csv", Data: []byte(data)}, nil
}

// maxTableText bounds the table shown in /raffle verify, within an
// embed description's 4,096 characters.
const maxTableText = 3200

// tableBlock writes table as a code block of "<kick id> <tickets>"
// lines, up to limit characters, saying how many lines it left out; whole
// reports that it left none out.
func tableBlock(table []pick.Weighted, limit int) (block string, whole bool) {
	var b strings.Builder
	b.WriteString("```\n")
	whole = true
	for i, w := range table {
		line := w.ID + " " + strconv.FormatInt(w.Weight, 10) + "\n"
		if b.Len()+len(line) > limit {
			fmt.Fprintf(&b, "… %d more lines, in the attached file\n", len(table)-i)
			whole = false
			break
		}
		b.WriteString(line)
	}
	b.WriteString("```")
	return b.String(), whole
}
