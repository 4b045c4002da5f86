package announce

import (
	"context"
	"fmt"
	"github.com/kickbot/kickbot/shared/wording"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// Handle answers r, an /announce subcommand (interact.Handler's
// Announce): set, off, list, and test, which posts a sample of the kind
// and so runs in the worker, where Poster is set.
func (s *Service) Handle(ctx context.Context, r interact.Request) (interact.Response, error) {
	if s == nil || s.Store == nil {
		return interact.Response{}, fault.E(fault.NotFound, "announcements are not set up on this bot")
	}
	if r.Command != "announce" {
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	switch r.Sub {
	case "list":
		return s.list(ctx, r)
	case "test":
		return s.test(ctx, r)
	case "set", "off":
	default:
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	kind := Kind(r.Options["kind"])
	if !kind.Known() {
		return interact.Response{}, fault.E(fault.Invalid, "kind is one of %s", kindList())
	}
	cfg, err := s.Store.AnnounceConfig(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	flap, setFlap, err := s.flapOption(kind, r.Sub, r.Options)
	if err != nil {
		return interact.Response{}, err
	}
	set := cfg.Setting(kind)
	var said string
	if r.Sub == "off" {
		set.On = false
		said = fmt.Sprintf("%s announcements are off.", kind)
	} else {
		set = Setting{On: true, Channel: r.Options["channel"], Template: set.Template, Role: set.Role}
		if set.Channel == "" {
			return interact.Response{}, fault.E(fault.Invalid, "choose a channel")
		}
		if v, ok := r.Options["message"]; ok {
			set.Template = strings.TrimSpace(v)
		}
		if v, ok := r.Options["role"]; ok {
			set.Role = v
		}
		said = fmt.Sprintf("%s announcements go to <#%s>%s: %s", kind, set.Channel, mentioning(set.Role), set.template(kind))
	}
	if err := set.validate(); err != nil {
		return interact.Response{}, err
	}
	next := Config{Kinds: maps.Clone(cfg.Kinds), Version: cfg.Version}
	if next.Kinds == nil {
		next.Kinds = map[Kind]Setting{}
	}
	next.Kinds[kind] = set
	if err := s.Store.SaveAnnounceConfig(ctx, r.Guild, next, r.Cause()); err != nil {
		return interact.Response{}, err
	}
	if setFlap {
		// After the settings, whose save is once per interaction: a
		// replay stops there and cannot undo a later change of the
		// window. A failure here leaves the settings saved; running the
		// command again sets both.
		if err := s.Flaps.SetFlapWindow(ctx, r.Guild, time.Duration(flap)*time.Minute); err != nil {
			return interact.Response{}, fmt.Errorf("the settings are saved, the flap window is not (run the command again): %w", err)
		}
		if flap == 0 {
			flap = DefaultFlapMinutes
		}
		said += fmt.Sprintf("\nA stream back online within %d min of going offline continues the last one: one alert, and the recap waits as long.", flap)
	}
	return interact.Response{Ephemeral: true, Content: said}, nil
}

// flapOption reads /announce set's flap_minutes: the minutes and true
// when given, an Invalid error when it is given to another kind or
// command, is not a whole number from 0 to MaxFlapMinutes, or nothing
// keeps it.
func (s *Service) flapOption(kind Kind, sub string, opts map[string]string) (int, bool, error) {
	v, ok := opts["flap_minutes"]
	if !ok {
		return 0, false, nil
	}
	if kind != Live || sub != "set" {
		return 0, false, fault.E(fault.Invalid, "flap_minutes is for /announce set kind:live")
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 || n > MaxFlapMinutes {
		return 0, false, fault.E(fault.Invalid, "flap_minutes is a whole number of minutes from 0 to %d (0: the default, %d)", MaxFlapMinutes, DefaultFlapMinutes)
	}
	if s.Flaps == nil {
		return 0, false, fault.E(fault.NotFound, "the flap window cannot be set on this bot")
	}
	return n, true, nil
}

func mentioning(role string) string {
	if role == "" {
		return ""
	}
	return ", mentioning <@&" + role + ">"
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// listTemplate bounds each template /announce list shows. Escaped, a
// template of MaxTemplate characters can double; eight kinds of 600, with
// channels, roles, the flap window, names, title and footer (under 900
// in all), stay within the 6,000 characters of Discord's embed, which it
// refuses whole beyond them.
const listTemplate = 600

// list shows every kind's setting.
func (s *Service) list(ctx context.Context, r interact.Request) (interact.Response, error) {
	cfg, err := s.Store.AnnounceConfig(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	gs, err := s.Store.Settings(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	fields := make([]interact.Field, 0, len(Kinds))
	for _, k := range Kinds {
		set := cfg.Setting(k)
		var v string
		switch {
		case !set.On:
			v = "off"
		case set.Channel != "":
			v = "<#" + set.Channel + ">"
		case gs.AnnounceChannel != "":
			v = "<#" + gs.AnnounceChannel + "> (the announcement channel)"
		default:
			v = "on, but no channel: /announce set"
		}
		if set.On {
			v += mentioning(set.Role)
		}
		v += "\n" + wording.Cut(Escape(set.template(k)), listTemplate)
		if k == Live && s.Flaps != nil {
			d, err := s.Flaps.FlapWindow(ctx, r.Guild)
			if err != nil {
				return interact.Response{}, err
			}
			v += fmt.Sprintf("\nBack online within %d min: the same stream (flap_minutes)", int(d/time.Minute))
		}
		fields = append(fields, interact.Field{Name: string(k), Value: v})
	}
	return interact.Response{Ephemeral: true, Embeds: []interact.Embed{{Title: "Announcements", Color: interact.Accent, Fields: fields,
		Footer: "/announce set kind channel [message] [role] [flap_minutes] · /announce off kind"}}}, nil
}

// test posts a sample of the kind, as its settings would, once per
// interaction.
func (s *Service) test(ctx context.Context, r interact.Request) (interact.Response, error) {
	kind := Kind(r.Options["kind"])
	if !kind.Known() {
		return interact.Response{}, fault.E(fault.Invalid, "kind is one of %s", kindList())
	}
	if s.Poster == nil {
		return interact.Response{}, fault.E(fault.Internal, "the announcer has no poster")
	}
	p := Sample(kind, r.At)
	m, ok, err := s.message(ctx, r.Guild, kind, p)
	if err != nil {
		return interact.Response{}, err
	}
	if !ok {
		return interact.Response{Ephemeral: true, Content: fmt.Sprintf("%s announcements are off or have no channel: /announce set kind:%s first.", kind, kind)}, nil
	}
	first, err := s.Store.ClaimAnnouncement(ctx, r.Guild, kind, "test:"+r.ID, r.At.Add(interact.ClaimLife))
	if err != nil {
		return interact.Response{}, err
	}
	if first {
		if err := s.Poster.PostAnnouncement(ctx, m); err != nil {
			uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), unmarkTimeout)
			defer cancel()
			if uerr := s.Store.ReleaseAnnouncement(uctx, r.Guild, kind, "test:"+r.ID); uerr != nil {
				return interact.Response{}, fmt.Errorf("post test announcement: %w (and release its mark: %w)", err, uerr)
			}
			return interact.Response{}, err
		}
	}
	return interact.Response{Ephemeral: true, Content: fmt.Sprintf("A sample %s announcement was posted in <#%s>.", kind, m.Channel)}, nil
}

// Sample is a made-up post of kind, for /announce test.
func Sample(kind Kind, at time.Time) Post {
	switch kind {
	case Live, Offline, Clip:
		title := map[Kind]string{Live: "The stream is live", Offline: "The stream is over", Clip: "New clip"}[kind]
		return Post{
			Embed: interact.Embed{Title: title + " (test)", Description: "A sample announcement: the real one shows the stream.", Color: interact.Accent, Timestamp: at},
			Link:  Link{Label: "Watch", URL: "https://kick.com"},
			Vars:  map[string]string{"user": "kick_viewer", "channel": "your_channel", "title": "Sample stream", "category": "Just Chatting"},
		}
	case Follow:
		return FollowPost(FollowBatch{Opened: at, Names: []string{"kick_viewer", "another_viewer"}, Count: 3})
	}
	ev := sampleEvent(kind, at)
	_, _, p, _ := EventPost(ev)
	return p
}
