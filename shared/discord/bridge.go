package discord

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
)

// Queue takes jobs for the worker.
type Queue interface {
	Enqueue(ctx context.Context, jobs ...job.Job) error
}

// maxButtonsPerRow is how many buttons Discord puts in one action row.
const maxButtonsPerRow = 5

// DefaultBudget is how long Bridge lets a command run here: Discord waits
// three seconds for the answer, and the rest of them is for queueing the
// command when it runs out and for the answer itself.
const DefaultBudget = 2 * time.Second

// deferBudget bounds queueing a command that ran out of its budget.
const deferBudget = 600 * time.Millisecond

// Bridge is the Handler that answers slash commands and button clicks with
// an interact.Handler: it turns the interaction into an interact.Request
// and the interact.Response into Discord's response. Errors pass through
// with their kinds, for NewHTTPHandler to answer.
//
// A command interact.Deferred says is slow is not run here when Later is
// set: Bridge queues it as a job for the worker, which answers it with
// Replies, and acknowledges it with a deferred response. One that changes
// state is claimed first (interact.Handler.Admit), so that a replay of
// the signed interaction is answered as done and queues nothing.
//
// Any other command runs here within Budget. One that runs out of it, or
// fails in a way a retry may fix, is queued for the worker in the same
// way: the worker finishes it under the same interaction id, by which its
// change is keyed, so the change lands once whether or not the attempt
// here landed too, and the caller is never told that a change failed
// when it may have landed. Button clicks change nothing and are answered
// here or not at all.
type Bridge struct {
	Handler *interact.Handler
	// Later queues deferred commands; nil runs them here, without a
	// budget.
	Later Queue
	// Now stamps each request; nil is time.Now.
	Now func() time.Time
	// Budget bounds a command run here, from when Interact starts;
	// DefaultBudget when ≤ 0.
	Budget time.Duration
}

var _ Handler = Bridge{}

// Interact answers a slash command or a button click. A command outside
// a server is fault.Invalid; autocomplete and modals, which no command
// uses, are fault.NotFound.
func (b Bridge) Interact(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	r, err := b.request(i)
	if err != nil {
		return nil, err
	}
	if err := b.Handler.Admit(ctx, r); errors.Is(err, interact.ErrApplied) {
		return response(interact.Applied()), nil
	} else if err != nil {
		return nil, err
	}
	if b.Later == nil {
		resp, err := b.Handler.Handle(ctx, r)
		if err != nil {
			return nil, err
		}
		return response(resp), nil
	}
	if interact.Deferred(r) {
		if err := b.Later.Enqueue(ctx, job.ForInteraction(r, i.Token)); err != nil {
			return nil, err
		}
		return Deferred(interact.Private(r)), nil
	}
	return b.inline(ctx, r, i.Token)
}

// inline runs r here within the budget, or queues it for the worker (see
// Bridge).
func (b Bridge) inline(ctx context.Context, r interact.Request, token string) (*discordgo.InteractionResponse, error) {
	budget := b.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	run, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	type result struct {
		resp interact.Response
		err  error
	}
	// A handler that ignores its context still cannot hold the answer.
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fault.E(fault.Internal, "command panicked: %v", p)}
			}
		}()
		resp, err := b.Handler.Handle(run, r)
		done <- result{resp, err}
	}()
	var res result
	select {
	case res = <-done:
		if res.err == nil {
			return response(res.resp), nil
		}
		if run.Err() == nil && !fault.Is(res.err, fault.Transient) {
			return nil, res.err
		}
	case <-run.Done():
		res.err = fault.Wrap(fault.Transient, run.Err(), "the command ran out of time")
	}
	if r.Component != "" {
		return nil, res.err
	}
	// The caller's context may be spent: queueing gets its own time.
	queue, cancelQueue := context.WithTimeout(context.WithoutCancel(ctx), deferBudget)
	defer cancelQueue()
	if err := b.Later.Enqueue(queue, job.ForInteraction(r, token)); err != nil {
		return nil, fault.Wrap(fault.Transient, errors.Join(res.err, err), "queue a command that ran out of time")
	}
	return Deferred(interact.Private(r)), nil
}

