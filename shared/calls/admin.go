package calls

import (
	"context"
	"crypto/rand"
	"fmt"
	"github.com/kickbot/kickbot/shared/wording"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
)

// AdminStore is the store of the /calls commands; *dynamo.Store is one.
type AdminStore interface {
	Store
	// SaveCallState writes st as guild's state if the stored one is still
	// at st.Version (0: none stored), once per cause: interact.ErrApplied
	// when c took effect before, fault.Conflict when the state changed
	// meanwhile.
	SaveCallState(ctx context.Context, guild string, st State, c interact.Cause) error
	// Calls returns round's calls, by number.
	Calls(ctx context.Context, guild, round string) ([]Call, error)
	// PickCall saves st, the state after its pick st.Last, as
	// SaveCallState does, and marks st.Last.Call picked, both or neither.
	// A state changed meanwhile is fault.Conflict. (The pick's
	// interaction was claimed at receipt: a retry of it finds st.Last
	// made by it.)
	PickCall(ctx context.Context, guild string, st State) error
}

// Channels finds the Kick channel of a guild; *dynamo.Store is one.
type Channels interface {
	// Connection returns the Kick channel connected to guild, or
	// fault.NotFound.
	Connection(ctx context.Context, guild string) (broadcaster int64, name string, at time.Time, err error)
}

// Admin answers the /calls slash commands (interact.Handler's Calls).
// /calls pick is answered by the worker, which sets Chat, Channels and
// Poster to announce the pick in Kick chat and the calls channel; without
// them it is announced where they are set.
type Admin struct {
	Store AdminStore
	// Random makes pick seeds; nil is crypto/rand.
	Random   io.Reader
	Chat     chat.Sayer
	Channels Channels
	Poster   Poster
	Log      *slog.Logger
}

var _ interact.Feature = (*Admin)(nil)

// Handle answers r, a /calls subcommand.
func (a *Admin) Handle(ctx context.Context, r interact.Request) (interact.Response, error) {
	if a.Store == nil {
		return interact.Response{}, fault.E(fault.NotFound, "slot calls are not set up on this bot")
	}
	if r.Command != "calls" {
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	switch r.Sub {
	case "list":
		return a.list(ctx, r)
	case "verify":
		return a.verify(ctx, r)
	case "pick":
		return a.pick(ctx, r)
	}
	st, err := a.Store.CallState(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	var said string
	switch r.Sub {
	case "open":
		limit, allow, err := openOptions(r)
		if err != nil {
			return interact.Response{}, err
		}
		seed, err := a.seed()
		if err != nil {
			return interact.Response{}, err
		}
		if st, err = Open(st, r.ID, limit, allow, seed, r.At); err != nil {
			return interact.Response{}, err
		}
		said = fmt.Sprintf("Calls are open: !call <slot> in Kick chat (%s, duplicates %s).\nNext pick's commitment: `%s`",
			limitText(limit), map[bool]string{true: "allowed", false: "blocked"}[allow], st.Round.Commitment)
	case "close":
		if st, err = Close(st); err != nil {
			return interact.Response{}, err
		}
		said = "Calls are closed. /calls pick still draws from them."
	case "clear":
		seed, err := a.seed()
		if err != nil {
			return interact.Response{}, err
		}
		if st, err = Clear(st, r.ID, seed, r.At); err != nil {
			return interact.Response{}, err
		}
		said = "The calls are cleared."
	case "blacklist":
		return a.blacklist(ctx, r, st)
	case "channel":
		ch := r.Options["channel"]
		if ch == "" {
			return interact.Response{}, fault.E(fault.Invalid, "choose a channel")
		}
		st.Channel = ch
		said = "Accepted calls will be posted in <#" + ch + ">."
	default:
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	if err := a.Store.SaveCallState(ctx, r.Guild, st, r.Cause()); err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Content: said}, nil
}

func openOptions(r interact.Request) (limit int, allow bool, err error) {
	limit = DefaultLimit
	if v, ok := r.Options["limit_per_user"]; ok {
		if limit, err = strconv.Atoi(v); err != nil {
			return 0, false, fault.E(fault.Invalid, "limit_per_user must be a whole number")
		}
	}
	if v, ok := r.Options["allow_duplicates"]; ok {
		if allow, err = strconv.ParseBool(v); err != nil {
			return 0, false, fault.E(fault.Invalid, "allow_duplicates must be true or false")
		}
	}
	return limit, allow, nil
}

func limitText(limit int) string {
	if limit == 0 {
		return "no limit per viewer"
	}
	return fmt.Sprintf("%d per viewer", limit)
}

func (a *Admin) seed() (pick.Seed, error) {
	r := a.Random
	if r == nil {
		r = rand.Reader
	}
	return pick.NewSeed(r)
}

func (a *Admin) blacklist(ctx context.Context, r interact.Request, st State) (interact.Response, error) {
	action := r.Options["action"]
	if action == "list" {
		return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{Title: "Calls blacklist", Color: interact.Accent, Fields: []interact.Field{
			{Name: "Viewers", Value: wording.Cut(listed(st.Viewers), interact.MaxFieldValue)}, {Name: "Slots", Value: wording.Cut(listed(st.Slots), interact.MaxFieldValue)},
		}}}}, nil
	}
	if action != "add" && action != "remove" {
		return interact.Response{}, fault.E(fault.Invalid, "action is add, remove or list")
	}
	st, err := Blacklist(st, action == "add", r.Options["viewer"], r.Options["slot"])
	if err != nil {
		return interact.Response{}, err
	}
	if err := a.Store.SaveCallState(ctx, r.Guild, st, r.Cause()); err != nil {
		return interact.Response{}, err
	}
	verb := map[string]string{"add": "Blacklisted", "remove": "Removed from the blacklist"}[action]
	var what []string
	if v := NormalizeName(r.Options["viewer"]); v != "" {
		what = append(what, "viewer "+v)
	}
	if k := Key(r.Options["slot"]); k != "" {
		what = append(what, "slot "+k)
	}
	return interact.Response{Ephemeral: true, Content: verb + ": " + strings.Join(what, ", ") + "."}, nil
}

