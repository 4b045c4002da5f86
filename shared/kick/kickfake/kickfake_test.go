package kickfake_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

const (
	clientID     = "01JQ7ZC4M2T8Y1B5N0P6R3K9VD"
	clientSecret = "894b8190e7d2c4a6f1b3d5e7a9c0b2d4"
	redirect     = "https://bot.example/kick/callback?from=kick"
	// RFC 7636's example pair.
	verifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

var (
	t0       = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	streamer = kickfake.User{ID: 4402117, Name: "northwind"}
)

func newServer(t *testing.T) (*kickfake.Server, *httptest.Server) {
	t.Helper()
	kick := &kickfake.Server{
		ClientID: clientID, ClientSecret: clientSecret, RedirectURIs: []string{redirect},
		Now: func() time.Time { return t0 },
	}
	srv := httptest.NewServer(kick)
	t.Cleanup(srv.Close)
	return kick, srv
}

// answer is a response, read.
type answer struct {
	status   int
	body     string
	location *url.URL
}

// send makes one request without following redirects.
func send(t *testing.T, srv *httptest.Server, method, path string, header http.Header, body string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, body: string(raw)}
	if loc := resp.Header.Get("Location"); loc != "" {
		if a.location, err = url.Parse(loc); err != nil {
			t.Fatalf("Location %q: %v", loc, err)
		}
	}
	return a
}

func authorizeQuery() url.Values {
	return url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {redirect},
		"scope": {"user:read chat:write"}, "state": {"st"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"},
	}
}

// checkFailures fails t unless kick's failures contain want, in order, one
// substring each.
func checkFailures(t *testing.T, kick *kickfake.Server, want ...string) {
	t.Helper()
	got := kick.Failures()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = strings.Contains(got[i], want[i])
	}
	if !ok {
		t.Errorf("failures = %q, want ones containing %q", got, want)
	}
}

func TestAuthorizeChecks(t *testing.T) {
	tests := []struct {
		name        string
		change      func(url.Values)
		signedOut   bool
		wantFailure string // "" for a consent
	}{
		{"valid", func(url.Values) {}, false, ""},
		{"Kick's 127.0.0.1 workaround parameter", func(q url.Values) { q.Set("redirect", "127.0.0.1") }, false, ""},
		{"response_type token", func(q url.Values) { q.Set("response_type", "token") }, false, "response_type"},
		{"another app", func(q url.Values) { q.Set("client_id", "someone-else") }, false, "client_id"},
		{"redirect not registered", func(q url.Values) { q.Set("redirect_uri", "https://evil.example/cb") }, false, "not registered"},
		{"redirect differs by a slash", func(q url.Values) { q.Set("redirect_uri", redirect+"/") }, false, "not registered"},
		{"no state", func(q url.Values) { q.Del("state") }, false, "no state"},
		{"no scope", func(q url.Values) { q.Del("scope") }, false, "no scope"},
		{"scope that does not exist", func(q url.Values) { q.Set("scope", "user:read chat:read") }, false, `unknown scope "chat:read"`},
		{"plain PKCE", func(q url.Values) { q.Set("code_challenge_method", "plain") }, false, "S256"},
		{"no challenge", func(q url.Values) { q.Del("code_challenge") }, false, "code_challenge is not"},
		{"challenge too short", func(q url.Values) { q.Set("code_challenge", challenge[:42]) }, false, "code_challenge is not"},
		{"nobody signed in", func(url.Values) {}, true, "no user signed in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kick, srv := newServer(t)
			if !tt.signedOut {
				kick.SignIn(streamer)
			}
			q := authorizeQuery()
			tt.change(q)
			got := send(t, srv, http.MethodGet, "/oauth/authorize?"+q.Encode(), nil, "")
			if tt.wantFailure != "" {
				if got.status != http.StatusBadRequest || strings.TrimSpace(got.body) != `{"error":"Invalid request"}` {
					t.Errorf("authorize = %d %s, want 400 {\"error\":\"Invalid request\"}", got.status, got.body)
				}
				checkFailures(t, kick, tt.wantFailure)
				return
			}
			checkFailures(t, kick)
			if got.status != http.StatusFound || got.location == nil {
				t.Fatalf("authorize = %d, want 302 with a Location", got.status)
			}
			back := got.location.Query()
			if back.Get("code") == "" || back.Get("state") != "st" || back.Get("from") != "kick" {
				t.Errorf("callback query = %v, want a code, state st, and the redirect URI's own from=kick", back)
			}
		})
	}
}

