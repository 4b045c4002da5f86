package sweep_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var now = time.Date(2026, 3, 14, 20, 10, 3, 0, time.UTC)

// memStore is an in-memory sweep.Store whose Credit and Advance apply the
// same conditions the DynamoDB adapter does.
type memStore struct {
	mu       sync.Mutex
	streams  map[string]stream.State
	settings map[string]settings.Settings
	activity map[string][]audience.Activity
	// credits holds each guild's credit state apart, as DynamoDB keeps a
	// guild's viewers in their own partition.
	credits  map[string]map[int64]*credit
	through  map[string]watchtime.Minute
	listed   map[string]bool
	boards   map[string]int // board builds per guild
	conns    []stream.Connection
	statuses []event.Status
	checked  []string // guilds MarkChecked marked, in order
	failNext error
	// failBoards fails the next board build.
	failBoards error
	subs       map[string]map[int64]watchtime.Subscription
	timers     map[string][]timer.Timer
	// actReads and timerReads count the reads of activity and timers.
	actReads   map[string][][2]watchtime.Minute
	timerReads int
}

func newStore() *memStore {
	return &memStore{
		streams: map[string]stream.State{}, settings: map[string]settings.Settings{}, activity: map[string][]audience.Activity{},
		credits: map[string]map[int64]*credit{}, through: map[string]watchtime.Minute{}, listed: map[string]bool{}, boards: map[string]int{},
	}
}

func (m *memStore) SweepGuilds(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for g, st := range m.streams {
		if st.Live || m.settings[g].TrackOffline || m.listed[g] {
			out = append(out, g)
		}
	}
	return out, nil
}

func (m *memStore) Stream(_ context.Context, g string) (stream.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.streams[g], nil
}

func (m *memStore) Settings(_ context.Context, g string) (settings.Settings, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s, ok := m.settings[g]; ok {
		return s, nil
	}
	return settings.Defaults(), nil
}

func (m *memStore) Checkpoint(_ context.Context, g string) (sweep.Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.through[g]
	return sweep.Checkpoint{Through: t, OK: ok, Timers: len(m.timers[g])}, nil
}

func (m *memStore) Advance(_ context.Context, g string, through watchtime.Minute, listed bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.through[g]; !ok || t <= through {
		m.through[g], m.listed[g] = through, listed
	}
	return nil
}

func (m *memStore) Activity(_ context.Context, g string, from, to watchtime.Minute) ([]audience.Activity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.actReads == nil {
		m.actReads = map[string][][2]watchtime.Minute{}
	}
	m.actReads[g] = append(m.actReads[g], [2]watchtime.Minute{from, to})
	var out []audience.Activity
	for _, a := range m.activity[g] {
		if am := watchtime.MinuteOf(a.At); am >= from && am <= to {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) Subscriptions(_ context.Context, g string) (map[int64]watchtime.Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.subs[g], nil
}

func (m *memStore) BuildBoards(_ context.Context, g string, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failBoards; err != nil {
		m.failBoards = nil
		return err
	}
	m.boards[g]++
	return nil
}

func (m *memStore) Credit(_ context.Context, g string, c watchtime.Credit) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failNext; err != nil {
		m.failNext = nil
		return false, err
	}
	vs := m.credits[g]
	if vs == nil {
		vs = map[int64]*credit{}
		m.credits[g] = vs
	}
	v := vs[c.UserID]
	if v == nil {
		v = &credit{}
		vs[c.UserID] = v
	}
	if v.minutes > 0 && v.last >= c.Minute {
		return false, nil
	}
	v.last = c.Minute
	v.minutes++
	v.milli += c.PointsMilli
	return true, nil
}

func (m *memStore) Connections(context.Context) ([]stream.Connection, error) { return m.conns, nil }

func (m *memStore) StreamStates(_ context.Context, guilds []string) (map[string]stream.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]stream.State{}
	for _, g := range guilds {
		out[g] = m.streams[g]
	}
	return out, nil
}

func (m *memStore) MarkChecked(_ context.Context, g string, statusAt, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.streams[g]
	if st.StatusAt.Equal(statusAt) && st.CheckedAt.Before(at) {
		st.CheckedAt = at
		m.streams[g] = st
		m.checked = append(m.checked, g)
	}
	return nil
}

func (m *memStore) SetStreamStatus(_ context.Context, g string, at time.Time, s event.Status) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.streams[g]
	st.Live, st.StatusAt = s.Live, at
	m.streams[g] = st
	m.statuses = append(m.statuses, s)
	return nil
}

