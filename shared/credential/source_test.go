package credential_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
)

// memStore is credential.Store in memory, with the semantics the DynamoDB
// adapter gives it.
type memStore struct {
	mu      sync.Mutex
	records map[int64]credential.Record
	// written is closed by the first Save or MarkNeedsReauth.
	written     chan struct{}
	writtenOnce sync.Once
	// beforeSave, when set, runs (unlocked) at the start of Save.
	beforeSave func()
	leases     atomic.Int64
	releases   atomic.Int64
}

func newMemStore(recs map[int64]credential.Record) *memStore {
	if recs == nil {
		recs = map[int64]credential.Record{}
	}
	return &memStore{records: recs, written: make(chan struct{})}
}

var errConflict = fault.E(fault.Conflict, "the credentials changed")

func (m *memStore) get(b int64) (credential.Record, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[b]
	r.Scopes = slices.Clone(r.Scopes)
	return r, ok
}

func (m *memStore) Load(_ context.Context, b int64) (credential.Record, error) {
	r, ok := m.get(b)
	if !ok {
		return credential.Record{}, fault.E(fault.NotFound, "the Kick channel is not connected")
	}
	return r, nil
}

func (m *memStore) Lease(_ context.Context, b, version int64, now, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[b]
	if !ok || r.Version != version || r.LeaseUntil.After(now) {
		return errConflict
	}
	r.LeaseUntil = until
	m.records[b] = r
	m.leases.Add(1)
	return nil
}

func (m *memStore) Release(_ context.Context, b, version int64, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[b]
	if ok && r.Version == version && r.LeaseUntil.Equal(until) {
		r.LeaseUntil = time.Time{}
		m.records[b] = r
		m.releases.Add(1)
	}
	return nil
}

func (m *memStore) Save(_ context.Context, b, version int64, t credential.Token) error {
	if m.beforeSave != nil {
		m.beforeSave()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[b]
	if !ok || r.Version != version {
		return errConflict
	}
	m.records[b] = credential.Record{Token: t, Version: version + 1}
	m.writtenOnce.Do(func() { close(m.written) })
	return nil
}

func (m *memStore) MarkNeedsReauth(_ context.Context, b, version int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.records[b]
	if !ok || r.Version != version {
		return errConflict
	}
	m.records[b] = credential.Record{Version: version + 1, NeedsReauth: true}
	m.writtenOnce.Do(func() { close(m.written) })
	return nil
}

// refresher counts its calls and answers with answer.
type refresher struct {
	calls  atomic.Int64
	answer func(ctx context.Context, refresh string) (credential.Token, error)
}

var errInvalidGrant = errors.New("kick: invalid_grant")

func (r *refresher) Refresh(ctx context.Context, refresh string) (credential.Token, error) {
	r.calls.Add(1)
	return r.answer(ctx, refresh)
}

func (r *refresher) Rejected(err error) bool { return errors.Is(err, errInvalidGrant) }

// newToken is what Kick hands out for the refresh token "r1".
func newToken(ctx context.Context, refresh string) (credential.Token, error) {
	if refresh != "r1" {
		return credential.Token{}, errInvalidGrant
	}
	return credential.Token{Access: "a2", Refresh: "r2", Expiry: t0.Add(2 * time.Hour), Scopes: []string{"chat:write"}}, ctx.Err()
}

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

const broadcaster = 100

// stored is a record whose access token "a1" expires at expiry.
func stored(expiry time.Time) map[int64]credential.Record {
	return map[int64]credential.Record{broadcaster: {
		Token:   credential.Token{Access: "a1", Refresh: "r1", Expiry: expiry, Scopes: []string{"chat:write", "user:read"}},
		Version: 1,
	}}
}

// noWait fails the test if the source waits.
func noWait(t *testing.T) func(context.Context, time.Duration) error {
	return func(context.Context, time.Duration) error {
		t.Error("the source waited; want no wait")
		return nil
	}
}

func TestFreshTokenIsReused(t *testing.T) {
	st := newMemStore(stored(t0.Add(time.Hour)))
	kick := &refresher{answer: newToken}
	src := &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}
	for range 3 {
		got, err := src.Token(t.Context(), broadcaster)
		if err != nil || got != "a1" {
			t.Fatalf("Token = %q, %v; want a1", got, err)
		}
	}
	if n := kick.calls.Load(); n != 0 {
		t.Errorf("Refresh calls = %d, want 0", n)
	}
	if n := st.leases.Load(); n != 0 {
		t.Errorf("leases = %d, want 0", n)
	}
}

