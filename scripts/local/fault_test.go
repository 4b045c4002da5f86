package main

// The fault-injection tier: the whole bot (webhook, ingest, the queue with
// the template's retry rules, the worker, the sweep) over the embedded
// DynamoDB emulator, with real protocol failures between the bot and the
// store and failures of the queue, retried as Kick, SQS and Lambda retry.
// Afterwards every viewer's minutes and points must equal a reference
// computed independently from the deliveries that were answered 2xx.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/local/localdb"
	"github.com/kickbot/kickbot/shared/local/localqueue"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// faultSeeds is how many schedules (seeds 1, 2, ...) the test runs; each
// takes a second or two, several under -race. -fault.seed runs one.
var (
	faultSeeds = flag.Int("fault.seeds", 3, "how many fault schedules TestFaultsLoseNothingCountNothingTwice runs")
	faultSeed  = flag.Uint64("fault.seed", 0, "run only this fault schedule")
	faultLog   = flag.Bool("fault.log", false, "log the bot's warnings and errors during fault schedules")
)

// TestFaultsLoseNothingCountNothingTwice injects DynamoDB faults
// (throttling, 500s before and after the write lands, connections cut
// before and after it, the store stopped and restarted mid-burst) and
// queue faults (enqueue refused, or accepted and then reported failed)
// into every step of ingest, work and sweep. Kick re-sends each delivery
// until it is answered 2xx (and now and then re-sends one that was), the
// queue redelivers failed jobs after the template's visibility timeout,
// and a failed sweep is retried twice as Lambda retries an asynchronous
// invocation, the next scheduled run following. Once the faults stop and
// everything settled: each viewer's watchtime and points equal the serial
// reference, each accepted non-chat event is logged exactly once, no chat
// command is answered twice, and no job is dead.
func TestFaultsLoseNothingCountNothingTwice(t *testing.T) {
	seeds := []uint64{*faultSeed}
	if *faultSeed == 0 {
		seeds = seeds[:0]
		for i := range *faultSeeds {
			seeds = append(seeds, uint64(i+1))
		}
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			runFaultSchedule(t, seed)
		})
	}
}

// Guilds and channels of the schedule: two guilds follow one channel (so
// each event writes to both), a third follows another. guildB takes a
// one-minute activity window, under which every lost minute of activity
// shows in its viewers' totals.
const (
	chanA, chanB           = 4402117, 5500001
	guildA, guildB, guildC = "guild-a", "guild-b", "guild-c"
)

var guildsOf = map[int64][]string{chanA: {guildA, guildB}, chanB: {guildC}}

