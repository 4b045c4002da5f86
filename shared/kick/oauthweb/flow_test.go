package oauthweb_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/kick/oauthweb"
	"github.com/kickbot/kickbot/shared/subscription"
)

const (
	clientID     = "01JQ7ZC4M2T8Y1B5N0P6R3K9VD"
	clientSecret = "894b8190e7d2c4a6f1b3d5e7a9c0b2d4"

	guild  = "111111111111111111"
	admin  = "222222222222222222"
	member = "333333333333333333"
	other  = "444444444444444444"
)

var (
	t0       = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	key      = []byte("0123456789abcdef0123456789abcdef")
	streamer = kickfake.User{ID: 4402117, Name: "northwind"}
	viewer   = kickfake.User{ID: 51234077, Name: "pixelpanda"}
)

// harness is the OAuth routes on httptest, wired as in production: a
// connect.Service on the embedded DynamoDB table, talking through the
// kickapi adapter to a fake Kick on httptest.
type harness struct {
	kick  *kickfake.Server
	store *dynamo.Store
	svc   *connect.Service
	web   *httptest.Server
	api   *kickapi.Client
	clock *clock.Manual
	// hops are the URLs each browser visit went through, last visit last.
	hops []*url.URL
	// expected are substrings of the fake's failures the test expects.
	expected []string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{clock: clock.New(t0)}
	var routes http.Handler
	h.web = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { routes.ServeHTTP(w, r) }))
	t.Cleanup(h.web.Close)

	h.kick = &kickfake.Server{
		ClientID: clientID, ClientSecret: clientSecret,
		RedirectURIs: []string{h.web.URL + connect.CallbackPath},
		Now:          h.clock.Now,
	}
	kickSrv := httptest.NewServer(h.kick)
	t.Cleanup(kickSrv.Close)
	h.api = kickapi.New(clientID, clientSecret)
	h.api.APIBase, h.api.AuthBase, h.api.Now = kickSrv.URL, kickSrv.URL, h.clock.Now

	table := "oauthweb-test"
	h.store = dynamo.New(dynamotest.Table(t, table), table)
	h.svc = &connect.Service{Store: h.store, Kick: kickapi.Adapter{Client: h.api}, Key: key, BaseURL: h.web.URL}
	routes = oauthweb.New(h.svc, slog.New(slog.DiscardHandler), h.clock.Now)
	t.Cleanup(func() { h.checkFailures(t) })
	return h
}

// expectFailure says that the fake is to refuse a request for a reason
// containing substr, in order.
func (h *harness) expectFailure(substr string) { h.expected = append(h.expected, substr) }

func (h *harness) checkFailures(t *testing.T) {
	t.Helper()
	got := h.kick.Failures()
	ok := len(got) == len(h.expected)
	for i := 0; ok && i < len(got); i++ {
		ok = strings.Contains(got[i], h.expected[i])
	}
	if !ok {
		t.Errorf("fake Kick failures = %q, want ones containing %q", got, h.expected)
	}
}

// page is the last answer of a browser visit.
type page struct {
	status int
	body   string
	header http.Header
}

// visit plays a browser opening link and following redirects, and returns
// the last answer. The URLs it went through are in h.hops.
func (h *harness) visit(t *testing.T, link string) page {
	t.Helper()
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	h.hops = nil
	for range 5 {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("visit %q: %v", link, err)
		}
		h.hops = append(h.hops, u)
		resp, err := browser.Get(link)
		if err != nil {
			t.Fatalf("GET %s: %v", u.Path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			return page{resp.StatusCode, string(body), resp.Header}
		}
		link = resp.Header.Get("Location")
	}
	t.Fatalf("visit: more than 5 redirects: %v", h.hops)
	return page{}
}

// hop returns the visited URL with path, or fails the test.
func (h *harness) hop(t *testing.T, path string) *url.URL {
	t.Helper()
	for _, u := range h.hops {
		if u.Path == path {
			return u
		}
	}
	t.Fatalf("the browser never visited %s: %v", path, h.hops)
	return nil
}

// startLink is what /kick connect or /link hands the member.
func (h *harness) startLink(t *testing.T, p consent.Purpose, user string) string {
	t.Helper()
	link, err := h.svc.StartURL(p, guild, user, h.clock.Now())
	if err != nil {
		t.Fatalf("StartURL: %v", err)
	}
	return link
}

