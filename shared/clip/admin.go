package clip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

const (
	// maxContent keeps /clips list within Discord's 2,000 characters.
	maxContent = 1900
	// recentStreams is how many other streams with clips /clips list
	// names when the one asked for has none.
	recentStreams = 5
	// DateLayout is how /clips list's stream option names a stream: the
	// UTC day it started (the last stream with clips that day).
	DateLayout = "2006-01-02"
)

// Admin answers the /clips slash commands (interact.Handler's Clips).
type Admin struct {
	Store AdminStore
}

var _ interact.Feature = (*Admin)(nil)

// Handle answers r, a /clips subcommand.
func (a *Admin) Handle(ctx context.Context, r interact.Request) (interact.Response, error) {
	if a.Store == nil {
		return interact.Response{}, fault.E(fault.NotFound, "clips are not set up on this bot")
	}
	if r.Command != "clips" {
		return interact.Response{}, fault.E(fault.NotFound, "unknown command")
	}
	switch r.Sub {
	case "list":
		return a.list(ctx, r)
	case "settings":
		return a.settings(ctx, r)
	}
	return interact.Response{}, fault.E(fault.NotFound, "unknown command")
}

// list answers /clips list [stream]: the markers of the stream started on
// the day stream names, else of the current or last stream, else of the
// last stream with markers.
func (a *Admin) list(ctx context.Context, r interact.Request) (interact.Response, error) {
	var start time.Time
	if day := strings.TrimSpace(r.Options["stream"]); day != "" {
		from, err := time.Parse(DateLayout, day)
		if err != nil {
			return interact.Response{}, fault.E(fault.Invalid, "name the stream by the day it started, as 2026-03-14 (UTC)")
		}
		got, err := a.Store.ClipStreams(ctx, r.Guild, from, from.AddDate(0, 0, 1), 1)
		if err != nil {
			return interact.Response{}, err
		}
		if len(got) == 0 {
			return a.none(ctx, r, "No stream that started on "+day+" has clips.")
		}
		start = got[0].Start
	} else {
		st, err := a.Store.Stream(ctx, r.Guild)
		if err != nil {
			return interact.Response{}, err
		}
		start = st.StartedAt
	}
	if start.IsZero() {
		got, err := a.Store.ClipStreams(ctx, r.Guild, time.Time{}, r.At.Add(time.Minute), 1)
		if err != nil || len(got) == 0 {
			return interact.Response{Ephemeral: true, Content: "No clips were marked yet: viewers mark them with !clip [title] while the stream is live."}, err
		}
		start = got[0].Start
	}
	markers, err := a.Store.Clips(ctx, r.Guild, start)
	if err != nil {
		return interact.Response{}, err
	}
	if len(markers) == 0 {
		return a.none(ctx, r, "No clips were marked in the stream started "+stamp(start)+".")
	}
	return interact.Response{Ephemeral: true, Content: List(start, markers)}, nil
}

// none says why there is no list, and names the streams that have one.
func (a *Admin) none(ctx context.Context, r interact.Request, why string) (interact.Response, error) {
	got, err := a.Store.ClipStreams(ctx, r.Guild, time.Time{}, r.At.Add(time.Minute), recentStreams)
	if err != nil {
		return interact.Response{}, err
	}
	if len(got) > 0 {
		days := make([]string, len(got))
		for i, s := range got {
			days[i] = s.Start.UTC().Format(DateLayout)
		}
		why += " Streams with clips: " + strings.Join(days, ", ") + "."
	}
	return interact.Response{Ephemeral: true, Content: why}, nil
}

// List is /clips list's text of the markers of the stream started at
// start, one line each in the order given, within Discord's length.
func List(start time.Time, markers []Marker) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Clips of the stream started %s (%d):", stamp(start), len(markers))
	for i, m := range markers {
		line := fmt.Sprintf("\n`%s` %s, by %s", FormatOffset(m.Offset), Escape(m.Title), Escape(m.Username))
		if m.ClipURL != "" {
			line += " <" + m.ClipURL + ">"
		}
		more := fmt.Sprintf("\n… and %d more", len(markers)-i)
		if b.Len()+len(line)+len(more) > maxContent && i < len(markers)-1 || b.Len()+len(line) > maxContent {
			b.WriteString(more)
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// settings answers /clips settings [lead] [cooldown] [user_cooldown]: it
// changes the options given and shows the settings.
func (a *Admin) settings(ctx context.Context, r interact.Request) (interact.Response, error) {
	set, err := a.Store.ClipSettings(ctx, r.Guild)
	if err != nil {
		return interact.Response{}, err
	}
	changed := false
	for name, d := range map[string]*time.Duration{"lead": &set.Lead, "cooldown": &set.Cooldown, "user_cooldown": &set.UserCooldown} {
		v, ok := r.Options[name]
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return interact.Response{}, fault.E(fault.Invalid, "%s must be a whole number of seconds", name)
		}
		*d, changed = time.Duration(n)*time.Second, true
	}
	if err := set.Validate(); err != nil {
		return interact.Response{}, err
	}
	if changed {
		if err := a.Store.SaveClipSettings(ctx, r.Guild, set, r.Cause()); err != nil {
			return interact.Response{}, err
		}
	}
	return interact.Response{Ephemeral: true, Content: fmt.Sprintf(
		"!clip marks the stream %d s before it is typed; it rests %d s in the channel and %d s per viewer (moderators skip both).",
		int(set.Lead/time.Second), int(set.Cooldown/time.Second), int(set.UserCooldown/time.Second))}, nil
}