func runFaultSchedule(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0xfa17))
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Second)
	defer cancel()

	// Simulated time: the deliveries of a stream that ran in the past
	// half hour; the webhook and the worker read the same clock.
	base := time.Now().UTC().Truncate(time.Minute).Add(-30 * time.Minute)
	sim := clock.New(base)
	rig, err := newFaultRig(t, ctx, seed, base, 0)
	if err != nil {
		t.Fatal(err)
	}
	proxy := rig.proxy
	r := startRunnerWith(t, rig.config(guildA+":"+fmt.Sprint(chanA)+","+guildB+":"+fmt.Sprint(chanA)+","+guildC+":"+fmt.Sprint(chanB), sim.Now))
	// The broadcasters' chat tokens, so that commands are answered.
	for b := range guildsOf {
		access, refresh := r.KickFake.IssueUserToken(kickfake.User{ID: b, Name: fmt.Sprint("streamer", b)}, "chat:write")
		tok := credential.Token{Access: access, Refresh: refresh, Expiry: time.Now().Add(2 * time.Hour)}
		if err := r.Store.PutCredentials(ctx, b, tok, []string{"chat:write"}); err != nil {
			t.Fatal(err)
		}
	}
	// guildA doubles subscribers' points; guildB takes a one-minute window.
	set := settings.Defaults()
	set.SubMultiplierPct = 200
	if err := r.Store.PutSettings(ctx, guildA, set); err != nil {
		t.Fatal(err)
	}
	set = settings.Defaults()
	set.ActivityWindow = time.Minute
	if err := r.Store.PutSettings(ctx, guildB, set); err != nil {
		t.Fatal(err)
	}
	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	kick := &kickDriver{t: t, ctx: ctx, sim: sim, sender: &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}, accepted: map[string]kicksim.Delivery{}}

	ds, streams := faultTraffic(seed, base)
	first, last := watchtime.MinuteOf(base), watchtime.MinuteOf(base)
	for _, s := range streams {
		last = max(last, s.end+1)
	}
	// The store stops once, in the middle of a burst of deliveries.
	stopAt := rig.schedule(rng, len(ds))
	defer rig.logIfFailed(t)
	rig.start()
	next := 0
	for m := first; m <= last; m++ {
		// Kick delivers everything up to the minute's start, retrying what
		// failed, before the sweep for the minute runs.
		for next < len(ds) && !ds[next].At.After(m.Start()) {
			if next == stopAt {
				kick.outage(proxy, rig.timers, ds[next:min(len(ds), next+4+rng.IntN(4))])
			}
			if rng.IntN(15) == 0 {
				proxy.storm("", false, rng.IntN(3), 2+rng.IntN(6))
			}
			kick.deliver(ds[next])
			next++
		}
		kick.retryPending()
		kick.resendSome(rng, 2)
		if rng.IntN(3) == 0 {
			proxy.storm("", rng.IntN(2) == 0, rng.IntN(10), 3+rng.IntN(6)) // some of the worker's first tries fail
		}
		drain(t, ctx, r)
		// The schedule fires for minute m; Lambda retries a failed
		// asynchronous invocation twice. Now and then the run goes through
		// the fan-out jobs, and now and then two copies run at once.
		sim.Set(maxTime(sim.Now(), m.Start()).Add(time.Second))
		r.Sweeper.InlineGuilds = []int{1, 25}[rng.IntN(2)]
		if rng.IntN(3) == 0 {
			// A run fails, or its writes fail part-way.
			proxy.storm([]string{"", "UpdateItem"}[rng.IntN(2)], rng.IntN(2) == 0, rng.IntN(8), 3+rng.IntN(8))
		}
		copies := 1 + rng.IntN(4)/3
		var wg sync.WaitGroup
		for range copies {
			wg.Go(func() {
				for range 3 {
					if _, err := r.Sweeper.Run(ctx, m, sim.Now()); err == nil {
						return
					}
					rig.sweepFailed.Add(1)
				}
			})
		}
		wg.Wait()
		drain(t, ctx, r)
	}
	if next != len(ds) {
		t.Fatalf("%d deliveries never sent", len(ds)-next)
	}

	// The faults end; the next scheduled runs catch up.
	rig.stop()
	for m := last + 1; m <= last+2; m++ {
		if _, err := r.Sweeper.Run(ctx, m, m.Start().Add(time.Second)); err != nil {
			t.Fatalf("sweep of minute %d without faults: %v", m, err)
		}
		drain(t, ctx, r)
	}

	checkAgainstReference(t, ctx, r, kick.accepted, streams)
	rig.check(t, r, kick)
}

// faultRig is the world a fault schedule runs the bot in: the store behind
// a proxy that fails requests on purpose, a queue that refuses jobs or
// reports accepted ones failed, and a worker whose batches fail before or
// after they ran. The queue's own clock moves by the visibility timeout at
// each redelivery, as SQS's would, and a redelivery waits while the store
// is stopped (the visibility timeout outlasts the outage).
type faultRig struct {
	seed   uint64
	proxy  *dbProxy
	queue  *faultyQueue
	worker *faultyWorker
	qclock *clock.Manual
	timers *heldTimers
	// stopAt is the delivery before which the store stops, of deliveries.
	stopAt, deliveries int
	sweepFailed        atomic.Int64
}