type credit struct {
	last    watchtime.Minute
	minutes int64
	milli   int64
}

// minutes returns the minutes credited to a viewer.
func (m *memStore) minutes(g string, user int64) int64 {
	if v := m.credits[g][user]; v != nil {
		return v.minutes
	}
	return 0
}

// eachCredited calls f for every credited viewer.
func (m *memStore) eachCredited(f func(g string, user, minutes int64)) {
	for g, vs := range m.credits {
		for u, v := range vs {
			f(g, u, v.minutes)
		}
	}
}

type memQueue struct{ jobs []job.Job }

func (q *memQueue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// liveGuild adds a live guild with n viewers who chatted a minute ago.
func (m *memStore) liveGuild(g string, n int) {
	m.streams[g] = stream.State{Guild: g, Live: true, StatusAt: now.Add(-time.Minute)}
	for i := range n {
		m.activity[g] = append(m.activity[g], audience.Activity{UserID: int64(i + 1), Username: fmt.Sprint("v", i), At: now.Add(-time.Minute)})
	}
}

func TestSameMinuteCreditsOnce(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 3)
	s := &sweep.Sweeper{Store: st}
	m := watchtime.MinuteOf(now)
	for i, want := range []int{3, 0} {
		rep, err := s.Run(context.Background(), m, now.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Credited != want {
			t.Errorf("sweep %d of minute %d credited %d, want %d", i+1, m, rep.Credited, want)
		}
	}
	rep, err := s.Run(context.Background(), m+1, now.Add(time.Minute))
	if err != nil || rep.Credited != 3 {
		t.Errorf("sweep of minute M+1 credited %d (err %v), want 3", rep.Credited, err)
	}
	if got := st.minutes("g", 1); got != 2 {
		t.Errorf("viewer 1 has %d minutes, want 2", got)
	}
}

// TestLateRunPaysTheOnTimeRate: a viewer who subscribes during minute M
// earns M at the plain rate whether the sweep credits M on time or only
// after the subscription was recorded (a run that failed and was made up).
// The rate counted every subscription still running at M's start, begun
// before it or not, so the late run paid double.
func TestLateRunPaysTheOnTimeRate(t *testing.T) {
	m := watchtime.MinuteOf(now)
	sub := map[int64]watchtime.Subscription{1: {From: m.Start().Add(20 * time.Second), Until: m.Start().AddDate(0, 1, 0)}}
	for _, late := range []bool{false, true} {
		st := newStore()
		st.liveGuild("g", 1)
		st.settings["g"] = settings.Settings{ActivityWindow: 5 * time.Minute, PointsPer5Min: 1, SubMultiplierPct: 200}
		s := &sweep.Sweeper{Store: st}
		if !late {
			if _, err := s.Run(context.Background(), m, now); err != nil {
				t.Fatal(err)
			}
		}
		st.mu.Lock()
		st.subs = map[string]map[int64]watchtime.Subscription{"g": sub}
		st.mu.Unlock()
		if _, err := s.Run(context.Background(), m, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if c := st.credits["g"][1]; c == nil || c.minutes != 1 || c.milli != 200 {
			t.Errorf("late=%v: viewer 1 credited %+v, want 1 minute and 200 milli-points", late, c)
		}
	}
}

func TestConcurrentSweepsCreditOnce(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 50)
	st.liveGuild("h", 20)
	m := watchtime.MinuteOf(now)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := (&sweep.Sweeper{Store: st, Concurrency: 4}).Run(context.Background(), m, now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	count := 0
	st.eachCredited(func(g string, u, n int64) {
		count++
		if n != 1 {
			t.Errorf("%s/%d credited %d times, want 1", g, u, n)
		}
	})
	if count != 70 {
		t.Errorf("%d viewers credited, want 70", count)
	}
}

func TestOfflineGuildIsNotVisited(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 2)
	st.streams["g"] = stream.State{Guild: "g"}
	rep, err := (&sweep.Sweeper{Store: st}).Run(context.Background(), watchtime.MinuteOf(now), now)
	if err != nil || rep.Guilds != 0 || rep.Credited != 0 {
		t.Errorf("Run = %+v, %v; want nothing visited", rep, err)
	}
}

func TestFanOutAboveInlineLimit(t *testing.T) {
	st, q := newStore(), &memQueue{}
	for i := range 5 {
		st.liveGuild(fmt.Sprint("g", i), 2)
	}
	m := watchtime.MinuteOf(now)
	rep, err := (&sweep.Sweeper{Store: st, Queue: q, InlineGuilds: 4}).Run(context.Background(), m, now)
	if err != nil {
		t.Fatal(err)
	}
	if rep.FannedOut != 5 || rep.Credited != 0 || len(q.jobs) != 5 {
		t.Fatalf("Run = %+v with %d jobs, want 5 fanned out and nothing credited inline", rep, len(q.jobs))
	}
	for _, j := range q.jobs {
		if j.Kind != job.KindSweep || j.Sweep.Minute != int64(m) || !j.Sweep.At.Equal(now) {
			t.Errorf("job %+v, want a sweep of minute %d at %v", j, m, now)
		}
	}
	// The worker's side: crediting each guild from its job.
	for _, j := range q.jobs {
		r, err := (&sweep.Sweeper{Store: st}).Guild(context.Background(), j.Guild, watchtime.Minute(j.Sweep.Minute), j.Sweep.At)
		if err != nil || r.Credited != 2 {
			t.Errorf("Guild(%s) = %+v, %v; want 2 credited", j.Guild, r, err)
		}
	}
}

func TestTransientCreditFailureIsRetriable(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 3)
	st.failNext = fault.Wrap(fault.Transient, errors.New("throttled"), "credit")
	s := &sweep.Sweeper{Store: st, Concurrency: 1}
	m := watchtime.MinuteOf(now)
	if _, err := s.Run(context.Background(), m, now); !fault.Is(err, fault.Transient) {
		t.Fatalf("Run = %v, want a Transient error", err)
	}
	rep, err := s.Run(context.Background(), m, now) // the retry
	if err != nil || rep.Credited != 1 {
		t.Errorf("retry = %+v, %v; want the one missing credit", rep, err)
	}
	st.eachCredited(func(g string, u, n int64) {
		if n != 1 {
			t.Errorf("%s/%d credited %d times, want 1", g, u, n)
		}
	})
}

