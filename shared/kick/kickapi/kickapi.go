// Package kickapi calls Kick's public REST API and its OAuth server.
//
// As the app itself it holds an app access token from the
// client-credentials grant, cached in memory until shortly before it
// expires, and reads what an app token may read, such as channels and their
// live status. For users it builds the authorization URL, redeems the code
// with its PKCE verifier, refreshes and revokes user tokens, and makes the
// calls that need a user token: who the user is, event subscriptions and
// chat messages. User tokens belong to the caller, which stores and
// refreshes them; the Client keeps none.
//
// Errors carry a fault kind: Invalid when an argument is wrong (nothing is
// sent), Transient when Kick is down, slow or rate limiting (a retry may
// help), Forbidden when Kick rejects the app's credentials, a token or a
// grant, or when a user token lacks a scope, Internal when Kick rejects our
// request or answers with something we cannot read. Two sentinels say more
// about a Forbidden error: ErrUnauthorized (a user token stopped working:
// refresh it and try once more) and ErrRejected (Kick refused a refresh
// token or an authorization code: only a new authorization helps). No error
// text holds the client secret, a token, an authorization code or a code
// verifier: every answer is scrubbed of the credentials its request
// carried (shared/redact) before anything reads it.
package kickapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/redact"
)

// Where Kick serves its API and its OAuth server: two different hosts.
const (
	DefaultAPIBase  = "https://api.kick.com"
	DefaultAuthBase = "https://id.kick.com"
)

// DefaultTimeout bounds each HTTP exchange of a Client made by New, so a hung
// Kick cannot use up a Lambda invocation.
const DefaultTimeout = 10 * time.Second

const (
	// maxBody bounds a success body read; 50 channels are about 50 KiB.
	maxBody = 4 << 20
	// maxErrorBody bounds an error body read; only its message is kept.
	maxErrorBody = 4 << 10
	// maxDetail bounds the text of Kick's own error message kept in errors.
	maxDetail = 200
)

// Client calls Kick with the app's access token, or with a user token the
// caller passes. Set the fields before first use and do not change them
// after; the methods are safe for concurrent use.
type Client struct {
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
	// APIBase is the REST API's origin; "" means DefaultAPIBase.
	APIBase string
	// AuthBase is the OAuth server's origin; "" means DefaultAuthBase.
	AuthBase string
	// ClientID and ClientSecret are the Kick app's credentials.
	ClientID, ClientSecret string
	// Now tells the time for token expiry; nil means time.Now.
	Now func() time.Time

	httpOnce sync.Once
	http     *http.Client // HTTP with a transport that scrubs answers

	mu       sync.Mutex
	token    string
	expires  time.Time  // when token stops being used, already less tokenSkew
	inflight *tokenCall // the token request under way, if any
	onWait   func()     // test hook: a caller starts waiting for inflight
}

// New returns a Client for the app with these credentials, talking to Kick's
// production hosts with DefaultTimeout per request.
func New(clientID, clientSecret string) *Client {
	return &Client{
		HTTP:         &http.Client{Timeout: DefaultTimeout},
		APIBase:      DefaultAPIBase,
		AuthBase:     DefaultAuthBase,
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Now:          time.Now,
	}
}

// httpClient is HTTP (or http.DefaultClient) with every answer scrubbed of
// the credentials its request carried: the one place that keeps a Kick
// that echoes a request from putting a token or the client secret into
// an error, whichever call made it. Each call is counted by status
// (metric.Calls).
func (c *Client) httpClient() *http.Client {
	c.httpOnce.Do(func() {
		h := http.DefaultClient
		if c.HTTP != nil {
			h = c.HTTP
		}
		counted := *h
		counted.Transport = metric.Calls(metric.KickAPICalls, h.Transport)
		c.http = redact.Client(&counted)
	})
	return c.http
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *Client) apiBase() string  { return base(c.APIBase, DefaultAPIBase) }
func (c *Client) authBase() string { return base(c.AuthBase, DefaultAuthBase) }

func base(s, def string) string {
	if s == "" {
		return def
	}
	return strings.TrimRight(s, "/")
}

// AppToken, passed as the user token of a method that Kick also serves to
// app tokens (the event subscription methods), makes the call with the
// app's own token, which needs no user's consent and never needs
// refreshing by the caller.
const AppToken = ""