// newFaultRig starts the store and its proxy for seed; salt tells the
// rigs of different tests apart, so that their queue and worker faults
// differ for one seed.
func newFaultRig(t *testing.T, ctx context.Context, seed uint64, base time.Time, salt uint64) (*faultRig, error) {
	t.Helper()
	db, err := localdb.Start(ctx, "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t.Cleanup(db.Close)
	proxy, err := newDBProxy(db.Endpoint, seed)
	if err != nil {
		return nil, err
	}
	t.Cleanup(proxy.close)
	qclock := clock.New(base)
	return &faultRig{
		seed:   seed,
		proxy:  proxy,
		queue:  &faultyQueue{rng: rand.New(rand.NewPCG(seed, 0x5e5+salt))},
		worker: &faultyWorker{rng: rand.New(rand.NewPCG(seed, 0x3e7+salt))},
		qclock: qclock,
		timers: &heldTimers{clock: qclock, down: proxy.stopped, calm: proxy.calm},
	}, nil
}

// config is the runner's configuration in the rig, with the connections
// seed ("guild:channel,...") and the webhook's and worker's clock.
func (f *faultRig) config(seed string, now func() time.Time) config {
	return config{
		Endpoint: f.proxy.URL, Seed: seed,
		RetryDelay:    -1, // the template's visibility timeout
		now:           now,
		dynamoOptions: []func(*dynamodb.Options){sdkRetries},
		queueOptions: func(o *localqueue.Options) {
			o.Now, o.AfterFunc = f.qclock.Now, f.timers.AfterFunc
		},
		wrapQueue:  func(q ingest.Queue) ingest.Queue { f.queue.q = q; return f.queue },
		wrapWorker: f.worker.wrap,
	}
}

// schedule picks the delivery, of n, before which the store stops once, in
// the middle third.
func (f *faultRig) schedule(rng *rand.Rand, n int) int {
	f.stopAt, f.deliveries = n/3+rng.IntN(n/3), n
	return f.stopAt
}

// start and stop turn the faults on and off.
func (f *faultRig) start() {
	f.proxy.setRate(0.1)
	f.queue.setRate(0.25)
	f.worker.setRate(0.07)
}

func (f *faultRig) stop() {
	f.proxy.setRate(0)
	f.proxy.calm()
	f.queue.setRate(0)
	f.worker.setRate(0)
}

// String is what was injected, for a failing schedule's log.
func (f *faultRig) String() string {
	return fmt.Sprintf("seed %d; injected: %s; queue: %d refused, %d accepted then failed; worker: %d batches not run, %d run and redelivered; store stopped before delivery %d of %d; %d sweep runs failed",
		f.seed, f.proxy.counts(), f.queue.before.Load(), f.queue.after.Load(), f.worker.before.Load(), f.worker.after.Load(), f.stopAt, f.deliveries, f.sweepFailed.Load())
}

// logIfFailed logs what was injected when t failed; deferred.
func (f *faultRig) logIfFailed(t *testing.T) {
	if t.Failed() {
		t.Log(f)
	}
}

// check fails t when a job is dead or no fault was injected (a schedule
// that tests nothing), and logs what the schedule did.
func (f *faultRig) check(t *testing.T, r *runner, kick *kickDriver) {
	t.Helper()
	t.Logf("%s; %d deliveries accepted in %d sends", f, len(kick.accepted), kick.attempts)
	if dead := r.Queue.DeadLetters(); len(dead) != 0 {
		t.Errorf("%d jobs in the dead-letter queue, want none; first: %s", len(dead), dead[0].Body)
	}
	if f.proxy.injected() == 0 || f.queue.before.Load()+f.queue.after.Load() == 0 {
		t.Errorf("no faults injected (%s): the schedule tests nothing", f)
	}
}

// startRunnerWith starts a runner with cfg's hooks, logging nowhere.
func startRunnerWith(t *testing.T, cfg config) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.ListenAddr, cfg.Table, cfg.LocalDir = "127.0.0.1:0", "fault-test", t.TempDir()
	log := slog.New(slog.DiscardHandler)
	if *faultLog {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	r, err := start(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel() })
	return r
}

// sdkRetries keeps the SDK's retry decisions (which errors, how many
// attempts) as a Lambda has them, without their back-off sleeps, which
// would only make the test slow.
func sdkRetries(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
		so.RateLimiter = ratelimit.None
	})
}

func drain(t *testing.T, ctx context.Context, r *runner) {
	t.Helper()
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatalf("queue never drained: %v", err)
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// stream is one simulated channel's session: tracked from minute start to
// the minute before end.
type stream struct {
	broadcaster int64
	start, end  watchtime.Minute
}

// faultTraffic builds the deliveries of two streams, in time order: the
// replayer's scenario (chat, with a fifth of it !points, a follow, a new
// sub, a renewal, gifts, KICKs, a redemption, a timeout), its stream
// ending on a minute's first instant.
func faultTraffic(seed uint64, base time.Time) ([]kicksim.Delivery, []stream) {
	r := rand.New(rand.NewPCG(seed, 0x7aff))
	var all []kicksim.Delivery
	var streams []stream
	for i, sc := range []kicksim.Scenario{
		{Broadcaster: chanA, Viewers: 7, Minutes: 6, Start: base.Add(20 * time.Second), Seed: seed, StayLive: true},
		{Broadcaster: chanB, Viewers: 5, Minutes: 5, Start: base.Add(100 * time.Second), Seed: seed + 100, StayLive: true},
	} {
		var live kicksim.Delivery
		for _, d := range sc.Deliveries() {
			switch {
			case d.Type == event.LivestreamStatus:
				live = d
			case d.Type == event.ChatMessage && r.IntN(5) == 0:
				d.Body = setField(d.Body, "content", "!points")
			}
			all = append(all, d)
		}
		end := watchtime.MinuteOf(sc.Start) + watchtime.Minute(sc.Minutes) + 1
		off := kicksim.Delivery{ID: kicksim.NewIDs(end.Start()).Next(end.Start().Add(time.Duration(i) * time.Millisecond)),
			Type: event.LivestreamStatus, At: end.Start()}
		off.Body = setField(setField(live.Body, "is_live", false), "ended_at", end.Start().Format(time.RFC3339))
		all = append(all, off)
		streams = append(streams, stream{broadcaster: sc.Broadcaster, start: watchtime.MinuteOf(sc.Start), end: end})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.Before(all[j].At) })
	return all, streams
}