func listed(list []string) string {
	if len(list) == 0 {
		return "(none)"
	}
	return strings.Join(list, ", ")
}

func (a *Admin) list(ctx context.Context, r interact.Request) (interact.Response, error) {
	st, err := a.Store.CallState(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	if st.Round.ID == "" {
		return interact.Response{Ephemeral: true, Content: "No calls yet: /calls open starts a round."}, nil
	}
	all, err := a.Store.Calls(ctx, r.Guild, st.Round.ID)
	if err != nil {
		return interact.Response{}, err
	}
	page := 1
	if v, ok := r.Options["page"]; ok {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return interact.Response{}, fault.E(fault.Invalid, "page is a whole number from 1")
		}
	}
	pages := max(1, (len(all)+PageSize-1)/PageSize)
	page = min(page, pages)
	var b strings.Builder
	for _, c := range all[min(len(all), (page-1)*PageSize):min(len(all), page*PageSize)] {
		mark := ""
		if c.Picked {
			mark = " ✅"
		}
		fmt.Fprintf(&b, "#%d %s — %s%s\n", c.Number, c.Slot, c.Username, mark)
	}
	if len(all) == 0 {
		b.WriteString("No calls yet.")
	}
	state := map[bool]string{true: "open", false: "closed"}[st.Round.Open]
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
		Title: fmt.Sprintf("Calls (%d, %d pending) — %s", len(all), len(Pending(all)), state), Description: strings.TrimSpace(b.String()), Color: interact.Accent,
		Footer: fmt.Sprintf("Page %d of %d", page, pages),
	}}}, nil
}

// pick draws one pending call (see package pick), marks it picked, makes
// it the current slot and announces it; once per interaction: the worker
// finishing it again answers the pick it made.
func (a *Admin) pick(ctx context.Context, r interact.Request) (interact.Response, error) {
	st, err := a.Store.CallState(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	if st.Round.ID == "" {
		return interact.Response{}, fault.E(fault.Conflict, "there are no calls: /calls open starts a round")
	}
	all, err := a.Store.Calls(ctx, r.Guild, st.Round.ID)
	if err != nil {
		return interact.Response{}, err
	}
	var p Pick
	if st.Last != nil && st.Last.Cause == r.ID {
		p = *st.Last // the worker's retry of a pick that landed
	} else {
		if p, err = Draw(st.Round, Pending(all), r.At); err != nil {
			return interact.Response{}, err
		}
		p.Cause = r.ID
		next, err := a.seed()
		if err != nil {
			return interact.Response{}, err
		}
		if err := a.Store.PickCall(ctx, r.Guild, Picked(st, p, next)); err != nil {
			return interact.Response{}, err
		}
	}
	if err := a.announce(ctx, r, st.Channel, p); err != nil {
		return interact.Response{}, err
	}
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{PickEmbed(p)}}, nil
}