// panickyStore panics in Credit, which the sweep calls on its own
// goroutines.
type panickyStore struct{ *memStore }

func (panickyStore) Credit(context.Context, string, watchtime.Credit) (bool, error) {
	panic("index out of range")
}

// A panic on one of the sweep's goroutines is an Internal error of that
// write, handled (logged at ERROR) like any write refused for good, not the
// end of the process, which no handler could recover.
func TestPanicInCreditIsAnError(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 3)
	var logs bytes.Buffer
	s := &sweep.Sweeper{Store: panickyStore{st}, Concurrency: 2, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
	if _, err := s.Run(context.Background(), watchtime.MinuteOf(now), now); fault.Is(err, fault.Transient) {
		t.Errorf("Run with a panicking Credit = %v, want no retry", err)
	}
	for _, want := range []string{`"level":"ERROR"`, "sweep step panicked: index out of range"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %s lacks %s", logs.String(), want)
		}
	}
}

type fakeKick struct {
	obs   []stream.Observation
	err   error
	asked [][]int64
}

func (f *fakeKick) Observe(_ context.Context, ids []int64) ([]stream.Observation, error) {
	f.asked = append(f.asked, ids)
	return f.obs, f.err
}

func TestReconcile(t *testing.T) {
	st := newStore()
	st.conns = []stream.Connection{{Guild: "missed-live", Broadcaster: 1}, {Guild: "stuck-live", Broadcaster: 2},
		{Guild: "fresh", Broadcaster: 3}, {Guild: "right", Broadcaster: 4}, {Guild: "second-guild", Broadcaster: 1},
		{Guild: "unknown-to-kick", Broadcaster: 5}}
	st.streams["missed-live"] = stream.State{StatusAt: now.Add(-time.Hour)}
	st.streams["second-guild"] = stream.State{StatusAt: now.Add(-time.Hour)}
	st.streams["stuck-live"] = stream.State{Live: true, StatusAt: now.Add(-30 * time.Hour)}
	st.streams["fresh"] = stream.State{Live: true, StatusAt: now.Add(-time.Minute)}
	st.streams["right"] = stream.State{Live: true, StatusAt: now.Add(-time.Hour)}
	st.streams["unknown-to-kick"] = stream.State{StatusAt: now.Add(-time.Hour)}
	started := now.Add(-20 * time.Minute)
	kick := &fakeKick{obs: []stream.Observation{{Broadcaster: 1, Live: true, Title: "t", StartedAt: started}, {Broadcaster: 2}, {Broadcaster: 3}, {Broadcaster: 4, Live: true}}}
	q := &memQueue{}
	r := &sweep.Reconciler{Store: st, Channels: kick, Queue: q}
	if err := r.Run(context.Background(), now); err != nil {
		t.Fatal(err)
	}
	// Each correction is announced as the status event Kick did not send.
	var queued []string
	for _, j := range q.jobs {
		ev := j.Event
		if j.Kind != job.KindEvent || ev == nil || ev.Type != event.LivestreamStatus || ev.Status == nil || !ev.SentAt.Equal(now) {
			t.Fatalf("queued %+v, want a status event job sent at the run's time", j)
		}
		queued = append(queued, fmt.Sprintf("%s:%d:%v:%v", j.Guild, ev.Broadcaster, ev.Status.Live, ev.Status.StartedAt.Equal(started)))
	}
	slices.Sort(queued)
	if want := []string{"missed-live:1:true:true", "second-guild:1:true:true", "stuck-live:2:false:false"}; !slices.Equal(queued, want) {
		t.Errorf("queued %q, want %q (guild:broadcaster:live:Kick's start)", queued, want)
	}
	if len(kick.asked) != 1 || fmt.Sprint(kick.asked[0]) != "[2 1 4 5]" {
		t.Errorf("asked Kick about %v, want one call for [2 1 4 5] (oldest first; the fresh status is not checked)", kick.asked)
	}
	want := map[string]bool{"missed-live": true, "second-guild": true, "stuck-live": false, "fresh": true, "right": true}
	for g, live := range want {
		if got := st.streams[g].Live; got != live {
			t.Errorf("%s live = %v, want %v", g, got, live)
		}
	}
	if len(st.statuses) != 3 {
		t.Errorf("%d status writes, want 3 (only what differs)", len(st.statuses))
	}
	if got := fmt.Sprint(st.checked); got != "[right unknown-to-kick]" {
		t.Errorf("marked checked %s, want [right unknown-to-kick] (what Kick did not contradict)", got)
	}
}

