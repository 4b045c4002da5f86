package interact

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/hunt"
	"github.com/kickbot/kickbot/shared/money"
)

// Hunts are a guild's bonus hunt (/hunt); *dynamo.Store is one. Every
// change takes effect once per cause: ErrApplied when c took effect
// before; fault.NotFound when the guild has no hunt; otherwise package
// hunt's errors (fault.Invalid, fault.NotFound for no such bonus,
// fault.Conflict for a finished hunt).
type Hunts interface {
	// LatestHunt returns the guild's latest hunt, open or finished;
	// false when it never had one.
	LatestHunt(ctx context.Context, guild string) (hunt.Hunt, bool, error)
	// StartHunt makes h the guild's hunt, replacing a finished one;
	// fault.Conflict while one is open.
	StartHunt(ctx context.Context, guild string, h hunt.Hunt, c Cause) (hunt.Hunt, error)
	// AddBonus adds a bonus of slot at bet as the hunt's last.
	AddBonus(ctx context.Context, guild, slot string, bet money.Cents, c Cause) (hunt.Hunt, error)
	// PayBonus records what the bonus ref ("#n" or a slot) paid, and
	// returns its index.
	PayBonus(ctx context.Context, guild, ref string, amount money.Cents, c Cause) (hunt.Hunt, int, error)
	// RemoveBonus removes the bonus ref names, the last when ref is "".
	RemoveBonus(ctx context.Context, guild, ref string, c Cause) (hunt.Hunt, hunt.Bonus, error)
	// FinishHunt finishes the open hunt at now.
	FinishHunt(ctx context.Context, guild string, now time.Time, c Cause) (hunt.Hunt, error)
}

// PickedCall is the slot being played: the call /calls pick drew last,
// as !current shows it.
type PickedCall struct {
	Slot string
	// By is who called it; Number its number in its round.
	By     string
	Number int
}

// PickedCalls finds a guild's picked call, for /hunt add without a slot;
// *dynamo.Store is one.
type PickedCalls interface {
	// PickedCall returns the guild's current picked call; false when no
	// call was ever picked.
	PickedCall(ctx context.Context, guild string) (PickedCall, bool, error)
}

// maxAmountText bounds an amount option's text: "$1,000,000,000.00".
const maxAmountText = 24

// huntCommand is /hunt.
var huntCommand = Command{Name: "hunt", Description: "Track a bonus hunt: its bonuses, payouts and break-even", Admin: true, Subcommands: []Command{
	{Name: "start", Description: "Start a bonus hunt (after the last one finished)", Changes: true, Options: []Option{
		{Name: "balance", Description: "What the hunt cost: 1000, $1,234.50 or 1.5k", Type: StringOption, Required: true, MaxLen: maxAmountText},
		{Name: "name", Description: "A name for the hunt", Type: StringOption, MaxLen: hunt.MaxName},
	}},
	{Name: "add", Description: "Add a bonus to the hunt", Changes: true, Options: []Option{
		{Name: "bet", Description: "The bet: 2, $0.60 or 1k", Type: StringOption, Required: true, MaxLen: maxAmountText},
		{Name: "slot", Description: "The slot (default: the picked call, as !current shows it)", Type: StringOption, MaxLen: hunt.MaxSlot},
	}},
	{Name: "payout", Description: "Record what a bonus paid", Changes: true, Options: []Option{
		{Name: "slot", Description: "The slot (its first unopened bonus), or #n for the n-th bonus", Type: StringOption, Required: true, MaxLen: hunt.MaxSlot},
		{Name: "amount", Description: "What it paid: 150, $33.30 or 1.2k", Type: StringOption, Required: true, MaxLen: maxAmountText},
	}},
	{Name: "remove", Description: "Remove a bonus (default: the last one)", Changes: true, Options: []Option{
		{Name: "slot", Description: "The slot, or #n for the n-th bonus", Type: StringOption, MaxLen: hunt.MaxSlot},
	}},
	{Name: "finish", Description: "Finish the hunt; its final balance can settle guess the balance", Changes: true},
	{Name: "show", Description: "Show the hunt's bonuses and figures in this channel"},
}}

