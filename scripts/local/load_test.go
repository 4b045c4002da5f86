package main

// The load test of the local stack: many guilds and viewers streaming at
// once for ten simulated minutes, every delivery signed as Kick signs it,
// sent over loopback to the runner's webhook in shuffled order by several
// senders at once, a tenth of them sent again (Kick's retries), with the
// sweep run at the start of each simulated minute.
// Afterwards each viewer's minutes and points must equal a reference
// computed here from the events as generated (not from the code under
// test), each non-chat event must be logged once, no chat command
// answered twice, and the dead-letter queue must be empty.
//
// `go test -run TestLoad ./scripts/local` runs a reduced size (a few
// seconds of CPU); `make loadtest` runs the full size of issue 15 and logs
// the throughput. The table is kept in parts chosen by partition key
// (localdb.StartPartitionedByKey): the plain emulator walks its whole
// table on every call, and the sweep makes 17 Queries per guild and run.

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick"
	"github.com/kickbot/kickbot/shared/local/localdb"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var loadFull = flag.Bool("loadtest.full", false, "run TestLoad at full size: 50 guilds, 2,000 viewers, 20,000 chat messages, 500 other events")

// loadSize is the traffic of one load test run.
type loadSize struct {
	Guilds, Viewers, Chats, Others, Minutes int
	// DupPct is the share of deliveries sent twice, in percent.
	DupPct int
	// Senders is how many deliveries are in flight at once.
	Senders int
	// Parts is how many parts the emulator cluster in processes of its own
	// splits the table into, by partition key (localdb.StartClusterByKey);
	// 0 keeps 16 parts in this process (localdb.StartPartitionedByKey).
	Parts int
	// Timeout bounds the whole run; MaxHeap the Go heap in use at the end
	// of any simulated minute.
	Timeout time.Duration
	MaxHeap uint64
}

var (
	loadReduced = loadSize{Guilds: 5, Viewers: 200, Chats: 300, Others: 20, Minutes: 10, DupPct: 10, Senders: 4,
		Timeout: 3 * time.Minute, MaxHeap: 512 << 20}
	// loadRace is the size under the race detector (make unit runs this
	// package with -race).
	loadRace = loadSize{Guilds: 3, Viewers: 60, Chats: 300, Others: 20, Minutes: 10, DupPct: 10, Senders: 4,
		Timeout: 5 * time.Minute, MaxHeap: 512 << 20}
	loadFullSize = loadSize{Guilds: 50, Viewers: 2_000, Chats: 20_000, Others: 500, Minutes: 10, DupPct: 10, Senders: 8, Parts: 64,
		Timeout: 40 * time.Minute, MaxHeap: 2 << 30}
)

// Per-guild settings the load varies, so that the reference has to get
// them right: every third guild a two-minute activity window, every fifth
// doubles subscribers' points.
func loadSettings(g int) settings.Settings {
	s := settings.Defaults()
	if g%3 == 1 {
		s.ActivityWindow = 2 * time.Minute
	}
	if g%5 == 0 {
		s.SubMultiplierPct = 200
	}
	return s
}

func loadGuild(g int) string       { return fmt.Sprintf("load-guild-%02d", g) }
func loadChannel(g int) int64      { return 9_100_000 + int64(g) }
func loadViewerID(v int) int64     { return 80_000_000 + int64(v) }
func loadViewerName(v int) string  { return fmt.Sprintf("loadviewer%04d", v) }
func loadViewerBadge(v int) bool   { return v%7 == 0 }
func loadChannelName(g int) string { return fmt.Sprintf("loadchannel%02d", g) }

// sentEvent is one generated event, as the reference model reads it.
type sentEvent struct {
	delivery kicksim.Delivery
	guild    int
	minute   int // simulated minute it happened in, 0-based
	at       time.Time
	actor    int   // viewer index, -1 for none
	subs     []int // viewers whose subscription it starts
	until    time.Time
	logged   bool // lands in the guild's event log
	command  string
}