func TestConsentPage(t *testing.T) {
	for _, decision := range []string{"Approve", "Deny"} {
		t.Run(decision, func(t *testing.T) {
			kick, srv := newServer(t)
			kick.ConsentPage = true
			kick.SignIn(kickfake.User{ID: 7, Name: "<b>mallory</b>"})
			page := send(t, srv, http.MethodGet, "/oauth/authorize?"+authorizeQuery().Encode(), nil, "")
			if page.status != http.StatusOK || strings.Contains(page.body, "<b>mallory") || !strings.Contains(page.body, "&lt;b&gt;mallory") {
				t.Fatalf("consent page = %d %s, want 200 with the user's name escaped", page.status, page.body)
			}
			link := regexp.MustCompile(`<a href="([^"]+)">` + decision + `</a>`).FindStringSubmatch(page.body)
			if link == nil {
				t.Fatalf("consent page %s has no %s link", page.body, decision)
			}
			got := send(t, srv, http.MethodGet, "/oauth/authorize"+html.UnescapeString(link[1]), nil, "")
			if got.status != http.StatusFound {
				t.Fatalf("%s = %d %s, want 302", decision, got.status, got.body)
			}
			back := got.location.Query()
			if approved := back.Get("code") != ""; approved != (decision == "Approve") || back.Get("state") != "st" {
				t.Errorf("callback query after %s = %v", decision, back)
			}
			if decision == "Deny" && back.Get("error") != "access_denied" {
				t.Errorf("callback query after Deny = %v, want error=access_denied", back)
			}
			checkFailures(t, kick)
		})
	}
}

func TestTokenEndpointChecks(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}
	tests := []struct {
		name        string
		contentType string
		query       string
		body        url.Values
		wantStatus  int
		wantError   string
		wantFailure string
	}{
		{"app token", form, "", good, 200, "", ""},
		{"JSON body", "application/json", "", good, 400, "invalid_request", "Content-Type"},
		{"credentials in the query", form, "?" + good.Encode(), url.Values{}, 400, "invalid_request", "query string"},
		{"wrong secret", form, "", url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {"nope"}}, 401, "invalid_client", "client_secret"},
		{"password grant", form, "", url.Values{"grant_type": {"password"}, "client_id": {clientID}, "client_secret": {clientSecret}}, 400, "unsupported_grant_type", "password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kick, srv := newServer(t)
			got := send(t, srv, http.MethodPost, "/oauth/token"+tt.query, http.Header{"Content-Type": {tt.contentType}}, tt.body.Encode())
			var body struct {
				Error       string `json:"error"`
				AccessToken string `json:"access_token"`
				ExpiresIn   int64  `json:"expires_in"`
			}
			_ = json.Unmarshal([]byte(got.body), &body)
			if got.status != tt.wantStatus || body.Error != tt.wantError {
				t.Errorf("token = %d %s, want %d with error %q", got.status, got.body, tt.wantStatus, tt.wantError)
			}
			if tt.wantStatus == 200 && (body.AccessToken == "" || body.ExpiresIn != 7200) {
				t.Errorf("token = %s, want an access token for 7200 s", got.body)
			}
			if tt.wantFailure == "" {
				checkFailures(t, kick)
			} else {
				checkFailures(t, kick, tt.wantFailure)
			}
		})
	}
}

