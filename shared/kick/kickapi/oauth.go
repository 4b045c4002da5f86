package kickapi

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
)

// ErrRejected is in the chain of the error of Exchange or Refresh when
// Kick refused the grant itself: the authorization code is used, expired,
// or does not match its verifier or redirect URI, or the refresh token is
// expired or revoked. Retrying cannot help; the user must authorize again.
// Such errors are of kind fault.Forbidden.
//
// Kick's documented error body, {"error":"Invalid request"}, names no
// cause, so every 400 or 401 of the token endpoint counts as a refused
// grant unless Kick blames the app's credentials (invalid_client,
// unauthorized_client): those are Forbidden but not ErrRejected, being no
// user's doing.
var ErrRejected = errors.New("kick rejected the grant")

// The values of Revoke's hint: which kind of token is revoked.
const (
	HintAccessToken  = "access_token"
	HintRefreshToken = "refresh_token"
)

// AuthorizeParams are what an authorization request carries beside the
// app's client id.
type AuthorizeParams struct {
	// RedirectURI is where Kick sends the browser back. It must equal a
	// redirect URL registered for the app, byte for byte, and be passed
	// to Exchange again.
	RedirectURI string
	// Scopes are the scopes asked for, such as "user:read" and
	// "chat:write".
	Scopes []string
	// State comes back unchanged with the callback and ties it to this
	// request; Kick requires one.
	State string
	// CodeChallenge is the S256 challenge of the PKCE code verifier: the
	// unpadded base64url SHA-256 of it. Never the verifier itself, which
	// must go only to Exchange.
	CodeChallenge string
}

// AuthorizeURL returns the address of Kick's consent page for p, to send
// the user's browser to. Kick answers at p.RedirectURI with code and state
// query parameters, or with error=access_denied when the user declines.
func (c *Client) AuthorizeURL(p AuthorizeParams) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {c.ClientID},
		"redirect_uri":          {p.RedirectURI},
		"scope":                 {strings.Join(p.Scopes, " ")},
		"state":                 {p.State},
		"code_challenge":        {p.CodeChallenge},
		"code_challenge_method": {"S256"},
	}
	if strings.Contains(p.RedirectURI, "127.0.0.1") {
		// Kick's consent page rewrites the first 127.0.0.1 in its URL to
		// localhost, and the redirect URI then matches no registered
		// one. Kick's documented way round is a dummy parameter ahead
		// of redirect_uri to take the rewrite; Encode sorts the keys, so
		// "redirect" comes first.
		q.Set("redirect", "127.0.0.1")
	}
	return c.authBase() + "/oauth/authorize?" + q.Encode()
}

// Token is a user token pair as Kick issued it: credential.Token, whose
// String, GoString, Format and LogValue never show the secrets. Expiry is
// when Access stops working by Kick's expires_in, counted from before the
// request so that it errs early (zero when Kick gave no lifetime); Scopes
// are nil when Kick does not say.
type Token = credential.Token

// token is w as a Token, its lifetime counted from start.
func (w wireToken) token(start time.Time) Token {
	t := Token{Access: w.AccessToken, Refresh: w.RefreshToken, Scopes: w.Scope}
	if w.ExpiresIn > 0 {
		t.Expiry = start.Add(time.Duration(w.ExpiresIn) * time.Second)
	}
	return t
}

// Exchange redeems the authorization code that Kick sent to redirectURI
// for the user's token pair. verifier is the PKCE code verifier whose
// challenge the authorization request carried, and redirectURI the one it
// named. A code Kick will not redeem (used, expired, not matching) is
// ErrRejected.
func (c *Client) Exchange(ctx context.Context, code, verifier, redirectURI string) (Token, error) {
	const what = "redeem kick authorization code"
	switch {
	case code == "":
		return Token{}, fault.E(fault.Invalid, "%s: no code", what)
	case !validVerifier(verifier):
		return Token{}, fault.E(fault.Invalid, "%s: the code verifier is not 43 to 128 unreserved characters", what)
	case redirectURI == "":
		return Token{}, fault.E(fault.Invalid, "%s: no redirect URI", what)
	}
	start := c.now()
	w, err := c.grant(ctx, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}, what)
	if err != nil {
		return Token{}, err
	}
	return w.token(start), nil
}

// validVerifier reports whether v is a code verifier as RFC 7636 §4.1
// defines it: 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~".
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := range len(v) {
		switch ch := v[i]; {
		case 'A' <= ch && ch <= 'Z', 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9',
			ch == '-', ch == '.', ch == '_', ch == '~':
		default:
			return false
		}
	}
	return true
}

// Refresh trades refreshToken for a new token pair. Store the new Refresh
// at once: Kick may have stopped taking the old one. When Kick's answer
// has no refresh token, the old one stays in use and is returned as
// Refresh. A refresh token Kick refuses (expired, revoked, or already
// rotated) is ErrRejected; a failure that a retry may fix is
// fault.Transient.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	const what = "refresh kick user token"
	if refreshToken == "" {
		return Token{}, fault.E(fault.Invalid, "%s: no refresh token", what)
	}
	start := c.now()
	w, err := c.grant(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
	}, what)
	if err != nil {
		return Token{}, err
	}
	t := w.token(start)
	if t.Refresh == "" {
		t.Refresh = refreshToken
	}
	return t, nil
}

// Revoke asks Kick to invalidate token, an access or refresh token of
// this app, for instance when a streamer disconnects the channel. hint is
// HintAccessToken, HintRefreshToken, or "" when unknown.
//
// Kick documents the token and hint in the query string, not the body,
// under the name token_hint_type (RFC 7009 says token_type_hint).
func (c *Client) Revoke(ctx context.Context, token, hint string) error {
	const what = "revoke kick token"
	if token == "" {
		return fault.E(fault.Invalid, "%s: no token", what)
	}
	q := url.Values{"token": {token}}
	switch hint {
	case "":
	case HintAccessToken, HintRefreshToken:
		q.Set("token_hint_type", hint)
	default:
		return fault.E(fault.Invalid, "%s: hint %q is neither %s nor %s", what, hint, HintAccessToken, HintRefreshToken)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.authBase()+"/oauth/revoke?"+q.Encode(), nil)
	if err != nil {
		// Not wrapped: a URL parse error quotes the URL, token and all.
		return fault.E(fault.Internal, "%s: the OAuth server address is not a URL", what)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return fault.Wrap(fault.Transient, withoutURL(err), what)
	}
	defer closeBody(resp)
	if resp.StatusCode/100 != 2 {
		return fault.Wrap(statusKind(resp.StatusCode), c.statusError(resp), what)
	}
	return nil
}

// withoutURL unwraps a *url.Error, whose text quotes the request URL, to
// its cause, which keeps errors.Is for context errors and timeouts.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
