package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	miniserver "github.com/truora/minidyn/server"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// TestTemplateRoutesAreServed holds the runner's routes equal to the
// template's HTTP API routes, both ways.
func TestTemplateRoutesAreServed(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, r := range rs {
		want = append(want, r.String())
	}
	var got []string
	for pattern := range routes(http.NotFoundHandler(), http.NotFoundHandler(), http.NotFoundHandler()) {
		got = append(got, pattern)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("runner serves %v, template routes %v", got, want)
	}
}

func TestParseSeed(t *testing.T) {
	got, err := parseSeed(" 111:4402117, 222:5 ,")
	if err != nil || len(got) != 2 || got[0] != (connection{"111", 4402117}) || got[1] != (connection{"222", 5}) {
		t.Errorf("parseSeed = %v, %v", got, err)
	}
	for _, bad := range []string{"111", "111:x", ":5", "111:-1", "111:0"} {
		if _, err := parseSeed(bad); err == nil {
			t.Errorf("parseSeed(%q) = nil error, want one", bad)
		}
	}
}

func startRunner(t *testing.T, seed string) *runner {
	t.Helper()
	return startRunnerIn(t, t.TempDir(), seed)
}

// startRunnerIn starts a runner whose LOCAL_DIR is dir.
func startRunnerIn(t *testing.T, dir, seed string) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := start(ctx, config{
		ListenAddr: "127.0.0.1:0", DynamoAddr: "127.0.0.1:0", Table: "local-test",
		LocalDir: dir, Seed: seed, RetryDelay: 0,
	}, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); cancel() })
	return r
}

