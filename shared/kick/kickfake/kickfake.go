// Package kickfake is an in-memory stand-in for Kick's OAuth server
// (id.kick.com) and the part of its REST API (api.kick.com) that the bot
// uses, for tests and the local runner. Serve a Server (httptest.NewServer,
// or a route of the runner) and point a kickapi.Client's AuthBase and
// APIBase both at it.
//
// It checks what it receives the way Kick does, answers a request Kick
// would refuse with the status and body Kick would send, and records why in
// Failures, so that a test can assert that nothing was refused (or that
// the right thing was). Where Kick's behaviour is documented loosely, the
// fake is the strict reading: PKCE is checked, codes are single-use,
// scopes are enforced, and refresh tokens rotate (Kick has called its
// refresh tokens reusable since 11/2025, but a client that does not store
// the newest one is wrong all the same).
//
// Routes:
//
//   - GET /oauth/authorize: consents as the signed-in user (SignIn) by
//     redirecting to redirect_uri with code and state, or error=access_denied
//     after DenyNext; with ConsentPage it first shows Approve and Deny links.
//   - POST /oauth/token: authorization_code (with PKCE S256),
//     refresh_token and client_credentials grants.
//   - POST /oauth/revoke: token and token_hint_type in the query (or body).
//   - GET /public/v1/users: the token's user, or users by id.
//   - GET, POST, DELETE /public/v1/events/subscriptions: the app's
//     subscriptions; duplicates are allowed, as on Kick.
//   - POST /public/v1/chat: a chat message, kept for Messages.
//   - GET /public/v1/channels: channels by broadcaster_user_id or slug.
//
// A Server is safe for concurrent use. Set its exported fields before it
// serves the first request and do not change them after; change what it
// does later through its methods.
package kickfake

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultTokenLifetime is the expires_in of access tokens when
// Server.TokenLifetime is 0: about what Kick gives user tokens.
const DefaultTokenLifetime = 2 * time.Hour

// codeLifetime is how long an authorization code may wait to be redeemed.
const codeLifetime = 10 * time.Minute

// maxBody bounds a request body the fake reads.
const maxBody = 1 << 20

// Server is a fake Kick: OAuth server and REST API in one http.Handler.
type Server struct {
	// ClientID and ClientSecret are the credentials of the one Kick app
	// the fake knows.
	ClientID, ClientSecret string
	// RedirectURIs are the app's registered redirect URLs. An
	// authorization request and its code exchange must name one of them
	// exactly.
	RedirectURIs []string
	// ConsentPage makes GET /oauth/authorize show a page with Approve and
	// Deny links instead of consenting at once, for a person clicking
	// through the local runner.
	ConsentPage bool
	// TokenLifetime is the expires_in of access tokens; 0 means
	// DefaultTokenLifetime.
	TokenLifetime time.Duration
	// Now tells the time for token and code expiry; nil means time.Now.
	Now func() time.Time

	mu         sync.Mutex
	user       *User
	denyNext   bool
	users      map[int64]User
	codes      map[string]*authCode
	access     map[string]accessToken
	refresh    map[string]grant
	rejected   map[string]bool
	grants     int
	tokenCalls map[string]int
	revoked    []string
	subs       []Subscription
	seq        uint64
	messages   []Message
	channels   map[int64]Channel
	failNext   map[string][]int
	failures   []string
}

// User is a Kick account.
type User struct {
	ID   int64
	Name string
}

// Subscription is an event subscription the fake holds.
type Subscription struct {
	// ID is a ULID: ids made later sort after earlier ones.
	ID                string
	BroadcasterUserID int64
	Event             string
	Version           int
	CreatedAt         time.Time
}

// Message is a chat message the fake accepted.
type Message struct {
	// ID is the message_id the fake answered with, a UUID.
	ID string
	// BroadcasterUserID is the channel the message was posted in.
	BroadcasterUserID int64
	// Type is "bot" (the app's bot account posted it) or "user".
	Type string
	// SenderUserID is the token owner, who posted it when Type is "user"
	// and whose channel the bot posted in when it is "bot".
	SenderUserID int64
	Content      string
	// ReplyTo is the reply_to_message_id sent, if any.
	ReplyTo string
}

// Channel is what GET /public/v1/channels answers for a broadcaster.
type Channel struct {
	BroadcasterUserID int64
	Slug              string
	Title             string
	CategoryID        int64
	CategoryName      string
	Live              bool
	ViewerCount       int64
	StartedAt         time.Time
	// Thumbnail is the stream's preview image; "" while Kick has none.
	Thumbnail string
}

// grant is what a token stands for: one consent of a user (or the app)
// to a set of scopes. Refreshing keeps the grant; revoking a refresh token
// ends it.
type grant struct {
	id     int
	user   User // zero for the app's own token
	scopes []string
}

func (g grant) has(scope string) bool { return slices.Contains(g.scopes, scope) }

type accessToken struct {
	grant
	expires time.Time
}

type authCode struct {
	grant
	redirectURI string
	challenge   string
	expires     time.Time
	used        bool
}

// SignIn makes u the Kick user signed in on the consent page: the next
// authorization requests consent as u. u is also a known user from then
// on, for /public/v1/users and /public/v1/channels.
func (s *Server) SignIn(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.user = &u
	s.users[u.ID] = u
}

// DenyNext makes the next authorization request end as if the user had
// clicked Deny: a redirect with error=access_denied.
func (s *Server) DenyNext() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denyNext = true
}

// IssueUserToken returns a token pair for u with these scopes, as if u had
// consented and the code had been redeemed, for tests that start later
// than the consent.
func (s *Server) IssueUserToken(u User, scopes ...string) (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.users[u.ID] = u
	access, refresh, _ = s.issue(s.newGrant(u, scopes), true)
	return access, refresh
}

