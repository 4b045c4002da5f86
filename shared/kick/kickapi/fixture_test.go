package kickapi_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

const (
	testRedirect = "https://bot.example/kick/callback"
	// testVerifier and testChallenge are RFC 7636's example pair.
	testVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

var (
	streamer = kickfake.User{ID: 4402117, Name: "northwind"}
	viewer   = kickfake.User{ID: 51234077, Name: "pixelpanda"}
)

// fixture is a kickfake.Server on httptest, a Client of the test app
// pointed at it, and the clock both use. At the end of the test it fails
// the test if the fake refused anything the test did not expect.
type fixture struct {
	kick   *kickfake.Server
	srv    *httptest.Server
	client *kickapi.Client
	clock  *clock.Manual

	// wrap, when set, handles each request in place of the fake; it may
	// pass it on to next.
	wrap func(w http.ResponseWriter, r *http.Request, next http.Handler)

	mu       sync.Mutex
	requests []string // "METHOD /path" of each request, in order
	expected []string // substrings of the failures expected, in order
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{clock: clock.New(t0)}
	f.kick = &kickfake.Server{
		ClientID:     testClientID,
		ClientSecret: testClientSecret,
		RedirectURIs: []string{testRedirect},
		Now:          f.clock.Now,
	}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		if f.wrap != nil {
			f.wrap(w, r, f.kick)
			return
		}
		f.kick.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	f.client = f.newClient(testClientSecret)
	t.Cleanup(func() { f.checkFailures(t) })
	return f
}

// newClient returns a Client of the test app, with this secret, pointed
// at the fake.
func (f *fixture) newClient(secret string) *kickapi.Client {
	c := kickapi.New(testClientID, secret)
	c.HTTP = f.srv.Client()
	c.APIBase, c.AuthBase = f.srv.URL, f.srv.URL
	c.Now = f.clock.Now
	return c
}

// expectFailure says that the fake is to refuse a request for a reason
// containing substr; expected failures are matched in order.
func (f *fixture) expectFailure(substr string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expected = append(f.expected, substr)
}

func (f *fixture) checkFailures(t *testing.T) {
	t.Helper()
	got := f.kick.Failures()
	f.mu.Lock()
	want := f.expected
	f.mu.Unlock()
	ok := len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = strings.Contains(got[i], want[i])
	}
	if !ok {
		t.Errorf("fake kick failures = %q, want ones containing %q", got, want)
	}
}

// requestCount returns how many requests reached the server.
func (f *fixture) requestCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// consent plays the browser: it opens the authorize URL for p and returns
// the query Kick sent the browser back to p.RedirectURI with.
func (f *fixture) consent(t *testing.T, p kickapi.AuthorizeParams) url.Values {
	t.Helper()
	browser := *f.srv.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := browser.Get(f.client.AuthorizeURL(p))
	if err != nil {
		t.Fatalf("open authorize URL: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatalf("authorize Location: %v", err)
	}
	if back := loc.Scheme + "://" + loc.Host + loc.Path; back != p.RedirectURI {
		t.Fatalf("authorize redirected to %q, want %q", back, p.RedirectURI)
	}
	return loc.Query()
}

// params are the authorization parameters of the tests' usual request.
func params(scopes ...string) kickapi.AuthorizeParams {
	return kickapi.AuthorizeParams{RedirectURI: testRedirect, Scopes: scopes, State: "state-1", CodeChallenge: testChallenge}
}

// connect signs u in, runs the consent for scopes and redeems the code.
func (f *fixture) connect(t *testing.T, u kickfake.User, scopes ...string) kickapi.Token {
	t.Helper()
	f.kick.SignIn(u)
	code := f.consent(t, params(scopes...)).Get("code")
	tok, err := f.client.Exchange(t.Context(), code, testVerifier, testRedirect)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	return tok
}

// checkNoSecret fails t if err's text holds the client secret or any of
// secrets.
func checkNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range append([]string{testClientSecret}, secrets...) {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret (%.8s…)", err, s)
		}
	}
}
