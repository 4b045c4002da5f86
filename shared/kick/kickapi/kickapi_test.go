package kickapi_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
)

var t0 = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

func TestNewDefaults(t *testing.T) {
	c := kickapi.New("id", "secret")
	if c.APIBase != "https://api.kick.com" || c.AuthBase != "https://id.kick.com" {
		t.Errorf("New bases = %q, %q, want https://api.kick.com, https://id.kick.com", c.APIBase, c.AuthBase)
	}
	if c.HTTP == nil || c.HTTP.Timeout != kickapi.DefaultTimeout {
		t.Errorf("New HTTP = %+v, want a client with timeout %v", c.HTTP, kickapi.DefaultTimeout)
	}
	if c.Now == nil || c.ClientID != "id" || c.ClientSecret != "secret" {
		t.Errorf("New = %+v, want Now set and the credentials given", c)
	}
}

// TestZeroFields: a Client built as a literal, without New, falls back to
// the defaults for HTTP and Now.
func TestZeroFields(t *testing.T) {
	f := newFakeKick(t)
	c := &kickapi.Client{APIBase: f.srv.URL, AuthBase: f.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret}
	for i := range 2 {
		if _, err := c.Channels(t.Context(), []int64{1}); err != nil {
			t.Fatalf("Channels call %d: %v", i+1, err)
		}
	}
	if tokens, calls := f.hits(); tokens != 1 || calls != 2 {
		t.Errorf("%d token and %d channels requests, want 1 and 2", tokens, calls)
	}
}

func TestTokenCachedAcrossCalls(t *testing.T) {
	f := newFakeKick(t)
	c := f.client(nil)
	for i := range 3 {
		if _, err := c.Channels(t.Context(), []int64{4402117}); err != nil {
			t.Fatalf("Channels call %d: %v", i+1, err)
		}
	}
	tokens, calls := f.hits()
	if tokens != 1 || calls != 3 {
		t.Errorf("after 3 Channels calls: %d token and %d channels requests, want 1 and 3", tokens, calls)
	}
	want := []string{tokenValue(1), tokenValue(1), tokenValue(1)}
	if diff := cmp.Diff(f.seenBearers(), want); diff != "" {
		t.Errorf("bearer tokens (-got +want):\n%s", diff)
	}
}

// TestTokenExpiry checks that a token is trusted until five minutes before
// its expires_in runs out, in each form Kick may write expires_in.
func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name      string
		expiresIn string // JSON value; "" leaves the field out
		later     time.Duration
		want      int // token requests for a call at t0 and one at t0+later
	}{
		{"number, well before expiry", `3600`, 54 * time.Minute, 1},
		{"number, within five minutes of expiry", `3600`, 56 * time.Minute, 2},
		{"number, after expiry", `3600`, 2 * time.Hour, 2},
		{"numeric string", `"3600"`, 54 * time.Minute, 1},
		{"numeric string, within five minutes of expiry", `"3600"`, 56 * time.Minute, 2},
		{"fractional number", `3600.0`, 54 * time.Minute, 1},
		{"sixty days, as Kick gives app tokens", `5184000`, 59 * 24 * time.Hour, 1},
		{"shorter than five minutes: never cached", `120`, 0, 2},
		{"empty string: never cached", `""`, time.Second, 2},
		{"null: never cached", `null`, time.Second, 2},
		{"absent: never cached", ``, time.Second, 2},
		{"negative: never cached", `-60`, time.Second, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKick(t)
			f.tokenReply = func(w http.ResponseWriter, n int) { f.issue(w, n, tt.expiresIn) }
			clk := clock.New(t0)
			c := f.client(clk.Now)
			if _, err := c.Channels(t.Context(), []int64{1}); err != nil {
				t.Fatalf("Channels at t0: %v", err)
			}
			clk.Set(t0.Add(tt.later))
			if _, err := c.Channels(t.Context(), []int64{1}); err != nil {
				t.Fatalf("Channels at t0+%v: %v", tt.later, err)
			}
			if got, _ := f.hits(); got != tt.want {
				t.Errorf("token requests = %d, want %d", got, tt.want)
			}
			bearers := f.seenBearers()
			if want := tokenValue(tt.want); bearers[1] != want {
				t.Errorf("second call used %q, want %q", bearers[1], want)
			}
		})
	}
}

