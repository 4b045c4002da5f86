package clip_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/stream"
)

// fakeStore keeps one guild's clips in memory, as the dynamo store does:
// a marker once per key, cooldowns claimed per use.
type fakeStore struct {
	mu       sync.Mutex
	settings *clip.Settings
	stream   stream.State
	channel  string
	markers  map[string]clip.Marker
	order    []string
	cool     map[string]cooldown
	claims   map[string]bool
	answers  int
	// fail makes AddClip fail with it.
	fail error
}

type cooldown struct {
	until time.Time
	claim string
}

func newStore(st stream.State, channel string) *fakeStore {
	return &fakeStore{stream: st, channel: channel, markers: map[string]clip.Marker{}, cool: map[string]cooldown{}, claims: map[string]bool{}}
}

func markerKey(m clip.Marker) string {
	return fmt.Sprintf("%s/%d/%d/%s", m.Guild, m.Stream.UnixMilli(), m.At.UnixMilli(), m.ID)
}

func (s *fakeStore) ClipSettings(context.Context, string) (clip.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.settings == nil {
		return clip.Defaults(), nil
	}
	return *s.settings, nil
}

func (s *fakeStore) SaveClipSettings(_ context.Context, _ string, set clip.Settings, c interact.Cause) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := set.Validate(); err != nil {
		return err
	}
	if s.claims[c.ID] {
		return interact.ErrApplied
	}
	s.claims[c.ID], s.settings = true, &set
	return nil
}

func (s *fakeStore) AddClip(_ context.Context, m clip.Marker) (clip.Marker, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return clip.Marker{}, false, s.fail
	}
	k := markerKey(m)
	if got, ok := s.markers[k]; ok {
		return got, false, nil
	}
	s.markers[k] = m
	s.order = append(s.order, k)
	return m, true, nil
}

func (s *fakeStore) SaveClipAnswer(_ context.Context, m clip.Marker) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := markerKey(m)
	got, ok := s.markers[k]
	if !ok {
		return fault.E(fault.NotFound, "no marker")
	}
	if !got.Asked {
		got.Asked, got.ClipURL = true, m.ClipURL
		s.markers[k] = got
		s.answers++
	}
	return nil
}

func (s *fakeStore) Stream(context.Context, string) (stream.State, error) { return s.stream, nil }

func (s *fakeStore) Connection(context.Context, string) (int64, string, time.Time, error) {
	if s.channel == "" {
		return 0, "", time.Time{}, fault.E(fault.NotFound, "not connected")
	}
	return 99, s.channel, time.Time{}, nil
}

func (s *fakeStore) TakeCooldown(_ context.Context, guild, name string, user int64, global, perUser time.Duration, claim string, now time.Time) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	gk, uk := guild+"/"+name, guild+"/"+name+"/"+strconv.FormatInt(user, 10)
	free := func(k string, d time.Duration) bool {
		c := s.cool[k]
		return d <= 0 || c.claim == claim || !now.Before(c.until)
	}
	if !free(gk, global) || !free(uk, perUser) {
		return false, nil
	}
	if global > 0 {
		s.cool[gk] = cooldown{now.Add(global), claim}
	}
	if perUser > 0 {
		s.cool[uk] = cooldown{now.Add(perUser), claim}
	}
	return true, nil
}

func (s *fakeStore) Clips(_ context.Context, guild string, start time.Time) ([]clip.Marker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []clip.Marker
	for _, k := range s.order {
		if m := s.markers[k]; m.Guild == guild && m.Stream.Equal(start) {
			out = append(out, m)
		}
	}
	slices.SortStableFunc(out, func(a, b clip.Marker) int { return a.At.Compare(b.At) })
	return out, nil
}

func (s *fakeStore) ClipStreams(_ context.Context, guild string, from, to time.Time, limit int) ([]clip.StreamInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[int64]bool{}
	var out []clip.StreamInfo
	for _, k := range s.order {
		m := s.markers[k]
		if m.Guild != guild || m.Stream.Before(from) || !m.Stream.Before(to) || seen[m.Stream.UnixMilli()] {
			continue
		}
		seen[m.Stream.UnixMilli()] = true
		out = append(out, clip.StreamInfo{Start: m.Stream, Title: m.StreamTitle, Category: m.Category})
	}
	slices.SortFunc(out, func(a, b clip.StreamInfo) int { return b.Start.Compare(a.Start) })
	return out[:min(limit, len(out))], nil
}

// announced is one Announce call.
type announced struct {
	Guild string
	Kind  announce.Kind
	Cause string
	Post  announce.Post
}

// recordingAnnouncer records the posts it is given and, like the real
// one, posts each cause once; err fails every call.
type recordingAnnouncer struct {
	mu    sync.Mutex
	posts []announced
	seen  map[string]bool
	err   error
}

func (r *recordingAnnouncer) Announce(_ context.Context, guild string, kind announce.Kind, cause string, p announce.Post) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if k := guild + "/" + string(kind) + "/" + cause; !r.seen[k] {
		r.seen[k] = true
		r.posts = append(r.posts, announced{guild, kind, cause, p})
	}
	return nil
}

// fakeService answers every request with url and err; hold waits for the
// caller's deadline instead.
type fakeService struct {
	mu   sync.Mutex
	url  string
	err  error
	hold bool
	got  []clip.Request
}

func (f *fakeService) Create(ctx context.Context, r clip.Request) (string, error) {
	f.mu.Lock()
	f.got = append(f.got, r)
	f.mu.Unlock()
	if f.hold {
		<-ctx.Done()
		return "", ctx.Err()
	}
	return f.url, f.err
}
