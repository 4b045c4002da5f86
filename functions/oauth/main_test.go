package main

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

const (
	baseURL      = "https://abc123.execute-api.eu-west-1.amazonaws.com"
	clientID     = "01JQ7ZC4M2T8Y1B5N0P6R3K9VD"
	clientSecret = "894b8190e7d2c4a6f1b3d5e7a9c0b2d4"
	hexKey       = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	guild        = "111111111111111111"
	admin        = "222222222222222222"
)

var (
	quiet    = slog.New(slog.NewTextHandler(io.Discard, nil))
	t0       = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	streamer = kickfake.User{ID: 4402117, Name: "northwind"}
)

// event is the callback fixture made into a GET of path?query.
func event(t *testing.T, path, query string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile("../../testdata/lambda/apigw-v2-oauth-callback.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e.RawPath, e.RequestContext.HTTP.Path = path, path
	e.RouteKey = "GET " + path
	e.RequestContext.RouteKey = e.RouteKey
	e.RawQueryString = query
	q, _ := url.ParseQuery(query)
	e.QueryStringParameters = map[string]string{}
	for k := range q {
		e.QueryStringParameters[k] = q.Get(k)
	}
	return e
}

func TestFixtureIsACallback(t *testing.T) {
	e := event(t, connect.CallbackPath, "code=CODE&state=STATE")
	if e.RequestContext.HTTP.Method != http.MethodGet || e.RawPath != "/oauth/kick/callback" || e.IsBase64Encoded {
		t.Errorf("fixture = %s %s, base64 %v; want a plain GET of the callback", e.RequestContext.HTTP.Method, e.RawPath, e.IsBase64Encoded)
	}
}

// TestHandlerConnectFlow drives the Lambda handler with API Gateway events
// through a whole connect against a fake Kick and the embedded table.
func TestHandlerConnectFlow(t *testing.T) {
	kick := &kickfake.Server{ClientID: clientID, ClientSecret: clientSecret, RedirectURIs: []string{baseURL + connect.CallbackPath}, Now: func() time.Time { return t0 }}
	kick.SignIn(streamer)
	kickSrv := httptest.NewServer(kick)
	t.Cleanup(kickSrv.Close)
	api := kickapi.New(clientID, clientSecret)
	api.APIBase, api.AuthBase, api.Now = kickSrv.URL, kickSrv.URL, func() time.Time { return t0 }
	// Limited to what the function's role grants.
	store := dynamo.New(dynamotest.Restrict(t, dynamotest.Table(t, "oauth"), "OauthFunction"), "oauth")
	key, _ := connect.ParseKey(hexKey)
	svc := service(key, baseURL, store, api, quiet)
	h := handler(svc, quiet, func() time.Time { return t0 })
	ctx := t.Context()

	link, err := svc.StartURL(consent.Connect, guild, admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	start, _ := url.Parse(link)
	if got := start.Scheme + "://" + start.Host + start.Path; got != baseURL+connect.StartPath {
		t.Fatalf("start link %s, want it on %s", got, baseURL+connect.StartPath)
	}
	resp, err := h(ctx, event(t, start.Path, start.RawQuery))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("start = %d, %v; want 302", resp.StatusCode, err)
	}
	if !strings.HasPrefix(resp.Headers["Location"], kickSrv.URL+"/oauth/authorize?") {
		t.Fatalf("start redirects to %q, want Kick's authorize page", resp.Headers["Location"])
	}

	// The browser at Kick: the streamer consents, Kick redirects back.
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	kresp, err := browser.Get(resp.Headers["Location"])
	if err != nil {
		t.Fatal(err)
	}
	kresp.Body.Close()
	back, err := url.Parse(kresp.Header.Get("Location"))
	if err != nil || back.Path != connect.CallbackPath {
		t.Fatalf("Kick redirected to %q (%v), want the callback", kresp.Header.Get("Location"), err)
	}

	resp, err = h(ctx, event(t, back.Path, back.RawQuery))
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "<strong>northwind</strong>") {
		t.Fatalf("callback = %d, %v:\n%s\nwant 200 naming the channel", resp.StatusCode, err, resp.Body)
	}
	if got := resp.Headers["Cache-Control"]; got != "no-store" {
		t.Errorf("callback Cache-Control = %q, want no-store", got)
	}
	if f := kick.Failures(); len(f) != 0 {
		t.Errorf("fake Kick refused: %q", f)
	}
	if b, name, _, err := store.Connection(ctx, guild); err != nil || b != streamer.ID || name != streamer.Name {
		t.Errorf("Connection = %d, %q, %v; want the streamer's channel", b, name, err)
	}
	if rec, err := store.Load(ctx, streamer.ID); err != nil || rec.Access == "" || rec.Refresh == "" {
		t.Errorf("Load = %v, %v; want the streamer's tokens", rec, err)
	}
	if n := len(kick.Subscriptions(streamer.ID)); n != 10 {
		t.Errorf("%d subscriptions, want 10", n)
	}

	// The replayed callback.
	resp, _ = h(ctx, event(t, back.Path, back.RawQuery))
	if resp.StatusCode != http.StatusConflict {
		t.Errorf("replayed callback = %d, want 409", resp.StatusCode)
	}
}

func TestHandlerNotSetUp(t *testing.T) {
	h := handler(nil, quiet, time.Now)
	for _, path := range []string{connect.StartPath, connect.CallbackPath} {
		resp, err := h(t.Context(), event(t, path, "state=x&code=y"))
		if err != nil || resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(resp.Body, "not set up") {
			t.Errorf("GET %s = %d, %v; want 503 saying Kick is not set up", path, resp.StatusCode, err)
		}
	}
}
