package kickfake

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// knownScopes are the scopes Kick defines (kick-api.md §2.5); an
// authorization request for any other is refused.
var knownScopes = []string{
	"user:read", "channel:read", "channel:write", "channel:rewards:read", "channel:rewards:write",
	"chat:write", "streamkey:read", "events:subscribe", "moderation:ban",
	"moderation:chat_message:manage", "kicks:read",
}

// authorize answers GET /oauth/authorize. Kick answers bad input with 400
// and {"error":"Invalid request"}, not with a redirect.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var problems []string
	check := func(ok bool, format string, args ...any) {
		if !ok {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	redirect, scopes := q.Get("redirect_uri"), strings.Fields(q.Get("scope"))
	check(q.Get("response_type") == "code", "response_type %q, want code", q.Get("response_type"))
	check(q.Get("client_id") == s.ClientID, "client_id %q is not the app's", q.Get("client_id"))
	check(slices.Contains(s.RedirectURIs, redirect), "redirect_uri %q is not registered", redirect)
	check(q.Get("state") != "", "no state")
	check(len(scopes) > 0, "no scope")
	for _, sc := range scopes {
		check(slices.Contains(knownScopes, sc), "unknown scope %q", sc)
	}
	check(q.Get("code_challenge_method") == "S256", "code_challenge_method %q, want S256", q.Get("code_challenge_method"))
	check(isChallenge(q.Get("code_challenge")), "code_challenge is not 43 base64url characters (an S256 challenge)")
	if s.user == nil {
		problems = append(problems, "no user signed in (Server.SignIn)")
	}
	if len(problems) > 0 {
		s.fail(r, "%s", strings.Join(problems, "; "))
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Invalid request"})
		return
	}

	// consent is the fake's own parameter, set by its consent page.
	consent := q.Get("consent")
	if s.ConsentPage && consent == "" {
		s.consentPage(w, r, scopes)
		return
	}
	back := url.Values{"state": {q.Get("state")}}
	if s.denyNext || consent == "deny" {
		s.denyNext = false
		back.Set("error", "access_denied")
		back.Set("error_description", "The user denied the request")
		redirectTo(w, r, redirect, back)
		return
	}
	code := secret("kfc_")
	s.codes[code] = &authCode{
		grant:       s.newGrant(*s.user, scopes),
		redirectURI: redirect,
		challenge:   q.Get("code_challenge"),
		expires:     s.now().Add(codeLifetime),
	}
	back.Set("code", code)
	redirectTo(w, r, redirect, back)
}

// redirectTo sends the browser to target with params added to its query.
func redirectTo(w http.ResponseWriter, r *http.Request, target string, params url.Values) {
	u, err := url.Parse(target)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

var consentHTML = template.Must(template.New("consent").Parse(`<!doctype html>
<meta charset="utf-8"><title>Authorize — fake Kick</title>
<p>Signed in to the fake Kick as <b>{{.User}}</b>.</p>
<p>App <code>{{.ClientID}}</code> asks for: {{range .Scopes}}<code>{{.}}</code> {{end}}</p>
<p><a href="{{.Approve}}">Approve</a> &nbsp; <a href="{{.Deny}}">Deny</a></p>
`))

// consentPage shows the signed-in user Approve and Deny links: the same
// request again, with consent=approve or consent=deny. The links hold only
// a query, so they work wherever the fake is mounted (http.StripPrefix).
func (s *Server) consentPage(w http.ResponseWriter, r *http.Request, scopes []string) {
	link := func(decision string) string {
		q := r.URL.Query()
		q.Set("consent", decision)
		return "?" + q.Encode()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = consentHTML.Execute(w, map[string]any{
		"User": s.user.Name, "ClientID": s.ClientID, "Scopes": scopes,
		"Approve": link("approve"), "Deny": link("deny"),
	})
}

// token answers POST /oauth/token for the three grants Kick offers.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		s.fail(r, "Content-Type %q, want application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	}
	if r.URL.RawQuery != "" {
		s.fail(r, "a query string: the credentials belong in the body, out of URLs and logs")
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	}
	f := r.PostForm
	if f.Get("client_id") != s.ClientID || f.Get("client_secret") != s.ClientSecret {
		s.fail(r, "wrong client_id or client_secret")
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch f.Get("grant_type") {
	case "authorization_code":
		s.redeem(w, r)
	case "refresh_token":
		s.refreshGrant(w, r)
	case "client_credentials":
		access, _, lifetime := s.issue(s.newGrant(User{}, nil), false)
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": access, "token_type": "Bearer", "expires_in": int64(lifetime.Seconds()),
		})
	default:
		s.fail(r, "grant_type %q is not one Kick offers", f.Get("grant_type"))
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid request")
	}
}

// redeem answers the authorization_code grant. A code is spent by its
// first exchange, whether that succeeds or not.
func (s *Server) redeem(w http.ResponseWriter, r *http.Request) {
	f := r.PostForm
	c := s.codes[f.Get("code")]
	verifier := f.Get("code_verifier")
	var why string
	switch {
	case c == nil:
		why = "unknown authorization code"
	case c.used:
		why = "authorization code already redeemed"
	case !s.now().Before(c.expires):
		why = "authorization code expired"
	case f.Get("redirect_uri") != c.redirectURI:
		why = fmt.Sprintf("redirect_uri %q is not the authorization request's %q", f.Get("redirect_uri"), c.redirectURI)
	case !isVerifier(verifier):
		why = "code_verifier is not 43 to 128 unreserved characters"
	case challenge(verifier) != c.challenge:
		why = "code_verifier does not match the code_challenge (PKCE S256)"
	}
	if c != nil {
		c.used = true
	}
	if why != "" {
		s.fail(r, "%s", why)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid request")
		return
	}
	s.grantAnswer(w, c.grant)
}

// refreshGrant answers the refresh_token grant. The refresh token rotates:
// the old one stops working. Access tokens issued before stay valid until
// they expire.
func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	g, live := s.refresh[rt]
	var why string
	switch {
	case rt == "":
		why = "no refresh_token"
	case s.rejected[rt]:
		why = "refresh token rejected (RejectRefresh)"
	case !live:
		why = "unknown, revoked or already used refresh token"
	}
	if why != "" {
		s.fail(r, "%s", why)
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid request")
		return
	}
	delete(s.refresh, rt)
	s.grantAnswer(w, g)
}

