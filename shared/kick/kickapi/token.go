package kickapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/redact"
)

// tokenSkew is how long before Kick's stated expiry a cached token is given
// up, so that no request leaves with a token that dies on the way.
const tokenSkew = 5 * time.Minute

// tokenCall is one token request that concurrent callers share.
type tokenCall struct {
	done  chan struct{} // closed when token and err are set
	token string
	err   error
	// cancelled: the request failed because its starter's context ended,
	// which says nothing about Kick, so a waiter tries again with its own.
	cancelled bool
}

// appToken returns the cached app token or gets a new one. Concurrent
// callers that find no usable token make one request: the first starts it
// and the others wait for its result, error included.
func (c *Client) appToken(ctx context.Context) (string, error) {
	for {
		c.mu.Lock()
		if c.token != "" && c.now().Before(c.expires) {
			tok := c.token
			c.mu.Unlock()
			return tok, nil
		}
		if call := c.inflight; call != nil {
			c.mu.Unlock()
			if c.onWait != nil {
				c.onWait()
			}
			select {
			case <-call.done:
			case <-ctx.Done():
				return "", fault.Wrap(fault.Transient, ctx.Err(), "get kick app token")
			}
			if call.cancelled && ctx.Err() == nil {
				continue
			}
			return call.token, call.err
		}
		call := &tokenCall{done: make(chan struct{})}
		c.inflight = call
		c.mu.Unlock()

		// Count the lifetime from before the request: Kick starts it
		// later, so the cache gives the token up early, never late.
		start := c.now()
		tok, lifetime, err := c.fetchToken(ctx)

		c.mu.Lock()
		c.inflight = nil
		if err == nil {
			c.token, c.expires = tok, start.Add(max(lifetime-tokenSkew, 0))
		}
		c.mu.Unlock()
		call.token, call.err, call.cancelled = tok, err, err != nil && ctx.Err() != nil
		close(call.done)
		return tok, err
	}
}

// invalidate drops the cached token if it is still tok, the one Kick just
// refused. A newer token, fetched meanwhile by another caller, is kept.
func (c *Client) invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token, c.expires = "", time.Time{}
	}
}

// fetchToken asks Kick's OAuth server for an app token (client-credentials
// grant) and returns it with its lifetime.
func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	w, err := c.grant(ctx, url.Values{"grant_type": {"client_credentials"}}, "get kick app token")
	if err != nil {
		return "", 0, err
	}
	return w.AccessToken, time.Duration(w.ExpiresIn) * time.Second, nil
}

// grant asks the token endpoint for a token. form holds the grant's own
// fields; grant adds the app's credentials. Its success answer is the
// one answer not scrubbed: it may repeat the refresh token sent.
func (c *Client) grant(ctx context.Context, form url.Values, what string) (wireToken, error) {
	form.Set("client_id", c.ClientID)
	form.Set("client_secret", c.ClientSecret)
	req, err := http.NewRequestWithContext(redact.KeepAnswer(ctx), http.MethodPost, c.authBase()+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return wireToken{}, fault.Wrap(fault.Internal, err, what)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		// The secrets are in the body, never in the URL that err quotes.
		return wireToken{}, fault.Wrap(fault.Transient, err, what)
	}
	defer closeBody(resp)

	if resp.StatusCode/100 != 2 {
		return wireToken{}, c.grantError(resp, form.Get("grant_type"), what)
	}
	var w wireToken
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&w); err != nil {
		// Not wrapped: a type error quotes a number it met, and a
		// malformed body may hold a token in any field.
		return wireToken{}, fault.E(fault.Internal, "%s: token response is not the expected JSON", what)
	}
	if w.AccessToken == "" {
		return wireToken{}, fault.E(fault.Internal, "%s: token response has no access_token", what)
	}
	// A token goes into the Authorization header. One with a space or a
	// control character makes every request invalid before it is sent,
	// so Kick never answers the 401 that alone drops a cached token.
	if !headerSafe(w.AccessToken) || !headerSafe(w.RefreshToken) {
		return wireToken{}, fault.E(fault.Internal, "%s: token response has a token that is not visible ASCII", what)
	}
	return w, nil
}

// grantError classifies a refused token request. A 400 or 401 blames the
// app's credentials when Kick says so (invalid_client, unauthorized_client)
// or when they were all the request held (client credentials); any other
// 400 or 401 blames the code or refresh token: ErrRejected. Guessing "dead"
// for a grant that Kick refused for a reason it did not name costs the user
// one more consent; guessing "alive" would keep a dead grant forever.
func (c *Client) grantError(resp *http.Response, grantType, what string) error {
	err := c.statusError(resp)
	if err.status != http.StatusBadRequest && err.status != http.StatusUnauthorized {
		return fault.Wrap(statusKind(err.status), err, what)
	}
	if grantType == "client_credentials" || err.oauth == "invalid_client" || err.oauth == "unauthorized_client" {
		return fault.Wrap(fault.Forbidden, err, "kick rejected the app's client credentials")
	}
	return fault.Wrap(fault.Forbidden, fmt.Errorf("%w: %w", ErrRejected, err), what)
}

// headerSafe reports whether s is visible ASCII, as a bearer token is.
func headerSafe(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r >= 0x7f })
}

// wireToken is the token endpoint's answer, for every grant.
type wireToken struct {
	AccessToken  string    `json:"access_token"`
	RefreshToken string    `json:"refresh_token"`
	ExpiresIn    seconds   `json:"expires_in"`
	Scope        scopeList `json:"scope"`
}

// seconds is expires_in: a JSON number, or a numeric string as in Kick's
// documented samples. Absent, null, empty or negative means 0: use the token
// once, cache it not.
type seconds int64

// maxSeconds keeps a wild expires_in from overflowing a time.Duration.
const maxSeconds = math.MaxInt32

func (s *seconds) UnmarshalJSON(b []byte) error {
	var str string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		str = strings.TrimSpace(str)
	} else if string(b) != "null" {
		str = string(b)
	}
	if str == "" {
		*s = 0
		return nil
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return errors.New("expires_in is not a number")
	}
	*s = seconds(min(max(f, 0), maxSeconds))
	return nil
}

// scopeList is scope: a space-separated string as OAuth defines it, or, to
// be lenient, a JSON array of scopes. Absent, null or empty means none.
type scopeList []string

func (s *scopeList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		var list []string
		if err := json.Unmarshal(b, &list); err != nil {
			return errors.New("scope is not a list of strings")
		}
		*s = nil
		if len(list) > 0 {
			*s = list
		}
		return nil
	}
	var str *string
	if err := json.Unmarshal(b, &str); err != nil {
		return errors.New("scope is not a string")
	}
	*s = nil
	if str != nil && strings.TrimSpace(*str) != "" {
		*s = strings.Fields(*str)
	}
	return nil
}
