package kickapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/redact"
)

// Credentials the echo tests send; each must stay out of errors and logs.
const (
	echoAppToken  = "APPTOKEN0ZMJETYZKYNY0ZNZHLWJMMZGTNDQ1OTEX"
	echoUserToken = "USERTOKEN2ZDFZDYTNZE0MC0ZMWJLLTGXODETYZC4"
	echoRefresh   = "REFRESH0NJKQ2ZDFZDYTNZE0MC0ZMWJLLTGXODE"
	echoCode      = "CODE0ODBMZTQ5MJETYZKYNY0ZNZHLWJMMZGT"
	echoVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)

// newEcho plays a Kick that quotes every request back in its error
// answers, credentials first (so clipping cannot hide a leak): the
// Authorization header, the URL, the body. It issues echoAppToken to a
// client-credentials grant unless failGrant; every other request fails
// with an echo, except that a subscription request, when okSubscribe,
// succeeds with per-event errors that echo it.
func newEcho(t *testing.T, failGrant, okSubscribe bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		quote := r.Header.Get("Authorization") + " " + r.URL.RequestURI() + " " + string(body)
		form, _ := url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/oauth/token" && form.Get("grant_type") == "client_credentials" && !failGrant:
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": echoAppToken, "token_type": "Bearer", "expires_in": 3600})
		case r.URL.Path == "/public/v1/events/subscriptions" && r.Method == http.MethodPost && okSubscribe:
			_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{"name": "chat.message.sent", "version": 1, "error": quote}}})
		default:
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(map[string]string{"message": quote, "error": "invalid_request", "error_description": quote})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestNoCredentialInErrorsOrLogs runs each kind of Kick call against a Kick
// that echoes the request: neither the error nor what a caller logs of it
// holds any credential the request carried.
func TestNoCredentialInErrorsOrLogs(t *testing.T) {
	subscribe := []kickapi.EventVersion{{Event: "chat.message.sent", Version: 1}}
	tests := []struct {
		name                   string
		failGrant, okSubscribe bool
		call                   func(context.Context, *kickapi.Client) error
	}{
		{"app token grant", true, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Channels(ctx, []int64{1})
			return err
		}},
		{"app token call", false, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Channels(ctx, []int64{1})
			return err
		}},
		{"app token subscriptions", false, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Subscriptions(ctx, kickapi.AppToken)
			return err
		}},
		{"app token subscribe, per-event errors", false, true, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Subscribe(ctx, kickapi.AppToken, 1, subscribe)
			return err
		}},
		{"app token unsubscribe", false, false, func(ctx context.Context, c *kickapi.Client) error {
			return c.Unsubscribe(ctx, kickapi.AppToken, []string{"sub-1"})
		}},
		{"user token subscribe, per-event errors", false, true, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Subscribe(ctx, echoUserToken, 1, subscribe)
			return err
		}},
		{"user token who am i", false, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.WhoAmI(ctx, echoUserToken)
			return err
		}},
		{"user token chat", false, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.SendChat(ctx, echoUserToken, kickapi.ChatMessage{Content: "hi"})
			return err
		}},
		{"exchange", false, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Exchange(ctx, echoCode, echoVerifier, "https://bot.example/oauth/kick/callback")
			return err
		}},
		{"refresh", false, false, func(ctx context.Context, c *kickapi.Client) error {
			_, err := c.Refresh(ctx, echoRefresh)
			return err
		}},
		{"revoke", false, false, func(ctx context.Context, c *kickapi.Client) error {
			return c.Revoke(ctx, echoRefresh, kickapi.HintRefreshToken)
		}},
	}
	secrets := []string{testClientSecret, echoAppToken, echoUserToken, echoRefresh, echoCode, echoVerifier}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEcho(t, tt.failGrant, tt.okSubscribe)
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			prev := slog.Default()
			slog.SetDefault(log) // anything the client logs itself lands here too
			t.Cleanup(func() { slog.SetDefault(prev) })

			c := &kickapi.Client{HTTP: srv.Client(), APIBase: srv.URL, AuthBase: srv.URL, ClientID: testClientID, ClientSecret: testClientSecret}
			err := tt.call(context.Background(), c)
			if err == nil {
				t.Fatal("call = nil error, want the echoing Kick's refusal")
			}
			log.Error("kick call failed", "err", err)
			if !strings.Contains(err.Error(), redact.Marker) {
				t.Errorf("error %q shows nothing redacted: did the echo reach it?", err)
			}
			for _, s := range secrets {
				for _, form := range []string{s, url.QueryEscape(s)} {
					if strings.Contains(err.Error(), form) {
						t.Errorf("error holds credential %q: %v", form, err)
					}
					if strings.Contains(logs.String(), form) {
						t.Errorf("log holds credential %q: %s", form, logs.String())
					}
				}
			}
		})
	}
}