func TestChannelsChunksAndDedupes(t *testing.T) {
	tests := []struct {
		name      string
		ids       []int64
		wantSizes []int
	}{
		{"one id", []int64{4402117}, []int{1}},
		{"duplicates asked once", []int64{7, 3, 7, 7, 3}, []int{2}},
		{"exactly 50", seq(1, 50), []int{50}},
		{"51", seq(1, 51), []int{50, 1}},
		{"120", seq(1, 120), []int{50, 50, 20}},
		{"120 with duplicates", append(seq(1, 120), seq(100, 130)...), []int{50, 50, 30}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKick(t)
			got, err := f.client(nil).Channels(t.Context(), tt.ids)
			if err != nil {
				t.Fatalf("Channels: %v", err)
			}
			var sizes []int
			var asked []int64
			for _, r := range f.seenIDs() {
				sizes = append(sizes, len(r))
				asked = append(asked, r...)
			}
			if diff := cmp.Diff(sizes, tt.wantSizes); diff != "" {
				t.Errorf("ids per request (-got +want):\n%s", diff)
			}
			want := dedupe(tt.ids)
			if diff := cmp.Diff(asked, want); diff != "" {
				t.Errorf("ids asked, in order (-got +want):\n%s", diff)
			}
			var gotIDs []int64
			for _, ch := range got {
				gotIDs = append(gotIDs, ch.BroadcasterUserID)
			}
			if diff := cmp.Diff(gotIDs, want); diff != "" {
				t.Errorf("channels returned (-got +want):\n%s", diff)
			}
		})
	}
}

