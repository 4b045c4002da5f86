package redact_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/redact"
)

// echo answers status with the whole request it got: its dump, and the
// same again as a JSON string, as an upstream debugging its errors might.
func echo(status int) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		dump, _ := httputil.DumpRequest(r, true)
		j, _ := json.Marshal(map[string]string{"message": string(dump), "url": r.URL.String()})
		w.WriteHeader(status)
		_, _ = w.Write(dump)
		_, _ = w.Write(j)
	}))
}

const (
	bearer      = "eyJhbGciOiJIUzI1NiJ9.app-token/with+odd=chars"
	interaction = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OmFiY2RlZmdoaWprbG1ub3A"
	secret      = "894b8190e7d2c4a6f1b3d5e7a9c0b2d4"
	refresh     = "NJKQ2ZDFZDYTNZE0MC0ZMWJL/refresh+token"
	code        = "ODBMZTQ5MJETYZKYNY0ZNZHL"
	verifier    = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	user, pass  = "basic-user-name", "basic-password-1"
)

func TestTransportScrubsEveryCredentialOfTheRequest(t *testing.T) {
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {"public-client-id"}, "client_secret": {secret},
		"refresh_token": {refresh}, "code": {code}, "code_verifier": {verifier}}
	tests := []struct {
		name    string
		status  int
		request func(base string) *http.Request
		secrets []string
		keep    []string // what must survive: not a credential
	}{
		{"bearer header", 403, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/public/v1/channels?broadcaster_user_id=123456", nil)
			r.Header.Set("Authorization", "Bearer "+bearer)
			return r
		}, []string{bearer}, []string{"/public/v1/channels", "123456"}},
		{"bot header", 400, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/api/v9/channels/973524801945731072/messages", strings.NewReader(`{"content":"hi"}`))
			r.Header.Set("Authorization", "Bot "+bearer)
			return r
		}, []string{bearer}, []string{"973524801945731072"}},
		{"basic header", 401, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodGet, base+"/x", nil)
			r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
			return r
		}, []string{user, pass}, nil},
		{"interaction token in the path", 404, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPatch, base+"/api/v9/webhooks/1234567890123456789/"+interaction+"/messages/@original", nil)
			return r
		}, []string{interaction}, []string{"1234567890123456789", "@original"}},
		{"token in the query", 400, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/oauth/revoke?"+url.Values{"token": {refresh}, "token_hint_type": {"refresh_token"}}.Encode(), nil)
			return r
		}, []string{refresh}, []string{"token_hint_type"}},
		{"form body", 400, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}, []string{secret, refresh, code, verifier}, []string{"public-client-id", "grant_type"}},
		{"form body without GetBody", 500, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/oauth/token", io.NopCloser(strings.NewReader(form.Encode())))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
			return r
		}, []string{secret, refresh, code, verifier}, []string{"public-client-id"}},
		{"2xx answer is scrubbed too", 200, func(base string) *http.Request {
			r, _ := http.NewRequest(http.MethodPost, base+"/public/v1/events/subscriptions", strings.NewReader(`{}`))
			r.Header.Set("Authorization", "Bearer "+bearer)
			return r
		}, []string{bearer}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := echo(tt.status)
			defer srv.Close()
			resp, err := redact.Client(srv.Client()).Do(tt.request(srv.URL))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if !strings.Contains(string(body), redact.Marker) {
				t.Errorf("answer has no %s:\n%s", redact.Marker, body)
			}
			for _, s := range tt.secrets {
				for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
					if strings.Contains(string(body), form) {
						t.Errorf("answer holds secret %q:\n%s", form, body)
					}
				}
			}
			for _, k := range tt.keep {
				if !strings.Contains(string(body), k) {
					t.Errorf("answer lost %q, which is no credential:\n%s", k, body)
				}
			}
		})
	}
}

// A token endpoint may repeat the refresh token it was sent in a success:
// KeepAnswer passes that on whole, but still scrubs an error answer.
func TestKeepAnswer(t *testing.T) {
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}.Encode()
	for _, tt := range []struct {
		name      string
		status    int
		wantWhole bool
	}{{"success", 200, true}, {"error", 400, false}} {
		t.Run(tt.name, func(t *testing.T) {
			srv := echo(tt.status)
			defer srv.Close()
			r, _ := http.NewRequestWithContext(redact.KeepAnswer(context.Background()), http.MethodPost, srv.URL+"/oauth/token", strings.NewReader(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := redact.Client(srv.Client()).Do(r)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if got := strings.Contains(string(body), url.QueryEscape(refresh)); got != tt.wantWhole {
				t.Errorf("answer holds the refresh token = %v, want %v:\n%s", got, tt.wantWhole, body)
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"raw", "bad token abcdef/ghi", "bad token " + redact.Marker},
		{"json-escaped slash", `{"m":"abcdef\/ghi"}`, `{"m":"` + redact.Marker + `"}`},
		{"url-encoded", "token=abcdef%2Fghi", "token=" + redact.Marker},
		{"short secret left alone", "abc", "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets := []string{"abcdef/ghi", "abc"}
			if got := redact.String(tt.in, secrets...); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
