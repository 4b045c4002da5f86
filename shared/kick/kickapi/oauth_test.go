package kickapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

func TestAuthorizeURL(t *testing.T) {
	tests := []struct {
		name        string
		redirect    string
		wantDummy   bool // redirect=127.0.0.1 ahead of redirect_uri
		wantScopeIn string
	}{
		{"public redirect", "https://bot.example/kick/callback", false, "scope=user%3Aread+chat%3Awrite"},
		{"localhost redirect", "http://localhost:8080/kick/callback", false, "scope=user%3Aread+chat%3Awrite"},
		{"loopback address redirect", "http://127.0.0.1:8080/kick/callback", true, "scope=user%3Aread+chat%3Awrite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := kickapi.New(testClientID, testClientSecret)
			c.AuthBase = "https://id.example/"
			got := c.AuthorizeURL(kickapi.AuthorizeParams{
				RedirectURI: tt.redirect, Scopes: []string{"user:read", "chat:write"},
				State: "st@te/1", CodeChallenge: testChallenge,
			})
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("AuthorizeURL = %q, not a URL: %v", got, err)
			}
			if base := u.Scheme + "://" + u.Host + u.Path; base != "https://id.example/oauth/authorize" {
				t.Errorf("AuthorizeURL base = %q, want https://id.example/oauth/authorize", base)
			}
			want := url.Values{
				"response_type":         {"code"},
				"client_id":             {testClientID},
				"redirect_uri":          {tt.redirect},
				"scope":                 {"user:read chat:write"},
				"state":                 {"st@te/1"},
				"code_challenge":        {testChallenge},
				"code_challenge_method": {"S256"},
			}
			if tt.wantDummy {
				want.Set("redirect", "127.0.0.1")
			}
			if diff := cmp.Diff(u.Query(), want); diff != "" {
				t.Errorf("AuthorizeURL query (-got +want):\n%s", diff)
			}
			if !strings.Contains(got, tt.wantScopeIn) {
				t.Errorf("AuthorizeURL = %q, want scopes space-separated as %q", got, tt.wantScopeIn)
			}
			// Kick's page rewrites the first 127.0.0.1; it must be the dummy's.
			if first := strings.Index(got, "127.0.0.1"); tt.wantDummy && first != strings.Index(got, "redirect=127.0.0.1")+len("redirect=") {
				t.Errorf("AuthorizeURL = %q: the first 127.0.0.1 is not the dummy parameter's", got)
			}
		})
	}
}

func TestConsentAndExchange(t *testing.T) {
	f := newFixture(t)
	f.kick.SignIn(streamer)
	back := f.consent(t, params("user:read", "chat:write", "events:subscribe"))
	if got := back.Get("state"); got != "state-1" {
		t.Errorf("callback state = %q, want state-1", got)
	}
	code := back.Get("code")
	if code == "" {
		t.Fatalf("callback query = %v, want a code", back)
	}

	tok, err := f.client.Exchange(t.Context(), code, testVerifier, testRedirect)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.Access == "" || tok.Refresh == "" || tok.Access == tok.Refresh {
		t.Errorf("Exchange = %v, want distinct access and refresh tokens", tok)
	}
	if want := t0.Add(kickfake.DefaultTokenLifetime); !tok.Expiry.Equal(want) {
		t.Errorf("Exchange expiry = %v, want %v", tok.Expiry, want)
	}
	if diff := cmp.Diff(tok.Scopes, []string{"user:read", "chat:write", "events:subscribe"}); diff != "" {
		t.Errorf("Exchange scopes (-got +want):\n%s", diff)
	}
	if got := f.kick.TokenCalls("authorization_code"); got != 1 {
		t.Errorf("authorization_code token calls = %d, want 1", got)
	}

	me, err := f.client.WhoAmI(t.Context(), tok.Access)
	if err != nil {
		t.Fatalf("WhoAmI: %v", err)
	}
	if want := (kickapi.User{ID: streamer.ID, Name: streamer.Name}); me != want {
		t.Errorf("WhoAmI = %+v, want %+v", me, want)
	}
}

func TestConsentDenied(t *testing.T) {
	f := newFixture(t)
	f.kick.SignIn(viewer)
	f.kick.DenyNext()
	back := f.consent(t, params("user:read"))
	if back.Get("error") != "access_denied" || back.Get("state") != "state-1" || back.Has("code") {
		t.Errorf("callback query = %v, want error=access_denied, state=state-1 and no code", back)
	}
	// Deny lasts for one consent only.
	if back := f.consent(t, params("user:read")); back.Get("code") == "" {
		t.Errorf("second callback query = %v, want a code", back)
	}
}

