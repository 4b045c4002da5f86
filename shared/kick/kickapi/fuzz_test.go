package kickapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
)

// kickAnswers is a transport that issues an app token and answers every
// API request with status and body.
type kickAnswers struct {
	status int
	body   []byte
}

func (k kickAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := k.status, k.body
	if r.URL.Path == "/oauth/token" {
		status, body = 200, []byte(`{"access_token":"`+tokenValue(1)+`","token_type":"Bearer","expires_in":3600}`)
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), Header: http.Header{}, Request: r}, nil
}

func answeringClient(status int, body []byte) *kickapi.Client {
	c := kickapi.New(testClientID, testClientSecret)
	c.HTTP = &http.Client{Transport: kickAnswers{status, body}}
	c.APIBase, c.AuthBase = "https://api.kick.test", "https://id.kick.test"
	return c
}

// fuzzAsked are the broadcasters FuzzChannels asks for: those of
// testdata/channels.json.
var fuzzAsked = []int64{4402117, 73310954, 9120334}

// TestChannelsKeepsToWhatWasAsked holds answers Channels took whole before
// FuzzChannels: a channel nobody asked for, or one twice, and a slug and
// thumbnails that are not links (Discord refuses a go-live post whose
// embed holds one, so the alert failed every minute).
func TestChannelsKeepsToWhatWasAsked(t *testing.T) {
	tests := []struct {
		name, body string
		want       []kickapi.Channel
	}{
		{"a stranger first", `{"data":[{"broadcaster_user_id":666,"slug":"stranger"},{"broadcaster_user_id":4402117,"slug":"northwind"}]}`,
			[]kickapi.Channel{{BroadcasterUserID: 4402117, Slug: "northwind"}}},
		{"one twice", `{"data":[{"broadcaster_user_id":4402117,"slug":"northwind"},{"broadcaster_user_id":4402117,"slug":"again"}]}`,
			[]kickapi.Channel{{BroadcasterUserID: 4402117, Slug: "northwind"}}},
		{"not links", `{"data":[{"broadcaster_user_id":4402117,"slug":"north wind/..","category":{"thumbnail":"javascript:x"},` +
			`"stream":{"thumbnail":"https://images.kick.test/a b.webp","viewer_count":-3}}]}`,
			[]kickapi.Channel{{BroadcasterUserID: 4402117}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := answeringClient(200, []byte(tt.body)).Channels(t.Context(), fuzzAsked)
			if err != nil {
				t.Fatalf("Channels: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Channels = %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("Channels[%d] = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// isLink reports whether s is a link Discord takes as an embed's image
// or url: an absolute http(s) URL with a host, at most 2,048 bytes of
// printable ASCII, none of the characters that end a link in text.
func isLink(s string) bool {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(s) > 2048 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`<>"`+"`{}|\\^", c) >= 0 {
			return false
		}
	}
	return true
}

// TestChannelsErrorIsShort: the error of a start_time that is not a time
// quoted all of it, however long (the body may be 4 MiB), into the logs.
func TestChannelsErrorIsShort(t *testing.T) {
	body := `{"data":[{"broadcaster_user_id":4402117,"stream":{"start_time":"` + strings.Repeat("9", 5000) + `"}}]}`
	_, err := answeringClient(200, []byte(body)).Channels(t.Context(), fuzzAsked)
	if err == nil || len(err.Error()) > 1000 || !strings.Contains(err.Error(), "start_time") {
		t.Errorf("Channels answered a start_time of 5,000 digits: error %.300q… (%d bytes), want one about start_time of at most 1,000 bytes", err, len(fmt.Sprint(err)))
	}
}

// FuzzChannels answers the channels lookup with any status and body:
// an error (with no channels, of at most 1,000 bytes of valid UTF-8 and
// no credential) or, only for a 2xx answer, channels that were asked,
// each once, whose slug, thumbnails and viewer count are usable as they
// are (links Discord takes, a count not below 0).
func FuzzChannels(f *testing.F) {
	fixture, err := os.ReadFile("testdata/channels.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(200, fixture)
	for _, body := range []string{
		`{"data":[]}`,
		`{"data":null,"message":"Internal server error"}`,
		`{"data":[{"broadcaster_user_id":"x"`,
		`{"data":{"broadcaster_user_id":1},"message":"OK"}`,
		`{"data":[{"broadcaster_user_id":4402117,"stream":{"is_live":true,"start_time":"yesterday"}}]}`,
		`{"data":[{"broadcaster_user_id":666,"slug":"stranger"},{"broadcaster_user_id":4402117,"slug":"northwind"}]}`,
		`{"data":[{"broadcaster_user_id":9120334,"slug":"q","stream":{"start_time":"2026-03-14T18:30:05.123456789+02:00","viewer_count":-1}}]}`,
	} {
		f.Add(200, []byte(body))
	}
	f.Add(400, []byte(`{"message":"bad token `+tokenValue(1)+`"}`))
	f.Add(503, []byte(`<html>503</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		got, err := answeringClient(status, body).Channels(t.Context(), fuzzAsked)
		if err != nil {
			msg := err.Error()
			if got != nil || len(msg) > 1000 || !utf8.ValidString(msg) || strings.Contains(msg, tokenValue(1)) || strings.Contains(msg, testClientSecret) {
				t.Fatalf("Channels answered %d %q = %+v, error %.2000q: want no channels and a short valid error without credentials", status, body, got, msg)
			}
			return
		}
		if status/100 != 2 {
			t.Fatalf("Channels answered %d %q = %+v, want an error", status, body, got)
		}
		answered := map[int64]bool{}
		for _, ch := range got {
			if !slices.Contains(fuzzAsked, ch.BroadcasterUserID) || answered[ch.BroadcasterUserID] {
				t.Fatalf("Channels answered %q = %+v: channel %d was not asked or is there twice", body, got, ch.BroadcasterUserID)
			}
			answered[ch.BroadcasterUserID] = true
			if ch.Slug != "" && (url.PathEscape(ch.Slug) != ch.Slug || strings.Trim(ch.Slug, ".") == "" || len(ch.Slug) > 100) {
				t.Fatalf("Channels answered %q: slug %q is not one of a kick.com link", body, ch.Slug)
			}
			for _, link := range []string{ch.Thumbnail, ch.Category.Thumbnail} {
				if link != "" && !isLink(link) {
					t.Fatalf("Channels answered %q: thumbnail %q is not a link", body, link)
				}
			}
			if ch.ViewerCount < 0 {
				t.Fatalf("Channels answered %q: %d viewers", body, ch.ViewerCount)
			}
		}
	})
}

// tokenAnswers is a transport whose token endpoint answers status and
// body, and whose API answers no channels, recording the bearer.
type tokenAnswers struct {
	status int
	body   []byte
	bearer *string
}

func (k tokenAnswers) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body := 200, []byte(`{"data":[]}`)
	if r.URL.Path == "/oauth/token" {
		status, body = k.status, k.body
	} else {
		*k.bearer = r.Header.Get("Authorization")
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(body)), Header: http.Header{}, Request: r}, nil
}

// FuzzAppToken answers the app token request with any status and body:
// the call fails with an error that shows no credential, or, for a 2xx
// answer, sends the access_token as it was given, which is visible
// ASCII: a token with a space or a control character would make every
// request invalid without Kick ever refusing it with a 401, which alone
// replaces a cached token.
func FuzzAppToken(f *testing.F) {
	f.Add(200, []byte(`{"access_token":"`+tokenValue(1)+`","token_type":"Bearer","expires_in":3600}`))
	f.Add(200, []byte(`{"access_token":"t","expires_in":"3600","scope":"user:read channel:read"}`))
	f.Add(200, []byte(`{"access_token":"t","expires_in":1e300,"scope":["a","b"]}`))
	f.Add(200, []byte(`{"access_token":"t","expires_in":-5,"scope":null}`))
	f.Add(200, []byte(`{"access_token":"","expires_in":60}`))
	f.Add(200, []byte(`{"access_token":"a b\r\nX-Evil: 1","expires_in":60}`))
	f.Add(400, []byte(`{"error":"invalid_client","error_description":"client `+testClientSecret+` unknown"}`))
	f.Add(503, []byte(`busy`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		if status < 100 || status > 599 {
			status = 200
		}
		var bearer string
		c := kickapi.New(testClientID, testClientSecret)
		c.HTTP = &http.Client{Transport: tokenAnswers{status, body, &bearer}}
		c.APIBase, c.AuthBase = "https://api.kick.test", "https://id.kick.test"
		_, err := c.Channels(t.Context(), []int64{1})
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, testClientSecret) || len(msg) > 1000 || !utf8.ValidString(msg) {
				t.Fatalf("token answered %d %q: error %.2000q, want a short valid one without the secret", status, body, msg)
			}
			return
		}
		var w struct {
			AccessToken string `json:"access_token"`
		}
		if status/100 != 2 || json.Unmarshal(body, &w) != nil {
			t.Fatalf("token answered %d %q: the call went through", status, body)
		}
		tok, ok := strings.CutPrefix(bearer, "Bearer ")
		if !ok || tok != w.AccessToken || tok == "" || strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			t.Fatalf("token answered %q: sent Authorization %q, want Bearer and the visible ASCII access_token %q", body, bearer, w.AccessToken)
		}
	})
}

// TestTokenNotVisibleASCIIRefused: an access_token holding a space or a
// control character was cached for its whole lifetime, and every request
// that carried it failed before it was sent, never drawing the 401 that
// drops a cached token.
func TestTokenNotVisibleASCIIRefused(t *testing.T) {
	for _, tok := range []string{"a b", "tok\r\nX-Evil: 1", "tök"} {
		body, _ := json.Marshal(map[string]any{"access_token": tok, "expires_in": 3600})
		var bearer string
		c := kickapi.New(testClientID, testClientSecret)
		c.HTTP = &http.Client{Transport: tokenAnswers{200, body, &bearer}}
		c.APIBase, c.AuthBase = "https://api.kick.test", "https://id.kick.test"
		if _, err := c.Channels(t.Context(), []int64{1}); !fault.Is(err, fault.Internal) || bearer != "" {
			t.Errorf("access_token %q: Channels error %v, sent %q; want fault.Internal and no request", tok, err, bearer)
		}
	}
}
