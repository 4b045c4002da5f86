package interact_test

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/wording"
)

// guild is the one guild fakeStore knows; every other guild is not
// connected and has no viewers.
const guild = "883082587327823872"

// fakeStore is an in-memory interact.Store for one guild. Like the real
// store, it applies a points change once per cause and never lets a
// balance go negative.
type fakeStore struct {
	mu        sync.Mutex
	viewers   []audience.Viewer
	settings  *settings.Settings
	entries   map[string]points.Entry // by "<user id>/<cause>"
	puts      int                     // PutSettingsOnce calls that stored
	fail      error                   // returned by every method when set
	connected bool
	claims    claims
}

// claims are the interaction ids that took effect, as the store's markers.
type claims map[string]bool

// claimed reports whether c took effect; the fakes check it, make their
// change and claim c under one lock, as the store does in one write.
func (cl claims) claimed(c interact.Cause) error {
	if c.ID == "" || c.Expires.IsZero() {
		return fault.E(fault.Invalid, "a change needs a cause")
	}
	if cl[c.ID] {
		return interact.ErrApplied
	}
	return nil
}

var _ interact.Store = (*fakeStore)(nil)

// newFakeStore returns a connected guild with five viewers; quietfern has
// neither watchtime nor points, so is on no leaderboard.
func newFakeStore() *fakeStore {
	return &fakeStore{
		connected: true,
		entries:   map[string]points.Entry{},
		claims:    claims{},
		viewers: []audience.Viewer{
			{Guild: guild, UserID: 101, Username: "ironkettle", WatchMinutes: 3000, PointsMilli: 48_210_000},
			{Guild: guild, UserID: 102, Username: "mossyrock", WatchMinutes: 725, PointsMilli: 31_877_500},
			{Guild: guild, UserID: 103, Username: "pebblecat", WatchMinutes: 60, PointsMilli: 12_004_000},
			{Guild: guild, UserID: 104, Username: "northwind_tv", WatchMinutes: 1, PointsMilli: 1_000},
			{Guild: guild, UserID: 105, Username: "quietfern"},
		},
	}
}

func (s *fakeStore) find(g string, match func(audience.Viewer) bool) (*audience.Viewer, error) {
	if g == guild {
		for i := range s.viewers {
			if match(s.viewers[i]) {
				return &s.viewers[i], nil
			}
		}
	}
	return nil, fault.E(fault.NotFound, "no such viewer")
}

func (s *fakeStore) ViewerByName(_ context.Context, g, username string) (audience.Viewer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return audience.Viewer{}, s.fail
	}
	v, err := s.find(g, func(v audience.Viewer) bool {
		return settings.NormalizeName(v.Username) == settings.NormalizeName(username)
	})
	if err != nil {
		return audience.Viewer{}, fault.E(fault.NotFound, "no viewer named %q has been seen in this guild's chat", username)
	}
	return *v, nil
}

func value(b interact.Board, v audience.Viewer) int64 {
	if b == interact.PointsBoard {
		return v.PointsMilli
	}
	return v.WatchMinutes
}

// board returns g's viewers on b, highest first; a viewer with nothing is
// on no board.
func (s *fakeStore) board(g string, b interact.Board) []audience.Viewer {
	var on []audience.Viewer
	for _, v := range s.viewers {
		if g == guild && value(b, v) > 0 {
			on = append(on, v)
		}
	}
	slices.SortStableFunc(on, func(x, y audience.Viewer) int {
		return cmp.Or(cmp.Compare(value(b, y), value(b, x)), cmp.Compare(x.UserID, y.UserID))
	})
	return on
}