func TestRefreshDueEarly(t *testing.T) {
	// Four minutes left: inside the default five-minute margin.
	st := newMemStore(stored(t0.Add(4 * time.Minute)))
	kick := &refresher{answer: newToken}
	src := &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}
	got, err := src.Token(t.Context(), broadcaster)
	if err != nil || got != "a2" {
		t.Fatalf("Token = %q, %v; want a2", got, err)
	}
	rec, _ := st.get(broadcaster)
	want := credential.Record{
		Token:   credential.Token{Access: "a2", Refresh: "r2", Expiry: t0.Add(2 * time.Hour), Scopes: []string{"chat:write"}},
		Version: 2,
	}
	if !equalRecords(rec, want) {
		t.Errorf("stored %v, want %v", rec, want)
	}

	// A margin of one minute leaves the token alone.
	st = newMemStore(stored(t0.Add(4 * time.Minute)))
	src = &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t), Early: time.Minute}
	if got, err := src.Token(t.Context(), broadcaster); err != nil || got != "a1" {
		t.Errorf("Token with Early 1m = %q, %v; want a1", got, err)
	}
}

func equalRecords(a, b credential.Record) bool {
	return a.Access == b.Access && a.Refresh == b.Refresh && a.Expiry.Equal(b.Expiry) &&
		slices.Equal(a.Scopes, b.Scopes) && a.Version == b.Version &&
		a.LeaseUntil.Equal(b.LeaseUntil) && a.NeedsReauth == b.NeedsReauth
}

// TestConcurrentRefresh has ten callers find the token expired at once:
// Kick is asked once, while the nine others are waiting, and all ten get
// the new token.
func TestConcurrentRefresh(t *testing.T) {
	const callers = 10
	st := newMemStore(stored(t0.Add(-time.Minute)))
	waiting := make(chan struct{}, 100)
	kick := &refresher{answer: func(ctx context.Context, refresh string) (credential.Token, error) {
		// Hold the refresh until every other caller waits for it.
		for range callers - 1 {
			select {
			case <-waiting:
			case <-ctx.Done():
				return credential.Token{}, ctx.Err()
			}
		}
		return newToken(ctx, refresh)
	}}
	src := &credential.Source{
		Store: st, Kick: kick, Now: func() time.Time { return t0 },
		Wait: func(ctx context.Context, d time.Duration) error {
			if d <= 0 {
				t.Errorf("Wait(%v), want a positive wait", d)
			}
			waiting <- struct{}{}
			select {
			case <-st.written:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}
	got := runConcurrently(t, callers, func(ctx context.Context) (string, error) { return src.Token(ctx, broadcaster) })
	for i, r := range got {
		if r.err != nil || r.token != "a2" {
			t.Errorf("caller %d: Token = %q, %v; want a2", i, r.token, r.err)
		}
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls = %d, want 1", n)
	}
	if rec, _ := st.get(broadcaster); rec.Version != 2 || !rec.LeaseUntil.IsZero() {
		t.Errorf("stored %v, want version 2 and no lease", rec)
	}
}

type result struct {
	token string
	err   error
}

func runConcurrently(t *testing.T, n int, call func(ctx context.Context) (string, error)) []result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	results := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tok, err := call(ctx)
			results[i] = result{tok, err}
		})
	}
	wg.Wait()
	return results
}