func (b Bridge) request(i *discordgo.Interaction) (interact.Request, error) {
	guild := GuildID(i)
	if guild == "" {
		return interact.Request{}, fault.E(fault.Invalid, "use this command in a server")
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	user, _ := Caller(i)
	r := interact.Request{ID: i.ID, Guild: guild, UserID: user, CanManage: CanManageGuild(i), At: now()}
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		name, sub, opts := CommandPath(i)
		r.Command, r.Sub = name, sub
		r.Options = make(map[string]string, len(opts))
		for k, o := range opts {
			v, err := optionText(o)
			if err != nil {
				return interact.Request{}, err
			}
			r.Options[k] = v
		}
	case discordgo.InteractionMessageComponent:
		r.Component = ComponentID(i)
	default:
		return interact.Request{}, fault.E(fault.NotFound, "unknown command")
	}
	return r, nil
}

// optionText is o's value as interact.Request.Options holds it. Discord
// sends integers as JSON numbers, which decode to float64; 'f' keeps
// large ones from turning into exponents that would parse as something
// else. It sends ids (users, roles, channels, mentionables) as strings,
// because a float64 keeps only 53 bits: an id that came as a number has
// likely lost its last digits (973524801945731072 reads back as
// 973524801945731100), so it is refused rather than stored as another id.
func optionText(o *Option) (string, error) {
	switch o.Type {
	case discordgo.ApplicationCommandOptionUser, discordgo.ApplicationCommandOptionRole,
		discordgo.ApplicationCommandOptionChannel, discordgo.ApplicationCommandOptionMentionable:
		if v, ok := o.Value.(string); ok && isSnowflake(v) {
			return v, nil
		}
		return "", fault.E(fault.Invalid, "option %s must be a Discord id sent as a string of digits (a JSON number may have lost digits)", clip(o.Name))
	}
	switch v := o.Value.(type) {
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", fault.E(fault.Invalid, "option %s has a value of an unexpected type", clip(o.Name))
}

// response translates r: a new message, or the clicked message replaced
// when r.Update.
func response(r interact.Response) *discordgo.InteractionResponse {
	data := &discordgo.InteractionResponseData{Content: r.Content, AllowedMentions: noMentions()}
	if r.Ephemeral {
		data.Flags = discordgo.MessageFlagsEphemeral
	}
	for _, e := range r.Embeds {
		data.Embeds = append(data.Embeds, embed(e))
	}
	for start := 0; start < len(r.Buttons); start += maxButtonsPerRow {
		var row discordgo.ActionsRow
		for _, btn := range r.Buttons[start:min(start+maxButtonsPerRow, len(r.Buttons))] {
			b := discordgo.Button{Label: btn.Label, Style: discordgo.SecondaryButton, CustomID: btn.ID, Disabled: btn.Disabled}
			if btn.URL != "" {
				// A link button opens the URL and sends no interaction.
				b = discordgo.Button{Label: btn.Label, Style: discordgo.LinkButton, URL: btn.URL, Disabled: btn.Disabled}
			}
			row.Components = append(row.Components, b)
		}
		data.Components = append(data.Components, row)
	}
	typ := discordgo.InteractionResponseChannelMessageWithSource
	if r.Update {
		typ = discordgo.InteractionResponseUpdateMessage
		// The response is the whole message: empty lists, not null, clear
		// what the old message had.
		if data.Embeds == nil {
			data.Embeds = []*discordgo.MessageEmbed{}
		}
		if data.Components == nil {
			data.Components = []discordgo.MessageComponent{}
		}
	}
	return &discordgo.InteractionResponse{Type: typ, Data: data}
}

func embed(e interact.Embed) *discordgo.MessageEmbed {
	me := &discordgo.MessageEmbed{Title: e.Title, Description: e.Description, Color: e.Color}
	for _, f := range e.Fields {
		me.Fields = append(me.Fields, &discordgo.MessageEmbedField{Name: f.Name, Value: f.Value, Inline: f.Inline})
	}
	if e.Footer != "" {
		me.Footer = &discordgo.MessageEmbedFooter{Text: e.Footer}
	}
	me.URL = e.URL
	if e.Thumbnail != "" {
		me.Thumbnail = &discordgo.MessageEmbedThumbnail{URL: e.Thumbnail}
	}
	if e.Image != "" {
		me.Image = &discordgo.MessageEmbedImage{URL: e.Image}
	}
	if !e.Timestamp.IsZero() {
		me.Timestamp = e.Timestamp.UTC().Format(time.RFC3339)
	}
	return me
}