// The fake's cursor is base64url of "<board>/<offset>".
func (s *fakeStore) Top(_ context.Context, g string, b interact.Board, limit int, cursor string) (interact.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return interact.Page{}, s.fail
	}
	if limit < 1 || limit > 100 {
		return interact.Page{}, fault.E(fault.Invalid, "leaderboard page size must be 1 to 100")
	}
	offset := 0
	if cursor != "" {
		bad := fault.E(fault.Invalid, "bad page cursor")
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return interact.Page{}, bad
		}
		prefix, n, _ := strings.Cut(string(raw), "/")
		if offset, err = strconv.Atoi(n); err != nil || prefix != string(b) || offset < 1 {
			return interact.Page{}, bad
		}
	}
	return s.page(g, b, limit, offset), nil
}

func (s *fakeStore) page(g string, b interact.Board, limit, offset int) interact.Page {
	on := s.board(g, b)
	var p interact.Page
	if offset < len(on) {
		p.Viewers = on[offset:min(offset+limit, len(on))]
	}
	if offset+limit < len(on) {
		p.Next = base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s/%d", b, offset+limit))
	}
	return p
}

func (s *fakeStore) Rank(_ context.Context, g string, b interact.Board, userID int64) (int64, audience.Viewer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return 0, audience.Viewer{}, s.fail
	}
	v, err := s.find(g, func(v audience.Viewer) bool { return v.UserID == userID })
	if err != nil {
		return 0, audience.Viewer{}, err
	}
	if value(b, *v) <= 0 {
		return 0, audience.Viewer{}, fault.E(fault.NotFound, "viewer is not on the %s leaderboard", b)
	}
	ahead := int64(0)
	for _, o := range s.board(g, b) {
		if value(b, o) > value(b, *v) {
			ahead++
		}
	}
	return ahead + 1, *v, nil
}

func (s *fakeStore) Settings(_ context.Context, g string) (settings.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return settings.Settings{}, s.fail
	}
	if s.settings == nil || g != guild {
		return settings.Defaults(), nil
	}
	set := *s.settings
	set.Ignored = slices.Clone(set.Ignored)
	return set, nil
}

func (s *fakeStore) PutSettingsOnce(_ context.Context, g string, set settings.Settings, c interact.Cause) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if err := s.claims.claimed(c); err != nil {
		return err
	}
	if g != guild {
		return fault.E(fault.Internal, "fake store holds settings of %s only", guild)
	}
	if err := set.Validate(); err != nil {
		return err
	}
	set.Ignored = slices.Clone(set.Ignored)
	s.settings = &set
	s.puts++
	s.claims[c.ID] = true
	return nil
}

func (s *fakeStore) ClaimInteraction(_ context.Context, _ string, c interact.Cause) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return s.fail
	}
	if err := s.claims.claimed(c); err != nil {
		return err
	}
	s.claims[c.ID] = true
	return nil
}

func (s *fakeStore) AdjustPoints(_ context.Context, g string, userID int64, c points.Change) (points.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return points.Entry{}, s.fail
	}
	if err := c.Validate(); err != nil {
		return points.Entry{}, err
	}
	v, err := s.find(g, func(v audience.Viewer) bool { return v.UserID == userID })
	if err != nil {
		return points.Entry{}, err
	}
	key := strconv.FormatInt(userID, 10) + "/" + c.Cause
	if e, ok := s.entries[key]; ok {
		return e, nil
	}
	if c.Op == points.Remove && v.PointsMilli < c.Milli {
		return points.Entry{}, fault.E(fault.Conflict, "the viewer has only %s", wording.Count(points.Whole(v.PointsMilli), "point"))
	}
	e := points.Entry{Change: c, Before: v.PointsMilli, After: c.After(v.PointsMilli)}
	v.PointsMilli = e.After
	s.entries[key] = e
	return e, nil
}

func (s *fakeStore) Connected(_ context.Context, g string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return false, s.fail
	}
	return g == guild && s.connected, nil
}

// balance returns the milli-points of the viewer named name.
func (s *fakeStore) balance(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, err := s.find(guild, func(v audience.Viewer) bool { return v.Username == name })
	if err != nil {
		return -1
	}
	return v.PointsMilli
}