func wantPage(t *testing.T, got page, status int, contains ...string) {
	t.Helper()
	if got.status != status {
		t.Errorf("page status = %d, want %d; body:\n%s", got.status, status, got.body)
	}
	for _, s := range contains {
		if !strings.Contains(got.body, s) {
			t.Errorf("page does not say %q; body:\n%s", s, got.body)
		}
	}
}

// wantNothingStored checks that no credentials, connection or
// subscription exist for the streamer and that no code was redeemed.
func (h *harness) wantNothingStored(t *testing.T) {
	t.Helper()
	ctx := t.Context()
	if rec, err := h.store.Load(ctx, streamer.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("Load = %v, %v; want no credentials", rec, err)
	}
	if b, _, _, err := h.store.Connection(ctx, guild); !fault.Is(err, fault.NotFound) {
		t.Errorf("Connection = %d, %v; want none", b, err)
	}
	if subs := h.kick.Subscriptions(0); len(subs) != 0 {
		t.Errorf("Kick holds %d subscriptions, want none", len(subs))
	}
	if n := h.kick.TokenCalls("authorization_code"); n != 0 {
		t.Errorf("%d code exchanges, want none", n)
	}
}

func wantedKeys() []string {
	var out []string
	for _, w := range subscription.Wanted() {
		out = append(out, w.String())
	}
	slices.Sort(out)
	return out
}

func subKeys(subs []kickfake.Subscription) []string {
	var out []string
	for _, s := range subs {
		out = append(out, subscription.EventVersion{Event: s.Event, Version: s.Version}.String())
	}
	slices.Sort(out)
	return out
}

// TestConnectFlow: an admin's start link, through Kick's consent, to a
// connected guild: what Kick received, what was stored, and the page.
func TestConnectFlow(t *testing.T) {
	h := newHarness(t)
	h.kick.SignIn(streamer)
	link := h.startLink(t, consent.Connect, admin)

	got := h.visit(t, link)
	wantPage(t, got, http.StatusOK, "Kick channel connected", "<strong>northwind</strong>", "/kick status",
		"Discord server "+guild, "Discord member "+admin)
	for k, want := range map[string]string{"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Content-Type": "text/html; charset=utf-8"} {
		if v := got.header.Get(k); v != want {
			t.Errorf("page header %s = %q, want %q", k, v, want)
		}
	}

	// The authorization request: the connect scopes, our callback, the
	// same state, and the S256 challenge of the verifier derived from the
	// state's nonce.
	start := h.hop(t, connect.StartPath)
	state := start.Query().Get("state")
	st, err := consent.Open(key, state, t0)
	if err != nil {
		t.Fatal(err)
	}
	verifier, _ := consent.Verifier(key, st.Nonce)
	authz := h.hop(t, "/oauth/authorize").Query()
	for k, want := range map[string]string{
		"client_id": clientID, "response_type": "code", "scope": "user:read channel:read chat:write events:subscribe",
		"redirect_uri": h.web.URL + connect.CallbackPath, "state": state,
		"code_challenge": consent.Challenge(verifier), "code_challenge_method": "S256",
	} {
		if got := authz.Get(k); got != want {
			t.Errorf("authorize %s = %q, want %q", k, got, want)
		}
	}
	// One code exchange, which the fake checked (client secret, redirect
	// URI, PKCE verifier); subscriptions with the app's token.
	if n := h.kick.TokenCalls("authorization_code"); n != 1 {
		t.Errorf("%d code exchanges, want 1", n)
	}
	if n := h.kick.TokenCalls("client_credentials"); n != 1 {
		t.Errorf("%d app token grants, want 1", n)
	}

	ctx := t.Context()
	rec, err := h.store.Load(ctx, streamer.ID)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if rec.Access == "" || rec.Refresh == "" || !rec.Expiry.Equal(t0.Add(kickfake.DefaultTokenLifetime)) ||
		!slices.Equal(rec.Scopes, connect.ConnectScopes) || rec.NeedsReauth || rec.Version != 1 {
		t.Errorf("stored credentials = %v, want the token pair, its expiry and the connect scopes at version 1", rec)
	}
	// The stored access token is the streamer's: Kick answers it.
	if me, err := h.api.WhoAmI(ctx, rec.Access); err != nil || me.ID != streamer.ID {
		t.Errorf("WhoAmI(stored token) = %+v, %v; want the streamer", me, err)
	}
	b, name, at, err := h.store.Connection(ctx, guild)
	if err != nil || b != streamer.ID || name != streamer.Name || !at.Equal(t0) {
		t.Errorf("Connection = %d, %q, %v, %v; want %d, %q, %v", b, name, at, err, streamer.ID, streamer.Name, t0)
	}
	if guilds, err := h.store.Guilds(ctx, streamer.ID); err != nil || !slices.Equal(guilds, []string{guild}) {
		t.Errorf("Guilds = %v, %v; want webhooks routed to %s", guilds, err, guild)
	}
	if diff := cmp.Diff(wantedKeys(), subKeys(h.kick.Subscriptions(streamer.ID))); diff != "" {
		t.Errorf("subscriptions (-want +got):\n%s", diff)
	}

	// /kick status sees all of it.
	status, err := h.svc.Status(ctx, guild)
	if err != nil || !status.Connected || status.Channel != (connect.User{ID: streamer.ID, Name: streamer.Name}) || status.NeedsReauth {
		t.Errorf("Status = %+v, %v; want connected to the streamer", status, err)
	}
	for _, s := range status.Subscriptions {
		if len(s.IDs) != 1 {
			t.Errorf("Status: %s v%d has %d subscriptions, want 1", s.Event, s.Version, len(s.IDs))
		}
	}

	// The same callback again: refused, and Kick is not asked again.
	h.clock.Advance(time.Minute)
	callback := h.hop(t, connect.CallbackPath)
	wantPage(t, h.visit(t, callback.String()), http.StatusConflict, "already used", "/kick connect")
	if n := h.kick.TokenCalls("authorization_code"); n != 1 {
		t.Errorf("%d code exchanges after the replay, want 1", n)
	}
	if again, _ := h.store.Load(ctx, streamer.ID); again.Version != 1 {
		t.Errorf("credentials at version %d after the replay, want 1", again.Version)
	}
}

