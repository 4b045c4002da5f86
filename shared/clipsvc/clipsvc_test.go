package clipsvc_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/clipsvc"
	"github.com/kickbot/kickbot/shared/fault"
)

const key = "sk-test-123"

var req = clip.Request{Channel: "streamer", Duration: 30 * time.Second, Username: "alice", Title: "Big win", Guild: "42"}

// fakeService is the clip service: it checks the request and answers
// with status and body; hold blocks the answer until the request ends.
func fakeService(t *testing.T, status int, body string, hold bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/clips/create" {
			t.Errorf("request %s %s, want POST /api/clips/create", r.Method, r.URL.Path)
		}
		if got := r.Header.Get("X-API-Key"); got != key {
			t.Errorf("X-API-Key = %q, want %q", got, key)
		}
		raw, _ := io.ReadAll(r.Body)
		var got map[string]any
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Errorf("request body %s: %v", raw, err)
		}
		want := map[string]any{"channel": "streamer", "duration": 30.0, "username": "alice", "title": "Big win", "discord_server_id": "42"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("request body (-want +got):\n%s", diff)
		}
		if hold {
			<-r.Context().Done()
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestCreate(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		hold     bool
		want     string
		wantKind fault.Kind // the error's, when want is ""
	}{
		{"success", 200, `{"success":true,"clip_url":"https://clips.example/c/1","id":7}`, false, "https://clips.example/c/1", 0},
		{"server error", 500, `{"error":"ffmpeg died"}`, false, "", fault.Transient},
		{"refused", 400, `{"error":"Buffer still filling"}`, false, "", fault.Invalid},
		{"bad key", 401, `unauthorised`, false, "", fault.Invalid},
		{"bad key, quoted", 401, `{"error":"X-API-Key sk-test-123 is not valid"}`, false, "", fault.Invalid},
		{"success false, quoting the key", 200, `{"success":false,"error":"key \"sk-test-123\" has no quota"}`, false, "", fault.Invalid},
		{"success false", 200, `{"success":false,"error":"Stream is not live"}`, false, "", fault.Invalid},
		{"no clip url", 200, `{"success":true}`, false, "", fault.Invalid},
		{"not a link", 200, `{"success":true,"clip_url":"javascript:alert(1)"}`, false, "", fault.Invalid},
		{"not json", 200, `<html>`, false, "", fault.Invalid},
		{"timeout", 0, "", true, "", fault.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakeService(t, tt.status, tt.body, tt.hold)
			c, err := clipsvc.New(srv.URL+"/", key)
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if tt.hold {
				// The deadline the caller sets (clip.Chat's Timeout), already
				// near: the answer never comes.
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
				defer cancel()
			}
			got, err := c.Create(ctx, req)
			if got != tt.want {
				t.Errorf("Create() = %q, want %q", got, tt.want)
			}
			switch {
			case tt.want != "" && err != nil:
				t.Errorf("Create() error = %v, want nil", err)
			case tt.want == "" && !fault.Is(err, tt.wantKind):
				t.Errorf("Create() error = %v, want kind %v", err, tt.wantKind)
			}
			if err != nil && strings.Contains(err.Error(), key) {
				t.Errorf("Create() error %q shows the API key", err)
			}
			if tt.hold && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Create() error = %v, want the deadline's", err)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct{ name, base, key string }{
		{"no scheme", "clips.example", key},
		{"ftp", "ftp://clips.example", key},
		{"no key", "https://clips.example", ""},
		{"empty", "", key},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := clipsvc.New(tt.base, tt.key); !fault.Is(err, fault.Invalid) {
				t.Errorf("New(%q, %q) = %v, want fault.Invalid", tt.base, tt.key, err)
			}
		})
	}
}
