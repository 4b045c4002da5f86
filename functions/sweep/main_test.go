package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/sweep"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// scheduled is the EventBridge fixture, at minute offset minutes.
func scheduled(t *testing.T, minutes int) events.EventBridgeEvent {
	t.Helper()
	b, err := os.ReadFile("../../testdata/lambda/eventbridge-scheduled.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.Time = e.Time.Add(time.Duration(minutes) * time.Minute)
	return e
}

// newStore is a fresh table on its own embedded emulator, limited to
// what the function's role grants.
func newStore(t testing.TB) *dynamo.Store {
	t.Helper()
	return dynamo.New(dynamotest.Restrict(t, dynamotest.Table(t, "sweep"), "SweepFunction"), "sweep")
}

// seed makes guild live (or not) with n viewers who chatted at chatAt.
func seed(t testing.TB, s *dynamo.Store, guild string, live bool, n int, chatAt time.Time) {
	t.Helper()
	ctx := context.Background()
	if err := s.SetStreamStatus(ctx, guild, chatAt.Add(-time.Hour), event.Status{Live: live}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		a := audience.Activity{UserID: int64(i + 1), Username: fmt.Sprint("viewer", i), At: chatAt}
		if err := s.TouchViewer(ctx, guild, a); err != nil {
			t.Fatal(err)
		}
	}
}

func minutes(t *testing.T, s *dynamo.Store, guild string, user int64) (int64, int64) {
	t.Helper()
	v, err := s.Viewer(context.Background(), guild, user)
	if fault.Is(err, fault.NotFound) {
		return 0, 0 // never credited
	}
	if err != nil {
		t.Fatal(err)
	}
	return v.WatchMinutes, v.PointsMilli
}

func TestSweepCreditsEachMinuteOnce(t *testing.T) {
	s := newStore(t)
	ev := scheduled(t, 0)
	seed(t, s, "live", true, 3, ev.Time.Add(-2*time.Minute))
	seed(t, s, "offline", false, 3, ev.Time.Add(-2*time.Minute))
	h := handler(&sweep.Sweeper{Store: s}, quiet)
	ctx := context.Background()
	for _, e := range []events.EventBridgeEvent{ev, ev, scheduled(t, 1)} { // M, M again, M+1
		if err := h(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// The chat at M-2 makes M-1 to M+3 owed; the guild's first run also
	// credits M-1, which no run had swept.
	if got, pts := minutes(t, s, "live", 1); got != 3 || pts != 600 {
		t.Errorf("live viewer after sweeps of M, M, M+1: %d minutes, %d milli-points; want 3, 600", got, pts)
	}
	if got, _ := minutes(t, s, "offline", 1); got != 0 {
		t.Errorf("offline viewer: %d minutes, want 0", got)
	}
	// Minute M+5, with no run for M+2 to M+4: it makes up M+2 and M+3,
	// and nothing after, when the chat had left the 5-minute window.
	if err := h(ctx, scheduled(t, 5)); err != nil {
		t.Fatal(err)
	}
	if got, _ := minutes(t, s, "live", 1); got != 5 {
		t.Errorf("after the window passed: %d minutes, want 5", got)
	}
}

func TestTrackOfflineAndBans(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	ev := scheduled(t, 0)
	seed(t, s, "g", false, 3, ev.Time.Add(-time.Minute))
	set := settings.Defaults()
	set.TrackOffline = true
	set.Ignored = []string{"viewer2"}
	set.PointsPer5Min = 5
	if err := s.PutSettings(ctx, "g", set); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordBan(ctx, "g", event.User{ID: 2, Username: "viewer1"}, ev.Time, ev.Time.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := handler(&sweep.Sweeper{Store: s}, quiet)(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for user, want := range map[int64]int64{1: 1, 2: 0, 3: 0} { // viewer1 banned, viewer2 ignored
		if got, pts := minutes(t, s, "g", user); got != want || pts != want*1000 {
			t.Errorf("viewer %d: %d minutes, %d milli-points; want %d, %d", user, got, pts, want, want*1000)
		}
	}
}

func TestConcurrentSweepsCreditOnce(t *testing.T) {
	s := newStore(t)
	ev := scheduled(t, 0)
	seed(t, s, "a", true, 20, ev.Time.Add(-time.Minute))
	seed(t, s, "b", true, 20, ev.Time.Add(-time.Minute))
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := handler(&sweep.Sweeper{Store: s, Concurrency: 4}, quiet)(context.Background(), ev); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, g := range []string{"a", "b"} {
		for user := int64(1); user <= 20; user++ {
			if got, _ := minutes(t, s, g, user); got != 1 {
				t.Fatalf("guild %s viewer %d: %d minutes after 6 concurrent sweeps of one minute, want 1", g, user, got)
			}
		}
	}
}

// fakeKick serves the token endpoint and the channels API, checking what
// it receives, and can be told to fail.
type fakeKick struct {
	live        map[int64]bool
	tokens      atomic.Int64
	channels    atomic.Int64
	rejectFirst atomic.Bool // answer the next channels call 401
	status      int         // answer channels calls with this status when set
}

func (f *fakeKick) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/oauth/token":
		if r.FormValue("grant_type") != "client_credentials" || r.FormValue("client_secret") != "s3cret" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		n := f.tokens.Add(1)
		fmt.Fprintf(w, `{"access_token":"tok%d","token_type":"Bearer","expires_in":5184000}`, n)
	case "/public/v1/channels":
		f.channels.Add(1)
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok") {
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if f.rejectFirst.CompareAndSwap(true, false) {
			http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		if f.status != 0 {
			http.Error(w, `{"message":"oops"}`, f.status)
			return
		}
		var data []string
		for _, id := range r.URL.Query()["broadcaster_user_id"] {
			var b int64
			fmt.Sscan(id, &b)
			data = append(data, fmt.Sprintf(`{"broadcaster_user_id":%d,"slug":"c%d","stream_title":"t","category":{"id":15,"name":"Just Chatting"},"stream":{"is_live":%v,"viewer_count":3,"start_time":"2026-03-14T19:00:00Z"}}`, b, b, f.live[b]))
		}
		fmt.Fprintf(w, `{"data":[%s],"message":"OK"}`, strings.Join(data, ","))
	default:
		http.NotFound(w, r)
	}
}

// TestReconcileWithKick: the upkeep's reconcile (here run just before the
// sweep of the same minute) corrects what Kick's events got wrong, and the
// sweep that follows credits by the corrected status.
func TestReconcileWithKick(t *testing.T) {
	client := dynamotest.Table(t, "sweep")
	s := dynamo.New(client, "sweep") // the test's own reads and writes
	ctx := context.Background()
	ev := scheduled(t, 0) // minute 20:10: a reconcile minute (every 5th)
	for g, b := range map[string]int64{"missed-go-live": 1, "missed-offline": 2} {
		if err := s.Connect(ctx, g, b, ev.Time.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// Viewers chatted at M-1 and M+4, so they are owed M and M+5.
	for _, at := range []time.Time{ev.Time.Add(-time.Minute), ev.Time.Add(4 * time.Minute)} {
		seed(t, s, "missed-go-live", false, 2, at)
		seed(t, s, "missed-offline", true, 2, at)
	}
	fake := &fakeKick{live: map[int64]bool{1: true, 2: false}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	kick := kickapi.New("id", "s3cret")
	kick.APIBase, kick.AuthBase = srv.URL, srv.URL
	// Each limited to what its function's role grants.
	sw := &sweep.Sweeper{Store: dynamo.New(dynamotest.Restrict(t, client, "SweepFunction"), "sweep"), Log: quiet}
	rec := &sweep.Reconciler{Store: dynamo.New(dynamotest.Restrict(t, client, "UpkeepFunction"), "sweep"), Channels: kick, Log: quiet}

	// Kick fails with a 500: state stays as it was, crediting goes on.
	fake.status = http.StatusInternalServerError
	if err := rec.Run(ctx, ev.Time); err == nil {
		t.Error("reconcile with Kick answering 500 = nil, want an error")
	}
	if err := handler(sw, quiet)(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for g, want := range map[string]bool{"missed-go-live": false, "missed-offline": true} {
		if st, _ := s.Stream(ctx, g); st.Live != want {
			t.Errorf("after Kick's 500, %s live = %v, want unchanged %v", g, st.Live, want)
		}
	}

	// Kick answers; its first channels call says 401, which refreshes the
	// app token once and retries.
	fake.status = 0
	fake.rejectFirst.Store(true)
	if err := rec.Run(ctx, scheduled(t, 5).Time); err != nil {
		t.Fatal(err)
	}
	if err := handler(sw, quiet)(ctx, scheduled(t, 5)); err != nil {
		t.Fatal(err)
	}
	for g, want := range map[string]bool{"missed-go-live": true, "missed-offline": false} {
		if st, _ := s.Stream(ctx, g); st.Live != want {
			t.Errorf("after reconcile, %s live = %v, want %v", g, st.Live, want)
		}
	}
	if got := fake.tokens.Load(); got != 2 {
		t.Errorf("token requests = %d, want 2 (the first, and one refresh after the 401)", got)
	}
	// Each correction counts in the same sweep. Kick says the stream went
	// live at 19:00, so the missed go-live's run at M+5 makes up every
	// minute owed since: M to M+5. The missed offline counted until Kick
	// said otherwise: M to M+4, and no more.
	for g, want := range map[string]int64{"missed-go-live": 6, "missed-offline": 5} {
		if got, _ := minutes(t, s, g, 1); got != want {
			t.Errorf("%s viewer: %d minutes, want %d", g, got, want)
		}
	}
}

func TestEventWithoutTimeSweepsNothing(t *testing.T) {
	s := newStore(t)
	seed(t, s, "g", true, 1, time.Now())
	if err := handler(&sweep.Sweeper{Store: s}, quiet)(context.Background(), events.EventBridgeEvent{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := minutes(t, s, "g", 1); got != 0 {
		t.Errorf("an event without a time credited %d minutes", got)
	}
}

// brokenStore panics on any call: its Store is nil.
type brokenStore struct{ sweep.Store }

// A panic in a run fails the invocation with an error instead of ending
// the process.
func TestHandlerRecoversPanic(t *testing.T) {
	h := handler(&sweep.Sweeper{Store: brokenStore{}, Log: quiet}, quiet)
	if err := h(context.Background(), scheduled(t, 0)); err == nil {
		t.Error("handler() with a panicking store = nil, want an error")
	}
}
