package kickapi_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/subscription"
)

// TestAdapterConsent runs a consent through the adapter: the authorize
// URL it builds, the code it redeems, the user it asks for, and the
// revocation of both tokens.
func TestAdapterConsent(t *testing.T) {
	f := newFixture(t)
	a := kickapi.Adapter{Client: f.client}
	f.kick.SignIn(streamer)

	u, err := url.Parse(a.AuthorizeURL(connect.Authorization{
		RedirectURI: testRedirect, Scopes: []string{"user:read", "chat:write"}, State: "state-1", Challenge: testChallenge,
	}))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	for k, want := range map[string]string{
		"redirect_uri": testRedirect, "scope": "user:read chat:write", "state": "state-1",
		"code_challenge": testChallenge, "code_challenge_method": "S256", "client_id": testClientID,
	} {
		if got := q.Get(k); got != want {
			t.Errorf("AuthorizeURL %s = %q, want %q", k, got, want)
		}
	}

	back := f.consent(t, params("user:read", "chat:write"))
	tok, err := a.Exchange(t.Context(), back.Get("code"), testVerifier, testRedirect)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	if tok.Access == "" || tok.Refresh == "" || tok.Expiry.IsZero() || !slices.Equal(tok.Scopes, []string{"user:read", "chat:write"}) {
		t.Errorf("Exchange = %v, want both tokens, an expiry and the scopes", tok)
	}
	me, err := a.WhoAmI(t.Context(), tok.Access)
	if err != nil || me != (connect.User{ID: streamer.ID, Name: streamer.Name}) {
		t.Errorf("WhoAmI = %+v, %v; want %+v", me, err, streamer)
	}
	for _, r := range []struct {
		token string
		kind  connect.TokenKind
	}{{tok.Access, connect.AccessToken}, {tok.Refresh, connect.RefreshToken}} {
		if err := a.Revoke(t.Context(), r.token, r.kind); err != nil {
			t.Errorf("Revoke(%v): %v", r.kind, err)
		}
	}
	if got := f.kick.Revoked(); !slices.Equal(got, []string{tok.Access, tok.Refresh}) {
		t.Errorf("fake revoked %d tokens, want the access and then the refresh token", len(got))
	}
	if err := a.Revoke(t.Context(), "x", 0); !fault.Is(err, fault.Invalid) {
		t.Errorf("Revoke of an unknown kind = %v, want invalid", err)
	}
}

// TestAdapterRefresher: the adapter is the credential.Refresher a
// credential.Source uses; a refused refresh token is Rejected, an outage
// is not.
func TestAdapterRefresher(t *testing.T) {
	f := newFixture(t)
	var r credential.Refresher = kickapi.Adapter{Client: f.client}
	_, refresh := f.kick.IssueUserToken(streamer, "chat:write")

	tok, err := r.Refresh(t.Context(), refresh)
	if err != nil || tok.Access == "" || tok.Refresh == "" || tok.Refresh == refresh {
		t.Fatalf("Refresh = %v, %v; want a new pair", tok, err)
	}
	f.expectFailure("unknown, revoked or already used refresh token")
	_, err = r.Refresh(t.Context(), refresh)
	if !r.Rejected(err) {
		t.Errorf("Rejected(%v) = false for a used refresh token, want true", err)
	}
	f.kick.FailNext("/oauth/token", 1, http.StatusServiceUnavailable)
	_, err = r.Refresh(t.Context(), tok.Refresh)
	if err == nil || r.Rejected(err) {
		t.Errorf("Refresh during an outage = %v, Rejected %v; want an error that is not Rejected", err, r.Rejected(err))
	}
	if r.Rejected(errors.New("other")) {
		t.Error("Rejected(plain error) = true, want false")
	}
}

// TestAdapterSubscriptions: subscribe, list and unsubscribe go with the
// app token and speak subscription.Sub.
func TestAdapterSubscriptions(t *testing.T) {
	f := newFixture(t)
	a := kickapi.Adapter{Client: f.client}
	chat := subscription.EventVersion{Event: "chat.message.sent", Version: 1}
	live := subscription.EventVersion{Event: "livestream.status.updated", Version: 1}

	created, err := a.Subscribe(t.Context(), streamer.ID, []subscription.EventVersion{chat, live})
	if err != nil || len(created) != 2 {
		t.Fatalf("Subscribe = %v, %v; want two subscriptions", created, err)
	}
	for i, want := range []subscription.EventVersion{chat, live} {
		if created[i].Key() != want || created[i].Broadcaster != streamer.ID || created[i].ID == "" {
			t.Errorf("Subscribe created[%d] = %+v, want %v of %d with an id", i, created[i], want, streamer.ID)
		}
	}
	listed, err := a.Subscriptions(t.Context())
	if err != nil {
		t.Fatalf("Subscriptions: %v", err)
	}
	if diff := cmp.Diff(created, listed); diff != "" {
		t.Errorf("Subscriptions (-want +got):\n%s", diff)
	}
	if err := a.Unsubscribe(t.Context(), []string{created[0].ID}); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if held := f.kick.Subscriptions(0); len(held) != 1 || held[0].ID != created[1].ID {
		t.Errorf("fake holds %+v, want only %s", held, created[1].ID)
	}
	// Only the app token was used: one client-credentials grant, no user.
	if got := f.kick.TokenCalls("client_credentials"); got != 1 {
		t.Errorf("client_credentials token calls = %d, want 1", got)
	}
}