func (h *Handler) hunts() (Hunts, error) {
	if h.Hunts == nil {
		return nil, fault.E(fault.NotFound, "bonus hunts are not set up on this bot")
	}
	return h.Hunts, nil
}

// amountOption parses r's option name as money (money.Parse).
func amountOption(r Request, name string) (money.Cents, error) {
	c, err := money.Parse(r.Options[name])
	if err != nil {
		return 0, fault.Wrap(fault.Invalid, err, name+": "+fault.Message(err))
	}
	return c, nil
}

func (h *Handler) huntStart(ctx context.Context, r Request) (Response, error) {
	store, err := h.hunts()
	if err != nil {
		return Response{}, err
	}
	start, err := amountOption(r, "balance")
	if err != nil {
		return Response{}, err
	}
	hu, err := hunt.New(r.Options["name"], start, r.At)
	if err != nil {
		return Response{}, err
	}
	if hu, err = store.StartHunt(ctx, r.Guild, hu, r.Cause()); err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: "Hunt started. Add bonuses with /hunt add bet:<amount> slot:<slot>, or without a slot for the picked call.",
		Embeds: []Embed{huntEmbed(hu)}}, nil
}

func (h *Handler) huntAdd(ctx context.Context, r Request) (Response, error) {
	store, err := h.hunts()
	if err != nil {
		return Response{}, err
	}
	bet, err := amountOption(r, "bet")
	if err != nil {
		return Response{}, err
	}
	slot, from := r.Options["slot"], ""
	if strings.TrimSpace(slot) == "" {
		p, err := h.pickedCall(ctx, r.Guild)
		if err != nil {
			return Response{}, err
		}
		slot, from = p.Slot, fmt.Sprintf(" (picked call #%d, called by %s)", p.Number, escape(p.By))
	}
	hu, err := store.AddBonus(ctx, r.Guild, slot, bet, r.Cause())
	if err != nil {
		return Response{}, err
	}
	n := len(hu.Bonuses)
	b := hu.Bonuses[n-1]
	return Response{Ephemeral: true, Content: fmt.Sprintf("Added bonus #%d: **%s** at %s%s.", n, escape(b.Slot), b.Bet, from),
		Embeds: []Embed{huntEmbed(hu)}}, nil
}

// pickedCall is the slot /hunt add takes when it is given none: the
// guild's current picked call. A replay of the interaction may find a
// later pick; the store answers it ErrApplied all the same, since the
// add is keyed by the interaction.
func (h *Handler) pickedCall(ctx context.Context, guild string) (PickedCall, error) {
	if h.Picked == nil {
		return PickedCall{}, fault.E(fault.Invalid, "name the slot: slot calls are not set up on this bot")
	}
	p, ok, err := h.Picked.PickedCall(ctx, guild)
	switch {
	case err != nil:
		return PickedCall{}, err
	case !ok:
		return PickedCall{}, fault.E(fault.Invalid, "no call has been picked: name the slot, or draw one with /calls pick")
	}
	return p, nil
}

func (h *Handler) huntPayout(ctx context.Context, r Request) (Response, error) {
	store, err := h.hunts()
	if err != nil {
		return Response{}, err
	}
	amount, err := amountOption(r, "amount")
	if err != nil {
		return Response{}, err
	}
	hu, i, err := store.PayBonus(ctx, r.Guild, r.Options["slot"], amount, r.Cause())
	if err != nil {
		return Response{}, err
	}
	b := hu.Bonuses[i]
	return Response{Ephemeral: true, Content: fmt.Sprintf("Bonus #%d **%s** paid %s: %s.", i+1, escape(b.Slot), b.Payout, b.Multiplier()),
		Embeds: []Embed{huntEmbed(hu)}}, nil
}