// TestAfter401 has ten callers see their (unexpired) token refused by
// Kick: one refresh, and everyone gets its result.
func TestAfter401(t *testing.T) {
	st := newMemStore(stored(t0.Add(time.Hour)))
	kick := &refresher{answer: newToken}
	src := &credential.Source{
		Store: st, Kick: kick, Now: func() time.Time { return t0 },
		Wait: func(ctx context.Context, _ time.Duration) error {
			select {
			case <-st.written:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}
	got := runConcurrently(t, 10, func(ctx context.Context) (string, error) {
		return src.TokenAfter401(ctx, broadcaster, "a1")
	})
	for i, r := range got {
		if r.err != nil || r.token != "a2" {
			t.Errorf("caller %d: TokenAfter401 = %q, %v; want a2", i, r.token, r.err)
		}
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls = %d, want 1", n)
	}

	// A late caller with the old token gets the new one without a refresh.
	src.Wait = noWait(t)
	if tok, err := src.TokenAfter401(t.Context(), broadcaster, "a1"); err != nil || tok != "a2" {
		t.Errorf("late TokenAfter401(a1) = %q, %v; want a2", tok, err)
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls after a late 401 = %d, want 1", n)
	}
	if _, err := src.TokenAfter401(t.Context(), broadcaster, ""); !fault.Is(err, fault.Invalid) {
		t.Errorf("TokenAfter401 without a token = %v, want invalid", err)
	}
}

// TestHolderCrash leaves a lease from a caller that died: the next caller
// waits for it to run out, then refreshes.
func TestHolderCrash(t *testing.T) {
	recs := stored(t0.Add(-time.Minute))
	r := recs[broadcaster]
	r.LeaseUntil = t0.Add(3 * time.Second)
	recs[broadcaster] = r
	st := newMemStore(recs)
	kick := &refresher{answer: newToken}
	clk := clock.New(t0)
	var waited time.Duration
	src := &credential.Source{
		Store: st, Kick: kick, Now: clk.Now,
		Wait: func(_ context.Context, d time.Duration) error {
			waited += d
			clk.Advance(d)
			return nil
		},
	}
	got, err := src.Token(t.Context(), broadcaster)
	if err != nil || got != "a2" {
		t.Fatalf("Token = %q, %v; want a2", got, err)
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls = %d, want 1", n)
	}
	// 50+100+200+400+800ms, then 1s, then the 450ms left of the lease.
	if waited != 3*time.Second {
		t.Errorf("waited %v, want exactly the 3s left of the lease", waited)
	}

	// A lease that already ended is taken over at once.
	recs = stored(t0.Add(-time.Minute))
	r = recs[broadcaster]
	r.LeaseUntil = t0
	recs[broadcaster] = r
	st = newMemStore(recs)
	src = &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}
	if got, err := src.Token(t.Context(), broadcaster); err != nil || got != "a2" {
		t.Errorf("Token past an ended lease = %q, %v; want a2", got, err)
	}
}

// TestWaitBound gives up, transiently, on a refresh that takes too long.
func TestWaitBound(t *testing.T) {
	recs := stored(t0.Add(-time.Minute))
	r := recs[broadcaster]
	r.LeaseUntil = t0.Add(time.Hour)
	recs[broadcaster] = r
	kick := &refresher{answer: newToken}
	waits := 0
	src := &credential.Source{
		Store: newMemStore(recs), Kick: kick, Now: func() time.Time { return t0 }, Attempts: 4,
		Wait: func(context.Context, time.Duration) error { waits++; return nil },
	}
	if _, err := src.Token(t.Context(), broadcaster); !fault.Is(err, fault.Transient) {
		t.Errorf("Token behind a live lease = %v (kind %v), want transient", err, fault.KindOf(err))
	}
	if waits != 4 || kick.calls.Load() != 0 {
		t.Errorf("waits = %d, Refresh calls = %d; want 4 and 0", waits, kick.calls.Load())
	}

	// A wait cut short by the context ends the call.
	src.Wait = func(ctx context.Context, _ time.Duration) error { return context.Canceled }
	if _, err := src.Token(t.Context(), broadcaster); !fault.Is(err, fault.Transient) || !errors.Is(err, context.Canceled) {
		t.Errorf("Token with the wait cancelled = %v, want transient, wrapping context.Canceled", err)
	}
}

// TestRejected: Kick refuses the refresh token; the credentials need a new
// authorisation, and nobody asks Kick again.
func TestRejected(t *testing.T) {
	recs := stored(t0.Add(-time.Minute))
	r := recs[broadcaster]
	r.Refresh = "dead"
	recs[broadcaster] = r
	st := newMemStore(recs)
	kick := &refresher{answer: newToken}
	src := &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}

	for i := range 3 {
		_, err := src.Token(t.Context(), broadcaster)
		if !errors.Is(err, credential.ErrReconnect) || !fault.Is(err, fault.Forbidden) {
			t.Fatalf("call %d: Token = %v, want ErrReconnect", i, err)
		}
	}
	if got := fault.Message(credential.ErrReconnect); got == "" || !strings.Contains(got, "reconnect the Kick channel") {
		t.Errorf("ErrReconnect's message = %q, want it to say to reconnect the Kick channel", got)
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls = %d, want 1", n)
	}
	rec, _ := st.get(broadcaster)
	if !rec.NeedsReauth || rec.Access != "" || rec.Refresh != "" || rec.Version != 2 || !rec.LeaseUntil.IsZero() {
		t.Errorf("stored %v, want needs reauth, no token, version 2, no lease", rec)
	}
	if _, err := src.TokenAfter401(t.Context(), broadcaster, "a1"); !errors.Is(err, credential.ErrReconnect) {
		t.Errorf("TokenAfter401 = %v, want ErrReconnect", err)
	}

	// A connection missing its refresh token is as good as refused.
	recs = stored(t0.Add(-time.Minute))
	r = recs[broadcaster]
	r.Refresh = ""
	recs[broadcaster] = r
	kick = &refresher{answer: newToken}
	src = &credential.Source{Store: newMemStore(recs), Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}
	if _, err := src.Token(t.Context(), broadcaster); !errors.Is(err, credential.ErrReconnect) || kick.calls.Load() != 0 {
		t.Errorf("Token without a refresh token = %v after %d Refresh calls; want ErrReconnect and none", err, kick.calls.Load())
	}
}

