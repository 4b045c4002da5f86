package notice_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/settings"
)

const (
	guild   = "883082587327823872"
	channel = "883000000000000333"
)

// memStore keeps settings and markers in memory.
type memStore struct {
	channel     string
	settingsErr error
	forgetErr   error
	marked      map[string]bool
	calls       []string
}

func (s *memStore) Settings(context.Context, string) (settings.Settings, error) {
	s.calls = append(s.calls, "Settings")
	set := settings.Defaults()
	set.AnnounceChannel = s.channel
	return set, s.settingsErr
}

func (s *memStore) MarkReported(_ context.Context, _, key string) (bool, error) {
	s.calls = append(s.calls, "MarkReported "+key)
	if s.marked == nil {
		s.marked = map[string]bool{}
	}
	first := !s.marked[key]
	s.marked[key] = true
	return first, nil
}

func (s *memStore) ForgetReported(ctx context.Context, _, key string) error {
	s.calls = append(s.calls, "ForgetReported "+key)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if s.forgetErr != nil {
		return s.forgetErr
	}
	delete(s.marked, key)
	return nil
}

// memPoster records posts, failing with err when set.
type memPoster struct {
	err   error
	posts []string // "channel: content"
}

func (p *memPoster) PostMessage(_ context.Context, ch, content string) error {
	if p.err != nil {
		return p.err
	}
	p.posts = append(p.posts, ch+": "+content)
	return nil
}

func TestOnce(t *testing.T) {
	s := &memStore{channel: channel}
	p := &memPoster{}
	n := &notice.Notifier{Store: s, Poster: p}
	ctx := t.Context()

	for i, want := range []bool{true, false, false} {
		sent, err := n.Once(ctx, guild, "role-above#1", "move my role")
		if err != nil || sent != want {
			t.Errorf("Once() #%d = %v, %v; want %v, nil", i+1, sent, err, want)
		}
	}
	if sent, err := n.Once(ctx, guild, "role-gone#2", "role gone"); !sent || err != nil {
		t.Errorf("Once(another key) = %v, %v; want true, nil", sent, err)
	}
	want := []string{channel + ": move my role", channel + ": role gone"}
	if diff := cmp.Diff(want, p.posts); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}

	// Forgotten, it is told again.
	if err := n.Forget(ctx, guild, "role-above#1"); err != nil {
		t.Fatalf("Forget() = %v", err)
	}
	if sent, err := n.Once(ctx, guild, "role-above#1", "move my role"); !sent || err != nil {
		t.Errorf("Once() after Forget = %v, %v; want true, nil", sent, err)
	}
}

func TestOnceWithoutChannel(t *testing.T) {
	s := &memStore{}
	p := &memPoster{}
	n := &notice.Notifier{Store: s, Poster: p}
	sent, err := n.Once(t.Context(), guild, "missing-permission", "I need Manage Roles")
	if sent || !fault.Is(err, fault.NotFound) || !errors.Is(err, notice.ErrNoChannel) {
		t.Errorf("Once() without a channel = %v, %v; want false and NotFound wrapping ErrNoChannel", sent, err)
	}
	if diff := cmp.Diff([]string{"Settings"}, s.calls); diff != "" || len(p.posts) != 0 {
		t.Errorf("store calls (-want +got):\n%s\nposts %v; want nothing recorded or posted", diff, p.posts)
	}
	// An admin sets a channel: the next call tells.
	s.channel = channel
	if sent, err := n.Once(t.Context(), guild, "missing-permission", "I need Manage Roles"); !sent || err != nil {
		t.Errorf("Once() once a channel is set = %v, %v; want true, nil", sent, err)
	}
}

func TestOncePostFails(t *testing.T) {
	tests := []struct {
		name      string
		postErr   error
		forgetErr error
		wantKind  fault.Kind
		retells   bool // a later call posts
	}{
		{"busy", fault.E(fault.Transient, "Discord is busy"), nil, fault.Transient, true},
		{"channel gone", fault.E(fault.NotFound, "the announcement channel no longer exists"), nil, fault.NotFound, true},
		{"not allowed", fault.E(fault.Forbidden, "the bot may not post there"), nil, fault.Forbidden, true},
		{"unmark fails too", fault.E(fault.Transient, "Discord is busy"), fault.E(fault.Transient, "DynamoDB is busy"), fault.Transient, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &memStore{channel: channel, forgetErr: tt.forgetErr}
			p := &memPoster{err: tt.postErr}
			n := &notice.Notifier{Store: s, Poster: p}
			sent, err := n.Once(t.Context(), guild, "k", "m")
			if sent || fault.KindOf(err) != tt.wantKind || !errors.Is(err, tt.postErr) {
				t.Errorf("Once() = %v, %v; want false and the post's %v error", sent, err, tt.wantKind)
			}
			p.err = nil
			s.forgetErr = nil
			sent, err = n.Once(t.Context(), guild, "k", "m")
			if sent != tt.retells || err != nil {
				t.Errorf("Once() after the failure = %v, %v; want %v, nil", sent, err, tt.retells)
			}
		})
	}
}

// A post that fails as the caller's context ends is still unmarked.
func TestOnceUnmarksAfterCancel(t *testing.T) {
	s := &memStore{channel: channel}
	ctx, cancel := context.WithCancel(t.Context())
	p := posterFunc(func(context.Context, string, string) error {
		cancel()
		return fault.Wrap(fault.Transient, context.Canceled, "Discord could not be reached")
	})
	if _, err := (&notice.Notifier{Store: s, Poster: p}).Once(ctx, guild, "k", "m"); !fault.Is(err, fault.Transient) {
		t.Fatalf("Once() = %v, want transient", err)
	}
	if s.marked["k"] {
		t.Error("the notice is still marked after its post failed")
	}
}

type posterFunc func(ctx context.Context, channel, content string) error

func (f posterFunc) PostMessage(ctx context.Context, ch, content string) error {
	return f(ctx, ch, content)
}

func TestOnceErrors(t *testing.T) {
	busy := fault.E(fault.Transient, "DynamoDB is busy")
	s := &memStore{channel: channel, settingsErr: busy}
	n := &notice.Notifier{Store: s, Poster: &memPoster{}}
	if _, err := n.Once(t.Context(), guild, "k", "m"); !errors.Is(err, busy) {
		t.Errorf("Once() with settings failing = %v, want %v", err, busy)
	}
	for _, tc := range []struct{ guild, key, msg string }{{"", "k", "m"}, {guild, "", "m"}, {guild, "k", ""}} {
		if _, err := n.Once(t.Context(), tc.guild, tc.key, tc.msg); !fault.Is(err, fault.Invalid) {
			t.Errorf("Once(%q, %q, %q) = %v, want invalid", tc.guild, tc.key, tc.msg, err)
		}
	}
	if err := n.Forget(t.Context(), guild, ""); !fault.Is(err, fault.Invalid) {
		t.Errorf("Forget(no key) = %v, want invalid", err)
	}
	if _, err := (&notice.Notifier{}).Once(t.Context(), guild, "k", "m"); !fault.Is(err, fault.Internal) {
		t.Errorf("Once() of a zero Notifier = %v, want internal", err)
	}
}

func Example() {
	n := &notice.Notifier{Store: &memStore{channel: channel}, Poster: &memPoster{}}
	ctx := context.Background()
	for range 2 {
		sent, err := n.Once(ctx, guild, "missing-permission", "I can't give watchtime roles: I need the Manage Roles permission.")
		fmt.Println(sent, err)
	}
	// Output:
	// true <nil>
	// false <nil>
}