// setField returns the JSON object body with key set to v.
func setField(body []byte, key string, v any) []byte {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // user ids stay integers
	if err := dec.Decode(&m); err != nil {
		panic(err)
	}
	m[key] = v
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// kickDriver delivers as Kick does: a delivery not answered 2xx is sent
// again, same id and body, until it is; and some that were, are sent again.
type kickDriver struct {
	t        *testing.T
	ctx      context.Context
	sim      *clock.Manual
	sender   *kicksim.Sender
	pending  []kicksim.Delivery
	accepted map[string]kicksim.Delivery
	order    []string
	attempts int
}

// maxAttempts bounds Kick's retries of one delivery in the test.
const maxAttempts = 30

// send posts d once and reports whether it was answered 2xx.
func (k *kickDriver) send(d kicksim.Delivery) bool {
	k.attempts++
	k.sim.Set(maxTime(k.sim.Now(), d.At.Add(2*time.Second)))
	status, err := k.sender.Send(k.ctx, d)
	if err != nil {
		k.t.Fatalf("delivery %s: %v", d.ID, err)
	}
	if status/100 != 2 {
		return false
	}
	if _, ok := k.accepted[d.ID]; !ok {
		k.accepted[d.ID] = d
		k.order = append(k.order, d.ID)
	}
	return true
}

// deliver sends d once; a failed delivery waits for retryPending.
func (k *kickDriver) deliver(d kicksim.Delivery) {
	if !k.send(d) {
		k.pending = append(k.pending, d)
	}
}

// retryPending re-sends the failed deliveries until each is answered 2xx.
func (k *kickDriver) retryPending() {
	for _, d := range k.pending {
		for n := 1; !k.send(d); n++ {
			if n == maxAttempts {
				k.t.Fatalf("delivery %s (%s) refused %d times", d.ID, d.Type, n)
			}
		}
	}
	k.pending = nil
}

// resendSome re-sends n deliveries already answered 2xx, as Kick's
// at-least-once delivery may.
func (k *kickDriver) resendSome(r *rand.Rand, n int) {
	for range n {
		if len(k.order) == 0 {
			return
		}
		d := k.accepted[k.order[r.IntN(len(k.order))]]
		for n := 1; !k.send(d); n++ {
			if n == maxAttempts {
				k.t.Fatalf("re-sent delivery %s refused %d times", d.ID, n)
			}
		}
	}
}

// outage stops the store, sends ds once each while it is down (each but
// plain chat is answered with an error, or the test has found a delivery
// accepted with nothing stored; chat may already be recorded), lets the
// queue try its jobs, and restarts the store.
func (k *kickDriver) outage(p *dbProxy, timers *heldTimers, ds []kicksim.Delivery) {
	p.stop()
	for _, d := range ds {
		if k.send(d) && d.Type != event.ChatMessage {
			k.t.Errorf("delivery %s (%s) answered 2xx while the store was down", d.ID, d.Type)
		}
		k.pending = append(k.pending, d)
	}
	if err := p.restart(); err != nil {
		k.t.Fatal(err)
	}
	timers.release()
}

// heldTimers is the queue's AfterFunc: a redelivery happens at once, the
// queue's clock moving on by the delay, except while the store is down,
// when it waits for release (the visibility timeout outlasts the outage).
type heldTimers struct {
	clock *clock.Manual
	down  func() bool
	calm  func()
	mu    sync.Mutex
	held  []func()
}

func (h *heldTimers) AfterFunc(d time.Duration, f func()) {
	fire := func() { h.clock.Advance(d); h.calm(); f() }
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down() {
		h.held = append(h.held, fire)
		return
	}
	go fire() // the queue calls AfterFunc holding its lock, which f takes
}

func (h *heldTimers) release() {
	h.mu.Lock()
	held := h.held
	h.held = nil
	h.mu.Unlock()
	for _, f := range held {
		go f()
	}
}

// faultyQueue fails Enqueue at rate: half the time before the queue takes
// the jobs (SQS throttled the call), half after (the answer timed out).
type faultyQueue struct {
	q             ingest.Queue
	mu            sync.Mutex
	rng           *rand.Rand
	rate          float64
	before, after atomic.Int64
}

func (f *faultyQueue) setRate(r float64) { f.mu.Lock(); f.rate = r; f.mu.Unlock() }

func (f *faultyQueue) Enqueue(ctx context.Context, jobs ...job.Job) error {
	f.mu.Lock()
	hit, late := f.rng.Float64() < f.rate, f.rng.IntN(2) == 0
	f.mu.Unlock()
	switch {
	case !hit:
		return f.q.Enqueue(ctx, jobs...)
	case late:
		f.after.Add(1)
		if err := f.q.Enqueue(ctx, jobs...); err != nil {
			return err
		}
		return fault.E(fault.Transient, "injected: SQS SendMessageBatch timed out after taking the messages")
	}
	f.before.Add(1)
	return fault.E(fault.Transient, "injected: SQS throttled SendMessageBatch")
}

// faultyWorker fails a batch at rate: half the time before the worker
// runs it (Lambda throttled the invocation), half after it ran (the
// invocation timed out or the deletes failed): SQS then delivers the
// whole batch again, jobs done included.
type faultyWorker struct {
	mu            sync.Mutex
	rng           *rand.Rand
	rate          float64
	before, after atomic.Int64
}

func (f *faultyWorker) setRate(r float64) { f.mu.Lock(); f.rate = r; f.mu.Unlock() }

func (f *faultyWorker) wrap(h localqueue.Handler) localqueue.Handler {
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		f.mu.Lock()
		hit, late := f.rng.Float64() < f.rate, f.rng.IntN(2) == 0
		f.mu.Unlock()
		switch {
		case !hit:
			return h(ctx, ev)
		case late:
			f.after.Add(1)
			_, _ = h(ctx, ev)
			return events.SQSEventResponse{}, errors.New("injected: the invocation timed out after its jobs ran")
		}
		f.before.Add(1)
		return events.SQSEventResponse{}, errors.New("injected: Lambda throttled the invocation")
	}
}

