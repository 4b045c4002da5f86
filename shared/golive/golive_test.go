package golive_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/interact"
)

const guild = "g1"

var t0 = time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)

// memStore is a Store in memory, with the versions a real one checks.
type memStore struct {
	states map[string]golive.State
	stats  map[time.Time]golive.Stats
	counts golive.Counts
	// countsAsked records the ranges EventCounts was asked for.
	countsAsked [][2]time.Time
}

func newStore() *memStore {
	return &memStore{states: map[string]golive.State{}, stats: map[time.Time]golive.Stats{}}
}

func (m *memStore) LiveAlert(_ context.Context, g string) (golive.State, error) {
	s := m.states[g]
	s.Segments = slices.Clone(s.Segments)
	return s, nil
}

func (m *memStore) SaveLiveAlert(_ context.Context, g string, s golive.State) error {
	if m.states[g].Version != s.Version {
		return fault.E(fault.Conflict, "version %d is stale", s.Version)
	}
	s.Version++
	m.states[g] = s
	return nil
}

func (m *memStore) StreamStats(_ context.Context, _ string, start time.Time) (golive.Stats, error) {
	return m.stats[start], nil
}

func (m *memStore) EventCounts(_ context.Context, _ string, from, to time.Time) (golive.Counts, error) {
	m.countsAsked = append(m.countsAsked, [2]time.Time{from, to})
	return m.counts, nil
}

// posted is an Announce call.
type posted struct {
	Guild string
	Kind  announce.Kind
	Cause string
	Post  announce.Post
}

// recorder is an Announcer that records each post once per cause, as the
// real one does, and every call.
type recorder struct {
	posts []posted
	calls int
}

func (r *recorder) Announce(_ context.Context, g string, k announce.Kind, cause string, p announce.Post) error {
	r.calls++
	for _, q := range r.posts {
		if q.Guild == g && q.Kind == k && q.Cause == cause {
			return nil
		}
	}
	r.posts = append(r.posts, posted{g, k, cause, p})
	return nil
}

func (r *recorder) kinds() []string {
	var out []string
	for _, p := range r.posts {
		out = append(out, fmt.Sprintf("%s %s", p.Kind, p.Cause))
	}
	return out
}

// kickFunc is a Kick that answers with f.
type kickFunc func(broadcaster int64) (golive.Channel, error)

func (f kickFunc) GoLive(_ context.Context, b int64) (golive.Channel, error) { return f(b) }

var northwind = golive.Channel{
	Slug: "northwind", Title: "BONUS HUNT", Category: "Slots & Casino", Live: true,
	Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp",
}

func newAlerts(ch golive.Channel) (*golive.Alerts, *memStore, *recorder) {
	st, rec := newStore(), &recorder{}
	k := kickFunc(func(int64) (golive.Channel, error) { return ch, nil })
	return &golive.Alerts{Store: st, Kick: k, Announce: rec}, st, rec
}

// step is a status event (at offset from t0) or, with tick, a tick.
type step struct {
	at   time.Duration
	live bool
	tick bool
	// started is a live event's start, when not at: a later delivery of
	// the same stream's status.
	started *time.Duration
}

func live(at time.Duration) step    { return step{at: at, live: true} }
func offline(at time.Duration) step { return step{at: at} }
func tick(at time.Duration) step    { return step{at: at, tick: true} }

// again is a live event delivered at at for the stream started at start.
func again(at, start time.Duration) step { return step{at: at, live: true, started: &start} }

func run(t *testing.T, a *golive.Alerts, steps []step) {
	t.Helper()
	for _, s := range steps {
		now := t0.Add(s.at)
		var err error
		switch {
		case s.tick:
			err = a.Tick(t.Context(), guild, now)
		case s.live:
			start := now
			if s.started != nil {
				start = t0.Add(*s.started)
			}
			err = a.Status(t.Context(), guild, 4402117, now, event.Status{Live: true, StartedAt: start}, now)
		default:
			err = a.Status(t.Context(), guild, 4402117, now, event.Status{EndedAt: now}, now)
		}
		if err != nil {
			t.Fatalf("step %+v: %v", s, err)
		}
	}
}