// PickText is how a pick is said in Kick chat.
func PickText(p Pick) string {
	return fmt.Sprintf("🎰 Picked call #%d: %s, called by @%s! (verify: /calls verify)", p.Call.Number, p.Call.Slot, p.Call.Username)
}

// PickEmbed is how a pick is shown in Discord.
func PickEmbed(p Pick) interact.Embed {
	return interact.Embed{
		Title: fmt.Sprintf("Picked call #%d", p.Call.Number), Description: p.Call.Slot, Color: interact.Accent,
		Fields: []interact.Field{
			{Name: "Called by", Value: p.Call.Username, Inline: true},
			{Name: "Among", Value: fmt.Sprintf("%d pending", p.Proof.Entries), Inline: true},
		},
		Footer: "Pick " + strconv.FormatUint(p.Proof.Nonce, 10) + " of the round; /calls verify shows the proof",
	}
}

// announce says p in Kick chat (once per interaction: the chat claim is
// keyed by it) and posts it to the calls channel.
func (a *Admin) announce(ctx context.Context, r interact.Request, channel string, p Pick) error {
	if a.Chat != nil && a.Channels != nil {
		b, _, _, err := a.Channels.Connection(ctx, r.Guild)
		switch {
		case fault.Is(err, fault.NotFound):
		case err != nil:
			return err
		default:
			if _, err := a.Chat.Say(ctx, chat.Message{Broadcaster: b, Text: PickText(p), Cause: "callpick:" + r.ID}, r.At); err != nil {
				return err
			}
		}
	}
	if a.Poster != nil && channel != "" {
		if err := a.Poster.PostEmbed(ctx, channel, PickEmbed(p)); err != nil {
			if fault.Is(err, fault.Transient) {
				return err
			}
			a.log().WarnContext(ctx, "pick not posted to Discord", "guild", r.Guild, "channel", channel, "err", err)
		}
	}
	return nil
}

func (a *Admin) verify(ctx context.Context, r interact.Request) (interact.Response, error) {
	st, err := a.Store.CallState(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	next := "(no round)"
	if st.Round.Commitment != "" {
		next = "`" + st.Round.Commitment + "`"
	}
	if st.Last == nil {
		return interact.Response{Ephemeral: true, Content: "No pick to verify yet. The next pick's commitment: " + next}, nil
	}
	p := st.Last.Proof
	nums := make([]string, len(st.Last.Entries))
	for i, n := range st.Last.Entries {
		nums[i] = strconv.Itoa(n)
	}
	ids := strings.Join(nums, ",")
	command := fmt.Sprintf("go run ./scripts/verifypick -commitment %s -seed %s -round %s -ids %s -nonce %d",
		p.Commitment, p.Seed, st.Last.Round, ids, p.Nonce)
	if len(command) > interact.MaxEmbedFooter {
		command = fmt.Sprintf("go run ./scripts/verifypick -commitment %s -seed %s -client %s -nonce %d -entries %d",
			p.Commitment, p.Seed, p.ClientSeed, p.Nonce, p.Entries)
	}
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{
		Title: fmt.Sprintf("Pick %d of round %s: call #%d", p.Nonce, st.Last.Round, st.Last.Call.Number), Color: interact.Accent,
		Fields: []interact.Field{
			{Name: "Commitment (SHA-256 of the seed, shown before the pick)", Value: "`" + p.Commitment + "`"},
			{Name: "Seed (revealed)", Value: "`" + p.Seed.String() + "`"},
			{Name: "Client seed (SHA-256 of the round id and the entries)", Value: "`" + p.ClientSeed + "`"},
			{Name: "Entries: the pending calls, in order", Value: wording.Cut(strings.Join(nums, ", "), interact.MaxFieldValue)},
			{Name: "Nonce", Value: strconv.FormatUint(p.Nonce, 10), Inline: true},
			{Name: "Count", Value: strconv.Itoa(p.Entries), Inline: true},
			{Name: "Result", Value: wording.Cut(fmt.Sprintf("index %d: call #%d, %s by %s", p.Index, st.Last.Call.Number, st.Last.Call.Slot, st.Last.Call.Username), interact.MaxFieldValue)},
			{Name: "Next pick's commitment", Value: next},
		},
		Footer: command,
	}}}, nil
}

func (a *Admin) log() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}