// TestReconcileAsksAgainOnlyWhenStale: a status Kick confirmed is not
// asked about again until the stale window has passed since the check.
func TestReconcileAsksAgainOnlyWhenStale(t *testing.T) {
	st := newStore()
	st.conns = []stream.Connection{{Guild: "offline", Broadcaster: 1}}
	st.streams["offline"] = stream.State{StatusAt: now.Add(-48 * time.Hour)}
	kick := &fakeKick{obs: []stream.Observation{{Broadcaster: 1}}}
	r := &sweep.Reconciler{Store: st, Channels: kick}
	for _, tt := range []struct {
		after time.Duration
		asked int
	}{{0, 1}, {5 * time.Minute, 1}, {sweep.DefaultStaleAfter - time.Second, 1}, {sweep.DefaultStaleAfter, 2}, {sweep.DefaultStaleAfter + 5*time.Minute, 2}} {
		if err := r.Run(context.Background(), now.Add(tt.after)); err != nil {
			t.Fatal(err)
		}
		if len(kick.asked) != tt.asked {
			t.Errorf("after a run at now+%v Kick was asked %d times, want %d", tt.after, len(kick.asked), tt.asked)
		}
	}
}

// TestReconcileCap: a run asks about at most MaxChannels channels, the
// longest unknown first, and the next run takes the rest.
func TestReconcileCap(t *testing.T) {
	st := newStore()
	var obs []stream.Observation
	for b := range int64(5) {
		g := fmt.Sprint("g", b)
		st.conns = append(st.conns, stream.Connection{Guild: g, Broadcaster: b + 1})
		st.streams[g] = stream.State{StatusAt: now.Add(-time.Duration(b+1) * time.Hour)}
		obs = append(obs, stream.Observation{Broadcaster: b + 1})
	}
	kick := &fakeKick{obs: obs}
	r := &sweep.Reconciler{Store: st, Channels: kick, MaxChannels: 2}
	for i := range 4 {
		if err := r.Run(context.Background(), now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(kick.asked); got != "[[5 4] [3 2] [1]]" {
		t.Errorf("Kick asked %s over four runs, want [[5 4] [3 2] [1]] (two a run, oldest first, then none left)", got)
	}
}

// failingQueue refuses every job.
type failingQueue struct{}

func (failingQueue) Enqueue(context.Context, ...job.Job) error {
	return fault.E(fault.Transient, "queue unavailable")
}

// TestReconcileQueueFailureLeavesState: a correction whose announcement
// cannot be queued is not made, so the next run finds it again instead of
// losing the alert.
func TestReconcileQueueFailureLeavesState(t *testing.T) {
	st := newStore()
	st.conns = []stream.Connection{{Guild: "g", Broadcaster: 1}}
	st.streams["g"] = stream.State{StatusAt: now.Add(-time.Hour)}
	kick := &fakeKick{obs: []stream.Observation{{Broadcaster: 1, Live: true}}}
	r := &sweep.Reconciler{Store: st, Channels: kick, Queue: failingQueue{}}
	if err := r.Run(context.Background(), now); !fault.Is(err, fault.Transient) {
		t.Errorf("Run with the queue failing = %v, want its Transient error", err)
	}
	if st.streams["g"].Live || len(st.statuses) != 0 {
		t.Errorf("status corrected although its announcement was not queued: %+v", st.streams["g"])
	}
	q := &memQueue{}
	r.Queue = q
	if err := r.Run(context.Background(), now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if !st.streams["g"].Live || len(q.jobs) != 1 {
		t.Errorf("next run: live %v, %d jobs queued; want corrected with one job", st.streams["g"].Live, len(q.jobs))
	}
}

func TestReconcileKickFailureLeavesState(t *testing.T) {
	st := newStore()
	st.conns = []stream.Connection{{Guild: "g", Broadcaster: 1}}
	st.streams["g"] = stream.State{Live: true, StatusAt: now.Add(-time.Hour)}
	kick := &fakeKick{err: fault.E(fault.Transient, "kick unavailable")}
	r := &sweep.Reconciler{Store: st, Channels: kick}
	if err := r.Run(context.Background(), now); !fault.Is(err, fault.Transient) {
		t.Errorf("Run with Kick failing = %v, want its Transient error", err)
	}
	if !st.streams["g"].Live || len(st.statuses) != 0 || len(st.checked) != 0 {
		t.Errorf("state changed on a Kick failure: %+v, checked %v", st.streams["g"], st.checked)
	}
}

func ExampleSweeper_Run() {
	st := newStore()
	st.liveGuild("g", 2)
	s := &sweep.Sweeper{Store: st}
	m := watchtime.MinuteOf(now)
	first, _ := s.Run(context.Background(), m, now)
	again, _ := s.Run(context.Background(), m, now) // EventBridge delivered twice
	fmt.Println(first.Credited, again.Credited)
	// Output: 2 0
}

// TestFailedMinuteIsMadeUpLater is issue 9's first finding: one throttled
// write in minute M, then the run of M+1, then Lambda's retry of M. The
// viewer is owed both minutes and gets both, once.
func TestFailedMinuteIsMadeUpLater(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 1)
	s := &sweep.Sweeper{Store: st}
	m := watchtime.MinuteOf(now)
	st.failNext = fault.Wrap(fault.Transient, errors.New("throttled"), "credit")
	if _, err := s.Run(context.Background(), m, now); !fault.Is(err, fault.Transient) {
		t.Fatalf("Run(M) = %v, want the throttling as a Transient error", err)
	}
	if _, err := s.Run(context.Background(), m+1, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Run(context.Background(), m, now); err != nil { // the retry, late
		t.Fatal(err)
	}
	if got := st.minutes("g", 1); got != 2 {
		t.Errorf("viewer credited %d minutes, want 2 (M and M+1)", got)
	}
}

// TestTwoFiringsInOneMinute: EventBridge firing twice within one calendar
// minute, and then not at all in the next, skips no minute.
func TestTwoFiringsInOneMinute(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 1)
	s := &sweep.Sweeper{Store: st}
	m := watchtime.MinuteOf(now)
	for _, at := range []time.Time{now, now.Add(50 * time.Second), now.Add(2 * time.Minute)} {
		if _, err := s.Run(context.Background(), watchtime.MinuteOf(at), at); err != nil {
			t.Fatal(err)
		}
	}
	if got := st.minutes("g", 1); got != 3 {
		t.Errorf("viewer credited %d minutes over M..M+2, want 3", got)
	}
	if st.through["g"] != m+2 {
		t.Errorf("checkpoint at %d, want %d", st.through["g"], m+2)
	}
}

// TestBoardsEveryFewMinutes: leaderboards are rebuilt after a run that
// credited a minute divisible by sweep.BoardEvery, not after every run.
func TestBoardsEveryFewMinutes(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 1)
	rw := &raffleWatch{}
	s := &sweep.Sweeper{Store: st, Raffle: rw}
	m := watchtime.MinuteOf(now) // 20:10, divisible by 5
	st.through["g"] = m - 1
	for i := range 5 {
		at := now.Add(time.Duration(i) * time.Minute)
		if _, err := s.Run(context.Background(), watchtime.MinuteOf(at), at); err != nil {
			t.Fatal(err)
		}
	}
	if st.boards["g"] != 1 {
		t.Errorf("boards built %d times over minutes 20:10-20:14, want once (after 20:10)", st.boards["g"])
	}
	// Raffle watchtime is converted with each build, from its minutes.
	if fmt.Sprint(rw.guilds) != "[g]" {
		t.Errorf("raffle watchtime converted for %v, want [g]: once, with the build", rw.guilds)
	}
}

// TestFinalBuildAfterStream: the minutes a stream credited after its last
// periodic build reach the boards and the raffle once it ends, though its
// last minute credits nobody; a final build that fails keeps the guild
// listed, and the next run builds again, then lets it go.
func TestFinalBuildAfterStream(t *testing.T) {
	st := newStore()
	st.liveGuild("g", 1) // active at 20:09
	rw := &raffleWatch{}
	s := &sweep.Sweeper{Store: st, Raffle: rw}
	m := watchtime.MinuteOf(now) // 20:10, built after it
	st.through["g"] = m
	run := func(minute watchtime.Minute) {
		t.Helper()
		if _, err := s.Run(context.Background(), minute, minute.Start().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	run(m + 1) // credits 20:11, no build
	if st.minutes("g", 1) != 1 || st.boards["g"] != 0 {
		t.Fatalf("after 20:11: %d minutes credited, %d builds; want 1, 0", st.minutes("g", 1), st.boards["g"])
	}
	// The stream ends at 20:12; the build of its end fails once.
	st.mu.Lock()
	st.streams["g"] = stream.State{Guild: "g", StartedAt: now.Add(-time.Hour), StatusAt: (m + 2).Start(), EndedAt: (m + 2).Start()}
	st.failBoards = errors.New("throttled")
	st.mu.Unlock()
	for i, want := range []struct {
		boards int
		listed bool
	}{{0, true}, {1, false}, {1, false}} {
		run(m + 2 + watchtime.Minute(i))
		if st.boards["g"] != want.boards || st.listed["g"] != want.listed {
			t.Errorf("run %d after the end: %d builds, listed %v; want %d, %v", i+1, st.boards["g"], st.listed["g"], want.boards, want.listed)
		}
	}
	if fmt.Sprint(rw.guilds) != "[g]" {
		t.Errorf("raffle watchtime converted for %v, want [g]: once, with the final build", rw.guilds)
	}
}

// raffleWatch records the guilds whose watchtime was converted.
type raffleWatch struct {
	mu     sync.Mutex
	guilds []string
}

func (r *raffleWatch) ConvertRaffleWatch(_ context.Context, guild string, _ time.Time) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.guilds = append(r.guilds, guild)
	return 0, nil
}

// dueFollows lists batches due, or fails.
type dueFollows struct {
	due []announce.DueFollows
	err error
}

func (d dueFollows) DueFollows(context.Context, time.Time, time.Time) ([]announce.DueFollows, error) {
	return d.due, d.err
}

// TestRunQueuesDueFollows: each run queues the follow batches due, and a
// failure to list them fails the run (so that it is retried) without
// holding back the credits.
func TestRunQueuesDueFollows(t *testing.T) {
	st, q := newStore(), &memQueue{}
	st.liveGuild("g", 2)
	opened := now.Add(-5 * time.Minute)
	s := &sweep.Sweeper{Store: st, Queue: q, Follows: dueFollows{due: []announce.DueFollows{{Guild: "g", Opened: opened}}}}
	rep, err := s.Run(context.Background(), watchtime.MinuteOf(now), now)
	if err != nil || rep.Follows != 1 {
		t.Fatalf("Run = %+v, %v; want 1 follow batch queued", rep, err)
	}
	if want := job.ForFollows("g", opened); len(q.jobs) != 1 || q.jobs[0].ID != want.ID {
		t.Errorf("queued %v, want %s", q.jobs, want.ID)
	}
	s.Follows = dueFollows{err: fault.E(fault.Transient, "table throttled")}
	rep, err = s.Run(context.Background(), watchtime.MinuteOf(now)+1, now.Add(time.Minute))
	if !fault.Is(err, fault.Transient) || rep.Credited == 0 {
		t.Errorf("Run with the due list failing = %+v, %v; want the credits and its Transient error", rep, err)
	}
}
