package interact

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/wording"
)

// Timers are a guild's timed messages (/timer).
type Timers interface {
	// Timers returns the guild's timers, by name.
	Timers(ctx context.Context, guild string) ([]timer.Timer, error)
	// AddTimerOnce adds t, once per cause: ErrApplied when c took effect
	// before, fault.Conflict for a taken name, fault.Invalid for a guild
	// with timer.MaxTimers already.
	AddTimerOnce(ctx context.Context, guild string, t timer.Timer, c Cause) error
	// EditTimerOnce replaces the settings of the timer t.Name, keeping its
	// post state, if it is still at t.Version; once per cause: ErrApplied,
	// fault.NotFound, fault.Conflict (it changed meanwhile).
	EditTimerOnce(ctx context.Context, guild string, t timer.Timer, c Cause) error
	// RemoveTimerOnce removes the timer name, once per cause: ErrApplied,
	// fault.NotFound.
	RemoveTimerOnce(ctx context.Context, guild, name string, c Cause) error
}

// timerOptions are the options of /timer add (required: name, message
// and interval) and /timer edit (only the name is required).
func timerOptions(add bool) []Option {
	opts := []Option{
		{Name: "name", Description: "The timer's name: a-z, 0-9 and _", Type: StringOption, Required: true, MaxLen: timer.MaxName},
		{Name: "message", Description: `What to say; several messages separated by " || " are said in turn`, Type: StringOption,
			Required: add, MaxLen: timer.MaxVariants * (timer.MaxMessage + len(timer.Separator))},
		{Name: "interval", Description: "Minutes between two posts", Type: IntegerOption, Required: add,
			Min: int64(timer.MinInterval / time.Minute), Max: int64(timer.MaxInterval / time.Minute)},
		{Name: "min_chatters", Description: fmt.Sprintf("Viewers who must have chatted since the last post (default %d)", timer.DefaultMinChatters),
			Type: IntegerOption, Min: 0, Max: timer.MaxMinChatters},
		{Name: "offline", Description: "Post while the stream is offline too, if the server tracks offline (default: no)", Type: BooleanOption},
	}
	if !add {
		opts = append(opts, Option{Name: "enabled", Description: "Turn the timer on or off", Type: BooleanOption})
	}
	return opts
}

func (h *Handler) timers() (Timers, error) {
	if h.Timers == nil {
		return nil, fault.E(fault.NotFound, "timed messages are not set up on this bot")
	}
	return h.Timers, nil
}

func (h *Handler) timerAdd(ctx context.Context, r Request) (Response, error) {
	store, err := h.timers()
	if err != nil {
		return Response{}, err
	}
	t := timer.Timer{Name: timerName(r), MinChatters: timer.DefaultMinChatters, Enabled: true, Created: r.At}
	if err := timerSettings(r, &t); err != nil {
		return Response{}, err
	}
	if len(t.Variants) == 0 || t.Interval == 0 {
		return Response{}, fault.E(fault.Invalid, "give the timer a message and an interval")
	}
	if err := t.Validate(); err != nil {
		return Response{}, err
	}
	if err := store.AddTimerOnce(ctx, r.Guild, t, r.Cause()); err != nil {
		return Response{}, err
	}
	return h.timerSaved(ctx, r.Guild, "Timer added", t), nil
}

// timerSaved answers a saved timer, noting when it is set to post offline
// in a server that does not track offline: the sweep visits a guild only
// while it is live or tracks offline.
func (h *Handler) timerSaved(ctx context.Context, guild, title string, t timer.Timer) Response {
	resp := Response{Ephemeral: true, Embeds: []Embed{timerEmbed(title, t)}}
	if t.Offline && t.Enabled {
		if set, err := h.Store.Settings(ctx, guild); err == nil && !set.TrackOffline {
			resp.Content = "Note: offline posts need offline tracking: /settings set track_offline:true."
		}
	}
	return resp
}

func (h *Handler) timerEdit(ctx context.Context, r Request) (Response, error) {
	store, err := h.timers()
	if err != nil {
		return Response{}, err
	}
	name := timerName(r)
	if err := timer.ValidName(name); err != nil {
		return Response{}, err
	}
	all, err := store.Timers(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	i := slices.IndexFunc(all, func(t timer.Timer) bool { return t.Name == name })
	if i < 0 {
		return Response{}, fault.E(fault.NotFound, "there is no timer named %s", name)
	}
	t := all[i]
	before := t.Message() + fmt.Sprint(t.Interval, t.MinChatters, t.Offline, t.Enabled)
	if err := timerSettings(r, &t); err != nil {
		return Response{}, err
	}
	if v, ok := r.Options["enabled"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Response{}, fault.E(fault.Invalid, "enabled must be true or false")
		}
		t.Enabled = b
	}
	if len(r.Options) == 1 {
		return Response{}, fault.E(fault.Invalid, "choose at least one setting to change")
	}
	if err := t.Validate(); err != nil {
		return Response{}, err
	}
	if after := t.Message() + fmt.Sprint(t.Interval, t.MinChatters, t.Offline, t.Enabled); after == before {
		return Response{Ephemeral: true, Embeds: []Embed{timerEmbed("Nothing to change", t)}}, nil
	}
	if err := store.EditTimerOnce(ctx, r.Guild, t, r.Cause()); err != nil {
		return Response{}, err
	}
	return h.timerSaved(ctx, r.Guild, "Timer changed", t), nil
}