func (h *Handler) huntRemove(ctx context.Context, r Request) (Response, error) {
	store, err := h.hunts()
	if err != nil {
		return Response{}, err
	}
	hu, b, err := store.RemoveBonus(ctx, r.Guild, r.Options["slot"], r.Cause())
	if err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf("Removed the bonus on **%s** at %s.", escape(b.Slot), b.Bet),
		Embeds: []Embed{huntEmbed(hu)}}, nil
}

func (h *Handler) huntFinish(ctx context.Context, r Request) (Response, error) {
	store, err := h.hunts()
	if err != nil {
		return Response{}, err
	}
	hu, err := store.FinishHunt(ctx, r.Guild, r.At, r.Cause())
	if err != nil {
		return Response{}, err
	}
	content := fmt.Sprintf("Hunt finished with a final balance of %s.", hu.Totals().Won)
	if n := hu.Totals().Bonuses - hu.Totals().Opened; n > 0 {
		content += fmt.Sprintf(" %d unopened %s counted as paying nothing.", n, plural(n, "bonus was", "bonuses were"))
	}
	return Response{Ephemeral: true, Content: content, Embeds: []Embed{huntEmbed(hu)}}, nil
}

// huntShow answers in the channel, for everyone: the figures are the
// stream's, not the admin's.
func (h *Handler) huntShow(ctx context.Context, r Request) (Response, error) {
	store, err := h.hunts()
	if err != nil {
		return Response{}, err
	}
	hu, ok, err := store.LatestHunt(ctx, r.Guild)
	switch {
	case err != nil:
		return Response{}, err
	case !ok:
		return Response{Ephemeral: true, Content: "No bonus hunt yet. Start one with /hunt start balance:<amount>."}, nil
	}
	return Response{Embeds: []Embed{huntEmbed(hu)}}, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// maxBonusList bounds the bonus list in huntEmbed's description, below
// Discord's 4,096 characters, leaving the fields room within an embed's
// 6,000.
const maxBonusList = 3500

// huntEmbed shows hu: its bonuses, numbered as /hunt payout and remove
// take them, and its figures.
func huntEmbed(hu hunt.Hunt) Embed {
	title := "Bonus hunt"
	if hu.Name != "" {
		title += ": " + hu.Name
	}
	if !hu.Open() {
		title += " (finished)"
	}
	var b strings.Builder
	for i, bo := range hu.Bonuses {
		line := fmt.Sprintf("`#%d` %s — %s", i+1, escape(preview(bo.Slot, 60)), bo.Bet)
		if bo.Opened {
			line += fmt.Sprintf(" → %s (**%s**)", bo.Payout, bo.Multiplier())
		}
		line += "\n"
		if b.Len()+len(line) > maxBonusList {
			fmt.Fprintf(&b, "…and %d more", len(hu.Bonuses)-i)
			break
		}
		b.WriteString(line)
	}
	if len(hu.Bonuses) == 0 {
		b.WriteString("No bonuses yet.")
	}
	t := hu.Totals()
	fields := []Field{
		{Name: "Start", Value: t.Cost.String(), Inline: true},
		{Name: "Bonuses", Value: fmt.Sprintf("%d (%d opened)", t.Bonuses, t.Opened), Inline: true},
		{Name: "Total bet", Value: t.Bet.String(), Inline: true},
		{Name: "Won", Value: t.Won.String(), Inline: true},
		{Name: "Profit", Value: t.Profit.String(), Inline: true},
	}
	if t.HasAverage {
		fields = append(fields, Field{Name: "Average", Value: t.Average.String(), Inline: true})
	}
	if t.HasBreakEven {
		fields = append(fields, Field{Name: "Break-even", Value: t.BreakEven.String() + " on the unopened bonuses", Inline: true})
	}
	return Embed{Title: title, Description: strings.TrimSpace(b.String()), Fields: fields, Color: Accent,
		Footer: "Multipliers are payout ÷ bet; break-even is what the unopened bonuses must average to win back the start."}
}