func TestSubscribeChecks(t *testing.T) {
	tests := []struct {
		name        string
		app         bool // use an app token, not the streamer's
		body        string
		wantStatus  int
		wantBody    string // in the answer
		wantFailure string
		wantHeld    int // subscriptions of the streamer after
	}{
		{"user token subscribes its owner's channel", false, `{"broadcaster_user_id":999,"method":"webhook","events":[{"name":"kicks.gifted","version":1}]}`, 200, `"subscription_id":"`, "", 1},
		{"app token names the channel", true, `{"broadcaster_user_id":4402117,"method":"webhook","events":[{"name":"kicks.gifted","version":1}]}`, 200, `"subscription_id":"`, "", 1},
		{"app token without a channel", true, `{"method":"webhook","events":[{"name":"kicks.gifted","version":1}]}`, 400, "broadcaster_user_id is required for app tokens", "required", 0},
		{"method other than webhook", false, `{"method":"websocket","events":[{"name":"kicks.gifted","version":1}]}`, 400, "want webhook", "webhook", 0},
		{"the old flat body", false, `{"event":"livestream.status.updated","callback_url":"https://bot.example/hook","broadcaster_user_id":4402117}`, 200, `"data":[]`, "no events", 0},
		{"version 2", false, `{"method":"webhook","events":[{"name":"kicks.gifted","version":2}]}`, 200, `"error":"invalid event"`, "does not exist", 0},
		{"not JSON", false, `broadcaster_user_id=1`, 400, "Bad request", "not the expected JSON", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kick, srv := newServer(t)
			tok, _ := kick.IssueUserToken(streamer, "events:subscribe")
			if tt.app {
				var err error
				if tok, err = appToken(t, srv); err != nil {
					t.Fatal(err)
				}
			}
			got := send(t, srv, http.MethodPost, "/public/v1/events/subscriptions",
				http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}, tt.body)
			if got.status != tt.wantStatus || !strings.Contains(got.body, tt.wantBody) {
				t.Errorf("subscribe = %d %s, want %d with %s", got.status, got.body, tt.wantStatus, tt.wantBody)
			}
			if tt.wantFailure == "" {
				checkFailures(t, kick)
			} else {
				checkFailures(t, kick, tt.wantFailure)
			}
			held := kick.Subscriptions(streamer.ID)
			if len(held) != tt.wantHeld {
				t.Errorf("streamer's subscriptions = %v, want %d", held, tt.wantHeld)
			}
			for _, s := range held {
				if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`).MatchString(s.ID) || !s.CreatedAt.Equal(t0) {
					t.Errorf("subscription %+v: want a ULID id and CreatedAt %v", s, t0)
				}
			}
		})
	}
}

// appToken gets an app token from the fake's client-credentials grant.
func appToken(t *testing.T, srv *httptest.Server) (string, error) {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}
	got := send(t, srv, http.MethodPost, "/oauth/token", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, form.Encode())
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(got.body), &body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("app token answer %d %s", got.status, got.body)
	}
	return body.AccessToken, nil
}

func TestSubscriptionIDsSortByCreation(t *testing.T) {
	var mu sync.Mutex
	now := t0
	kick := &kickfake.Server{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }}
	srv := httptest.NewServer(kick)
	t.Cleanup(srv.Close)
	tok, _ := kick.IssueUserToken(streamer, "events:subscribe")
	for i := range 40 {
		mu.Lock()
		now = t0.Add(time.Duration(i/4) * time.Millisecond) // four in each millisecond
		mu.Unlock()
		got := send(t, srv, http.MethodPost, "/public/v1/events/subscriptions",
			http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}},
			`{"method":"webhook","events":[{"name":"chat.message.sent","version":1}]}`)
		if got.status != http.StatusOK {
			t.Fatalf("subscribe %d = %d %s", i, got.status, got.body)
		}
	}
	var ids []string
	for _, s := range kick.Subscriptions(0) {
		ids = append(ids, s.ID)
	}
	if len(ids) != 40 || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != 40 {
		t.Errorf("ids in creation order = %v, want 40 distinct and ascending", ids)
	}
	checkFailures(t, kick)
}

func TestChatChecks(t *testing.T) {
	tests := []struct {
		name        string
		scopes      []string // of the user token; nil for an app token
		body        string
		wantStatus  int
		wantFailure string
	}{
		{"bot message", []string{"chat:write"}, `{"type":"bot","content":"hi"}`, 200, ""},
		{"501 characters", []string{"chat:write"}, `{"type":"bot","content":"` + strings.Repeat("a", 501) + `"}`, 400, "more than 500"},
		{"reply to something not a UUID", []string{"chat:write"}, `{"type":"bot","content":"hi","reply_to_message_id":"42"}`, 400, "not a UUID"},
		{"user message without a channel", []string{"chat:write"}, `{"type":"user","content":"hi"}`, 400, "broadcaster_user_id"},
		{"type moderator", []string{"chat:write"}, `{"type":"moderator","content":"hi"}`, 400, "want user or bot"},
		{"no chat:write", []string{"user:read"}, `{"type":"bot","content":"hi"}`, 403, "chat:write"},
		{"app token", nil, `{"type":"bot","content":"hi"}`, 403, "user token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kick, srv := newServer(t)
			tok, _ := kick.IssueUserToken(streamer, tt.scopes...)
			if tt.scopes == nil {
				var err error
				if tok, err = appToken(t, srv); err != nil {
					t.Fatal(err)
				}
			}
			got := send(t, srv, http.MethodPost, "/public/v1/chat",
				http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}, tt.body)
			if got.status != tt.wantStatus {
				t.Errorf("chat = %d %s, want %d", got.status, got.body, tt.wantStatus)
			}
			if tt.wantFailure == "" {
				checkFailures(t, kick)
			} else {
				checkFailures(t, kick, tt.wantFailure)
			}
			want := 0
			if tt.wantStatus == http.StatusOK {
				want = 1
			}
			if len(kick.Messages()) != want {
				t.Errorf("messages = %v, want %d", kick.Messages(), want)
			}
		})
	}
}

func TestChannels(t *testing.T) {
	kick, srv := newServer(t)
	kick.IssueUserToken(kickfake.User{ID: 9120334, Name: "QuietHarbor"})
	kick.SetChannel(kickfake.Channel{
		BroadcasterUserID: streamer.ID, Slug: "northwind", Title: "BONUS HUNT", CategoryName: "Slots & Casino",
		Live: true, ViewerCount: 1873, StartedAt: t0, Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp",
	})
	c := kickapi.New(clientID, clientSecret)
	c.HTTP, c.APIBase, c.AuthBase = srv.Client(), srv.URL, srv.URL
	got, err := c.Channels(t.Context(), []int64{streamer.ID, 9120334, 5})
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	want := []kickapi.Channel{
		{BroadcasterUserID: streamer.ID, Slug: "northwind", Title: "BONUS HUNT", Live: true, ViewerCount: 1873, StartedAt: t0,
			Thumbnail: "https://images.kick.com/video_thumbnails/northwind/1/480.webp"},
		{BroadcasterUserID: 9120334, Slug: "quietharbor"},
	}
	want[0].Category.Name = "Slots & Casino"
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Channels (-got +want):\n%s", diff)
	}

	tok, _ := appToken(t, srv)
	both := send(t, srv, http.MethodGet, "/public/v1/channels?slug=northwind&broadcaster_user_id=1", http.Header{"Authorization": {"Bearer " + tok}}, "")
	if both.status != http.StatusBadRequest {
		t.Errorf("channels by slug and id = %d, want 400", both.status)
	}
	checkFailures(t, kick, "together")
}

// TestConcurrentUse drives the fake from many goroutines; run it with
// -race.
func TestConcurrentUse(t *testing.T) {
	kick, srv := newServer(t)
	c := kickapi.New(clientID, clientSecret)
	c.HTTP, c.APIBase, c.AuthBase = srv.Client(), srv.URL, srv.URL
	const workers = 8
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			u := kickfake.User{ID: int64(1000 + i), Name: fmt.Sprint("user", i)}
			access, refresh := kick.IssueUserToken(u, "chat:write", "events:subscribe")
			if _, err := c.SendChat(t.Context(), access, kickapi.ChatMessage{Content: "hi"}); err != nil {
				t.Errorf("SendChat: %v", err)
			}
			if _, err := c.Subscribe(t.Context(), access, u.ID, []kickapi.EventVersion{{Event: "chat.message.sent", Version: 1}}); err != nil {
				t.Errorf("Subscribe: %v", err)
			}
			if _, err := c.Refresh(t.Context(), refresh); err != nil {
				t.Errorf("Refresh: %v", err)
			}
			_ = kick.Messages()
			_ = kick.Subscriptions(0)
		})
	}
	wg.Wait()
	if got := len(kick.Messages()); got != workers {
		t.Errorf("messages = %d, want %d", got, workers)
	}
	if got := len(kick.Subscriptions(0)); got != workers {
		t.Errorf("subscriptions = %d, want %d", got, workers)
	}
	if got := kick.TokenCalls("refresh_token"); got != workers {
		t.Errorf("refresh_token calls = %d, want %d", got, workers)
	}
	checkFailures(t, kick)
}