// What the proxy does to a request.
type dbFault int

const (
	passThrough dbFault = iota
	throughputExceeded
	throttling
	error500
	error500After // the request is applied; the caller hears 500
	cutBefore     // the connection drops before the request is applied
	cutAfter      // ...after it is applied: a timeout, as the caller sees it
	numFaults
)

var dbFaultNames = [numFaults]string{"", "throughput-exceeded", "throttling", "500", "500-after-write", "cut", "cut-after-write"}

// dbProxy stands between the bot and DynamoDB and fails requests at rate,
// as DynamoDB and the network do; stop makes it refuse connections (the
// store is down) until restart.
type dbProxy struct {
	URL    string
	addr   string
	target string
	client *http.Client

	mu   sync.Mutex
	rng  *rand.Rand
	rate float64
	srv  *http.Server
	n    [numFaults]int
	// burst more requests fail with burstOf: a storm, which the SDK's
	// retries of a call do not outlast.
	burst    int
	burstOf  dbFault
	calmFor  int    // requests that pass before the storm
	stormOp  string // the operation the storm hits; "" is all
	hot      bool   // the storm hits only the item stormKey
	stormKey string
}

// storm fails n requests with one fault, picked at random, after the
// next skip requests; with op (such as "UpdateItem"), only requests of
// that operation count and fail, as when writes exceed their capacity;
// hot, only those on the item of the first request it fails (a hot
// partition), so that every retry of that call fails too.
func (p *dbProxy) storm(op string, hot bool, skip, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stormOp, p.hot, p.stormKey = op, hot, ""
	p.calmFor, p.burst, p.burstOf = skip, n, dbFault(1+p.rng.IntN(int(numFaults)-1))
}

// calm ends a storm: a redelivery comes minutes later, when it is over.
func (p *dbProxy) calm() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.burst = 0
}