func seq(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

func dedupe(ids []int64) []int64 {
	var out []int64
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func TestChannelsWithoutRequests(t *testing.T) {
	tests := []struct {
		name     string
		ids      []int64
		wantKind fault.Kind // checked when wantErr
		wantErr  bool
	}{
		{"nil", nil, 0, false},
		{"empty", []int64{}, 0, false},
		{"zero id", []int64{4402117, 0}, fault.Invalid, true},
		{"negative id", []int64{-5}, fault.Invalid, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKick(t)
			got, err := f.client(nil).Channels(t.Context(), tt.ids)
			switch {
			case tt.wantErr && !fault.Is(err, tt.wantKind):
				t.Errorf("Channels(%v) error = %v (kind %v), want kind %v", tt.ids, err, fault.KindOf(err), tt.wantKind)
			case !tt.wantErr && err != nil:
				t.Errorf("Channels(%v) error = %v, want nil", tt.ids, err)
			}
			if len(got) != 0 {
				t.Errorf("Channels(%v) = %v, want none", tt.ids, got)
			}
			if tokens, calls := f.hits(); tokens != 0 || calls != 0 {
				t.Errorf("Channels(%v) made %d token and %d channels requests, want none", tt.ids, tokens, calls)
			}
		})
	}
}

func TestChannelsDecodesKickResponse(t *testing.T) {
	body, err := os.ReadFile("testdata/channels.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFakeKick(t)
	f.channelsReply = func(w http.ResponseWriter, _ string, _ []int64) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}
	got, err := f.client(nil).Channels(t.Context(), []int64{4402117, 73310954, 9120334})
	if err != nil {
		t.Fatalf("Channels: %v", err)
	}
	want := []kickapi.Channel{
		{
			BroadcasterUserID: 4402117,
			Slug:              "northwind",
			Title:             "BONUS HUNT 40 BONUSES | !gtb open",
			Category: event.Category{
				ID:        28,
				Name:      "Slots & Casino",
				Thumbnail: "https://files.kick.com/images/subcategories/28/banner/b1f7a2c4-7a0e-4a5f-8a57-3c0f5b8e9d21",
			},
			Live:        true,
			ViewerCount: 1873,
			StartedAt:   time.Date(2026, 3, 14, 18, 30, 5, 0, time.UTC),
			Thumbnail:   "https://images.kick.com/video_thumbnails/northwind/4f1c2d3e/480.webp",
		},
		{
			BroadcasterUserID: 73310954,
			Slug:              "mossyrock",
			Title:             "chill sunday stream",
			Category: event.Category{
				ID:        15,
				Name:      "Just Chatting",
				Thumbnail: "https://files.kick.com/images/subcategories/15/banner/b697a8a3-62db-4779-aa76-e4e47662af97",
			},
		},
		{BroadcasterUserID: 9120334, Slug: "quietharbor"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("Channels (-got +want):\n%s", diff)
	}
	for _, ch := range got[1:] {
		if !ch.StartedAt.IsZero() {
			t.Errorf("offline channel %s StartedAt = %v, want the zero time", ch.Slug, ch.StartedAt)
		}
	}
}

func TestUnauthorizedRefreshesTokenOnce(t *testing.T) {
	tests := []struct {
		name       string
		accept     func(token string) bool // whether Kick takes token
		wantKind   fault.Kind              // checked when wantErr
		wantErr    bool
		wantTokens int
	}{
		{
			name:       "new token accepted",
			accept:     func(tok string) bool { return tok != tokenValue(1) },
			wantTokens: 2,
		},
		{
			name:       "new token refused too",
			accept:     func(string) bool { return false },
			wantErr:    true,
			wantKind:   fault.Forbidden,
			wantTokens: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKick(t)
			f.channelsReply = func(w http.ResponseWriter, tok string, ids []int64) {
				if !tt.accept(tok) {
					w.WriteHeader(http.StatusUnauthorized)
					fmt.Fprint(w, `{"data":{},"message":"Unauthorized"}`)
					return
				}
				writeChannels(w, ids)
			}
			_, err := f.client(nil).Channels(t.Context(), []int64{4402117})
			switch {
			case tt.wantErr && !fault.Is(err, tt.wantKind):
				t.Errorf("Channels error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			case !tt.wantErr && err != nil:
				t.Errorf("Channels error = %v, want nil", err)
			}
			f.checkNoSecret(t, err)
			tokens, calls := f.hits()
			if tokens != tt.wantTokens || calls != 2 {
				t.Errorf("%d token and %d channels requests, want %d and 2", tokens, calls, tt.wantTokens)
			}
			want := []string{tokenValue(1), tokenValue(2)}
			if diff := cmp.Diff(f.seenBearers(), want); diff != "" {
				t.Errorf("bearer tokens (-got +want):\n%s", diff)
			}
		})
	}
}

func TestRefreshedTokenIsCached(t *testing.T) {
	f := newFakeKick(t)
	f.channelsReply = func(w http.ResponseWriter, tok string, ids []int64) {
		if tok == tokenValue(1) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		writeChannels(w, ids)
	}
	c := f.client(nil)
	for i := range 2 {
		if _, err := c.Channels(t.Context(), []int64{4402117}); err != nil {
			t.Fatalf("Channels call %d: %v", i+1, err)
		}
	}
	want := []string{tokenValue(1), tokenValue(2), tokenValue(2)}
	if diff := cmp.Diff(f.seenBearers(), want); diff != "" {
		t.Errorf("bearer tokens (-got +want):\n%s", diff)
	}
}

func TestChannelsErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind fault.Kind
		wantText string // in the error text
	}{
		{"server error", 500, `{"data":null,"message":"Internal server error"}`, fault.Transient, "500"},
		{"unavailable, HTML body", 503, `<html>503 Service Temporarily Unavailable</html>`, fault.Transient, "503"},
		{"rate limited", 429, `{"data":null,"message":"Too Many Requests"}`, fault.Transient, "429"},
		{"bad request", 400, `{"data":null,"message":"Bad request"}`, fault.Internal, "Bad request"},
		{"missing scope", 403, `{"data":"","message":"Forbidden"}`, fault.Internal, "403"},
		{"not found", 404, `404 page not found`, fault.Internal, "404"},
		{"long message clipped", 400, `{"message":"` + strings.Repeat("é", 300) + `"}`, fault.Internal, "é…"},
		{"message echoes the token", 400, `{"message":"bad token ` + tokenValue(1) + `"}`, fault.Internal, "[redacted]"},
		{"malformed JSON", 200, `{"data":[{"broadcaster_user_id":"x"`, fault.Internal, "decode"},
		{"data not a list", 200, `{"data":{"broadcaster_user_id":1},"message":"OK"}`, fault.Internal, "decode"},
		{"bad start_time", 200, `{"data":[{"broadcaster_user_id":1,"stream":{"is_live":true,"start_time":"yesterday"}}]}`, fault.Internal, "start_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKick(t)
			f.channelsReply = func(w http.ResponseWriter, _ string, _ []int64) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}
			got, err := f.client(nil).Channels(t.Context(), []int64{1})
			if !fault.Is(err, tt.wantKind) {
				t.Errorf("Channels error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Channels error = %q, want it to mention %q", err, tt.wantText)
			}
			if err != nil && (!utf8.ValidString(err.Error()) || len(err.Error()) > 400) {
				t.Errorf("Channels error = %q, want valid UTF-8 of at most 400 bytes", err)
			}
			if got != nil {
				t.Errorf("Channels = %v, want nil with an error", got)
			}
			f.checkNoSecret(t, err)
			// The caller (the worker's queue) owns retries: one request only.
			if tokens, calls := f.hits(); tokens != 1 || calls != 1 {
				t.Errorf("%d token and %d channels requests, want 1 and 1", tokens, calls)
			}
		})
	}
}