// TestExchangeRefused covers codes Kick will not redeem, which are
// ErrRejected, and wrong app credentials, which are not.
func TestExchangeRefused(t *testing.T) {
	const otherVerifier = "M25iVXpKU3puUjFaYWg3T1NDTDQtcW1ROUY5YXlwalNoc0hhakxifmZHag"
	tests := []struct {
		name         string
		exchange     func(ctx context.Context, f *fixture, code string) error
		wantRejected bool
		wantFailure  string
	}{
		{
			name: "verifier does not match the challenge",
			exchange: func(ctx context.Context, f *fixture, code string) error {
				_, err := f.client.Exchange(ctx, code, otherVerifier, testRedirect)
				return err
			},
			wantRejected: true,
			wantFailure:  "code_verifier does not match",
		},
		{
			name: "code redeemed twice",
			exchange: func(ctx context.Context, f *fixture, code string) error {
				if _, err := f.client.Exchange(ctx, code, testVerifier, testRedirect); err != nil {
					return fmt.Errorf("first exchange: %w", err)
				}
				_, err := f.client.Exchange(ctx, code, testVerifier, testRedirect)
				return err
			},
			wantRejected: true,
			wantFailure:  "already redeemed",
		},
		{
			name: "redirect URI differs from the authorization request's",
			exchange: func(ctx context.Context, f *fixture, code string) error {
				_, err := f.client.Exchange(ctx, code, testVerifier, "https://bot.example/other")
				return err
			},
			wantRejected: true,
			wantFailure:  "redirect_uri",
		},
		{
			name: "code expired",
			exchange: func(ctx context.Context, f *fixture, code string) error {
				f.clock.Set(t0.Add(11 * time.Minute))
				_, err := f.client.Exchange(ctx, code, testVerifier, testRedirect)
				return err
			},
			wantRejected: true,
			wantFailure:  "expired",
		},
		{
			name: "unknown code",
			exchange: func(ctx context.Context, f *fixture, code string) error {
				_, err := f.client.Exchange(ctx, "not-"+code, testVerifier, testRedirect)
				return err
			},
			wantRejected: true,
			wantFailure:  "unknown authorization code",
		},
		{
			name: "wrong client secret",
			exchange: func(ctx context.Context, f *fixture, code string) error {
				_, err := f.newClient("wrong-"+testClientSecret).Exchange(ctx, code, testVerifier, testRedirect)
				return err
			},
			wantRejected: false,
			wantFailure:  "client_secret",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.kick.SignIn(streamer)
			code := f.consent(t, params("user:read")).Get("code")
			f.expectFailure(tt.wantFailure)
			err := tt.exchange(t.Context(), f, code)
			if !fault.Is(err, fault.Forbidden) {
				t.Errorf("Exchange error = %v (kind %v), want kind forbidden", err, fault.KindOf(err))
			}
			if got := errors.Is(err, kickapi.ErrRejected); got != tt.wantRejected {
				t.Errorf("errors.Is(%v, ErrRejected) = %t, want %t", err, got, tt.wantRejected)
			}
			checkNoSecret(t, err, code, testVerifier, otherVerifier, "wrong-"+testClientSecret)
		})
	}
}

func TestExchangeInvalidArguments(t *testing.T) {
	tests := []struct {
		name                     string
		code, verifier, redirect string
	}{
		{"no code", "", testVerifier, testRedirect},
		{"verifier too short", "code", testVerifier[:42], testRedirect},
		{"verifier too long", "code", strings.Repeat("a", 129), testRedirect},
		{"verifier with a reserved character", "code", testVerifier[:42] + "+", testRedirect},
		{"no redirect URI", "code", testVerifier, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.client.Exchange(t.Context(), tt.code, tt.verifier, tt.redirect)
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("Exchange error = %v (kind %v), want kind invalid", err, fault.KindOf(err))
			}
			checkNoSecret(t, err, tt.verifier)
			if got := f.requestCount(); got != 0 {
				t.Errorf("Exchange made %d requests, want none", got)
			}
		})
	}
}