func newDBProxy(target string, seed uint64) (*dbProxy, error) {
	p := &dbProxy{target: target, rng: rand.New(rand.NewPCG(seed, 0xdb)),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.addr = ln.Addr().String()
	p.URL = "http://" + p.addr
	p.serve(ln)
	return p, nil
}

func (p *dbProxy) serve(ln net.Listener) {
	srv := &http.Server{Handler: p}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	go srv.Serve(ln)
}

// stop closes the listener and every connection: new ones are refused.
func (p *dbProxy) stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

func (p *dbProxy) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.srv == nil
}

// restart listens again on the same address.
func (p *dbProxy) restart() error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return fmt.Errorf("restart the store's proxy: %w", err)
	}
	p.serve(ln)
	return nil
}

func (p *dbProxy) close() { p.stop() }

func (p *dbProxy) setRate(r float64) { p.mu.Lock(); p.rate = r; p.mu.Unlock() }

func (p *dbProxy) injected() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for f := passThrough + 1; f < numFaults; f++ {
		n += p.n[f]
	}
	return n
}

func (p *dbProxy) counts() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var b bytes.Buffer
	for f := passThrough + 1; f < numFaults; f++ {
		fmt.Fprintf(&b, "%s %d, ", dbFaultNames[f], p.n[f])
	}
	fmt.Fprintf(&b, "%d passed", p.n[passThrough])
	return b.String()
}

func (p *dbProxy) pick(op, key string) dbFault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := passThrough
	inStorm := p.burst > 0 && (p.stormOp == "" || p.stormOp == op) &&
		(!p.hot || key != "" && (p.stormKey == "" || p.stormKey == key))
	switch {
	case inStorm && p.calmFor > 0:
		p.calmFor--
	case inStorm:
		if p.hot {
			p.stormKey = key
		}
		p.burst--
		f = p.burstOf
	case p.rng.Float64() < p.rate:
		f = dbFault(1 + p.rng.IntN(int(numFaults)-1))
	}
	p.n[f]++
	return f
}