func TestChannelsConnectionLost(t *testing.T) {
	f := newFakeKick(t)
	f.channelsReply = func(http.ResponseWriter, string, []int64) {
		panic(http.ErrAbortHandler) // drops the connection without an answer
	}
	_, err := f.client(nil).Channels(t.Context(), []int64{1})
	if !fault.Is(err, fault.Transient) {
		t.Errorf("Channels error = %v (kind %v), want kind transient", err, fault.KindOf(err))
	}
	f.checkNoSecret(t, err)
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantKind fault.Kind
		wantText string // in the error text
	}{
		{"bad client secret", 401, `{"error":"invalid_client","error_description":"client authentication failed"}`, fault.Forbidden, "invalid_client"},
		{"bad request", 400, `{"error":"Invalid request"}`, fault.Forbidden, "Invalid request"},
		{"description echoes the secret", 400, `{"error":"invalid_client","error_description":"unknown secret ` + testClientSecret + `"}`, fault.Forbidden, "[redacted]"},
		{"server error", 500, `{"error":"server_error"}`, fault.Transient, "500"},
		{"bad gateway, HTML body", 502, `<html>502 Bad Gateway</html>`, fault.Transient, "502"},
		{"rate limited", 429, ``, fault.Transient, "429"},
		{"not found", 404, `404 page not found`, fault.Internal, "404"},
		{"malformed JSON", 200, `{"access_token":`, fault.Internal, "not the expected JSON"},
		{"no access token", 200, `{"token_type":"Bearer","expires_in":3600}`, fault.Internal, "no access_token"},
		{"expires_in not a number", 200, `{"access_token":"abc","expires_in":"soon"}`, fault.Internal, "not the expected JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKick(t)
			f.tokenReply = func(w http.ResponseWriter, _ int) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}
			_, err := f.client(nil).Channels(t.Context(), []int64{1})
			if !fault.Is(err, tt.wantKind) {
				t.Errorf("Channels error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Channels error = %q, want it to mention %q", err, tt.wantText)
			}
			f.checkNoSecret(t, err)
			if tokens, calls := f.hits(); tokens != 1 || calls != 0 {
				t.Errorf("%d token and %d channels requests, want 1 and 0", tokens, calls)
			}
		})
	}
}