func TestRefreshRotates(t *testing.T) {
	f := newFixture(t)
	first := f.connect(t, streamer, "user:read", "chat:write")
	f.clock.Set(t0.Add(time.Hour))

	second, err := f.client.Refresh(t.Context(), first.Refresh)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if second.Access == first.Access || second.Refresh == first.Refresh || second.Refresh == "" {
		t.Errorf("Refresh = %v, want a new access and a new refresh token", second)
	}
	if want := t0.Add(time.Hour + kickfake.DefaultTokenLifetime); !second.Expiry.Equal(want) {
		t.Errorf("Refresh expiry = %v, want %v", second.Expiry, want)
	}
	if diff := cmp.Diff(second.Scopes, []string{"user:read", "chat:write"}); diff != "" {
		t.Errorf("Refresh scopes (-got +want):\n%s", diff)
	}
	if _, err := f.client.WhoAmI(t.Context(), second.Access); err != nil {
		t.Errorf("WhoAmI with the refreshed token: %v", err)
	}

	// The old refresh token no longer works.
	f.expectFailure("already used refresh token")
	_, err = f.client.Refresh(t.Context(), first.Refresh)
	if !errors.Is(err, kickapi.ErrRejected) || !fault.Is(err, fault.Forbidden) {
		t.Errorf("Refresh with the old token error = %v (kind %v), want ErrRejected of kind forbidden", err, fault.KindOf(err))
	}
	checkNoSecret(t, err, first.Refresh, first.Access, second.Refresh, second.Access)
	if got := f.kick.TokenCalls("refresh_token"); got != 2 {
		t.Errorf("refresh_token token calls = %d, want 2", got)
	}
}

func TestRefreshRejected(t *testing.T) {
	f := newFixture(t)
	tok := f.connect(t, streamer, "user:read")
	f.kick.RejectRefresh(tok.Refresh)
	f.expectFailure("rejected")
	_, err := f.client.Refresh(t.Context(), tok.Refresh)
	if !errors.Is(err, kickapi.ErrRejected) || !fault.Is(err, fault.Forbidden) {
		t.Errorf("Refresh error = %v (kind %v), want ErrRejected of kind forbidden", err, fault.KindOf(err))
	}
	checkNoSecret(t, err, tok.Refresh, tok.Access)
	if got := f.kick.TokenCalls("refresh_token"); got != 1 {
		t.Errorf("refresh_token token calls = %d, want 1", got)
	}
}

func TestRefreshTransient(t *testing.T) {
	for _, status := range []int{429, 500, 502, 503} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFixture(t)
			tok := f.connect(t, streamer, "user:read")
			f.kick.FailNext("/oauth/token", 1, status)
			_, err := f.client.Refresh(t.Context(), tok.Refresh)
			if !fault.Is(err, fault.Transient) || errors.Is(err, kickapi.ErrRejected) {
				t.Errorf("Refresh error = %v (kind %v), want kind transient and not ErrRejected", err, fault.KindOf(err))
			}
			checkNoSecret(t, err, tok.Refresh)
			// The refresh token survives a failure that was not its own.
			if _, err := f.client.Refresh(t.Context(), tok.Refresh); err != nil {
				t.Errorf("Refresh after the outage: %v", err)
			}
		})
	}
}

func TestRefreshUnreachable(t *testing.T) {
	f := newFixture(t)
	tok := f.connect(t, streamer, "user:read")
	f.srv.Close()
	_, err := f.client.Refresh(t.Context(), tok.Refresh)
	if !fault.Is(err, fault.Transient) || errors.Is(err, kickapi.ErrRejected) {
		t.Errorf("Refresh error = %v (kind %v), want kind transient and not ErrRejected", err, fault.KindOf(err))
	}
	checkNoSecret(t, err, tok.Refresh)
}

func TestRefreshWithoutToken(t *testing.T) {
	f := newFixture(t)
	_, err := f.client.Refresh(t.Context(), "")
	if !fault.Is(err, fault.Invalid) || f.requestCount() != 0 {
		t.Errorf("Refresh(\"\") error = %v (kind %v) after %d requests, want kind invalid and none", err, fault.KindOf(err), f.requestCount())
	}
}

