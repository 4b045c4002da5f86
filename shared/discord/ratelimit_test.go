package discord_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
)

// testClock is a clock whose Sleep moves it on at once: a test waits out
// any rate limit without sleeping, and can read when each request went.
type testClock struct {
	mu    sync.Mutex
	start time.Time
	now   time.Time
	slept []time.Duration
}

// newTestClock starts at the real time, so that a context deadline set
// from it is one the real clock has not passed either.
func newTestClock() *testClock {
	t := time.Now()
	return &testClock{start: t, now: t}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.slept = append(c.slept, d)
	return nil
}

// Slept returns the waits so far.
func (c *testClock) Slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.slept)
}

// use makes c the clock of r's rate limits.
func (c *testClock) use(r *discord.REST) {
	r.Limits.Now, r.Limits.Sleep = c.Now, c.Sleep
}

// sentAt returns when each request reached the Fake, after the clock's start.
func (c *testClock) sentAt(reqs []discord.Request) []time.Duration {
	out := make([]time.Duration, len(reqs))
	for i, r := range reqs {
		out[i] = r.At.Sub(c.start)
	}
	return out
}

// within returns ctx with a deadline d after the clock's now.
func (c *testClock) within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithDeadline(t.Context(), c.Now().Add(d))
	t.Cleanup(cancel)
	return ctx
}

const (
	channelA = "883000000000000401"
	channelB = "883000000000000402"
	otherTok = "b3RoZXItaW50ZXJhY3Rpb24tdG9rZW4tZm9yLXRlc3Rz"
)

func post(ctx context.Context, c *discord.REST, channel string) error {
	return c.PostMessage(ctx, channel, "gg")
}

// checkNotSent fails unless err is a Transient *discord.WaitError.
func checkNotSent(t *testing.T, name string, err error) {
	t.Helper()
	var w *discord.WaitError
	if !fault.Is(err, fault.Transient) || !errors.As(err, &w) {
		t.Errorf("%s = %v, want a transient *discord.WaitError", name, err)
	}
}