// grantAnswer issues a user token pair for g and answers with it.
func (s *Server) grantAnswer(w http.ResponseWriter, g grant) {
	access, refresh, lifetime := s.issue(g, true)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "refresh_token": refresh,
		"expires_in": int64(lifetime.Seconds()), "scope": strings.Join(g.scopes, " "),
	})
}

// newGrant starts a grant of scopes to u (zero for the app). s.mu is held.
func (s *Server) newGrant(u User, scopes []string) grant {
	s.grants++
	return grant{id: s.grants, user: u, scopes: slices.Clone(scopes)}
}

// issue makes an access token for g, and a refresh token when asked, and
// returns them with the access token's lifetime. s.mu is held.
func (s *Server) issue(g grant, withRefresh bool) (access, refresh string, lifetime time.Duration) {
	lifetime = cmp.Or(s.TokenLifetime, DefaultTokenLifetime)
	access = secret("kfa_")
	s.access[access] = accessToken{grant: g, expires: s.now().Add(lifetime)}
	if withRefresh {
		refresh = secret("kfr_")
		s.refresh[refresh] = g
	}
	return access, refresh, lifetime
}

// revoke answers POST /oauth/revoke. Kick documents token and
// token_hint_type in the query string; the body is read too. Revoking a
// refresh token ends its grant, access tokens included. Unknown tokens
// succeed, as RFC 7009 asks.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok, hint := r.Form.Get("token"), r.Form.Get("token_hint_type")
	switch {
	case tok == "":
		s.fail(r, "no token")
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	case hint != "" && hint != "access_token" && hint != "refresh_token":
		s.fail(r, "token_hint_type %q, want access_token or refresh_token", hint)
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	}
	s.revoked = append(s.revoked, tok)
	delete(s.access, tok)
	if g, ok := s.refresh[tok]; ok {
		for t, a := range s.access {
			if a.id == g.id {
				delete(s.access, t)
			}
		}
		for t, h := range s.refresh {
			if h.id == g.id {
				delete(s.refresh, t)
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("OK"))
}

// challenge is the S256 code challenge of verifier.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// isChallenge reports whether c can be an S256 challenge: 43 characters
// of unpadded base64url, the encoding of 32 bytes.
func isChallenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// isVerifier reports whether v is a code verifier as RFC 7636 §4.1
// defines it: 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~".
func isVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	return !strings.ContainsFunc(v, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("-._~", r))
	})
}
