package clipsvc_test

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/clipsvc"
	"github.com/kickbot/kickbot/shared/fault"
)

// answer is a transport that answers every request with status and body.
type answer struct {
	status int
	body   []byte
}

func (a answer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Body: io.NopCloser(bytes.NewReader(a.body)), Header: http.Header{}, Request: r}, nil
}

// oddKey is a key that JSON and URLs escape.
const oddKey = `k<e>y&"/\ü`

// isLink reports whether s is a link every place a clip URL goes takes
// whole: Discord's embed url and "<url>" lines, the !clip reply in Kick
// chat. An absolute http(s) URL with a host, at most 400 bytes of
// printable ASCII, none of the characters that end a link in text.
func isLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 400 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`<>"`+"`{}|\\^", c) >= 0 {
			return false
		}
	}
	return true
}

// TestCreateRefusesAnswers holds clip service answers Create used to
// take: a 1xx status as success (FuzzCreate found it), clip URLs Discord
// refuses in an embed, so the marker's post failed, and an error quoting
// the key in a JSON escape the redaction did not know.
func TestCreateRefusesAnswers(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"status 1xx", 193, `{"success":true,"clip_url":"https://clips.example/c/1"}`},
		{"no host", 200, `{"success":true,"clip_url":"https://"}`},
		{"opaque", 200, `{"success":true,"clip_url":"https:clips.example"}`},
		{"a space", 200, `{"success":true,"clip_url":"https://clips.example/a b"}`},
		{"a newline", 200, `{"success":true,"clip_url":"https://clips.example/a\nb"}`},
		{"a bracket", 200, `{"success":true,"clip_url":"https://clips.example/a>@everyone"}`},
		{"too long", 200, `{"success":true,"clip_url":"https://clips.example/` + strings.Repeat("a", 400) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := clipsvc.New("https://clips.example", key)
			if err != nil {
				t.Fatal(err)
			}
			c.HTTP = &http.Client{Transport: answer{tt.status, []byte(tt.body)}}
			if got, err := c.Create(t.Context(), req); !fault.Is(err, fault.Invalid) {
				t.Errorf("Create() answered %d %.80s = %.80q, %v; want fault.Invalid", tt.status, tt.body, got, err)
			}
		})
	}
	c, err := clipsvc.New("https://clips.example", key)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"success":false,"error":"key \u0073k-test-123 has no quota"}`
	c.HTTP = &http.Client{Transport: answer{200, []byte(body)}}
	if _, err := c.Create(t.Context(), req); err == nil || strings.Contains(err.Error(), key) {
		t.Errorf("Create() answered %s: error %v, want one without the key", body, err)
	}
}

// FuzzCreate answers Create with any status and body: it returns a link
// (isLink) only for a 2xx answer, and otherwise an error of the kind its
// comment promises (Transient for 5xx and 429, else Invalid) that never
// shows the API key.
func FuzzCreate(f *testing.F) {
	for _, tt := range []struct {
		status int
		body   string
	}{
		{200, `{"success":true,"clip_url":"https://clips.example/c/1","id":7}`},
		{500, `{"error":"ffmpeg died"}`},
		{400, `{"error":"Buffer still filling"}`},
		{401, `unauthorised`},
		{401, `{"error":"X-API-Key sk-test-123 is not valid"}`},
		{200, `{"success":false,"error":"key \"sk-test-123\" has no quota"}`},
		{200, `{"success":false,"error":"Stream is not live"}`},
		{200, `{"success":true}`},
		{200, `{"success":true,"clip_url":"javascript:alert(1)"}`},
		{200, `<html>`},
		{429, ``},
		{200, `{"success":true,"clip_url":"https://clips.example/c/1?k=k%3Ce%3Ey%26%22%2F%5C%C3%BC"}`},
	} {
		f.Add(tt.status, []byte(tt.body), false)
	}
	f.Add(200, []byte(`{"success":false,"error":"bad key k\u003ce\u003ey\u0026\"\/\\ü"}`), true)
	f.Fuzz(func(t *testing.T, status int, body []byte, odd bool) {
		if status < 100 || status > 599 {
			status = 200
		}
		k := key
		if odd {
			k = oddKey
		}
		c, err := clipsvc.New("https://clips.example", k)
		if err != nil {
			t.Fatal(err)
		}
		c.HTTP = &http.Client{Transport: answer{status, body}}
		got, err := c.Create(t.Context(), req)
		switch {
		case err == nil && (status < 200 || status > 299):
			t.Fatalf("Create() answered %d %q = %q, want an error", status, body, got)
		case err == nil && !isLink(got):
			t.Fatalf("Create() answered %d %q = %q, not a link", status, body, got)
		case err != nil && got != "":
			t.Fatalf("Create() answered %d %q = %q and error %v, want no URL with an error", status, body, got, err)
		case err == nil:
		case status >= 500 || status == http.StatusTooManyRequests:
			if !fault.Is(err, fault.Transient) {
				t.Fatalf("Create() answered %d %q: error %v, want fault.Transient", status, body, err)
			}
		case !fault.Is(err, fault.Invalid):
			t.Fatalf("Create() answered %d %q: error %v, want fault.Invalid", status, body, err)
		}
		if err != nil && strings.Contains(err.Error(), k) {
			t.Fatalf("Create() answered %d %q: error %q shows the key", status, body, err)
		}
	})
}