func TestOneAlertPerStream(t *testing.T) {
	min := func(n int) time.Duration { return time.Duration(n) * time.Minute }
	first, second := golive.Cause(t0), golive.Cause(t0.Add(min(60)))
	tests := []struct {
		name  string
		steps []step
		flap  time.Duration
		want  []string
	}{
		{"one stream", []step{live(0), offline(min(30)), tick(min(39)), tick(min(40))},
			0, []string{"live " + first, "offline " + first}},
		{"duplicated live event", []step{live(0), live(0), again(min(1), 0), offline(min(30)), tick(min(40))},
			0, []string{"live " + first, "offline " + first}},
		{"duplicated offline event", []step{live(0), offline(min(30)), offline(min(30)), offline(min(31)), tick(min(40)), tick(min(41))},
			0, []string{"live " + first, "offline " + first}},
		{"an older event after a newer", []step{live(0), offline(min(30)), live(min(29)), tick(min(40))},
			0, []string{"live " + first, "offline " + first}},
		{"flap within the window", []step{live(0), offline(min(20)), tick(min(25)), live(min(29)), tick(min(31)), offline(min(50)), tick(min(60))},
			0, []string{"live " + first, "offline " + first}},
		{"no recap before the window ends", []step{live(0), offline(min(20)), tick(min(29))},
			0, []string{"live " + first}},
		{"a second stream after the window", []step{live(0), offline(min(30)), tick(min(40)), live(min(60)), offline(min(90)), tick(min(100))},
			0, []string{"live " + first, "offline " + first, "live " + second, "offline " + second}},
		{"a second stream before the recap's tick", []step{live(0), offline(min(30)), live(min(60))},
			0, []string{"live " + first, "offline " + first, "live " + second}},
		{"a guild's shorter window", []step{live(0), offline(min(30)), live(min(33)), offline(min(34)), tick(min(36))},
			2 * time.Minute, []string{"live " + first, "offline " + first, "live " + golive.Cause(t0.Add(min(33))), "offline " + golive.Cause(t0.Add(min(33)))}},
		{"offline without a stream", []step{offline(0), tick(min(20))}, 0, nil},
		{"the offline event lost", []step{live(0), live(min(60)), offline(min(90)), tick(min(100))},
			0, []string{"live " + first, "offline " + first, "live " + second, "offline " + second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _, rec := newAlerts(northwind)
			if tt.flap > 0 {
				if err := a.SetFlapWindow(t.Context(), guild, tt.flap); err != nil {
					t.Fatal(err)
				}
			}
			run(t, a, tt.steps)
			if got := rec.kinds(); !slices.Equal(got, tt.want) {
				t.Errorf("posts = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFlapWindowSetting(t *testing.T) {
	for _, d := range []time.Duration{-time.Minute, 90 * time.Second, 3 * time.Hour} {
		a, st, _ := newAlerts(northwind)
		if err := a.SetFlapWindow(t.Context(), guild, d); !fault.Is(err, fault.Invalid) {
			t.Errorf("SetFlapWindow(%v) = %v, want Invalid", d, err)
		}
		if len(st.states) != 0 {
			t.Errorf("SetFlapWindow(%v) stored %v, want nothing", d, st.states)
		}
	}
}

func TestFlapWindowRead(t *testing.T) {
	a, _, _ := newAlerts(northwind)
	for _, tt := range []struct{ set, want time.Duration }{
		{-1, golive.DefaultFlapWindow}, // never set
		{25 * time.Minute, 25 * time.Minute},
		{0, golive.DefaultFlapWindow}, // back to the default
	} {
		if tt.set >= 0 {
			if err := a.SetFlapWindow(t.Context(), guild, tt.set); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := a.FlapWindow(t.Context(), guild); err != nil || got != tt.want {
			t.Errorf("FlapWindow() after setting %v = %v, %v; want %v", tt.set, got, err, tt.want)
		}
	}
}

func TestThumbnailRetry(t *testing.T) {
	tests := []struct {
		name string
		// appears is the minute Kick has a thumbnail from; -1 never.
		appears  int
		wantMin  int
		wantImg  bool
		tickTill int
	}{
		{"at once", 0, 0, true, 6},
		{"at minute 3", 3, 3, true, 6},
		{"never: posted at 5 without", -1, 5, false, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0
			k := kickFunc(func(int64) (golive.Channel, error) {
				ch := northwind
				if tt.appears < 0 || now.Before(t0.Add(time.Duration(tt.appears)*time.Minute)) {
					ch.Thumbnail = ""
				}
				return ch, nil
			})
			rec := &recorder{}
			a := &golive.Alerts{Store: newStore(), Kick: k, Announce: rec}
			if err := a.Status(t.Context(), guild, 4402117, now, event.Status{Live: true, StartedAt: now}, now); err != nil {
				t.Fatal(err)
			}
			postedAt := -1
			for m := 1; m <= tt.tickTill; m++ {
				if postedAt < 0 && len(rec.posts) > 0 {
					postedAt = m - 1
				}
				now = t0.Add(time.Duration(m) * time.Minute)
				if err := a.Tick(t.Context(), guild, now); err != nil {
					t.Fatal(err)
				}
			}
			if postedAt < 0 && len(rec.posts) > 0 {
				postedAt = tt.tickTill
			}
			if len(rec.posts) != 1 || rec.calls != 1 {
				t.Fatalf("posts = %v (%d calls), want one alert", rec.kinds(), rec.calls)
			}
			if postedAt != tt.wantMin {
				t.Errorf("alert posted at minute %d, want %d", postedAt, tt.wantMin)
			}
			if got := rec.posts[0].Post.Embed.Image != ""; got != tt.wantImg {
				t.Errorf("alert image = %q, want an image %v", rec.posts[0].Post.Embed.Image, tt.wantImg)
			}
		})
	}
}

func TestKickFailure(t *testing.T) {
	now := t0
	k := kickFunc(func(int64) (golive.Channel, error) { return golive.Channel{}, fault.E(fault.Transient, "kick is down") })
	rec := &recorder{}
	a := &golive.Alerts{Store: newStore(), Kick: k, Announce: rec}
	err := a.Status(t.Context(), guild, 4402117, now, event.Status{Live: true, Title: "from the event", StartedAt: now}, now)
	if !fault.Is(err, fault.Transient) {
		t.Errorf("Status with Kick down = %v, want Transient", err)
	}
	for m := 1; m <= 5; m++ {
		err = a.Tick(t.Context(), guild, t0.Add(time.Duration(m)*time.Minute))
	}
	if err != nil || len(rec.posts) != 1 {
		t.Fatalf("after 5 minutes of Kick down: err %v, posts %v; want the alert from the event's title", err, rec.kinds())
	}
	if got := rec.posts[0].Post.Embed.Title; got != "from the event" {
		t.Errorf("alert title = %q, want the event's", got)
	}
}

func TestLivePost(t *testing.T) {
	start := t0.Add(5 * time.Second)
	p := golive.LivePost(northwind, start)
	want := interact.Embed{
		Title:       "BONUS HUNT",
		URL:         "https://kick.com/northwind",
		Description: "northwind is live on Kick.",
		Fields:      []interact.Field{{Name: "Category", Value: "Slots & Casino", Inline: true}},
		Color:       0x53FC18,
		Image:       northwind.Thumbnail,
		Timestamp:   start,
	}
	if !embedEqual(p.Embed, want) {
		t.Errorf("LivePost embed = %+v, want %+v", p.Embed, want)
	}
	if want := (announce.Link{Label: "Watch", URL: "https://kick.com/northwind"}); p.Link != want {
		t.Errorf("LivePost link = %+v, want %+v", p.Link, want)
	}
	wantVars := map[string]string{"channel": "northwind", "title": "BONUS HUNT", "category": "Slots & Casino", "url": "https://kick.com/northwind"}
	if !maps.Equal(p.Vars, wantVars) {
		t.Errorf("LivePost vars = %v, want %v", p.Vars, wantVars)
	}
}

func TestLivePostWithoutTitle(t *testing.T) {
	for _, tt := range []struct {
		ch                golive.Channel
		title, desc, link string
	}{
		{golive.Channel{Slug: "northwind"}, "northwind is live", "northwind is live on Kick.", "https://kick.com/northwind"},
		{golive.Channel{}, "The stream is live", "The stream is live on Kick.", "https://kick.com"},
	} {
		p := golive.LivePost(tt.ch, t0)
		if p.Embed.Title != tt.title || p.Embed.Description != tt.desc || p.Link.URL != tt.link || len(p.Embed.Fields) != 0 || p.Embed.Image != "" {
			t.Errorf("LivePost(%+v) = %+v, link %+v; want title %q, description %q, link %q, no fields or image",
				tt.ch, p.Embed, p.Link, tt.title, tt.desc, tt.link)
		}
	}
}

func TestRecap(t *testing.T) {
	a, st, rec := newAlerts(northwind)
	seg2 := t0.Add(62 * time.Minute)
	st.stats[t0] = golive.Stats{Peak: 40, Minutes: 900, PointsMilli: 180_500, Chatters: []golive.Chatter{
		{UserID: 1, Name: "ann", Minutes: 30}, {UserID: 2, Name: "bob", Minutes: 12}, {UserID: 3, Name: "cy", Minutes: 12},
	}}
	st.stats[seg2] = golive.Stats{Peak: 55, Minutes: 100, PointsMilli: 20_000, Chatters: []golive.Chatter{
		{UserID: 2, Name: "bob", Minutes: 25}, {UserID: 4, Name: "dee", Minutes: 3}, {UserID: 5, Name: "eve", Minutes: 2}, {UserID: 6, Name: "fay", Minutes: 1},
	}}
	st.counts = golive.Counts{Follows: 7, Subs: 3, GiftedSubs: 10, Kicks: 250}
	run(t, a, []step{live(0), offline(60 * time.Minute), live(62 * time.Minute), offline(125 * time.Minute), tick(135 * time.Minute)})
	if len(rec.posts) != 2 || rec.posts[1].Kind != announce.Offline {
		t.Fatalf("posts = %v, want the alert and a recap", rec.kinds())
	}
	if want := [][2]time.Time{{t0, t0.Add(125 * time.Minute)}}; !slices.Equal(st.countsAsked, want) {
		t.Errorf("EventCounts asked for %v, want %v", st.countsAsked, want)
	}
	p := rec.posts[1].Post
	want := interact.Embed{
		Title:       "Stream recap: BONUS HUNT",
		URL:         "https://kick.com/northwind",
		Description: "northwind streamed for 2h 05m.",
		Color:       0x53FC18,
		Fields: []interact.Field{
			{Name: "Duration", Value: "2h 05m", Inline: true},
			{Name: "Peak active viewers", Value: "55", Inline: true},
			{Name: "Active viewers", Value: "6", Inline: true},
			{Name: "Minutes watched", Value: "1000", Inline: true},
			{Name: "Points for watching", Value: "200", Inline: true},
			{Name: "New follows", Value: "7", Inline: true},
			{Name: "Subs", Value: "3", Inline: true},
			{Name: "Gifted subs", Value: "10", Inline: true},
			{Name: "KICKs", Value: "250", Inline: true},
			{Name: "Most active (minutes)", Value: "1. bob (37 min)\n2. ann (30 min)\n3. cy (12 min)\n4. dee (3 min)\n5. eve (2 min)"},
		},
		Footer:    "Stream recap",
		Timestamp: t0.Add(125 * time.Minute),
	}
	if !embedEqual(p.Embed, want) {
		t.Errorf("recap embed =\n%+v\nwant\n%+v", p.Embed, want)
	}
	if p.Link != (announce.Link{}) {
		t.Errorf("recap link = %+v, want none", p.Link)
	}
	wantVars := map[string]string{
		"channel": "northwind", "title": "BONUS HUNT", "category": "Slots & Casino", "url": "https://kick.com/northwind",
		"duration": "2h 05m", "peak": "55", "chatters": "6", "minutes": "1000", "points": "200",
		"follows": "7", "subs": "3", "gifts": "10", "kicks": "250",
	}
	if !maps.Equal(p.Vars, wantVars) {
		t.Errorf("recap vars = %v, want %v", p.Vars, wantVars)
	}
}

// TestFlapWithTheSameStart: Kick may report a stream that came back with
// its first start; the recap counts that part once.
func TestFlapWithTheSameStart(t *testing.T) {
	a, st, rec := newAlerts(northwind)
	st.stats[t0] = golive.Stats{Peak: 4, Minutes: 50, PointsMilli: 10_000, Chatters: []golive.Chatter{{UserID: 1, Name: "ann", Minutes: 9}}}
	ctx := t.Context()
	for _, s := range []struct {
		at   time.Duration
		live bool
	}{{0, true}, {20 * time.Minute, false}, {22 * time.Minute, true}, {40 * time.Minute, false}} {
		now := t0.Add(s.at)
		stat := event.Status{Live: s.live, StartedAt: t0}
		if !s.live {
			stat.EndedAt = now
		}
		if err := a.Status(ctx, guild, 4402117, now, stat, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Tick(ctx, guild, t0.Add(50*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(rec.posts) != 2 {
		t.Fatalf("posts = %v, want the alert and a recap", rec.kinds())
	}
	if v := rec.posts[1].Post.Vars; v["minutes"] != "50" || v["chatters"] != "1" || v["points"] != "10" || v["duration"] != "40m" {
		t.Errorf("recap vars = %v, want the one part counted once over 40m", v)
	}
}

func TestStatusInvalid(t *testing.T) {
	a, st, rec := newAlerts(northwind)
	for _, g := range []string{"", guild} {
		at := t0
		if g == guild {
			at = time.Time{}
		}
		if err := a.Status(t.Context(), g, 1, at, event.Status{Live: true}, t0); !fault.Is(err, fault.Invalid) {
			t.Errorf("Status(%q, at %v) = %v, want Invalid", g, at, err)
		}
	}
	if len(st.states) != 0 || len(rec.posts) != 0 {
		t.Errorf("invalid statuses changed %v and posted %v, want nothing", st.states, rec.kinds())
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{{0, "0m"}, {59*time.Minute + 59*time.Second, "59m"}, {time.Hour, "1h 00m"}, {125 * time.Minute, "2h 05m"}, {-time.Minute, "0m"}} {
		if got := golive.FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func embedEqual(a, b interact.Embed) bool {
	return a.Title == b.Title && a.Description == b.Description && a.URL == b.URL && slices.Equal(a.Fields, b.Fields) &&
		a.Footer == b.Footer && a.Color == b.Color && a.Thumbnail == b.Thumbnail && a.Image == b.Image && a.Timestamp.Equal(b.Timestamp)
}

// TestCrossedChangesRetry: a status event whose save finds the state
// changed meanwhile (a tick crossed it) fails as Transient, so the queue
// retries it on fresh state.
func TestCrossedChangesRetry(t *testing.T) {
	a, st, rec := newAlerts(northwind)
	st.states[guild] = golive.State{Version: 3} // saved by someone else since
	stale := &staleStore{memStore: st}
	a.Store = stale
	err := a.Status(t.Context(), guild, 4402117, t0, event.Status{Live: true, StartedAt: t0}, t0)
	if !fault.Is(err, fault.Transient) {
		t.Errorf("Status over a crossed change = %v, want Transient", err)
	}
	if len(rec.posts) != 0 || st.states[guild].Version != 3 {
		t.Errorf("a crossed change posted %v and stored %+v, want nothing", rec.kinds(), st.states[guild])
	}
}

// staleStore reads the state as it was before version 3.
type staleStore struct{ *memStore }

func (s *staleStore) LiveAlert(ctx context.Context, g string) (golive.State, error) {
	st, err := s.memStore.LiveAlert(ctx, g)
	st.Version = 2
	return st, err
}

// TestFlapBoundsAsAnnounce: /announce (which cannot import golive)
// offers and checks the flap window with golive's bounds.
func TestFlapBoundsAsAnnounce(t *testing.T) {
	if got, want := time.Duration(announce.DefaultFlapMinutes)*time.Minute, golive.DefaultFlapWindow; got != want {
		t.Errorf("announce.DefaultFlapMinutes = %v, want golive.DefaultFlapWindow %v", got, want)
	}
	if got, want := time.Duration(announce.MaxFlapMinutes)*time.Minute, golive.MaxFlapWindow; got != want {
		t.Errorf("announce.MaxFlapMinutes = %v, want golive.MaxFlapWindow %v", got, want)
	}
}
