package kickapi_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/kick/kickapi"
)

const (
	testClientID     = "01JQ7ZC4M2T8Y1B5N0P6R3K9VD"
	testClientSecret = "894b8190e7d2c4a6f1b3d5e7a9c0b2d4f6e8a1c3b5d7f9e0a2c4b6d8f0e1a3c5"
)

// fakeKick plays both of Kick's hosts. It checks every request it gets the
// way Kick would and records what it saw.
type fakeKick struct {
	t   *testing.T
	srv *httptest.Server

	// tokenReply answers token request n (1-based) once it has been checked;
	// nil issues tokenValue(n) valid for an hour.
	tokenReply func(w http.ResponseWriter, n int)
	// channelsReply answers a checked channels request; nil answers with one
	// channel per id.
	channelsReply func(w http.ResponseWriter, token string, ids []int64)

	mu         sync.Mutex
	tokenHits  int
	issued     []string  // tokens handed out, in order
	bearers    []string  // token of each channels request, in order
	idRequests [][]int64 // ids of each channels request, in order
}

func newFakeKick(t *testing.T) *fakeKick {
	t.Helper()
	f := &fakeKick{t: t}
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/token", f.token)
	mux.HandleFunc("/public/v1/channels", f.channels)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("fake kick: unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// client returns a Client of the test app pointed at f, with time from now
// when it is not nil.
func (f *fakeKick) client(now func() time.Time) *kickapi.Client {
	c := kickapi.New(testClientID, testClientSecret)
	c.HTTP = f.srv.Client()
	c.APIBase = f.srv.URL
	c.AuthBase = f.srv.URL + "/"
	if now != nil {
		c.Now = now
	}
	return c
}

func tokenValue(n int) string { return fmt.Sprintf("app-token-%d-MDJMMWNMZTUTYJQ2", n) }

func (f *fakeKick) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		f.t.Errorf("token request method = %s, want POST", r.Method)
	}
	if got := r.Header.Get("Content-Type"); got != "application/x-www-form-urlencoded" {
		f.t.Errorf("token request Content-Type = %q, want application/x-www-form-urlencoded", got)
	}
	if got := r.Header.Get("Authorization"); got != "" {
		f.t.Errorf("token request Authorization = %q, want none", got)
	}
	if len(r.URL.RawQuery) > 0 {
		f.t.Errorf("token request query = %q, want none: credentials go in the body", r.URL.RawQuery)
	}
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("token request form: %v", err)
	}
	want := map[string]string{
		"grant_type":    "client_credentials",
		"client_id":     testClientID,
		"client_secret": testClientSecret,
	}
	for k, v := range want {
		if got := r.PostForm[k]; len(got) != 1 || got[0] != v {
			f.t.Errorf("token request form %s = %q, want [%q]", k, got, v)
		}
	}
	if len(r.PostForm) != len(want) {
		f.t.Errorf("token request form has %d fields, want %d: %v", len(r.PostForm), len(want), keys(r.PostForm))
	}

	f.mu.Lock()
	f.tokenHits++
	n := f.tokenHits
	f.mu.Unlock()
	if f.tokenReply != nil {
		f.tokenReply(w, n)
		return
	}
	f.issue(w, n, `3600`)
}

// issue answers token request n with tokenValue(n) and expiresIn, a JSON
// value; "" leaves expires_in out.
func (f *fakeKick) issue(w http.ResponseWriter, n int, expiresIn string) {
	tok := tokenValue(n)
	f.mu.Lock()
	f.issued = append(f.issued, tok)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if expiresIn == "" {
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer"}`, tok)
		return
	}
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%s}`, tok, expiresIn)
}

func (f *fakeKick) channels(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		f.t.Errorf("channels request method = %s, want GET", r.Method)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	known := slices.Contains(f.issued, tok)
	f.mu.Unlock()
	if !ok || !known {
		f.t.Errorf("channels request Authorization = %q, want Bearer and an issued token", r.Header.Get("Authorization"))
	}
	q := r.URL.Query()
	if len(q) != 1 {
		f.t.Errorf("channels request query parameters = %v, want only broadcaster_user_id", keys(q))
	}
	var ids []int64
	for _, s := range q["broadcaster_user_id"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			f.t.Errorf("channels request broadcaster_user_id = %q, want an integer", s)
		}
		ids = append(ids, id)
	}
	if len(ids) < 1 || len(ids) > 50 {
		f.t.Errorf("channels request has %d ids, want 1 to 50", len(ids))
	}

	f.mu.Lock()
	f.bearers = append(f.bearers, tok)
	f.idRequests = append(f.idRequests, ids)
	f.mu.Unlock()
	if f.channelsReply != nil {
		f.channelsReply(w, tok, ids)
		return
	}
	writeChannels(w, ids)
}

// writeChannels answers with an offline channel for each id.
func writeChannels(w http.ResponseWriter, ids []int64) {
	type item struct {
		ID   int64  `json:"broadcaster_user_id"`
		Slug string `json:"slug"`
	}
	body := struct {
		Data    []item `json:"data"`
		Message string `json:"message"`
	}{Data: []item{}, Message: "OK"}
	for _, id := range ids {
		body.Data = append(body.Data, item{ID: id, Slug: fmt.Sprintf("channel%d", id)})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// hits returns how many token and channels requests f has had.
func (f *fakeKick) hits() (token, channels int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenHits, len(f.idRequests)
}

func (f *fakeKick) seenIDs() [][]int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.idRequests)
}

func (f *fakeKick) seenBearers() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bearers)
}

func keys(v url.Values) []string { return slices.Sorted(maps.Keys(v)) }

// checkNoSecret fails t if err's text holds the client secret or a token f
// handed out.
func (f *fakeKick) checkNoSecret(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	f.mu.Lock()
	secrets := append([]string{testClientSecret}, f.issued...)
	f.mu.Unlock()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains the secret or a token", err)
		}
	}
}