func TestTokenEndpointUnreachable(t *testing.T) {
	f := newFakeKick(t)
	c := f.client(nil)
	f.srv.Close()
	_, err := c.Channels(t.Context(), []int64{1})
	if !fault.Is(err, fault.Transient) {
		t.Errorf("Channels error = %v (kind %v), want kind transient", err, fault.KindOf(err))
	}
	f.checkNoSecret(t, err)
}

// TestConcurrentCallersShareOneTokenRequest holds the first token request
// until every caller has either joined it or sent a request of its own, so
// all of them overlap.
func TestConcurrentCallersShareOneTokenRequest(t *testing.T) {
	const callers = 10
	f := newFakeKick(t)
	arrived := make(chan struct{}, callers)
	release := make(chan struct{})
	f.tokenReply = func(w http.ResponseWriter, n int) {
		arrived <- struct{}{}
		if n == 1 {
			<-release
		}
		f.issue(w, n, `3600`)
	}
	c := f.client(nil)
	kickapi.SetOnWait(c, func() { arrived <- struct{}{} })

	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			_, err := c.Channels(t.Context(), []int64{int64(i + 1)})
			errs <- err
		}()
	}
	for range callers {
		<-arrived
	}
	close(release)
	for range callers {
		if err := <-errs; err != nil {
			t.Errorf("Channels: %v", err)
		}
	}
	tokens, calls := f.hits()
	if tokens != 1 || calls != callers {
		t.Errorf("%d token and %d channels requests, want 1 and %d", tokens, calls, callers)
	}
	for _, b := range f.seenBearers() {
		if b != tokenValue(1) {
			t.Errorf("channels request bearer = %q, want %q", b, tokenValue(1))
		}
	}
}

// TestWaiterOutlivesCancelledStarter: when the caller that started the token
// request gives up, a caller still waiting asks again instead of failing.
func TestWaiterOutlivesCancelledStarter(t *testing.T) {
	f := newFakeKick(t)
	firstArrived := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	f.tokenReply = func(w http.ResponseWriter, n int) {
		if n == 1 {
			close(firstArrived)
			<-release
		}
		f.issue(w, n, `3600`)
	}
	c := f.client(nil)
	waiting := make(chan struct{}, 1)
	kickapi.SetOnWait(c, func() { waiting <- struct{}{} })

	starterCtx, cancel := context.WithCancel(t.Context())
	starterErr := make(chan error, 1)
	go func() {
		_, err := c.Channels(starterCtx, []int64{1})
		starterErr <- err
	}()
	<-firstArrived
	waiterErr := make(chan error, 1)
	go func() {
		_, err := c.Channels(t.Context(), []int64{2})
		waiterErr <- err
	}()
	<-waiting
	cancel()

	if err := <-starterErr; !fault.Is(err, fault.Transient) {
		t.Errorf("starter's Channels error = %v (kind %v), want kind transient", err, fault.KindOf(err))
	}
	if err := <-waiterErr; err != nil {
		t.Errorf("waiter's Channels error = %v, want nil", err)
	}
	if tokens, _ := f.hits(); tokens != 2 {
		t.Errorf("token requests = %d, want 2", tokens)
	}
	if diff := cmp.Diff(f.seenBearers(), []string{tokenValue(2)}); diff != "" {
		t.Errorf("bearer tokens (-got +want):\n%s", diff)
	}
}