// loadTraffic generates the stream of every guild: it goes live at start,
// viewers chat (mostly in their home guild), and follows, subscriptions,
// renewals, gifted subscriptions and KICKs happen throughout. Each viewer
// subscribes at most once per guild, so "the latest subscription" is never
// in question.
func loadTraffic(size loadSize, start time.Time, seed uint64) []sentEvent {
	r := rand.New(rand.NewPCG(seed, 0x10ad))
	ids := kicksim.NewIDs(start)
	var out []sentEvent
	user := func(id int64, name string) map[string]any {
		return map[string]any{"is_anonymous": false, "user_id": id, "username": name, "is_verified": false,
			"profile_picture": "", "channel_slug": name, "identity": nil}
	}
	viewer := func(v int) map[string]any { return user(loadViewerID(v), loadViewerName(v)) }
	add := func(e sentEvent, typ event.Type, body map[string]any) {
		body["broadcaster"] = user(loadChannel(e.guild), loadChannelName(e.guild))
		b, err := json.Marshal(body)
		if err != nil {
			panic(err) // plain maps: cannot fail
		}
		e.delivery = kicksim.Delivery{ID: ids.Next(e.at), Type: typ, At: e.at, Body: b}
		out = append(out, e)
	}
	// at is a random whole second of simulated minute k.
	at := func(k int) time.Time {
		return start.Add(time.Duration(k)*time.Minute + time.Duration(r.IntN(60))*time.Second)
	}
	for g := range size.Guilds {
		add(sentEvent{guild: g, at: start, actor: -1}, event.LivestreamStatus, map[string]any{"is_live": true,
			"title": "load test", "started_at": start.Format(time.RFC3339), "ended_at": nil})
	}
	for range size.Chats {
		v := r.IntN(size.Viewers)
		g := v % size.Guilds
		if r.IntN(10) == 0 {
			g = r.IntN(size.Guilds) // a visit to another channel
		}
		k := r.IntN(size.Minutes)
		e := sentEvent{guild: g, minute: k, at: at(k), actor: v}
		content := "gg"
		if r.IntN(100) == 0 {
			content, e.command = "!points", "points"
		}
		sender := viewer(v)
		badges := []map[string]any{}
		if loadViewerBadge(v) {
			badges = append(badges, map[string]any{"text": "Subscriber", "type": "subscriber", "count": 2})
		}
		sender["identity"] = map[string]any{"username_color": "#1E90FF", "badges": badges}
		add(e, event.ChatMessage, map[string]any{"message_id": fmt.Sprintf("%08x-0000-4000-8000-%012x", len(out), e.at.Unix()),
			"sender": sender, "content": content, "emotes": nil, "created_at": e.at.Format(time.RFC3339)})
	}
	subscribed := make([]map[int]bool, size.Guilds)
	for g := range subscribed {
		subscribed[g] = map[int]bool{}
	}
	// fresh returns a viewer not yet subscribed in g, or -1.
	fresh := func(g int) int {
		for range 20 {
			if v := r.IntN(size.Viewers); !subscribed[g][v] {
				subscribed[g][v] = true
				return v
			}
		}
		return -1
	}
	for range size.Others {
		g, k, v := r.IntN(size.Guilds), r.IntN(size.Minutes), r.IntN(size.Viewers)
		e := sentEvent{guild: g, minute: k, at: at(k), actor: v, logged: true}
		e.until = e.at.AddDate(0, 1, 0)
		kind := r.IntN(10)
		switch {
		case kind < 3:
			add(e, event.Followed, map[string]any{"follower": viewer(v)})
		case kind < 5:
			if v = fresh(g); v >= 0 {
				e.actor, e.subs = v, []int{v}
				add(e, event.SubscriptionNew, map[string]any{"subscriber": viewer(v), "duration": 1,
					"created_at": e.at.Format(time.RFC3339), "expires_at": e.until.Format(time.RFC3339)})
				continue
			}
			add(e, event.Followed, map[string]any{"follower": viewer(e.actor)})
		case kind < 6:
			if v = fresh(g); v >= 0 {
				e.actor, e.subs = v, []int{v}
				add(e, event.SubscriptionRenew, map[string]any{"subscriber": viewer(v), "duration": 4,
					"created_at": e.at.Format(time.RFC3339), "expires_at": e.until.Format(time.RFC3339)})
				continue
			}
			add(e, event.Followed, map[string]any{"follower": viewer(e.actor)})
		case kind < 7:
			var giftees []map[string]any
			for range 1 + r.IntN(5) {
				if w := fresh(g); w >= 0 {
					e.subs = append(e.subs, w)
					giftees = append(giftees, viewer(w))
				}
			}
			if len(giftees) == 0 {
				add(e, event.Followed, map[string]any{"follower": viewer(v)})
				continue
			}
			add(e, event.SubscriptionGifts, map[string]any{"gifter": viewer(v), "giftees": giftees,
				"created_at": e.at.Format(time.RFC3339), "expires_at": e.until.Format(time.RFC3339)})
		default:
			add(e, event.KicksGifted, map[string]any{"sender": viewer(v), "gift": map[string]any{
				"amount": 100, "name": "Rage Quit", "type": "LEVEL_UP", "tier": "MID", "message": "gg", "pinned_time_seconds": 0},
				"created_at": e.at.Format(time.RFC3339)})
		}
	}
	return out
}