// TestRefreshAnswers checks how Kick's token answers, in each form they may
// take, become a Token and its errors.
func TestRefreshAnswers(t *testing.T) {
	const old = "old-refresh-MDJMMWNMZTUTYJQ2"
	tests := []struct {
		name         string
		status       int
		body         string
		want         kickapi.Token // when the status is 200 and the body good
		wantKind     fault.Kind
		wantRejected bool
		wantText     string // in the error text
	}{
		{
			name: "full answer", status: 200,
			body: `{"access_token":"a1","token_type":"Bearer","refresh_token":"r1","expires_in":7200,"scope":"user:read chat:write"}`,
			want: kickapi.Token{Access: "a1", Refresh: "r1", Expiry: t0.Add(2 * time.Hour), Scopes: []string{"user:read", "chat:write"}},
		},
		{
			name: "no refresh token: the old one stays", status: 200,
			body: `{"access_token":"a1","expires_in":"7200","scope":"user:read"}`,
			want: kickapi.Token{Access: "a1", Refresh: old, Expiry: t0.Add(2 * time.Hour), Scopes: []string{"user:read"}},
		},
		{
			name: "no lifetime, no scope", status: 200,
			body: `{"access_token":"a1","refresh_token":"r1","expires_in":"","scope":""}`,
			want: kickapi.Token{Access: "a1", Refresh: "r1"},
		},
		{
			name: "scope as a list", status: 200,
			body: `{"access_token":"a1","refresh_token":"r1","expires_in":60,"scope":["chat:write"]}`,
			want: kickapi.Token{Access: "a1", Refresh: "r1", Expiry: t0.Add(time.Minute), Scopes: []string{"chat:write"}},
		},
		{"invalid_grant", 400, `{"error":"invalid_grant","error_description":"refresh token expired"}`, kickapi.Token{}, fault.Forbidden, true, "invalid_grant"},
		{"Kick's documented error", 400, `{"error":"Invalid request"}`, kickapi.Token{}, fault.Forbidden, true, "Invalid request"},
		{"401 without a body", 401, ``, kickapi.Token{}, fault.Forbidden, true, "401"},
		{"app credentials refused", 401, `{"error":"invalid_client"}`, kickapi.Token{}, fault.Forbidden, false, "client credentials"},
		{"unauthorized_client", 400, `{"error":"unauthorized_client"}`, kickapi.Token{}, fault.Forbidden, false, "client credentials"},
		{"description echoes the token", 400, `{"error":"invalid_grant","error_description":"no such token ` + old + `"}`, kickapi.Token{}, fault.Forbidden, true, "[redacted]"},
		{"server error", 500, `{"error":"server_error"}`, kickapi.Token{}, fault.Transient, false, "500"},
		{"rate limited", 429, ``, kickapi.Token{}, fault.Transient, false, "429"},
		{"not found", 404, `404 page not found`, kickapi.Token{}, fault.Internal, false, "404"},
		{"malformed JSON", 200, `{"access_token":"a1","refresh_token":"` + old, kickapi.Token{}, fault.Internal, false, "not the expected JSON"},
		{"scope not a string", 200, `{"access_token":"a1","scope":7}`, kickapi.Token{}, fault.Internal, false, "not the expected JSON"},
		{"no access token", 200, `{"refresh_token":"r1"}`, kickapi.Token{}, fault.Internal, false, "no access_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.wrap = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				if err := r.ParseForm(); err != nil || r.PostForm.Get("refresh_token") != old || r.PostForm.Get("grant_type") != "refresh_token" {
					t.Errorf("token request form = %v, want the refresh_token grant of %q", r.PostForm, old)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}
			got, err := f.client.Refresh(t.Context(), old)
			if tt.wantText == "" {
				if err != nil {
					t.Fatalf("Refresh: %v", err)
				}
				if diff := cmp.Diff(got, tt.want); diff != "" {
					t.Errorf("Refresh (-got +want):\n%s", diff)
				}
				return
			}
			if !fault.Is(err, tt.wantKind) {
				t.Errorf("Refresh error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
			if got := errors.Is(err, kickapi.ErrRejected); got != tt.wantRejected {
				t.Errorf("errors.Is(%v, ErrRejected) = %t, want %t", err, got, tt.wantRejected)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Refresh error = %q, want it to mention %q", err, tt.wantText)
			}
			checkNoSecret(t, err, old, "a1", "r1")
		})
	}
}

func TestRevoke(t *testing.T) {
	tests := []struct {
		name string
		// revoke returns the token to revoke and its hint.
		revoke func(kickapi.Token) (string, string)
		// wantRefresh: whether the refresh token still works after.
		wantRefresh bool
	}{
		{"access token", func(t kickapi.Token) (string, string) { return t.Access, kickapi.HintAccessToken }, true},
		{"access token, no hint", func(t kickapi.Token) (string, string) { return t.Access, "" }, true},
		{"refresh token ends the grant", func(t kickapi.Token) (string, string) { return t.Refresh, kickapi.HintRefreshToken }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tok := f.connect(t, streamer, "user:read")
			revoke, hint := tt.revoke(tok)
			if err := f.client.Revoke(t.Context(), revoke, hint); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			if diff := cmp.Diff(f.kick.Revoked(), []string{revoke}); diff != "" {
				t.Errorf("revoked tokens (-got +want):\n%s", diff)
			}

			f.expectFailure("unknown or revoked access token")
			_, err := f.client.WhoAmI(t.Context(), tok.Access)
			if !errors.Is(err, kickapi.ErrUnauthorized) {
				t.Errorf("WhoAmI with a revoked grant error = %v, want ErrUnauthorized", err)
			}
			if !tt.wantRefresh {
				f.expectFailure("unknown, revoked or already used refresh token")
			}
			_, err = f.client.Refresh(t.Context(), tok.Refresh)
			if got := err == nil; got != tt.wantRefresh {
				t.Errorf("Refresh after revoking error = %v, want it to work: %t", err, tt.wantRefresh)
			}
		})
	}
}