// ErrUnauthorized is in the chain of the error of a call whose user token
// Kick refused with 401: it expired early, was revoked, or was never valid.
// Refresh the token and try once more; if that fails too, the user must
// authorize again. Such errors are of kind fault.Forbidden.
var ErrUnauthorized = errors.New("kick refused the user token")

// call is one request to the REST API.
type call struct {
	method string
	path   string
	query  url.Values
	body   any    // sent as JSON unless nil
	what   string // names the call in errors
}

// do sends r with userToken, or with the app token when userToken is
// AppToken, and decodes a 2xx body into out; a nil out ignores the body.
// A user token's 401 is ErrUnauthorized, and its 403 is fault.Forbidden:
// the user did not grant a scope the call needs.
func (c *Client) do(ctx context.Context, userToken string, r call, out any) error {
	if userToken == AppToken {
		return c.doAsApp(ctx, r, out)
	}
	resp, err := c.send(ctx, r, userToken)
	if err != nil {
		return err
	}
	defer closeBody(resp)
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fault.Wrap(fault.Forbidden, fmt.Errorf("%w: %w", ErrUnauthorized, c.statusError(resp)), r.what)
	case http.StatusForbidden:
		return fault.Wrap(fault.Forbidden, c.statusError(resp), r.what)
	}
	return c.decode(resp, r.what, out)
}

// doAsApp is do with the app token. A 401 means the token died early
// (revoked, or Kick forgot it): it is dropped and the request is sent once
// more with a fresh one.
func (c *Client) doAsApp(ctx context.Context, r call, out any) error {
	tok, err := c.appToken(ctx)
	if err != nil {
		return err
	}
	resp, err := c.send(ctx, r, tok)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		closeBody(resp)
		c.invalidate(tok)
		if tok, err = c.appToken(ctx); err != nil {
			return err
		}
		if resp, err = c.send(ctx, r, tok); err != nil {
			return err
		}
		if resp.StatusCode == http.StatusUnauthorized {
			defer closeBody(resp)
			return fault.Wrap(fault.Forbidden, c.statusError(resp), "kick rejected the app token")
		}
	}
	defer closeBody(resp)
	return c.decode(resp, r.what, out)
}

// send makes one request with token as its bearer.
func (c *Client) send(ctx context.Context, r call, token string) (*http.Response, error) {
	u := c.apiBase() + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fault.Wrap(fault.Internal, err, r.what)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fault.Wrap(fault.Internal, err, r.what)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		// No answer: the network, a timeout or our context. The URL in
		// err carries no secret; the token is in a header.
		return nil, fault.Wrap(fault.Transient, err, r.what)
	}
	return resp, nil
}

// decode checks resp's status and decodes its body into out, unless out is
// nil.
func (c *Client) decode(resp *http.Response, what string, out any) error {
	if resp.StatusCode/100 != 2 {
		return fault.Wrap(statusKind(resp.StatusCode), c.statusError(resp), what)
	}
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return fault.Wrap(fault.Internal, fmt.Errorf("decode response: %w", err), what)
	}
	return nil
}

// statusKind classifies a failed API answer: rate limits and server errors
// may pass, any other refusal means our request is wrong.
func statusKind(code int) fault.Kind {
	if code == http.StatusTooManyRequests || code >= 500 {
		return fault.Transient
	}
	return fault.Internal
}

// statusError describes a non-2xx answer with Kick's own message, if any.
type statusError struct {
	status int
	// oauth is the OAuth server's error code, such as "invalid_grant".
	oauth  string
	detail string
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("kick answered %d %s", e.status, http.StatusText(e.status))
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

// statusError reads the message from an error body: the API's
// {"message": ...} or the OAuth server's {"error", "error_description"}.
// Kick's text is clipped; the transport already took out whatever
// credential of the request it echoed.
func (c *Client) statusError(resp *http.Response) *statusError {
	var body struct {
		Message     string `json:"message"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var parts []string
	if json.Unmarshal(raw, &body) == nil {
		for _, s := range []string{body.Message, body.Error, body.Description} {
			if s = strings.TrimSpace(s); s != "" {
				parts = append(parts, s)
			}
		}
	}
	return &statusError{
		status: resp.StatusCode,
		oauth:  clip(strings.TrimSpace(body.Error)),
		detail: clip(strings.Join(parts, ": ")),
	}
}

// clip makes text Kick sent valid UTF-8 and clips it to maxDetail bytes
// without splitting a character.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxDetail {
		return s
	}
	n := maxDetail
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// closeBody drains a little of what is left, so the connection can be
// reused, and closes the body.
func closeBody(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
}