// loadKey is a guild and a viewer.
type loadKey struct{ guild, viewer int }

// loadReference computes from the generated events what each viewer is
// owed after the sweep has run for minutes first..last, from the crediting
// rules (docs and package watchtime's comment) rather than their code: a
// viewer earns minute m of a live stream when they did something (chat,
// follow, subscribe, gift, KICKs; a giftee did nothing) in one of the W
// minutes before m, W the guild's activity window; the minute is worth
// PointsPer5Min/5 points, times the subscriber multiplier when the
// viewer's last chat in that window carried the subscriber badge or a
// subscription of theirs had begun by m's start and not yet ended.
func loadReference(events []sentEvent, first, last watchtime.Minute) (minutes, milli map[loadKey]int64) {
	type chat struct {
		at    time.Time
		badge bool
	}
	type viewer struct {
		active     map[watchtime.Minute]bool
		chats      []chat
		subFrom    time.Time
		subUntil   time.Time
		subscribed bool
	}
	vs := map[loadKey]*viewer{}
	get := func(k loadKey) *viewer {
		if vs[k] == nil {
			vs[k] = &viewer{active: map[watchtime.Minute]bool{}}
		}
		return vs[k]
	}
	for _, e := range events {
		if e.actor >= 0 {
			v := get(loadKey{e.guild, e.actor})
			v.active[watchtime.MinuteOf(e.at)] = true
			if e.delivery.Type == event.ChatMessage {
				v.chats = append(v.chats, chat{e.at, loadViewerBadge(e.actor)})
			}
		}
		for _, s := range e.subs {
			v := get(loadKey{e.guild, s})
			v.subscribed, v.subFrom, v.subUntil = true, e.at, e.until
		}
	}
	minutes, milli = map[loadKey]int64{}, map[loadKey]int64{}
	for k, v := range vs {
		set := loadSettings(k.guild)
		w := watchtime.Minute(set.ActivityWindow / time.Minute)
		for m := first; m <= last; m++ {
			active := false
			for a := m - w; a < m; a++ {
				active = active || v.active[a]
			}
			if !active {
				continue
			}
			var latest chat
			for _, c := range v.chats {
				if a := watchtime.MinuteOf(c.at); a >= m-w && a < m && !c.at.Before(latest.at) {
					latest = c
				}
			}
			start := m.Start()
			sub := latest.badge || (v.subscribed && !v.subFrom.After(start) && v.subUntil.After(start))
			pct := int64(100)
			if sub {
				pct = set.SubMultiplierPct
			}
			minutes[k]++
			milli[k] += set.PointsPer5Min * 1000 / 5 * pct / 100
		}
	}
	return minutes, milli
}

