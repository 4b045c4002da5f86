// Package kickapi calls Kick's public REST API as the app itself, not as a
// user: it holds an app access token from the client-credentials grant,
// cached in memory until shortly before it expires, and reads what an app
// token may read, such as channels and their live status.
//
// Errors carry a fault kind: Transient when Kick is down, slow or rate
// limiting (a retry may help), Forbidden when Kick rejects the app's
// credentials or token, Internal when Kick rejects our request or answers
// with something we cannot read. No error text holds the client secret or
// a token.
package kickapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
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

// Client calls Kick with an app access token. Set the fields before first
// use and do not change them after; the methods are safe for concurrent use.
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

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
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

// get sends GET path?query with the app token and decodes a 2xx body into
// out. A 401 means the token died early (revoked, or Kick forgot it): it is
// dropped and the request is sent once more with a fresh one. what names the
// call in errors.
func (c *Client) get(ctx context.Context, path string, query url.Values, out any, what string) error {
	u := c.apiBase() + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	resp, tok, err := c.send(ctx, u, what)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusUnauthorized {
		closeBody(resp)
		c.invalidate(tok)
		resp, tok, err = c.send(ctx, u, what)
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusUnauthorized {
			defer closeBody(resp)
			return fault.Wrap(fault.Forbidden, c.statusError(resp, tok), "kick rejected the app token")
		}
	}
	defer closeBody(resp)
	if resp.StatusCode/100 != 2 {
		err := c.statusError(resp, tok)
		return fault.Wrap(statusKind(resp.StatusCode), err, what)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(out); err != nil {
		return fault.Wrap(fault.Internal, fmt.Errorf("decode response: %w", err), what)
	}
	return nil
}

// send makes one GET with the current app token and returns the response
// and the token it used.
func (c *Client) send(ctx context.Context, u, what string) (*http.Response, string, error) {
	tok, err := c.appToken(ctx)
	if err != nil {
		return nil, "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", fault.Wrap(fault.Internal, err, what)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		// No answer: the network, a timeout or our context. The URL in
		// err carries no secret; the token is in a header.
		return nil, "", fault.Wrap(fault.Transient, err, what)
	}
	return resp, tok, nil
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
	code   int
	detail string
}

func (e *statusError) Error() string {
	s := fmt.Sprintf("kick answered %d %s", e.code, http.StatusText(e.code))
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

// statusError reads the message from an error body: the API's
// {"message": ...} or the OAuth server's {"error", "error_description"}.
// Kick's text is clipped and scrubbed of the secret and token, in case it
// ever echoes what it was sent.
func (c *Client) statusError(resp *http.Response, token string) error {
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
	return &statusError{code: resp.StatusCode, detail: c.scrub(strings.Join(parts, ": "), token)}
}

// scrub removes the client secret and token from text Kick sent, then clips
// it to maxDetail bytes without splitting a character.
func (c *Client) scrub(s, token string) string {
	for _, secret := range []string{c.ClientSecret, token} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
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