// Expire makes an access token stop working now, as if its lifetime had
// run out: Kick then answers 401.
func (s *Server) Expire(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if a, ok := s.access[accessToken]; ok {
		a.expires = time.Time{}
		s.access[accessToken] = a
	}
}

// RejectRefresh makes refresh grants with these refresh tokens fail with
// invalid_grant, as Kick's do when a refresh token dies of age.
func (s *Server) RejectRefresh(refreshTokens ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for _, t := range refreshTokens {
		s.rejected[t] = true
	}
}

// FailNext makes the next n requests to path (such as "/public/v1/chat")
// fail with status and the body Kick sends with it, before any check: for
// rate limits (429) and outages (5xx). They are not Failures.
func (s *Server) FailNext(path string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	for range n {
		s.failNext[path] = append(s.failNext[path], status)
	}
}

// SetChannel makes /public/v1/channels answer ch for its broadcaster.
// Without one, a known user's channel is offline with the user's name as
// its slug.
func (s *Server) SetChannel(ch Channel) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.channels[ch.BroadcasterUserID] = ch
}

// Failures returns why each request that the fake refused, or that Kick
// would silently ignore, was wrong, oldest first: "METHOD /path: reason".
// A test whose client does nothing wrong expects none.
func (s *Server) Failures() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures)
}

// TokenCalls returns how many requests the token endpoint had with this
// grant_type ("authorization_code", "refresh_token",
// "client_credentials"), refused ones included.
func (s *Server) TokenCalls(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls[grantType]
}

// Revoked returns the tokens that revoke requests named, oldest first,
// whether or not they were still valid.
func (s *Server) Revoked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.revoked)
}

// Subscriptions returns the subscriptions of broadcaster, or of every
// broadcaster when it is 0, oldest first.
func (s *Server) Subscriptions(broadcaster int64) []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.subs {
		if broadcaster == 0 || sub.BroadcasterUserID == broadcaster {
			out = append(out, sub)
		}
	}
	return out
}

// Messages returns the chat messages accepted, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.messages)
}

// init makes the maps of a zero Server. s.mu is held.
func (s *Server) init() {
	if s.users != nil {
		return
	}
	s.users = map[int64]User{}
	s.codes = map[string]*authCode{}
	s.access = map[string]accessToken{}
	s.refresh = map[string]grant{}
	s.rejected = map[string]bool{}
	s.tokenCalls = map[string]int{}
	s.channels = map[int64]Channel{}
	s.failNext = map[string][]int{}
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// ServeHTTP answers r as Kick would; the package comment lists the routes.
// Anything else is 404 and a failure.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Read the body before taking the lock, so a slow client holds up
	// no one, and put it back for the handlers.
	raw, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = io.NopCloser(bytes.NewReader(raw))

	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	if r.URL.Path == "/oauth/token" && r.Method == http.MethodPost {
		_ = r.ParseForm()
		s.tokenCalls[r.PostForm.Get("grant_type")]++
	}
	if codes := s.failNext[r.URL.Path]; len(codes) > 0 {
		s.failNext[r.URL.Path] = codes[1:]
		injectedError(w, r, codes[0])
		return
	}

	switch r.Method + " " + r.URL.Path {
	case "GET /oauth/authorize":
		s.authorize(w, r)
	case "POST /oauth/token":
		s.token(w, r)
	case "POST /oauth/revoke":
		s.revoke(w, r)
	case "GET /public/v1/users":
		s.whoIs(w, r)
	case "GET /public/v1/events/subscriptions":
		s.listSubscriptions(w, r)
	case "POST /public/v1/events/subscriptions":
		s.subscribe(w, r)
	case "DELETE /public/v1/events/subscriptions":
		s.unsubscribe(w, r)
	case "POST /public/v1/chat":
		s.chat(w, r)
	case "GET /public/v1/channels":
		s.channelsOf(w, r)
	default:
		s.fail(r, "no such route")
		apiError(w, http.StatusNotFound, "Not Found")
	}
}

// fail records why r was refused. s.mu is held.
func (s *Server) fail(r *http.Request, format string, args ...any) {
	s.failures = append(s.failures, r.Method+" "+r.URL.Path+": "+fmt.Sprintf(format, args...))
}

// injectedError answers a FailNext status in the style of r's host.
func injectedError(w http.ResponseWriter, r *http.Request, status int) {
	if strings.HasPrefix(r.URL.Path, "/oauth/") {
		oauthError(w, status, "server_error", http.StatusText(status))
		return
	}
	apiError(w, status, http.StatusText(status))
}

// apiError answers with the REST API's error envelope.
func apiError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]any{"data": nil, "message": message})
}

// oauthError answers with the OAuth server's error body.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// writeData answers 200 with the REST API's success envelope.
func writeData(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "message": "OK"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// secret returns a new random token or code with a readable prefix.
func secret(prefix string) string { return prefix + rand.Text() + rand.Text() }

// ulid returns a new ULID: 48 bits of milliseconds, then the fake's
// sequence number and random bits, so that later ids sort after earlier
// ones. s.mu is held.
func (s *Server) ulid() string {
	const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	s.seq++
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(s.now().UnixMilli())<<16|s.seq>>24&0xFFFF)
	binary.BigEndian.PutUint64(b[8:], s.seq<<40)
	_, _ = rand.Read(b[11:])
	// 26 characters of 5 bits hold 130 bits; the first character takes
	// the top 3 bits of the 128.
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	out := make([]byte, 26)
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out)
}

// uuid returns a new random UUID (version 4).
func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