// TestStateRefused: a tampered, foreign or expired state gets a page that
// says so, reaches no token exchange and stores nothing.
func TestStateRefused(t *testing.T) {
	tamper := func(link string) string { return link[:len(link)-3] + "AAA" }
	tests := []struct {
		name string
		// at the start link, or at the callback (after Kick's consent)
		atStart bool
		change  func(h *harness, link string) string
		advance time.Duration
		want    string
	}{
		{name: "tampered start link", atStart: true, change: func(_ *harness, l string) string { return tamper(l) }, want: "not valid"},
		{name: "start link without state", atStart: true, change: func(*harness, string) string { return "" }, want: "not valid"},
		{name: "start link of another key", atStart: true, change: func(h *harness, l string) string {
			foreign := &connect.Service{Key: []byte("another key, also thirty-two by."), BaseURL: h.web.URL}
			link, _ := foreign.StartURL(consent.Connect, guild, admin, t0)
			return link
		}, want: "not valid"},
		{name: "expired start link", atStart: true, advance: consent.TTL, want: "expired"},
		{name: "tampered callback", change: func(_ *harness, l string) string { return strings.Replace(l, "state=v1.", "state=v1.A", 1) }, want: "not valid"},
		{name: "callback after expiry", advance: consent.TTL, want: "expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.kick.SignIn(streamer)
			link := h.startLink(t, consent.Connect, admin)
			var got page
			if tt.atStart {
				if tt.change != nil {
					link = tt.change(h, link)
				}
				if link == "" {
					link = h.web.URL + connect.StartPath
				}
				h.clock.Advance(tt.advance)
				got = h.visit(t, link)
				if len(h.hops) != 1 {
					t.Errorf("the browser went to %v, want no redirect to Kick", h.hops)
				}
			} else {
				// Consent at Kick, but stop before the callback.
				kickURL, err := h.svc.Authorize(strings.TrimPrefix(link, h.web.URL+connect.StartPath+"?state="), t0)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(kickURL)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				callback := resp.Header.Get("Location")
				if tt.change != nil {
					callback = tt.change(h, callback)
				}
				h.clock.Advance(tt.advance)
				got = h.visit(t, callback)
			}
			wantPage(t, got, http.StatusBadRequest, tt.want, "/kick connect or /link")
			h.wantNothingStored(t)
		})
	}
}

// TestAccessDenied: the streamer clicks Deny on Kick's page.
func TestAccessDenied(t *testing.T) {
	h := newHarness(t)
	h.kick.SignIn(streamer)
	h.kick.DenyNext()
	got := h.visit(t, h.startLink(t, consent.Connect, admin))
	wantPage(t, got, http.StatusForbidden, "The Kick channel was not connected", "You declined on Kick", "run /kick connect")
	h.wantNothingStored(t)

	// The link was not spent by the refusal: it still works.
	_ = h.visit(t, h.hop(t, connect.StartPath).String())
	if _, _, _, err := h.store.Connection(t.Context(), guild); err != nil {
		t.Errorf("Connection after consenting with the same link: %v", err)
	}
}