// TestConcurrentRejected: ten callers, one refused refresh, ten errors.
func TestConcurrentRejected(t *testing.T) {
	recs := stored(t0.Add(-time.Minute))
	r := recs[broadcaster]
	r.Refresh = "dead"
	recs[broadcaster] = r
	st := newMemStore(recs)
	kick := &refresher{answer: newToken}
	src := &credential.Source{
		Store: st, Kick: kick, Now: func() time.Time { return t0 },
		// Waiters wait until the holder marked the record.
		Wait: func(ctx context.Context, _ time.Duration) error {
			select {
			case <-st.written:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		},
	}
	for i, r := range runConcurrently(t, 10, func(ctx context.Context) (string, error) { return src.Token(ctx, broadcaster) }) {
		if !errors.Is(r.err, credential.ErrReconnect) {
			t.Errorf("caller %d: Token = %q, %v; want ErrReconnect", i, r.token, r.err)
		}
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls = %d, want 1", n)
	}
}

// TestRefreshFailure: a failed refresh releases its lease, so the next
// caller refreshes at once.
func TestRefreshFailure(t *testing.T) {
	st := newMemStore(stored(t0.Add(-time.Minute)))
	down := errors.New("kick: 503")
	fail := true
	kick := &refresher{answer: func(ctx context.Context, refresh string) (credential.Token, error) {
		if fail {
			return credential.Token{}, down
		}
		return newToken(ctx, refresh)
	}}
	src := &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}
	if _, err := src.Token(t.Context(), broadcaster); !fault.Is(err, fault.Transient) || !errors.Is(err, down) {
		t.Fatalf("Token with Kick down = %v (kind %v), want transient wrapping its cause", err, fault.KindOf(err))
	}
	if rec, _ := st.get(broadcaster); !rec.LeaseUntil.IsZero() || rec.Version != 1 || rec.Access != "a1" {
		t.Errorf("stored after a failed refresh: %v, want version 1 unchanged and no lease", rec)
	}
	if st.releases.Load() != 1 {
		t.Errorf("releases = %d, want 1", st.releases.Load())
	}

	// A failure with a kind keeps it.
	kick.answer = func(context.Context, string) (credential.Token, error) {
		return credential.Token{}, fault.E(fault.Invalid, "kick: bad client id")
	}
	if _, err := src.Token(t.Context(), broadcaster); !fault.Is(err, fault.Invalid) {
		t.Errorf("Token with Kick refusing the client = %v, want invalid", err)
	}
	// No access token in the answer is a bug of the Kick client.
	kick.answer = func(context.Context, string) (credential.Token, error) { return credential.Token{Refresh: "r9"}, nil }
	if _, err := src.Token(t.Context(), broadcaster); !fault.Is(err, fault.Internal) {
		t.Errorf("Token with no access token from Kick = %v, want internal", err)
	}

	fail = false
	kick.answer = func(ctx context.Context, refresh string) (credential.Token, error) {
		// Kick may leave out the refresh token and scopes: the stored ones stay.
		return credential.Token{Access: "a3", Expiry: t0.Add(time.Hour)}, nil
	}
	if got, err := src.Token(t.Context(), broadcaster); err != nil || got != "a3" {
		t.Fatalf("Token after Kick recovered = %q, %v; want a3", got, err)
	}
	rec, _ := st.get(broadcaster)
	if rec.Refresh != "r1" || !slices.Equal(rec.Scopes, []string{"chat:write", "user:read"}) {
		t.Errorf("stored %v, want the old refresh token and scopes kept", rec)
	}
}