func (p *dbProxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return
	}
	// X-Amz-Target is "DynamoDB_20120810.<operation>".
	_, op, _ := strings.Cut(req.Header.Get("X-Amz-Target"), ".")
	var item struct{ Key json.RawMessage }
	_ = json.Unmarshal(body, &item)
	switch f := p.pick(op, string(item.Key)); f {
	case throughputExceeded:
		dynamoError(w, http.StatusBadRequest, "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
			"The level of configured provisioned throughput for the table was exceeded.")
	case throttling:
		dynamoError(w, http.StatusBadRequest, "com.amazon.coral.availability#ThrottlingException", "Rate of requests exceeds the allowed throughput.")
	case error500:
		dynamoError(w, http.StatusInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")
	case cutBefore:
		cut(w)
	default:
		res, rbody, err := p.forward(req, body)
		switch {
		case err != nil:
			cut(w)
		case f == error500After:
			dynamoError(w, http.StatusInternalServerError, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")
		case f == cutAfter:
			cut(w)
		default:
			for k, v := range res.Header {
				w.Header()[k] = v
			}
			w.WriteHeader(res.StatusCode)
			_, _ = w.Write(rbody)
		}
	}
}

// forward sends the request on to the emulator and reads its answer.
func (p *dbProxy) forward(req *http.Request, body []byte) (*http.Response, []byte, error) {
	out, err := http.NewRequestWithContext(req.Context(), req.Method, p.target+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	out.Header = req.Header.Clone()
	res, err := p.client.Do(out)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, b, err
}

// dynamoError answers as DynamoDB's JSON protocol does.
func dynamoError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// cut drops the connection with a reset, without an answer.
func cut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// checkAgainstReference holds the store to what the accepted deliveries
// owe, computed here from their bodies, independently of the bot's code:
// each viewer's minutes and points are watchReference's; each accepted
// non-chat event but a stream status is logged once per guild; each chat
// command is answered at most once.
func checkAgainstReference(t *testing.T, ctx context.Context, r *runner, accepted map[string]kicksim.Delivery, streams []stream) {
	t.Helper()
	window := map[string]watchtime.Minute{guildA: 5, guildB: 1, guildC: 5}
	var owedMinutes, viewers int64
	for g, vs := range watchReference(t, ctx, r, accepted, streams, guildsOf, window) {
		for id, want := range vs {
			owedMinutes += want.minutes
			viewers++
			v, err := r.Store.Viewer(ctx, g, id)
			if err != nil && !(fault.Is(err, fault.NotFound) && want.minutes == 0) {
				t.Fatalf("Viewer(%s, %d): %v", g, id, err)
			}
			if v.WatchMinutes != want.minutes || v.PointsMilli != want.milli {
				t.Errorf("%s viewer %d: %d minutes, %d milli-points; want %d, %d", g, id, v.WatchMinutes, v.PointsMilli, want.minutes, want.milli)
			}
		}
	}

	wantLogged := map[string]map[string]bool{} // guild → delivery ids
	commands := map[string]bool{}              // chat message ids of !points
	for _, d := range accepted {
		var b struct {
			Broadcaster struct {
				UserID int64 `json:"user_id"`
			}
			Content   string
			MessageID string `json:"message_id"`
		}
		if err := json.Unmarshal(d.Body, &b); err != nil {
			t.Fatalf("delivery %s: %v", d.ID, err)
		}
		if d.Type == event.ChatMessage && b.Content == "!points" {
			commands[b.MessageID] = true
		}
		if d.Type == event.ChatMessage || d.Type == event.LivestreamStatus || d.Type == event.LivestreamMetadata {
			continue
		}
		for _, g := range guildsOf[b.Broadcaster.UserID] {
			if wantLogged[g] == nil {
				wantLogged[g] = map[string]bool{}
			}
			wantLogged[g][d.ID] = true
		}
	}

	checkLoggedOnce(t, ctx, r, wantLogged)

	replies := map[string]int{}
	for _, m := range r.KickFake.Messages() {
		replies[m.ReplyTo]++
	}
	answered := 0
	for id, n := range replies {
		switch {
		case !commands[id]:
			t.Errorf("a reply to %q, which is no accepted command", id)
		case n > 1:
			t.Errorf("command %s answered %d times, want at most once", id, n)
		}
		answered++
	}
	t.Logf("viewer-minutes owed %d over %d viewers; %d of %d commands answered", owedMinutes, viewers, answered, len(commands))
	if len(commands) > 0 && answered == 0 {
		t.Errorf("none of %d commands answered, want some", len(commands))
	}
}

// owed is what a viewer earned by watching.
type owed struct{ minutes, milli int64 }

// watchReference computes each viewer's watchtime owed in each guild
// (guilds maps a channel to its guilds, window gives a guild's activity
// window) from the accepted deliveries' bodies alone:
//
//   - activity: a delivery's actor (chat sender, follower, subscriber,
//     gifter, KICKs sender, redeemer; never an anonymous one) is active
//     in the minute of the payload's time (the delivery's, for a
//     follow), in each guild of the channel;
//   - a viewer is owed minute M when the stream was live in M (from its
//     start minute to the minute before it ended) and they were active in
//     one of the minutes [M-W, M-1], W the guild's activity window, and
//     no ban (here a timeout) issued by M's start was still running;
//   - the minute earns 200 milli-points (the default rate), times the
//     guild's subscriber multiplier when the viewer's latest chat in the
//     window carried the subscriber badge or a subscription of theirs (new,
//     renewed or gifted) had begun by M's start and not yet ended.
func watchReference(t *testing.T, ctx context.Context, r *runner, accepted map[string]kicksim.Delivery, streams []stream,
	guilds map[int64][]string, window map[string]watchtime.Minute) map[string]map[int64]owed {
	t.Helper()
	type chatAt struct {
		at    time.Time
		badge bool
	}
	type span struct{ from, until time.Time }
	type user struct {
		active map[watchtime.Minute]bool
		chats  []chatAt
		subs   []span
		bans   []span
	}
	users := map[string]map[int64]*user{} // guild → viewer
	userOf := func(g string, id int64) *user {
		if users[g] == nil {
			users[g] = map[int64]*user{}
		}
		if users[g][id] == nil {
			users[g][id] = &user{active: map[watchtime.Minute]bool{}}
		}
		return users[g][id]
	}
	type kickUser struct {
		UserID      int64 `json:"user_id"`
		IsAnonymous bool  `json:"is_anonymous"`
		Identity    *struct {
			Badges []struct{ Type string }
		}
	}
	for _, d := range accepted {
		var b struct {
			Broadcaster                                    kickUser
			Sender, Follower, Subscriber, Gifter, Redeemer *kickUser
			Giftees                                        []kickUser
			BannedUser                                     *kickUser `json:"banned_user"`
			Metadata                                       struct {
				CreatedAt string `json:"created_at"`
				ExpiresAt string `json:"expires_at"`
			}
			CreatedAt  string `json:"created_at"`
			ExpiresAt  string `json:"expires_at"`
			RedeemedAt string `json:"redeemed_at"`
		}
		if err := json.Unmarshal(d.Body, &b); err != nil {
			t.Fatalf("delivery %s: %v", d.ID, err)
		}
		parse := func(s string) time.Time {
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("delivery %s: time %q: %v", d.ID, s, err)
			}
			return at
		}
		var actor *kickUser
		at := d.At
		var subscribed []kickUser // whose subscription the event starts
		switch d.Type {
		case event.ChatMessage:
			actor, at = b.Sender, parse(b.CreatedAt)
		case event.Followed:
			actor = b.Follower
		case event.SubscriptionNew, event.SubscriptionRenew:
			actor, at = b.Subscriber, parse(b.CreatedAt)
			subscribed = []kickUser{*b.Subscriber}
		case event.SubscriptionGifts:
			actor, at = b.Gifter, parse(b.CreatedAt)
			subscribed = b.Giftees
		case event.KicksGifted:
			actor, at = b.Sender, parse(b.CreatedAt)
		case event.RewardRedemption:
			actor, at = b.Redeemer, parse(b.RedeemedAt)
		case event.Banned:
			for _, g := range guilds[b.Broadcaster.UserID] {
				u := userOf(g, b.BannedUser.UserID)
				u.bans = append(u.bans, span{parse(b.Metadata.CreatedAt), parse(b.Metadata.ExpiresAt)})
			}
		}
		for _, g := range guilds[b.Broadcaster.UserID] {
			for _, s := range subscribed {
				u := userOf(g, s.UserID)
				u.subs = append(u.subs, span{at, parse(b.ExpiresAt)})
			}
			if actor == nil || actor.IsAnonymous || actor.UserID == 0 {
				continue
			}
			u := userOf(g, actor.UserID)
			u.active[watchtime.MinuteOf(at)] = true
			if d.Type == event.ChatMessage {
				badge := actor.Identity != nil && slices.ContainsFunc(actor.Identity.Badges, func(b struct{ Type string }) bool { return b.Type == "subscriber" })
				u.chats = append(u.chats, chatAt{at, badge})
			}
		}
	}

	out := map[string]map[int64]owed{}
	for _, s := range streams {
		for _, g := range guilds[s.broadcaster] {
			set, err := r.Store.Settings(ctx, g)
			if err != nil {
				t.Fatal(err)
			}
			if out[g] == nil {
				out[g] = map[int64]owed{}
			}
			for id, u := range users[g] {
				o := out[g][id]
				for m := s.start; m < s.end; m++ {
					from, to := m-window[g], m-1
					if !slices.ContainsFunc(slices.Collect(maps.Keys(u.active)), func(a watchtime.Minute) bool { return a >= from && a <= to }) {
						continue
					}
					if slices.ContainsFunc(u.bans, func(p span) bool { return !p.from.After(m.Start()) && p.until.After(m.Start()) }) {
						continue // banned at the minute's start
					}
					var latest chatAt
					for _, c := range u.chats {
						if a := watchtime.MinuteOf(c.at); a >= from && a <= to && !c.at.Before(latest.at) {
							latest = c
						}
					}
					sub := latest.badge || slices.ContainsFunc(u.subs, func(p span) bool {
						return !p.from.After(m.Start()) && p.until.After(m.Start())
					})
					o.minutes++
					if sub {
						o.milli += 200 * set.SubMultiplierPct / 100
					} else {
						o.milli += 200
					}
				}
				out[g][id] = o
			}
		}
	}
	return out
}

// checkLoggedOnce fails t unless each guild's event log holds each of
// want's deliveries once, and nothing else.
func checkLoggedOnce(t *testing.T, ctx context.Context, r *runner, want map[string]map[string]bool) {
	t.Helper()
	for g, ids := range want {
		evs, err := r.Store.Events(ctx, g, 1000)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int{}
		for _, e := range evs {
			got[e.ID]++
		}
		for id := range ids {
			if got[id] != 1 {
				t.Errorf("%s: event %s logged %d times, want once", g, id, got[id])
			}
		}
		for id, n := range got {
			if !ids[id] {
				t.Errorf("%s: event %s logged %d times, but no such delivery was accepted", g, id, n)
			}
		}
	}
}