// TestKickErrorPage: an error Kick sends back is shown by its code only,
// escaped, and stores nothing.
func TestKickErrorPage(t *testing.T) {
	h := newHarness(t)
	link := h.startLink(t, consent.Link, member)
	state := strings.TrimPrefix(link, h.web.URL+connect.StartPath+"?state=")
	q := url.Values{"state": {state}, "error": {"server_error<img>"}, "error_description": {"<script>alert(1)</script>"}}
	got := h.visit(t, h.web.URL+connect.CallbackPath+"?"+q.Encode())
	wantPage(t, got, http.StatusBadRequest, "The Kick account was not linked", "(server_errorimg)", "run /link")
	if strings.Contains(got.body, "<script>") || strings.Contains(got.body, "alert") {
		t.Errorf("page shows Kick's error description:\n%s", got.body)
	}
	h.wantNothingStored(t)
}

// TestLinkFlow: a member's /link URL is opened by someone else (a
// forwarded link), who signs in as the viewer. The page names both sides
// and links nothing; another member cannot confirm it; the asking member
// confirms it in Discord (ConfirmLink, which /confirm-link calls) and the
// link takes effect; a second member who signs in as the same viewer is
// refused at confirmation; a sign-in left unconfirmed expires. The bot
// keeps no viewer token.
func TestLinkFlow(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	h.kick.SignIn(viewer)
	got := h.visit(t, h.startLink(t, consent.Link, member))
	wantPage(t, got, http.StatusOK, "Confirm the link in Discord", "<strong>pixelpanda</strong>",
		"Discord member "+member, "server "+guild, "Nothing is linked yet", "/confirm-link", "within 15 minutes", "did not run /link yourself")
	if scope := h.hop(t, "/oauth/authorize").Query().Get("scope"); scope != "user:read" {
		t.Errorf("link asked for scope %q, want user:read", scope)
	}
	if id, name, err := h.store.LinkedKick(ctx, guild, member); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick before the confirmation = %d, %q, %v; want not found", id, name, err)
	}
	if rec, err := h.store.Load(ctx, viewer.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("Load(viewer) = %v, %v; want no credentials kept", rec, err)
	}
	revoked := h.kick.Revoked()
	if len(revoked) != 2 {
		t.Fatalf("Kick revoked %d tokens, want the viewer's access and refresh tokens", len(revoked))
	}
	// The revoked token no longer works.
	h.expectFailure("unknown or revoked access token")
	if _, err := h.api.WhoAmI(ctx, revoked[0]); err == nil {
		t.Error("WhoAmI with the viewer's revoked token succeeded")
	}
	if len(h.kick.Subscriptions(0)) != 0 {
		t.Error("a link subscribed to events")
	}

	// Another member cannot confirm it: the sign-in waits for the member
	// who asked.
	now := h.clock.Now()
	if _, _, err := h.store.ConfirmLink(ctx, guild, other, now); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmLink(other) = %v, want not found", err)
	}
	if _, _, err := h.store.LinkedKick(ctx, guild, other); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick(other) = %v, want not found", err)
	}
	// The member who asked confirms, once.
	if id, name, err := h.store.ConfirmLink(ctx, guild, member, now); err != nil || id != viewer.ID || name != viewer.Name {
		t.Errorf("ConfirmLink(member) = %d, %q, %v; want %d, %q", id, name, err, viewer.ID, viewer.Name)
	}
	if id, name, err := h.store.LinkedKick(ctx, guild, member); err != nil || id != viewer.ID || name != viewer.Name {
		t.Errorf("LinkedKick = %d, %q, %v; want %d, %q", id, name, err, viewer.ID, viewer.Name)
	}
	if _, _, err := h.store.ConfirmLink(ctx, guild, member, now); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmLink again = %v, want not found (the sign-in was used)", err)
	}

	// Another member, same Kick account: refused when they confirm.
	got = h.visit(t, h.startLink(t, consent.Link, other))
	wantPage(t, got, http.StatusOK, "Confirm the link in Discord", "Discord member "+other)
	if _, name, err := h.store.ConfirmLink(ctx, guild, other, h.clock.Now()); !fault.Is(err, fault.Conflict) || name != viewer.Name {
		t.Errorf("ConfirmLink of a taken account = %q, %v; want conflict naming %s", name, err, viewer.Name)
	}
	if _, _, err := h.store.LinkedKick(ctx, guild, other); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick(other) = %v, want not found", err)
	}
	if id, _, err := h.store.LinkedKick(ctx, guild, member); err != nil || id != viewer.ID {
		t.Errorf("LinkedKick(member) = %d, %v; want the link kept", id, err)
	}
	if n := len(h.kick.Revoked()); n != 4 {
		t.Errorf("Kick revoked %d tokens, want the second consent's 2 too", n)
	}

	// A sign-in nobody confirms expires.
	h.kick.SignIn(kickfake.User{ID: 61, Name: "stranger"})
	const third = "555555555555555555"
	_ = h.visit(t, h.startLink(t, consent.Link, third))
	late := h.clock.Now().Add(connect.PendingLinkLife)
	if _, _, err := h.store.ConfirmLink(ctx, guild, third, late); !fault.Is(err, fault.NotFound) {
		t.Errorf("ConfirmLink after %v = %v, want not found", connect.PendingLinkLife, err)
	}
	if _, _, err := h.store.LinkedKick(ctx, guild, third); !fault.Is(err, fault.NotFound) {
		t.Errorf("LinkedKick(third) = %v, want not found", err)
	}
}

