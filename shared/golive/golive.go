// Package golive announces a guild's stream: one go-live alert per stream,
// with the title, category and thumbnail Kick's channels API gives, and a
// recap when the stream has ended for good.
//
// A stream's status events drive it (Status), and a tick once a minute
// (Tick) finishes what an event left pending: the alert while Kick has no
// thumbnail yet (tried each minute for up to ThumbnailWait, then posted
// without one), and the recap, which waits until the stream has stayed
// offline for the guild's flap window. A stream that comes back within
// that window is the same stream: no second alert and no recap for the
// gap. Both posts are keyed by the stream's start, so a retry, a duplicate
// delivery or a tick racing an event posts nothing twice.
package golive

import (
	"cmp"
	"context"
	"fmt"
	"github.com/kickbot/kickbot/shared/wording"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// Defaults.
const (
	// ThumbnailWait is how long an alert waits for Kick's thumbnail.
	ThumbnailWait = 5 * time.Minute
	// DefaultFlapWindow: a stream back within it continues the last one.
	DefaultFlapWindow = 10 * time.Minute
	// MaxFlapWindow bounds the guild's setting.
	MaxFlapWindow = 2 * time.Hour
	// MaxSegments bounds the parts a stream's recap adds up; a stream that
	// flapped more often counts its latest parts.
	MaxSegments = 20
	// TopChatters is how many chatters the recap names.
	TopChatters = 5
)

// State is a guild's alert state: the stream it announced and what is
// still to be posted. The zero State is a guild that never went live.
type State struct {
	Broadcaster int64
	Live        bool
	// Stream is the start of the stream announced: the cause of its
	// alert and its recap. Zero before the first stream.
	Stream time.Time
	// Segments are the starts of the stream's parts (a flap is a new
	// part on Kick's side, with its own start), oldest first.
	Segments []time.Time
	// EndedAt is when the latest part ended; zero while live.
	EndedAt time.Time
	// StatusAt is the delivery time of the latest status event applied.
	StatusAt time.Time
	// AlertSince is when the alert was first tried; zero when it is not
	// pending.
	AlertSince time.Time
	// RecapAt is when the recap is due; zero when none is pending.
	RecapAt time.Time
	// Slug, Title and Category are the channel as the alert found it,
	// for the recap.
	Slug, Title, Category string
	// FlapWindow is the guild's setting; 0 is DefaultFlapWindow.
	FlapWindow time.Duration
	// Version counts stored changes; a save is refused (fault.Conflict)
	// unless the stored version is still this one.
	Version int64
}

// Pending reports whether a tick has anything to do for the guild.
func (s State) Pending() bool { return !s.AlertSince.IsZero() || !s.RecapAt.IsZero() }

func (s State) window() time.Duration {
	if s.FlapWindow <= 0 {
		return DefaultFlapWindow
	}
	return s.FlapWindow
}

// Channel is a Kick channel as the channels API reports it.
type Channel struct {
	Slug, Title, Category string
	Live                  bool
	StartedAt             time.Time
	// Thumbnail is the stream's preview; "" until Kick has made one.
	Thumbnail string
}

// Kick looks up a channel with the app token (kickapi.Client.GoLive).
type Kick interface {
	GoLive(ctx context.Context, broadcaster int64) (Channel, error)
}

// Store keeps the alert state and gives the recap's numbers.
// Implementations return fault.Transient for failures a retry may fix.
type Store interface {
	// LiveAlert returns the guild's state (zero when never saved).
	LiveAlert(ctx context.Context, guild string) (State, error)
	// SaveLiveAlert stores s over s.Version, or refuses with
	// fault.Conflict when another change came first.
	SaveLiveAlert(ctx context.Context, guild string, s State) error
	// StreamStats returns the numbers the sweep kept for the stream part
	// that started at start.
	StreamStats(ctx context.Context, guild string, start time.Time) (Stats, error)
	// EventCounts counts the guild's logged events delivered in [from, to).
	EventCounts(ctx context.Context, guild string, from, to time.Time) (Counts, error)
}

// Stats are one stream part's numbers, as the sweep kept them.
type Stats struct {
	// Peak is the most chatters in one minute.
	Peak int64
	// Minutes and PointsMilli are what the sweep credited.
	Minutes, PointsMilli int64
	// Chatters are the part's chatters: minutes in which each chatted.
	Chatters []Chatter
}

// Chatter is a viewer and the minutes of a stream in which they chatted.
type Chatter struct {
	UserID  int64
	Name    string
	Minutes int64
}

// Counts are the events of a stream.
type Counts struct {
	Follows, Subs, GiftedSubs, Kicks int64
}

// Recap is a whole stream's numbers.
type Recap struct {
	Duration             time.Duration
	Peak, Chatters       int64
	Top                  []Chatter
	Minutes, PointsMilli int64
	Counts
}

// Alerts posts go-live alerts and recaps. Set every field but Now.
type Alerts struct {
	Store    Store
	Kick     Kick
	Announce announce.Announcer
}

// /announce set kind:live flap_minutes and /announce list reach the flap
// window, which needs only Store.
var _ announce.FlapWindows = (*Alerts)(nil)

// Status applies a status event of the guild's channel, delivered at at,
// at now: a new stream is announced (or its alert left pending for the
// thumbnail), an offline schedules the recap, and a repeat, an older event
// or a flap's return changes nothing that is posted.
func (a *Alerts) Status(ctx context.Context, guild string, broadcaster int64, at time.Time, st event.Status, now time.Time) error {
	if guild == "" || at.IsZero() {
		return fault.E(fault.Invalid, "go-live status needs a guild and a delivery time")
	}
	s, err := a.Store.LiveAlert(ctx, guild)
	if err != nil {
		return err
	}
	// Live again with a later start than the stream's latest part: the
	// offline between was lost (or is late). When it came is unknown, so
	// this is a new stream (an alert too many after a flap beats none for
	// ever after), and the last one ended when this one started, at the
	// latest.
	lost := s.Live && st.Live && at.After(s.StatusAt) && len(s.Segments) > 0 && st.StartedAt.After(s.Segments[len(s.Segments)-1])
	if !lost && (!at.After(s.StatusAt) || s.Live == st.Live) {
		// A duplicate or an older delivery; a retry of a live event
		// finishes its alert.
		if s.Live && !s.AlertSince.IsZero() {
			return a.alert(ctx, guild, &s, now)
		}
		return nil
	}
	s.StatusAt = at
	if broadcaster > 0 {
		s.Broadcaster = broadcaster
	}
	if !st.Live {
		s.Live = false
		s.EndedAt = orTime(st.EndedAt, at)
		s.RecapAt = s.EndedAt.Add(s.window())
		return a.save(ctx, guild, &s)
	}
	start := orTime(st.StartedAt, at)
	if lost {
		s.EndedAt, s.RecapAt = start, start
	} else if !s.Stream.IsZero() && !s.EndedAt.IsZero() && start.Before(s.EndedAt.Add(s.window())) {
		// Back within the window: the same stream goes on.
		s.Live, s.EndedAt, s.RecapAt = true, time.Time{}, time.Time{}
		s.Segments = appendSegment(s.Segments, start)
		if err := a.save(ctx, guild, &s); err != nil {
			return err
		}
		if !s.AlertSince.IsZero() {
			return a.alert(ctx, guild, &s, now)
		}
		return nil
	}
	if !s.RecapAt.IsZero() {
		// The last stream's recap was due before this one started.
		if err := a.recap(ctx, guild, s); err != nil {
			return err
		}
	}
	s.Live, s.Stream, s.Segments, s.EndedAt = true, start, []time.Time{start}, time.Time{}
	s.AlertSince, s.RecapAt = now, time.Time{}
	s.Slug, s.Title, s.Category = "", st.Title, ""
	if err := a.save(ctx, guild, &s); err != nil {
		return err
	}
	return a.alert(ctx, guild, &s, now)
}

// Tick does what is due for the guild at now: the pending alert's next
// try and a recap whose flap window has passed.
func (a *Alerts) Tick(ctx context.Context, guild string, now time.Time) error {
	s, err := a.Store.LiveAlert(ctx, guild)
	if err != nil {
		return err
	}
	if s.Live {
		if s.AlertSince.IsZero() {
			return nil
		}
		return a.alert(ctx, guild, &s, now)
	}
	if s.RecapAt.IsZero() || now.Before(s.RecapAt) {
		return nil
	}
	if !s.AlertSince.IsZero() {
		// Over before Kick ever made a thumbnail: the alert goes out
		// as it would have, so that the recap has one to follow.
		if err := a.alert(ctx, guild, &s, s.AlertSince.Add(ThumbnailWait)); err != nil {
			return err
		}
	}
	if err := a.recap(ctx, guild, s); err != nil {
		return err
	}
	s.RecapAt = time.Time{}
	return a.save(ctx, guild, &s)
}

// SetFlapWindow sets the guild's flap window (0 restores the default).
func (a *Alerts) SetFlapWindow(ctx context.Context, guild string, d time.Duration) error {
	if d < 0 || d > MaxFlapWindow || d%time.Minute != 0 {
		return fault.E(fault.Invalid, "the flap window is whole minutes from 0 to %d", int(MaxFlapWindow/time.Minute))
	}
	s, err := a.Store.LiveAlert(ctx, guild)
	if err != nil {
		return err
	}
	s.FlapWindow = d
	return a.Store.SaveLiveAlert(ctx, guild, s)
}

// FlapWindow returns the guild's flap window: its setting, or
// DefaultFlapWindow.
func (a *Alerts) FlapWindow(ctx context.Context, guild string) (time.Duration, error) {
	s, err := a.Store.LiveAlert(ctx, guild)
	if err != nil {
		return 0, err
	}
	return s.window(), nil
}

// alert tries the pending alert at now: posted once Kick has a
// thumbnail, or without one once ThumbnailWait has passed.
func (a *Alerts) alert(ctx context.Context, guild string, s *State, now time.Time) error {
	ch, err := a.Kick.GoLive(ctx, s.Broadcaster)
	waited := !now.Before(s.AlertSince.Add(ThumbnailWait))
	switch {
	case err != nil && !waited:
		// The next minute tries again.
		return err
	case err != nil:
		// Kick never answered in the wait: post what the events said.
		ch = Channel{Title: s.Title}
	case ch.Thumbnail == "" && !waited:
		return nil
	}
	if err := a.Announce.Announce(ctx, guild, announce.Live, Cause(s.Stream), LivePost(ch, s.Stream)); err != nil {
		return err
	}
	s.AlertSince = time.Time{}
	s.Slug, s.Title, s.Category = ch.Slug, cmpOr(ch.Title, s.Title), ch.Category
	return a.save(ctx, guild, s)
}

// recap posts the stream's recap.
func (a *Alerts) recap(ctx context.Context, guild string, s State) error {
	r, err := a.numbers(ctx, guild, s)
	if err != nil {
		return err
	}
	return a.Announce.Announce(ctx, guild, announce.Offline, Cause(s.Stream), RecapPost(s, r))
}

// numbers adds up the stream's parts and counts its events.
func (a *Alerts) numbers(ctx context.Context, guild string, s State) (Recap, error) {
	r := Recap{Duration: s.EndedAt.Sub(s.Stream)}
	chatters := map[int64]Chatter{}
	for _, seg := range s.Segments {
		st, err := a.Store.StreamStats(ctx, guild, seg)
		if err != nil {
			return Recap{}, err
		}
		r.Peak = max(r.Peak, st.Peak)
		r.Minutes += st.Minutes
		r.PointsMilli += st.PointsMilli
		for _, c := range st.Chatters {
			sum := chatters[c.UserID]
			sum.UserID, sum.Name, sum.Minutes = c.UserID, cmpOr(c.Name, sum.Name), sum.Minutes+c.Minutes
			chatters[c.UserID] = sum
		}
	}
	r.Chatters = int64(len(chatters))
	r.Top = Top(chatters, TopChatters)
	c, err := a.Store.EventCounts(ctx, guild, s.Stream, s.EndedAt)
	if err != nil {
		return Recap{}, err
	}
	r.Counts = c
	return r, nil
}

// save stores s and moves s.Version on with the stored one.
func (a *Alerts) save(ctx context.Context, guild string, s *State) error {
	err := a.Store.SaveLiveAlert(ctx, guild, *s)
	if fault.Is(err, fault.Conflict) {
		// A tick and an event crossed: the job is retried on fresh state.
		return fault.Wrap(fault.Transient, err, "save go-live state")
	}
	if err == nil {
		s.Version++
	}
	return err
}

// Cause keys a stream's alert and recap: its start.
func Cause(stream time.Time) string { return "stream:" + strconv.FormatInt(stream.UnixMilli(), 10) }

// URL is a channel's Kick page. The slug is escaped: Discord refuses a
// post whose link is not one.
func URL(slug string) string {
	if slug == "" {
		return "https://kick.com"
	}
	return "https://kick.com/" + url.PathEscape(slug)
}

// Discord refuses a post whose embed is over its limits (interact.Embed.Over),
// so what Kick or the events gave is cut to them: a title to
// interact.MaxEmbedTitle, a field to interact.MaxFieldValue; a channel or
// viewer name, Kick's at most 25, to maxName.
const maxName = 100

// LivePost is the go-live alert: the title linking to the channel, the
// category, the stream's thumbnail, the start and a Watch button.
func LivePost(ch Channel, start time.Time) announce.Post {
	url := URL(ch.Slug)
	who := cmpOr(wording.Cut(ch.Slug, maxName), "The stream")
	e := interact.Embed{
		Title:       wording.Cut(cmpOr(ch.Title, who+" is live"), interact.MaxEmbedTitle),
		URL:         url,
		Description: who + " is live on Kick.",
		Color:       interact.Accent,
		Image:       ch.Thumbnail,
		Timestamp:   start,
	}
	if ch.Category != "" {
		e.Fields = []interact.Field{{Name: "Category", Value: wording.Cut(ch.Category, interact.MaxFieldValue), Inline: true}}
	}
	return announce.Post{
		Embed: e,
		Link:  announce.Link{Label: "Watch", URL: url},
		Vars:  map[string]string{"channel": ch.Slug, "title": ch.Title, "category": ch.Category, "url": url},
	}
}

// RecapPost is the recap of the stream s described by r.
func RecapPost(s State, r Recap) announce.Post {
	url := URL(s.Slug)
	points := FormatPoints(r.PointsMilli)
	top := make([]string, len(r.Top))
	for i, c := range r.Top {
		top[i] = fmt.Sprintf("%d. %s (%d min)", i+1, wording.Cut(c.Name, maxName), c.Minutes)
	}
	topText := strings.Join(top, "\n")
	if topText == "" {
		topText = "nobody was active"
	}
	num := func(n int64) string { return strconv.FormatInt(n, 10) }
	e := interact.Embed{
		Title:       wording.Cut("Stream recap: "+cmpOr(s.Title, s.Slug), interact.MaxEmbedTitle),
		URL:         url,
		Description: fmt.Sprintf("%s streamed for %s.", cmpOr(wording.Cut(s.Slug, maxName), "The channel"), FormatDuration(r.Duration)),
		Color:       interact.Accent,
		Fields: []interact.Field{
			{Name: "Duration", Value: FormatDuration(r.Duration), Inline: true},
			{Name: "Peak active viewers", Value: num(r.Peak), Inline: true},
			{Name: "Active viewers", Value: num(r.Chatters), Inline: true},
			{Name: "Minutes watched", Value: num(r.Minutes), Inline: true},
			{Name: "Points for watching", Value: points, Inline: true},
			{Name: "New follows", Value: num(r.Follows), Inline: true},
			{Name: "Subs", Value: num(r.Subs), Inline: true},
			{Name: "Gifted subs", Value: num(r.GiftedSubs), Inline: true},
			{Name: "KICKs", Value: num(r.Kicks), Inline: true},
			{Name: "Most active (minutes)", Value: topText},
		},
		Footer:    "Stream recap",
		Timestamp: s.EndedAt,
	}
	return announce.Post{
		Embed: e,
		Vars: map[string]string{
			"channel": s.Slug, "title": s.Title, "category": s.Category, "url": url,
			"duration": FormatDuration(r.Duration), "peak": num(r.Peak), "chatters": num(r.Chatters),
			"minutes": num(r.Minutes), "points": points, "follows": num(r.Follows), "subs": num(r.Subs),
			"gifts": num(r.GiftedSubs), "kicks": num(r.Kicks),
		},
	}
}

// Top returns up to n chatters with the most minutes, ties by name then
// id, so that the order never depends on a map's.
func Top(chatters map[int64]Chatter, n int) []Chatter {
	all := make([]Chatter, 0, len(chatters))
	for _, c := range chatters {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b Chatter) int {
		return cmp.Or(cmp.Compare(b.Minutes, a.Minutes), cmp.Compare(a.Name, b.Name), cmp.Compare(a.UserID, b.UserID))
	})
	return all[:min(n, len(all))]
}

// FormatDuration is "2h 05m" or "45m".
func FormatDuration(d time.Duration) string {
	m := int64(max(d, 0) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dh %02dm", m/60, m%60)
}

// FormatPoints shows thousandths of a point as whole points, rounded down.
func FormatPoints(milli int64) string { return strconv.FormatInt(milli/1000, 10) }

// appendSegment adds a part's start, once: Kick may give a stream that
// came back its first start again, whose stats are already counted.
func appendSegment(segs []time.Time, start time.Time) []time.Time {
	if slices.ContainsFunc(segs, start.Equal) {
		return segs
	}
	segs = append(segs, start)
	if len(segs) > MaxSegments {
		segs = segs[len(segs)-MaxSegments:]
	}
	return segs
}

func orTime(t, def time.Time) time.Time {
	if t.IsZero() {
		return def
	}
	return t
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