// TestLoad runs the load test (see the top of this file).
func TestLoad(t *testing.T) {
	size := loadReduced
	if raceEnabled {
		size = loadRace
	}
	if *loadFull {
		size = loadFullSize
	}
	ctx, cancel := context.WithTimeout(t.Context(), size.Timeout)
	defer cancel()

	// Simulated time: ten minutes that ended a little while ago, so that
	// every timestamp is in the webhook's freshness window.
	start := time.Now().UTC().Truncate(time.Minute).Add(-time.Duration(size.Minutes+5) * time.Minute)
	sim := clock.New(start)
	var seed strings.Builder
	for g := range size.Guilds {
		if g > 0 {
			seed.WriteByte(',')
		}
		fmt.Fprintf(&seed, "%s:%d", loadGuild(g), loadChannel(g))
	}
	// At full size the table lives in processes of its own, so that the
	// CPU measured here is the bot's (and the senders'), the emulator's
	// apart; the reduced sizes keep the emulator in this process, and its
	// CPU in the bot's (dbCPU 0).
	cfg := config{Seed: seed.String(), RetryDelay: 0, now: sim.Now}
	dbCPU := func() time.Duration { return 0 }
	if size.Parts <= 0 {
		db, err := localdb.StartPartitionedByKey(ctx, "127.0.0.1:0", 16)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		cfg.Endpoint = db.Endpoint
	} else {
		db, err := localdb.StartClusterByKey(ctx, size.Parts, 1)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		cfg.Endpoint, dbCPU = db.Endpoint, db.CPU
	}
	r := startRunnerWith(t, cfg)
	for g := range size.Guilds {
		if err := r.Store.PutSettings(ctx, loadGuild(g), loadSettings(g)); err != nil {
			t.Fatal(err)
		}
	}
	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}

	// Traffic, duplicates and order. A duplicate goes out in the same
	// minute as its original or one of the next two (a retry of Kick's);
	// each minute's batch is shuffled and sent by several senders at once.
	events := loadTraffic(size, start, 1)
	rng := rand.New(rand.NewPCG(2, 0xd0b))
	batches := make([][]kicksim.Delivery, size.Minutes+2)
	dups := 0
	for _, e := range events {
		batches[e.minute] = append(batches[e.minute], e.delivery)
		if rng.IntN(100) < size.DupPct {
			later := e.minute + rng.IntN(3)
			batches[later] = append(batches[later], e.delivery)
			dups++
		}
	}
	for _, b := range batches {
		rng.Shuffle(len(b), func(i, j int) { b[i], b[j] = b[j], b[i] })
	}

	// Sign everything first: signing is Kick's cost, not ours.
	signStart := time.Now()
	signed := map[string]http.Header{}
	var mu sync.Mutex
	work := make(chan kicksim.Delivery)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for d := range work {
				h, err := kick.SignedHeaders(key, d.ID, string(d.Type), d.At, d.Body)
				if err != nil {
					panic(err) // a generated key and body: cannot fail
				}
				h.Set("Content-Type", "application/json")
				mu.Lock()
				signed[d.ID] = h
				mu.Unlock()
			}
		})
	}
	for _, e := range events {
		work <- e.delivery
	}
	close(work)
	wg.Wait()
	t.Logf("signed %d deliveries in %v", len(events), time.Since(signStart).Round(time.Millisecond))

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: size.Senders}}
	post := func(d kicksim.Delivery) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL+"/webhooks/kick", bytes.NewReader(d.Body))
		if err != nil {
			return err
		}
		req.Header = signed[d.ID].Clone()
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		_, _ = io.Copy(io.Discard, res.Body)
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("%s delivery %s: status %d, want 200", d.Type, d.ID, res.StatusCode)
		}
		return nil
	}
	send := func(batch []kicksim.Delivery) error {
		ch := make(chan kicksim.Delivery)
		errs := make(chan error, size.Senders)
		var wg sync.WaitGroup
		for range size.Senders {
			wg.Go(func() {
				for d := range ch {
					if err := post(d); err != nil {
						errs <- err
						for range ch {
						}
						return
					}
				}
			})
		}
		for _, d := range batch {
			ch <- d
		}
		close(ch)
		wg.Wait()
		select {
		case err := <-errs:
			return err
		default:
			return nil
		}
	}

	// The run: at each minute's start the schedule fires, then the minute's deliveries arrive and the
	// worker drains the queue. The clock reads the minute's last second
	// while they arrive, so no timestamp is ahead of it.
	first := watchtime.MinuteOf(start)
	last := first + watchtime.Minute(size.Minutes)
	var ingestWall, sweepWall time.Duration
	var ingestCPU, ingestDB, sweepCPU, sweepDB time.Duration
	var sent int
	var peakHeap uint64
	for k := range size.Minutes + 1 {
		m := first + watchtime.Minute(k)
		sim.Set(m.Start().Add(time.Second))
		t0, c0, d0 := time.Now(), cpuTime(), dbCPU()
		if _, err := r.Sweeper.Run(ctx, m, sim.Now()); err != nil {
			t.Fatalf("sweep of minute %d: %v", k, err)
		}

		drain(t, ctx, r)
		sweepWall += time.Since(t0)
		sweepCPU += cpuTime() - c0
		sweepDB += dbCPU() - d0
		if k == size.Minutes {
			break
		}
		batch := batches[k]
		if k == size.Minutes-1 {
			// Duplicates due after the last minute go out with it.
			batch = append(append(batch, batches[k+1]...), batches[k+2]...)
		}
		sim.Set(m.Start().Add(59 * time.Second))
		c0, d0, t0 = cpuTime(), dbCPU(), time.Now()
		if err := send(batch); err != nil {
			t.Fatal(err)
		}
		drain(t, ctx, r)
		ingestWall += time.Since(t0)
		ingestCPU += cpuTime() - c0
		ingestDB += dbCPU() - d0
		sent += len(batch)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapInuse)
	}
	if peakHeap > size.MaxHeap {
		t.Errorf("heap in use peaked at %d MiB, want at most %d MiB", peakHeap>>20, size.MaxHeap>>20)
	}

	// Every viewer's minutes and points equal the reference.
	wantMin, wantMilli := loadReference(events, first, last)
	var owed, points int64
	for g := range size.Guilds {
		for v := range size.Viewers {
			k := loadKey{g, v}
			got, err := r.Store.Viewer(ctx, loadGuild(g), loadViewerID(v))
			if fault.Is(err, fault.NotFound) && wantMin[k] == 0 {
				continue
			}
			if err != nil {
				t.Fatalf("Viewer(%s, %d): %v", loadGuild(g), loadViewerID(v), err)
			}
			if got.WatchMinutes != wantMin[k] || got.PointsMilli != wantMilli[k] {
				t.Errorf("%s viewer %d: %d minutes, %d milli-points; want %d, %d", loadGuild(g), v, got.WatchMinutes, got.PointsMilli, wantMin[k], wantMilli[k])
			}
			owed += wantMin[k]
			points += wantMilli[k]
		}
	}
	if owed == 0 {
		t.Fatal("the reference owes nobody anything: the load tests nothing")
	}

	// Each non-chat event is logged once although a tenth were sent twice.
	logged := map[string]map[string]bool{}
	for _, e := range events {
		if e.logged {
			if logged[loadGuild(e.guild)] == nil {
				logged[loadGuild(e.guild)] = map[string]bool{}
			}
			logged[loadGuild(e.guild)][e.delivery.ID] = true
		}
	}
	checkLoggedOnce(t, ctx, r, logged)

	// No chat command answered twice; none answered that was not sent.
	commands := map[string]bool{}
	for _, e := range events {
		if e.command != "" {
			var b struct {
				MessageID string `json:"message_id"`
			}
			if err := json.Unmarshal(e.delivery.Body, &b); err != nil {
				t.Fatal(err)
			}
			commands[b.MessageID] = true
		}
	}
	replies := map[string]int{}
	for _, msg := range r.KickFake.Messages() {
		replies[msg.ReplyTo]++
	}
	for id, n := range replies {
		if !commands[id] || n > 1 {
			t.Errorf("reply to %q: %d replies, is a command %v; want at most one, to a command", id, n, commands[id])
		}
	}

	if len(commands) > 0 && len(replies) == 0 {
		t.Errorf("none of %d commands answered, want some", len(commands))
	}

	if dead := r.Queue.DeadLetters(); len(dead) != 0 {
		t.Errorf("%d jobs in the dead-letter queue, want none; first: %s", len(dead), dead[0].Body)
	}

	t.Logf("load: %d guilds, %d viewers; %d events (%d chat) + %d duplicates = %d deliveries over %d simulated minutes",
		size.Guilds, size.Viewers, len(events), size.Chats, dups, sent, size.Minutes)
	t.Logf("ingest (webhook + worker, queue drained): %v wall, %.0f deliveries/s; CPU of senders, webhook and worker %v, %.0f µs a delivery; emulator CPU %v, %.0f µs a delivery",
		ingestWall.Round(time.Millisecond), float64(sent)/ingestWall.Seconds(), ingestCPU.Round(time.Millisecond), float64(ingestCPU.Microseconds())/float64(sent),
		ingestDB.Round(time.Millisecond), float64(ingestDB.Microseconds())/float64(sent))
	t.Logf("sweep: %d runs in %v wall (%v a run), CPU %v in the sweep and worker, %v in the emulator; credited %d viewer-minutes, %d milli-points; %d of %d commands answered; peak heap %d MiB",
		size.Minutes+1, sweepWall.Round(time.Millisecond), (sweepWall / time.Duration(size.Minutes+1)).Round(time.Millisecond),
		sweepCPU.Round(time.Millisecond), sweepDB.Round(time.Millisecond), owed, points, len(replies), len(commands), peakHeap>>20)
}

// cpuTime is the CPU time (user and system) this process has used: the
// senders, the webhook, the worker and the embedded DynamoDB together.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