// TestSaveRace: the record changes while the holder asks Kick (the
// streamer connects again): the holder's save loses, and it returns the
// newer token without a second refresh.
func TestSaveRace(t *testing.T) {
	st := newMemStore(stored(t0.Add(-time.Minute)))
	st.beforeSave = func() {
		st.mu.Lock()
		defer st.mu.Unlock()
		r := st.records[broadcaster]
		st.records[broadcaster] = credential.Record{
			Token:   credential.Token{Access: "fresh", Refresh: "rf", Expiry: t0.Add(time.Hour)},
			Version: r.Version + 1,
		}
		st.beforeSave = nil
	}
	kick := &refresher{answer: newToken}
	src := &credential.Source{Store: st, Kick: kick, Now: func() time.Time { return t0 }, Wait: noWait(t)}
	if got, err := src.Token(t.Context(), broadcaster); err != nil || got != "fresh" {
		t.Errorf("Token = %q, %v; want the reconnected token", got, err)
	}
	if n := kick.calls.Load(); n != 1 {
		t.Errorf("Refresh calls = %d, want 1", n)
	}
}

func TestTokenErrors(t *testing.T) {
	src := &credential.Source{Store: newMemStore(nil), Kick: &refresher{answer: newToken}, Wait: noWait(t)}
	if _, err := src.Token(t.Context(), broadcaster); !fault.Is(err, fault.NotFound) {
		t.Errorf("Token of an unconnected channel = %v, want not found", err)
	}
	if _, err := src.Token(t.Context(), 0); !fault.Is(err, fault.Invalid) {
		t.Errorf("Token(0) = %v, want invalid", err)
	}
	if _, err := (&credential.Source{}).Token(t.Context(), broadcaster); !fault.Is(err, fault.Internal) {
		t.Errorf("Token with no store = %v, want internal", err)
	}
}

// TestDefaults runs with the real clock and timer.
func TestDefaults(t *testing.T) {
	recs := stored(time.Now().Add(-time.Minute))
	r := recs[broadcaster]
	r.LeaseUntil = time.Now().Add(30 * time.Millisecond)
	recs[broadcaster] = r
	kick := &refresher{answer: func(ctx context.Context, _ string) (credential.Token, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("Refresh got a context without a deadline")
		}
		return credential.Token{Access: "a2", Refresh: "r2", Expiry: time.Now().Add(time.Hour)}, nil
	}}
	src := &credential.Source{Store: newMemStore(recs), Kick: kick}
	if got, err := src.Token(t.Context(), broadcaster); err != nil || got != "a2" {
		t.Errorf("Token = %q, %v; want a2", got, err)
	}
}