// TestRevokeRequest checks the request against Kick's documentation:
// token and token_hint_type in the query string, a form content type.
func TestRevokeRequest(t *testing.T) {
	f := newFixture(t)
	f.wrap = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
		want := url.Values{"token": {"tok-MDJMMWNMZTUTYJQ2"}, "token_hint_type": {"refresh_token"}}
		if diff := cmp.Diff(r.URL.Query(), want); r.URL.Path != "/oauth/revoke" || r.Method != http.MethodPost || diff != "" {
			t.Errorf("revoke request = %s %s, want POST /oauth/revoke; query (-got +want):\n%s", r.Method, r.URL.Path, diff)
		}
		if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
			t.Errorf("revoke Content-Type = %q, want application/x-www-form-urlencoded", got)
		}
		fmt.Fprint(w, "OK")
	}
	if err := f.client.Revoke(t.Context(), "tok-MDJMMWNMZTUTYJQ2", kickapi.HintRefreshToken); err != nil {
		t.Errorf("Revoke: %v", err)
	}
}

func TestRevokeErrors(t *testing.T) {
	const tok = "tok-MDJMMWNMZTUTYJQ2"
	tests := []struct {
		name      string
		token     string
		hint      string
		status    int  // answered by the server; 0 closes it first
		wantSent  bool // whether a request is made
		wantKind  fault.Kind
		wantLeaks bool
	}{
		{"no token", "", "", 200, false, fault.Invalid, false},
		{"RFC 7009 hint name", tok, "access", 200, false, fault.Invalid, false},
		{"server error", tok, "", 503, true, fault.Transient, false},
		{"refused", tok, kickapi.HintAccessToken, 400, true, fault.Internal, false},
		{"unreachable", tok, "", 0, true, fault.Transient, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.wrap = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				w.WriteHeader(tt.status)
				fmt.Fprintf(w, `{"error":"invalid_request","error_description":"token %s"}`, tok)
			}
			if tt.status == 0 {
				f.srv.Close()
			}
			err := f.client.Revoke(t.Context(), tt.token, tt.hint)
			if !fault.Is(err, tt.wantKind) {
				t.Errorf("Revoke error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
			checkNoSecret(t, err, tok)
			if got := f.requestCount() > 0; got != tt.wantSent && tt.status != 0 {
				t.Errorf("Revoke sent a request: %t, want %t", got, tt.wantSent)
			}
		})
	}
}

// TestTokenNeverShowsSecrets formats a Token every way a log line or an
// error might.
func TestTokenNeverShowsSecrets(t *testing.T) {
	const access, refresh = "access-c2VjcmV0LWE", "refresh-c2VjcmV0LXI"
	tok := kickapi.Token{Access: access, Refresh: refresh, Expiry: t0.Add(2 * time.Hour), Scopes: []string{"user:read", "chat:write"}}
	const want = "Token{access: redacted, refresh: redacted, expiry: 2026-03-14T21:00:00Z, scopes: [user:read chat:write]}"
	if got := tok.String(); got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if got := (kickapi.Token{}).String(); got != "Token{access: none, refresh: none, expiry: unknown, scopes: []}" {
		t.Errorf("zero Token String = %q", got)
	}
	type holder struct {
		Tok kickapi.Token
		Ptr *kickapi.Token
	}
	var texts []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x", "%X", "%10.3v"} {
		texts = append(texts, fmt.Sprintf(verb, tok), fmt.Sprintf(verb, &tok), fmt.Sprintf(verb, holder{tok, &tok}), fmt.Sprintf(verb, []kickapi.Token{tok}))
	}
	texts = append(texts, fmt.Sprint(tok), fmt.Sprintln(tok), fmt.Errorf("refresh: %v", tok).Error())
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("refreshed", "token", tok, "ptr", &tok)
		texts = append(texts, buf.String())
	}
	for _, text := range texts {
		if strings.Contains(text, access) || strings.Contains(text, refresh) || strings.Contains(text, "c2VjcmV0") {
			t.Errorf("formatted token %q shows a secret", text)
		}
	}
	if s := texts[len(texts)-2]; !strings.Contains(s, `"expiry":"2026-03-14T21:00:00Z"`) {
		t.Errorf("slog JSON = %s, want the expiry", s)
	}
}