// TestPagesEscape: a Kick name is shown as text.
func TestPagesEscape(t *testing.T) {
	h := newHarness(t)
	h.kick.SignIn(kickfake.User{ID: 77, Name: `<img src=x onerror="alert(1)">`})
	got := h.visit(t, h.startLink(t, consent.Link, member))
	wantPage(t, got, http.StatusOK, "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;")
	if strings.Contains(got.body, "<img") {
		t.Errorf("page holds the name unescaped:\n%s", got.body)
	}
}

// TestRepairAllThroughKick: duplicates seeded into the fake are deleted,
// missing subscriptions created, and a disconnected channel's removed.
func TestRepairAllThroughKick(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	const gone = 99
	if err := h.store.ConnectChannel(ctx, guild, streamer.ID, streamer.Name, t0); err != nil {
		t.Fatal(err)
	}
	chat := kickapi.EventVersion{Event: "chat.message.sent", Version: 1}
	live := kickapi.EventVersion{Event: "livestream.status.updated", Version: 1}
	for _, seed := range []struct {
		b      int64
		events []kickapi.EventVersion
	}{{streamer.ID, []kickapi.EventVersion{chat, live}}, {streamer.ID, []kickapi.EventVersion{chat}}, {streamer.ID, []kickapi.EventVersion{chat}}, {gone, []kickapi.EventVersion{chat}}} {
		// Kick accepts duplicates: three chat subscriptions.
		if _, err := h.api.Subscribe(ctx, kickapi.AppToken, seed.b, seed.events); err != nil {
			t.Fatal(err)
		}
	}

	rep, err := h.svc.RepairAll(ctx)
	if err != nil {
		t.Fatalf("RepairAll: %v", err)
	}
	if diff := cmp.Diff(connect.Report{Channels: 1, Created: 8, Removed: 2, Orphans: 1}, rep); diff != "" {
		t.Errorf("RepairAll (-want +got):\n%s", diff)
	}
	subs := h.kick.Subscriptions(streamer.ID)
	if diff := cmp.Diff(wantedKeys(), subKeys(subs)); diff != "" {
		t.Errorf("subscriptions after RepairAll (-want +got):\n%s", diff)
	}
	if len(h.kick.Subscriptions(gone)) != 0 {
		t.Errorf("the disconnected channel keeps subscriptions")
	}
	// The oldest chat subscription is the one kept.
	if first := subs[0]; first.Event != chat.Event {
		t.Errorf("first subscription kept is %s, want the oldest chat one", first.Event)
	}
}