func (h *Handler) timerRemove(ctx context.Context, r Request) (Response, error) {
	store, err := h.timers()
	if err != nil {
		return Response{}, err
	}
	name := timerName(r)
	if err := timer.ValidName(name); err != nil {
		return Response{}, err
	}
	if err := store.RemoveTimerOnce(ctx, r.Guild, name, r.Cause()); err != nil {
		return Response{}, err
	}
	return Response{Ephemeral: true, Content: fmt.Sprintf("Timer **%s** removed.", escape(name))}, nil
}

// maxListed bounds /timer list's description below Discord's 4,096
// characters for an embed's.
const maxListed = 3800

func (h *Handler) timerList(ctx context.Context, r Request) (Response, error) {
	store, err := h.timers()
	if err != nil {
		return Response{}, err
	}
	all, err := store.Timers(ctx, r.Guild)
	if err != nil {
		return Response{}, err
	}
	if len(all) == 0 {
		return Response{Ephemeral: true, Content: "No timers yet. Add one with /timer add name:<name> message:<text> interval:<minutes>."}, nil
	}
	var b strings.Builder
	for i, t := range all {
		line := fmt.Sprintf("**%s** — %s: %s\n", escape(t.Name), timerTerms(t), escape(preview(t.Variants[0], 60)))
		if b.Len()+len(line) > maxListed {
			fmt.Fprintf(&b, "…and %d more", len(all)-i)
			break
		}
		b.WriteString(line)
	}
	return Response{Ephemeral: true, Embeds: []Embed{{
		Title: fmt.Sprintf("Timers (%d of %d)", len(all), timer.MaxTimers), Description: strings.TrimSpace(b.String()), Color: Accent,
		Footer: "Timers post only when viewers are chatting, at most one a minute.",
	}}}, nil
}

func timerName(r Request) string { return strings.ToLower(strings.TrimSpace(r.Options["name"])) }

// timerSettings applies r's message, interval, min_chatters and offline
// options, those given, to t.
func timerSettings(r Request, t *timer.Timer) error {
	if v, ok := r.Options["message"]; ok {
		t.Variants = timer.Split(v)
	}
	if n, ok, err := wholeOption(r, "interval", "the interval"); err != nil {
		return err
	} else if ok {
		// Bounded first so the product cannot overflow into range.
		t.Interval = time.Duration(min(max(n, 0), 1<<20)) * time.Minute
	}
	if n, ok, err := wholeOption(r, "min_chatters", "min_chatters"); err != nil {
		return err
	} else if ok {
		t.MinChatters = int(min(max(n, -1), timer.MaxMinChatters+1))
	}
	if v, ok := r.Options["offline"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fault.E(fault.Invalid, "offline must be true or false")
		}
		t.Offline = b
	}
	return nil
}

// timerTerms is when t posts, in a few words.
func timerTerms(t timer.Timer) string {
	s := "every " + wording.Minutes(int64(t.Interval/time.Minute))
	if t.MinChatters > 0 {
		s += fmt.Sprintf(", after %d chatting", t.MinChatters)
	}
	if t.Offline {
		s += ", live or offline"
	}
	if len(t.Variants) > 1 {
		s += fmt.Sprintf(", %d messages in turn", len(t.Variants))
	}
	if !t.Enabled {
		s += " (off)"
	}
	return s
}

// preview is text cut to n characters.
func preview(text string, n int) string {
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	return string([]rune(text)[:n-1]) + "…"
}

func timerEmbed(title string, t timer.Timer) Embed {
	msgs := make([]string, len(t.Variants))
	for i, v := range t.Variants {
		msgs[i] = fmt.Sprintf("%d. %s", i+1, escape(preview(v, 900/len(t.Variants))))
	}
	return Embed{Title: title + ": " + t.Name, Description: "Posts " + timerTerms(t) + ".", Color: Accent,
		Fields: []Field{{Name: "Messages", Value: strings.Join(msgs, "\n")}}}
}