// TestScenario is the walking skeleton end to end: the local runner, the
// replayer's scenario signed with the key the runner generated, the worker
// behind the in-process queue, and the table read back.
func TestScenario(t *testing.T) {
	r := startRunner(t, "guild-1:4402117")
	ctx := context.Background()
	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	sc := kicksim.Scenario{Broadcaster: 4402117, Viewers: 12, Minutes: 5, Seed: 7, Duplicates: 10,
		Start: time.Now().UTC().Add(-5 * time.Minute)}
	sender := &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}
	lastChat := map[int64]time.Time{}
	for _, d := range sc.Deliveries() {
		status, err := sender.Send(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if status != http.StatusOK {
			t.Fatalf("%s delivery %s: status %d, want 200", d.Type, d.ID, status)
		}
		if d.Type == event.ChatMessage {
			var chat struct {
				Sender struct {
					UserID int64 `json:"user_id"`
				} `json:"sender"`
				CreatedAt time.Time `json:"created_at"`
			}
			if err := json.Unmarshal(d.Body, &chat); err != nil {
				t.Fatal(err)
			}
			if chat.CreatedAt.After(lastChat[chat.Sender.UserID]) {
				lastChat[chat.Sender.UserID] = chat.CreatedAt
			}
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	// Activity: each chatter's last chat is recorded in its minute.
	acts, err := r.Store.Activity(ctx, "guild-1", watchtime.MinuteOf(sc.Start)-1, watchtime.MinuteOf(time.Now())+1)
	if err != nil {
		t.Fatal(err)
	}
	minutes := map[int64]map[watchtime.Minute]bool{}
	for _, a := range acts {
		if minutes[a.UserID] == nil {
			minutes[a.UserID] = map[watchtime.Minute]bool{}
		}
		minutes[a.UserID][watchtime.MinuteOf(a.At)] = true
	}
	for user, last := range lastChat {
		if !minutes[user][watchtime.MinuteOf(last)] {
			t.Errorf("viewer %d has activity in minutes %v, want the minute of their last chat %v among them", user, minutes[user], last)
		}
	}

	// Stream state: went live, got its category, went offline.
	st, err := r.Store.Stream(ctx, "guild-1")
	if err != nil {
		t.Fatal(err)
	}
	if st.Live || st.EndedAt.IsZero() || st.Category.Name != "Just Chatting" || !st.StartedAt.Equal(sc.Start.Truncate(time.Second)) {
		t.Errorf("stream state = %+v, want offline, ended, Just Chatting, started %v", st, sc.Start)
	}

	// Event log: one entry per non-chat event although each was sent twice.
	evs, err := r.Store.Events(ctx, "guild-1", 100)
	if err != nil {
		t.Fatal(err)
	}
	count := map[event.Type]int{}
	for _, e := range evs {
		count[e.Type]++
	}
	for _, typ := range []event.Type{event.Followed, event.SubscriptionNew, event.SubscriptionRenew,
		event.SubscriptionGifts, event.KicksGifted, event.RewardRedemption, event.Banned} {
		if count[typ] != 1 {
			t.Errorf("event log has %d %s entries, want 1", count[typ], typ)
		}
	}
	if dead := r.Queue.DeadLetters(); len(dead) != 0 {
		t.Errorf("%d jobs dead-lettered, want 0", len(dead))
	}
}

// TestRunnerRejectsBadDeliveries: a delivery signed with another key, and
// one for a broadcaster no guild is connected to, change nothing.
func TestRunnerRejectsBadDeliveries(t *testing.T) {
	r := startRunner(t, "guild-1:4402117")
	ctx := context.Background()
	good, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	other := startRunner(t, "")
	wrong, err := kicksim.ReadPrivateKey(other.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := kicksim.Fixtures(filepath.Join("..", "..", "testdata", "kick"), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	var follow kicksim.Delivery
	for _, d := range ds {
		if d.Type == event.Followed {
			follow = d
		}
	}
	status, err := (&kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: wrong}).Send(ctx, follow)
	if err != nil || status != http.StatusUnauthorized {
		t.Errorf("wrong key: status %d, err %v; want 401", status, err)
	}
	unconnected := follow
	unconnected.ID = kicksim.NewIDs(time.Now()).Next(time.Now())
	unconnected.Body = []byte(strings.ReplaceAll(string(follow.Body), "4402117", "999"))
	status, err = (&kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: good}).Send(ctx, unconnected)
	if err != nil || status != http.StatusOK {
		t.Errorf("unconnected broadcaster: status %d, err %v; want 200", status, err)
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := r.Store.Events(ctx, "guild-1", 10)
	if err != nil || len(evs) != 0 {
		t.Errorf("event log = %v, %v; want empty", evs, err)
	}
}

// TestTransientFailureThenRetry: DynamoDB fails while a delivery is being
// handled, the webhook answers 503, and Kick's retry of the same delivery
// (and a late duplicate) leaves exactly one event in the log.
func TestTransientFailureThenRetry(t *testing.T) {
	r := startRunner(t, "guild-1:4402117")
	ctx := context.Background()
	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := kicksim.Fixtures(filepath.Join("..", "..", "testdata", "kick"), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	sender := &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}
	for _, d := range ds {
		if d.Type != event.SubscriptionGifts {
			continue
		}
		r.db.Emulator.EmulateFailure(miniserver.FailureConditionInternalServerError)
		status, err := sender.Send(ctx, d)
		r.db.Emulator.EmulateFailure(miniserver.FailureConditionNone)
		if err != nil || status != http.StatusServiceUnavailable {
			t.Fatalf("delivery while DynamoDB fails: status %d, err %v; want 503", status, err)
		}
		for _, attempt := range []string{"retry", "late duplicate"} {
			if status, err := sender.Send(ctx, d); err != nil || status != http.StatusOK {
				t.Fatalf("%s: status %d, err %v; want 200", attempt, status, err)
			}
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	evs, err := r.Store.Events(ctx, "guild-1", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Type != event.SubscriptionGifts || len(evs[0].Gifts.Giftees) == 0 {
		t.Errorf("event log = %+v, want exactly the one gift", evs)
	}
}

// TestScenarioThenSweep: a stream left live, then the sweep runs minute
// after minute, each twice: each chatter earns exactly the minutes whose
// activity window holds some of their chat, points accrue at 1 per 5
// minutes, and the leaderboard reads them back in order.
func TestScenarioThenSweep(t *testing.T) {
	r := startRunner(t, "guild-1:4402117")
	ctx := context.Background()
	key, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sc := kicksim.Scenario{Broadcaster: 4402117, Viewers: 6, Minutes: 3, Seed: 3, StayLive: true, Start: now.Add(-3 * time.Minute)}
	sender := &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}
	for _, d := range sc.Deliveries() {
		if status, err := sender.Send(ctx, d); err != nil || status != http.StatusOK {
			t.Fatalf("%s: status %d, err %v", d.Type, status, err)
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	m := watchtime.MinuteOf(now)
	acts, err := r.Store.Activity(ctx, "guild-1", m-10, m)
	if err != nil || len(acts) == 0 {
		t.Fatalf("Activity = %d entries, %v; want some", len(acts), err)
	}
	for i := range 5 {
		for range 2 { // each run twice: credited once
			if _, err := r.Sweeper.Run(ctx, m+watchtime.Minute(i), now); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	// Owed: each minute from the stream's start to the last swept whose
	// five-minute window before it holds some of the viewer's activity.
	active := map[int64]map[watchtime.Minute]bool{}
	for _, a := range acts {
		if active[a.UserID] == nil {
			active[a.UserID] = map[watchtime.Minute]bool{}
		}
		active[a.UserID][watchtime.MinuteOf(a.At)] = true
	}
	best := int64(0)
	for user, minutes := range active {
		var want int64
		for x := watchtime.MinuteOf(sc.Start); x <= m+4; x++ {
			for a := x - 5; a < x; a++ {
				if minutes[a] {
					want++
					break
				}
			}
		}
		v, err := r.Store.Viewer(ctx, "guild-1", user)
		if fault.Is(err, fault.NotFound) && want == 0 {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if v.Banned(now) {
			if v.WatchMinutes != 0 {
				t.Errorf("banned %s earned %d minutes", v.Username, v.WatchMinutes)
			}
			continue
		}
		if v.WatchMinutes != want || v.PointsMilli != want*200 {
			t.Errorf("%s after 5 runs: %d minutes, %d milli-points; want %d, %d", v.Username, v.WatchMinutes, v.PointsMilli, want, want*200)
		}
		best = max(best, want)
	}
	// The sweep rebuilds the boards after minutes divisible by five; the
	// last run may not have been one, so build them from the final totals.
	if err := r.Store.BuildBoards(ctx, "guild-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	page, err := r.Store.Top(ctx, "guild-1", dynamo.Watchtime, 3, "")
	if err != nil || len(page.Viewers) == 0 || page.Viewers[0].WatchMinutes != best {
		t.Errorf("Top(watchtime) = %+v, %v; want viewers with %d minutes first", page, err, best)
	}
}

// TestRunnerInteractions plays a member with the replayer's tools: signed
// with the key the runner generated, /leaderboard is answered at once and
// /rank is deferred, run by the worker and answered on the fake Discord.
func TestRunnerInteractions(t *testing.T) {
	r := startRunner(t, "guild-1:4402117")
	ctx := context.Background()
	key, err := discordsim.ReadPrivateKey(r.DiscordPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Store.Credit(ctx, "guild-1", watchtime.Credit{UserID: 9, Username: "alice", Minute: watchtime.MinuteOf(time.Now()), PointsMilli: 200}); err != nil {
		t.Fatal(err)
	}
	if err := r.Store.BuildBoards(ctx, "guild-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	s := &discordsim.Sender{URL: r.URL + "/interactions", Key: key}
	member := discordsim.Caller{Guild: "guild-1", UserID: "5"}
	var ids discordsim.IDs

	status, body, err := s.Send(ctx, member.Command(ids.Next(), "leaderboard"))
	if err != nil || status != http.StatusOK || !strings.Contains(string(body), "alice") {
		t.Fatalf("/leaderboard: status %d, err %v, body %s; want alice on it", status, err, body)
	}
	rank := ids.Next()
	status, body, err = s.Send(ctx, member.Command(rank, "rank", discordsim.String("user", "alice")))
	if err != nil || status != http.StatusOK || !strings.Contains(string(body), `"type":5`) {
		t.Fatalf("/rank: status %d, err %v, body %s; want a deferred response", status, err, body)
	}
	if err := r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	reqs := r.DiscordFake.Requests()
	if len(reqs) != 1 || reqs[0].Method != http.MethodPatch || !strings.Contains(reqs[0].Path, discordsim.Token(rank)) {
		t.Fatalf("fake Discord got %+v, want one PATCH of /rank's response", reqs)
	}
	if b, _ := json.Marshal(reqs[0].Body); !strings.Contains(string(b), "**alice** is **#1**") {
		t.Errorf("PATCH body %s, want alice's rank", b)
	}

	// Signed with another key: refused.
	_, other, _ := ed25519.GenerateKey(nil)
	status, _, err = (&discordsim.Sender{URL: s.URL, Key: other}).Send(ctx, member.Command(ids.Next(), "leaderboard"))
	if err != nil || status != http.StatusUnauthorized {
		t.Errorf("wrong key: status %d, err %v; want 401", status, err)
	}
}
