// Package clipsvc is the client of the optional outside clip service, the
// one the old system used to cut real clips from a live stream's rolling
// buffer: POST {base}/api/clips/create with the X-API-Key header and
// {channel, duration, username, title, discord_server_id}, answered by
// {success, clip_url, …}. It is a clip.Service.
package clipsvc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/redact"
)

// Timeout backs the caller's deadline: no request outlives it.
const Timeout = 10 * time.Second

// maxAnswer bounds the answer read.
const maxAnswer = 64 << 10

// Client asks the clip service at Base for clips. Make it with New.
type Client struct {
	base string
	key  string
	// HTTP sends the requests; New sets one with Timeout.
	HTTP *http.Client
}

var _ clip.Service = (*Client)(nil)

// New returns a client of the service at base (an http or https URL)
// with the API key key; fault.Invalid when either is unusable.
func New(base, key string) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fault.E(fault.Invalid, "the clip service URL must be an http(s) URL")
	}
	if key == "" {
		return nil, fault.E(fault.Invalid, "the clip service needs its API key")
	}
	return &Client{base: strings.TrimRight(u.String(), "/"), key: key, HTTP: &http.Client{Timeout: Timeout}}, nil
}

type createRequest struct {
	Channel  string `json:"channel"`
	Duration int    `json:"duration"`
	Username string `json:"username"`
	Title    string `json:"title"`
	Guild    string `json:"discord_server_id"`
}

type createAnswer struct {
	Success bool   `json:"success"`
	ClipURL string `json:"clip_url"`
	Error   string `json:"error"`
}

// Create asks for r's clip and returns its URL. Errors: fault.Transient
// when the service did not answer (ctx's deadline among them) or answered
// 5xx or 429, fault.Invalid when it refused (another status, success
// false, or no clip_url). No error carries the key.
func (c *Client) Create(ctx context.Context, r clip.Request) (string, error) {
	body, err := json.Marshal(createRequest{
		Channel: r.Channel, Duration: int(r.Duration / time.Second), Username: r.Username, Title: r.Title, Guild: r.Guild,
	})
	if err != nil {
		return "", fault.Wrap(fault.Internal, err, "encode clip request")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/clips/create", bytes.NewReader(body))
	if err != nil {
		return "", fault.Wrap(fault.Internal, err, "build clip request")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", c.key)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		// The error names the URL, never the header.
		return "", fault.Wrap(fault.Transient, err, "clip service unreachable")
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fault.Wrap(fault.Transient, err, "read clip service answer")
	}
	// The errors below quote the answer, which a service may have filled
	// with the key it was sent ("invalid key …"): callers log them.
	raw = redact.Bytes(raw, c.key)
	switch {
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return "", fault.E(fault.Transient, "clip service answered %d", resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		return "", fault.E(fault.Invalid, "clip service refused: %d %s", resp.StatusCode, brief(raw))
	}
	var a createAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return "", fault.Wrap(fault.Invalid, err, "clip service answer is not JSON")
	}
	if !a.Success || a.ClipURL == "" {
		// Decoding undid JSON escapes the redaction above did not know
		// ("\u0073k-…"): redact the reason again.
		return "", fault.E(fault.Invalid, "clip service made no clip: %s", brief(redact.Bytes([]byte(a.Error), c.key)))
	}
	if !isLink(a.ClipURL) {
		return "", fault.E(fault.Invalid, "clip service answered a clip_url that is not a link")
	}
	return a.ClipURL, nil
}

// maxURL bounds a clip URL: a link, not a page, short enough that the
// !clip reply ("@name clip made at 1:02:03: <url>") holds it whole in
// Kick's 500 characters, where a cut link would lead nowhere.
const maxURL = 400

// isLink reports whether s is a link that every place a clip URL goes
// takes whole: an absolute http(s) URL with a host, of printable ASCII
// without the characters that end a link in text (Discord's "<url>", an
// embed's url, which Discord refuses otherwise, failing the whole post;
// Kick chat).
func isLink(s string) bool {
	if len(s) > maxURL || strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("<>\"`{}|\\^", r)
	}) {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// brief is the start of an answer, for an error.
func brief(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	if s == "" {
		return "(no reason given)"
	}
	return fmt.Sprintf("%q", s)
}
