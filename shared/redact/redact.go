// Package redact keeps the credentials a request carried out of what its
// answer says. An upstream that echoes a request (an error message quoting
// the URL, a debug body dumping the headers or the form) would otherwise
// put the bot token, an app token or an interaction token into the error
// text that callers log. Transport wraps an HTTP client's transport so
// that every answer is scrubbed in one place, whatever the call.
package redact

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Marker replaces every credential in an answer.
const Marker = "[redacted]"

// minSecret is the shortest value treated as a secret: replacing shorter
// ones would mangle ordinary text and hide nothing worth hiding.
const minSecret = 6

// minPathSecret is the shortest URL path segment treated as a token.
// Snowflakes and other ids are digits and stay; route words are short.
const minPathSecret = 20

// maxBody bounds the answer read into memory for scrubbing; more is cut.
// Both clients read far less than this from any answer.
const maxBody = 8 << 20

// secretFields are the query and form fields whose values are credentials.
var secretFields = []string{"token", "access_token", "refresh_token", "id_token", "code", "code_verifier", "client_secret", "client_assertion", "password"}

type keepAnswerKey struct{}

// KeepAnswer marks the requests made with ctx as ones whose successful (2xx)
// answer is a credential the caller asked for, such as a token endpoint's
// answer to a refresh, which may repeat the refresh token sent. Such an
// answer is passed on whole; an error answer is still scrubbed.
func KeepAnswer(ctx context.Context) context.Context {
	return context.WithValue(ctx, keepAnswerKey{}, true)
}

// Transport scrubs from each answer's body every credential its request
// carried: the Authorization header's value (and its decoded Basic
// parts), long non-numeric path segments such as an interaction token in a
// webhook URL, and the secretFields of the query and of a form body. Each
// is replaced raw, URL-encoded and JSON-escaped by Marker.
type Transport struct {
	// Next sends the requests; nil means http.DefaultTransport.
	Next http.RoundTripper
}

// Client returns a copy of c (http.DefaultClient when nil) whose transport
// scrubs answers.
func Client(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cp := *c
	if _, ok := cp.Transport.(*Transport); !ok {
		cp.Transport = &Transport{Next: c.Transport}
	}
	return &cp
}

func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	secrets, r, err := requestSecrets(r)
	if err != nil {
		return nil, err
	}
	resp, err := next.RoundTrip(r)
	if err != nil || len(secrets) == 0 || resp.Body == nil {
		return resp, err
	}
	if resp.StatusCode/100 == 2 && r.Context().Value(keepAnswerKey{}) != nil {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = Bytes(body, secrets...)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	if resp.Header != nil {
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	}
	return resp, nil
}

// requestSecrets lists the credentials r carries. Reading a form body
// consumes it, so the request to send is returned too: r itself, or a
// copy with a fresh body.
func requestSecrets(r *http.Request) ([]string, *http.Request, error) {
	var out []string
	for _, v := range r.Header.Values("Authorization") {
		out = append(out, v)
		scheme, cred, ok := strings.Cut(v, " ")
		if !ok {
			continue
		}
		out = append(out, cred)
		if strings.EqualFold(scheme, "Basic") {
			if b, err := base64.StdEncoding.DecodeString(cred); err == nil {
				user, pass, _ := strings.Cut(string(b), ":")
				out = append(out, user, pass)
			}
		}
	}
	for _, seg := range strings.Split(r.URL.EscapedPath(), "/") {
		if len(seg) >= minPathSecret && strings.Trim(seg, "0123456789") != "" {
			out = append(out, seg)
			if u, err := url.PathUnescape(seg); err == nil {
				out = append(out, u)
			}
		}
	}
	out = appendFields(out, r.URL.Query())
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/x-www-form-urlencoded" && r.Body != nil && r.Body != http.NoBody {
		var raw []byte
		var err error
		if r.GetBody != nil {
			var rc io.ReadCloser
			if rc, err = r.GetBody(); err == nil {
				raw, err = io.ReadAll(rc)
				_ = rc.Close()
			}
		} else {
			raw, err = io.ReadAll(r.Body)
			_ = r.Body.Close()
			r = r.Clone(r.Context())
			r.Body = io.NopCloser(bytes.NewReader(raw))
		}
		if err != nil {
			return nil, nil, err
		}
		if form, err := url.ParseQuery(string(raw)); err == nil {
			out = appendFields(out, form)
		}
	}
	return out, r, nil
}

func appendFields(out []string, v url.Values) []string {
	for _, k := range secretFields {
		out = append(out, v[k]...)
	}
	return out
}

// Bytes returns b with every secret (raw, URL-encoded and JSON-escaped)
// replaced by Marker. Secrets shorter than six bytes are left alone.
func Bytes(b []byte, secrets ...string) []byte {
	var forms []string
	for _, s := range secrets {
		if len(s) < minSecret {
			continue
		}
		forms = append(forms, s, url.QueryEscape(s), url.PathEscape(s))
		if j, err := json.Marshal(s); err == nil {
			// PHP's encoder, behind Kick, also escapes "/".
			j := string(j[1 : len(j)-1])
			forms = append(forms, j, strings.ReplaceAll(j, "/", `\/`))
		}
	}
	// Longest first, so that "Bearer <token>" goes whole rather than
	// leaving "Bearer " behind a replaced token, and no form is cut by
	// the replacement of a shorter one inside it.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	forms = slices.Compact(forms)
	for _, f := range forms {
		b = bytes.ReplaceAll(b, []byte(f), []byte(Marker))
	}
	return b
}

// String is Bytes for a string.
func String(s string, secrets ...string) string { return string(Bytes([]byte(s), secrets...)) }