// TestDisconnectThroughKick: after a connect, /kick disconnect deletes the
// subscriptions, revokes the tokens and removes the connection.
func TestDisconnectThroughKick(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	h.kick.SignIn(streamer)
	wantPage(t, h.visit(t, h.startLink(t, consent.Connect, admin)), http.StatusOK)
	rec, err := h.store.Load(ctx, streamer.ID)
	if err != nil {
		t.Fatal(err)
	}

	if err := h.svc.Disconnect(ctx, guild); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	if n := len(h.kick.Subscriptions(0)); n != 0 {
		t.Errorf("Kick holds %d subscriptions after Disconnect, want none", n)
	}
	if got := h.kick.Revoked(); !slices.Equal(got, []string{rec.Access, rec.Refresh}) {
		t.Errorf("Kick revoked %d tokens, want the stored access and refresh tokens", len(got))
	}
	if _, err := h.store.Load(ctx, streamer.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("Load after Disconnect = %v, want not found", err)
	}
	if st, err := h.svc.Status(ctx, guild); err != nil || st.Connected {
		t.Errorf("Status after Disconnect = %+v, %v; want not connected", st, err)
	}
	if err := h.svc.Disconnect(ctx, guild); !fault.Is(err, fault.NotFound) {
		t.Errorf("second Disconnect = %v, want not found", err)
	}
}

// TestSwitchAndDisconnectLeaveTheLiveIndex: a guild whose channel is live
// switches to another channel, which is not live until it says so, and
// then disconnects, after which the sweep no longer visits it.
func TestSwitchAndDisconnectLeaveTheLiveIndex(t *testing.T) {
	h := newHarness(t)
	ctx := t.Context()
	sweeps := func(when string, want ...string) {
		t.Helper()
		got, err := h.store.SweepGuilds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("SweepGuilds %s = %v, want %v", when, got, want)
		}
	}
	h.kick.SignIn(streamer)
	wantPage(t, h.visit(t, h.startLink(t, consent.Connect, admin)), http.StatusOK, "Kick channel connected")
	if err := h.store.SetStreamStatus(ctx, guild, t0, event.Status{Live: true, StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	sweeps("while live", guild)

	second := kickfake.User{ID: 7700001, Name: "southwind"}
	h.kick.SignIn(second)
	wantPage(t, h.visit(t, h.startLink(t, consent.Connect, admin)), http.StatusOK, "<strong>southwind</strong>")
	sweeps("after the switch")
	if st, err := h.store.Stream(ctx, guild); err != nil || st.Live {
		t.Errorf("Stream after the switch = %+v, %v; want not live", st, err)
	}
	if err := h.store.SetStreamStatus(ctx, guild, t0.Add(time.Minute), event.Status{Live: true, StartedAt: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	sweeps("after the new channel went live", guild)

	if err := h.svc.Disconnect(ctx, guild); err != nil {
		t.Fatalf("Disconnect: %v", err)
	}
	sweeps("after Disconnect")
}

func TestRoutes(t *testing.T) {
	h := newHarness(t)
	unset := httptest.NewServer(oauthweb.New(nil, nil, nil))
	t.Cleanup(unset.Close)
	tests := []struct {
		name, method, url string
		status            int
		allow             string
	}{
		{"POST to start", http.MethodPost, h.web.URL + connect.StartPath, http.StatusMethodNotAllowed, "GET, HEAD"},
		{"HEAD to callback", http.MethodHead, h.web.URL + connect.CallbackPath, http.StatusMethodNotAllowed, "GET"},
		{"other path", http.MethodGet, h.web.URL + "/oauth/kick/other", http.StatusNotFound, ""},
		{"not set up: start", http.MethodGet, unset.URL + connect.StartPath + "?state=x", http.StatusServiceUnavailable, ""},
		{"not set up: callback", http.MethodGet, unset.URL + connect.CallbackPath + "?state=x&code=y", http.StatusServiceUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), tt.method, tt.url, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status || resp.Header.Get("Allow") != tt.allow {
				t.Errorf("%s %s = %d, Allow %q; want %d, %q", tt.method, tt.url, resp.StatusCode, resp.Header.Get("Allow"), tt.status, tt.allow)
			}
		})
	}
}

// TestInternalErrorsHideTheCause: an unclassified failure shows a generic
// page, never its text.
func TestInternalErrorsHideTheCause(t *testing.T) {
	srv := httptest.NewServer(oauthweb.New(brokenFlow{}, nil, nil))
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + connect.CallbackPath + "?state=s&code=c")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(body), "secret-cause") || !strings.Contains(string(body), "Something went wrong") {
		t.Errorf("internal failure page = %d:\n%s", resp.StatusCode, body)
	}
}

type brokenFlow struct{}

func (brokenFlow) Authorize(string, time.Time) (string, error) {
	return "", errors.New("secret-cause")
}

func (brokenFlow) Callback(_ context.Context, _, _, _ string, _ time.Time) (connect.Outcome, error) {
	return connect.Outcome{Purpose: consent.Connect}, errors.New("secret-cause")
}