// A client that keeps to the bucket headers never sends a request the
// bucket would refuse: the fourth waits for the window the headers gave.
func TestRateLimitWaitsForBucket(t *testing.T) {
	fake, c, clock := fakeDiscordClock(t)
	fake.RateLimit(api+"/channels/", "messages", 2, 10*time.Second)
	for i := range 5 {
		if err := post(t.Context(), c, channelA); err != nil {
			t.Fatalf("post %d = %v, want nil", i, err)
		}
	}
	want := []time.Duration{0, 0, 10 * time.Second, 10 * time.Second, 20 * time.Second}
	if diff := cmp.Diff(want, clock.sentAt(fake.Requests())); diff != "" {
		t.Errorf("requests sent at (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{10 * time.Second, 10 * time.Second}, clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if got := fake.Limited(); len(got) != 0 {
		t.Errorf("Limited() = %d requests, want none", len(got))
	}
}

// Buckets are per route and per major parameter; routes Discord names
// alike (X-RateLimit-Bucket) share one.
func TestRateLimitBucketsIndependent(t *testing.T) {
	edit := func(token string) func(context.Context, *discord.REST) error {
		return func(ctx context.Context, c *discord.REST) error {
			return c.EditOriginal(ctx, token, &discordgo.WebhookEdit{Content: ptr("x")})
		}
	}
	followup := func(token string) func(context.Context, *discord.REST) error {
		return func(ctx context.Context, c *discord.REST) error {
			return c.Followup(ctx, token, &discordgo.WebhookParams{Content: "x"})
		}
	}
	postTo := func(channel string) func(context.Context, *discord.REST) error {
		return func(ctx context.Context, c *discord.REST) error { return post(ctx, c, channel) }
	}
	type call struct {
		name string
		do   func(context.Context, *discord.REST) error
		sent bool // else not sent: its bucket is empty for 60s, past the 30s deadline
	}
	tests := []struct {
		name   string
		limits [][2]string // RateLimit(prefix, id, 1 or 2, 60s)
		calls  []call
	}{
		{
			name:   "routes apart",
			limits: [][2]string{{api + "/channels/", "messages"}, {api + "/guilds/", "roles"}},
			calls: []call{
				{"post", postTo(channelA), true},
				{"post again", postTo(channelA), false},
				{"grant on another route", func(ctx context.Context, c *discord.REST) error {
					return c.GrantRole(ctx, guildID, memberID, rewardID)
				}, true},
			},
		},
		{
			name:   "channels apart",
			limits: [][2]string{{api + "/channels/", "messages"}},
			calls: []call{
				{"post to A", postTo(channelA), true},
				{"post to A again", postTo(channelA), false},
				{"post to B", postTo(channelB), true},
				{"post to B again", postTo(channelB), false},
			},
		},
		{
			name:   "one bucket for edit and followup of a token",
			limits: [][2]string{{api + "/webhooks/", "hook"}},
			calls: []call{
				{"edit", edit(pointsToken), true},
				{"followup", followup(pointsToken), true}, // learns the shared bucket, now empty
				{"edit again", edit(pointsToken), false},
				{"followup again", followup(pointsToken), false},
				{"edit of another token", edit(otherTok), true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c, clock := fakeDiscordClock(t)
			for _, l := range tt.limits {
				n := 1
				if l[1] == "hook" {
					n = 2
				}
				fake.RateLimit(l[0], l[1], n, time.Minute)
			}
			sent := 0
			for _, call := range tt.calls {
				err := call.do(clock.within(t, 30*time.Second), c)
				if call.sent {
					sent++
					if err != nil {
						t.Errorf("%s = %v, want nil", call.name, err)
					}
					continue
				}
				checkNotSent(t, call.name, err)
			}
			if got := fake.Requests(); len(got) != sent {
				t.Errorf("requests = %d, want %d: a request the bucket refuses must not be sent", len(got), sent)
			}
			if got := fake.Limited(); len(got) != 0 {
				t.Errorf("Limited() = %d requests, want none", len(got))
			}
			if got := clock.Slept(); len(got) != 0 {
				t.Errorf("waits = %v, want none", got)
			}
		})
	}
}

// Discord does not announce the global limit: the first 429 with global:
// true teaches it, and from then on no route is sent to before it ends.
func TestRateLimitGlobal(t *testing.T) {
	fake, c, clock := fakeDiscordClock(t)
	c.Limits.MaxWait = 10 * time.Minute
	c.Session.Client.Timeout = 15 * time.Minute // also a deadline to wait within
	fake.GlobalLimit(1, time.Minute)
	grant := func(ctx context.Context) error { return c.GrantRole(ctx, guildID, memberID, rewardID) }

	if err := post(t.Context(), c, channelA); err != nil {
		t.Fatalf("first post = %v, want nil", err)
	}
	checkNotSent(t, "post to B, answered a global 429", post(clock.within(t, 30*time.Second), c, channelB))
	checkNotSent(t, "grant, on another route", grant(clock.within(t, 30*time.Second)))
	if err := grant(t.Context()); err != nil {
		t.Fatalf("grant with time to wait = %v, want nil", err)
	}
	reqs := fake.Requests()
	if diff := cmp.Diff([]time.Duration{0, 0, time.Minute}, clock.sentAt(reqs)); diff != "" {
		t.Errorf("requests sent at (-want +got):\n%s", diff)
	}
	if len(reqs) == 3 && !strings.Contains(reqs[2].Path, "/roles/") {
		t.Errorf("third request = %s, want the grant", reqs[2].Path)
	}
	if got := fake.Limited(); len(got) != 1 || !strings.Contains(got[0].Path, channelB) {
		t.Errorf("Limited() = %+v, want only the post to B", got)
	}
	if diff := cmp.Diff([]time.Duration{time.Minute}, clock.Slept()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

// A 429 is sent again after retry_after (the body's, else the Retry-After
// header's) when the deadline allows; no other 4xx is sent again.
func TestRateLimit429(t *testing.T) {
	tests := []struct {
		name      string
		answers   []string // status and body, in turn; then 200
		header    string   // Retry-After of a 429
		deadline  time.Duration
		wantSent  int
		wantWaits []time.Duration
		wantOK    bool
		wantKind  fault.Kind // of the error, unless wantOK
	}{
		{name: "retry_after", answers: []string{`429 {"message":"slow","retry_after":1.5,"global":false}`}, header: "2",
			wantSent: 2, wantWaits: []time.Duration{1500 * time.Millisecond}, wantOK: true},
		{name: "Retry-After header", answers: []string{`429 {"message":"slow","global":false}`}, header: "3",
			wantSent: 2, wantWaits: []time.Duration{3 * time.Second}, wantOK: true},
		{name: "wait past the deadline", answers: []string{`429 {"message":"slow","retry_after":5,"global":false}`},
			deadline: 4 * time.Second, wantSent: 1, wantKind: fault.Transient},
		{name: "three 429s", answers: []string{`429 {"retry_after":1}`, `429 {"retry_after":1}`, `429 {"retry_after":1}`},
			wantSent: 3, wantWaits: []time.Duration{time.Second, time.Second}, wantKind: fault.Transient},
		{name: "400", answers: []string{`400 {"message":"Invalid Form Body","code":50035}`}, wantSent: 1, wantKind: fault.Internal},
		{name: "401", answers: []string{`401 {"message":"401: Unauthorized","code":0}`}, wantSent: 1, wantKind: fault.Forbidden},
		{name: "403", answers: []string{`403 {"message":"Missing Access","code":50001}`}, wantSent: 1, wantKind: fault.Forbidden},
		{name: "404", answers: []string{`404 {"message":"Unknown Channel","code":10003}`}, wantSent: 1, wantKind: fault.NotFound},
		{name: "409", answers: []string{`409 {"message":"Conflict","code":0}`}, wantSent: 1, wantKind: fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			sent := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				sent++
				w.Header().Set("Content-Type", "application/json")
				if sent > len(tt.answers) {
					w.Write([]byte(`{"id":"1","channel_id":"` + channelA + `"}`))
					return
				}
				status, body, _ := strings.Cut(tt.answers[sent-1], " ")
				if status == "429" && tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(map[string]int{"400": 400, "401": 401, "403": 403, "404": 404, "409": 409, "429": 429}[status])
				w.Write([]byte(body))
			}))
			defer srv.Close()
			c, err := discord.NewREST(botToken, appID, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			clock := newTestClock()
			clock.use(c)
			ctx := t.Context()
			if tt.deadline > 0 {
				ctx = clock.within(t, tt.deadline)
			}
			err = post(ctx, c, channelA)
			switch k := fault.KindOf(err); {
			case tt.wantOK && err != nil:
				t.Errorf("PostMessage() = %v, want nil", err)
			case !tt.wantOK && (err == nil || k != tt.wantKind):
				t.Errorf("PostMessage() = %v (kind %v), want kind %v", err, k, tt.wantKind)
			}
			mu.Lock()
			defer mu.Unlock()
			if sent != tt.wantSent {
				t.Errorf("requests = %d, want %d", sent, tt.wantSent)
			}
			if diff := cmp.Diff(tt.wantWaits, clock.Slept()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

// A wait longer than MaxWait fails at once even without a deadline; one
// within it ends when the context does, on the real clock too.
func TestRateLimitWaitBounds(t *testing.T) {
	fake, c, _ := fakeDiscordClock(t)
	fake.RateLimit(api+"/channels/", "messages", 1, 10*time.Second) // within the client's 20s timeout
	if err := post(t.Context(), c, channelA); err != nil {
		t.Fatal(err)
	}
	c.Limits.MaxWait = 5 * time.Second
	checkNotSent(t, "post waiting past MaxWait", post(t.Context(), c, channelA))

	c.Limits.MaxWait, c.Limits.Sleep = 10*time.Minute, nil // a real timer
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := post(ctx, c, channelA); !fault.Is(err, fault.Transient) || !errors.Is(err, context.Canceled) {
		t.Errorf("post with a cancelled context = %v, want transient wrapping context.Canceled", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1", n)
	}
}

// The Fake's limits answer with Discord's headers and 429 body.
func TestFakeRateLimitAnswers(t *testing.T) {
	clock := newTestClock()
	fake := &discord.Fake{Now: clock.Now}
	fake.RateLimit("/channels/", "messages", 1, 2500*time.Millisecond)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	send := func() *http.Response {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL+api+"/channels/"+channelA+"/messages", "application/json", strings.NewReader(`{"content":"gg"}`))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	first, second := send(), send()
	headers := func(r *http.Response) map[string]string {
		out := map[string]string{}
		for _, k := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset-After", "X-RateLimit-Bucket", "X-RateLimit-Scope", "Retry-After"} {
			if v := r.Header.Get(k); v != "" {
				out[k] = v
			}
		}
		return out
	}
	if diff := cmp.Diff(map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2.500", "X-RateLimit-Bucket": "messages"}, headers(first)); first.StatusCode != 200 || diff != "" {
		t.Errorf("first answer %d, headers (-want +got):\n%s", first.StatusCode, diff)
	}
	want := map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "2.500", "X-RateLimit-Bucket": "messages", "X-RateLimit-Scope": "user", "Retry-After": "3"}
	if diff := cmp.Diff(want, headers(second)); second.StatusCode != 429 || diff != "" {
		t.Errorf("second answer %d, headers (-want +got):\n%s", second.StatusCode, diff)
	}
	var body map[string]any
	if err := json.NewDecoder(second.Body).Decode(&body); err != nil || body["retry_after"] != 2.5 || body["global"] != false {
		t.Errorf("429 body = %v (%v), want retry_after 2.5 and global false", body, err)
	}
	if n := len(fake.Limited()); n != 1 {
		t.Errorf("Limited() = %d requests, want 1", n)
	}
}

// Requests sent at once from many goroutines still keep to each bucket.
// (The test clock moves on by every wait, so concurrent waits only add up:
// no request goes early.)
func TestRateLimitConcurrent(t *testing.T) {
	fake, c, _ := fakeDiscordClock(t)
	c.Limits.MaxWait = time.Hour
	c.Session.Client.Timeout = 0 // no deadline on the test clock's hours
	fake.RateLimit(api+"/channels/", "messages", 2, 10*time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := range 12 {
		wg.Go(func() { errs <- post(t.Context(), c, []string{channelA, channelB}[i%2]) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("post = %v, want nil", err)
		}
	}
	if n := len(fake.Requests()); n != 12 {
		t.Errorf("requests = %d, want 12", n)
	}
	if got := fake.Limited(); len(got) != 0 {
		t.Errorf("Limited() = %d requests, want none", len(got))
	}
}
