package chat_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/reply"
)

const (
	broadcaster = 4402117
	msgID       = "7c1e0b52-3f4a-4d8e-9a51-2b6f0c9d1e44"
)

var now = time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)

// newSender returns a Sender whose Kick takes the token "a1" and, after a
// refresh, "a2".
func newSender() (*chat.Sender, *fakeKick, *fakeTokens, *memStore) {
	k := newFakeKick("a1", "a2")
	tok := &fakeTokens{token: "a1", refreshed: "a2"}
	st := newMemStore()
	return &chat.Sender{Kick: k, Tokens: tok, Store: st}, k, tok, st
}

func TestSay(t *testing.T) {
	long := strings.Repeat("a", 600)
	tests := []struct {
		name string
		msg  chat.Message
		want chat.Outcome
		// sent is the text Kick receives; "" for none.
		sent string
	}{
		{"reply", chat.Message{Broadcaster: broadcaster, Text: "@alice has 1,234 points", ReplyTo: msgID}, chat.Sent, "@alice has 1,234 points"},
		{"plain", chat.Message{Broadcaster: broadcaster, Text: "Follow the channel!"}, chat.Sent, "Follow the channel!"},
		{"one line", chat.Message{Broadcaster: broadcaster, Text: "  two\nlines  "}, chat.Sent, "two lines"},
		{"fitted to 500", chat.Message{Broadcaster: broadcaster, Text: long}, chat.Sent, strings.Repeat("a", reply.MaxLen-1) + reply.Ellipsis},
		{"never a command", chat.Message{Broadcaster: broadcaster, Text: "!points is how you check"}, chat.Sent, "points is how you check"},
		{"never a command, however hidden", chat.Message{Broadcaster: broadcaster, Text: " \u200b! !points"}, chat.Sent, "points"},
		{"empty", chat.Message{Broadcaster: broadcaster, Text: " \n\t"}, chat.Empty, ""},
		{"only a prefix", chat.Message{Broadcaster: broadcaster, Text: "!!!"}, chat.Empty, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, k, _, _ := newSender()
			got, err := s.Say(t.Context(), tt.msg, now)
			if err != nil || got != tt.want {
				t.Fatalf("Say = %v, %v; want %v", got, err, tt.want)
			}
			var want []post
			if tt.sent != "" {
				m := tt.msg
				m.Text = tt.sent
				want = []post{{"a1", m}}
			}
			if diff := cmp.Diff(want, k.Sent()); diff != "" {
				t.Errorf("posts (-want +got):\n%s", diff)
			}
			for _, p := range k.Sent() {
				if n := utf8.RuneCountInString(p.Msg.Text); n > reply.MaxLen {
					t.Errorf("posted %d characters, want at most %d", n, reply.MaxLen)
				}
				if _, isCmd := command.Parse(p.Msg.Text); isCmd {
					t.Errorf("posted %q, which is a command", p.Msg.Text)
				}
			}
		})
	}
}

func TestSayOnce(t *testing.T) {
	s, k, _, _ := newSender()
	m := chat.Message{Broadcaster: broadcaster, Text: "@alice has 3 points", ReplyTo: msgID}
	for i, want := range []chat.Outcome{chat.Sent, chat.Repeated} {
		if got, err := s.Say(t.Context(), m, now); err != nil || got != want {
			t.Errorf("Say #%d = %v, %v; want %v", i+1, got, err, want)
		}
	}
	// Another channel, or another cause, is another message.
	other := m
	other.Broadcaster = 1
	if got, err := s.Say(t.Context(), other, now); err != nil || got != chat.Sent {
		t.Errorf("Say in another channel = %v, %v; want sent", got, err)
	}
	m.Cause = "timer/1"
	if got, err := s.Say(t.Context(), m, now); err != nil || got != chat.Sent {
		t.Errorf("Say with its own cause = %v, %v; want sent", got, err)
	}
	if got := len(k.Sent()); got != 3 {
		t.Errorf("Kick got %d messages, want 3", got)
	}
}

func TestSayRateLimit(t *testing.T) {
	s, k, _, _ := newSender()
	s.Limit = reply.Limit{Max: 3, Per: 30 * time.Second}
	say := func(i int, at time.Time) (chat.Outcome, error) {
		return s.Say(t.Context(), chat.Message{Broadcaster: broadcaster, Text: "hi", Cause: string(rune('a' + i))}, at)
	}
	for i := range s.Limit.Max {
		if got, err := say(i, now); err != nil || got != chat.Sent {
			t.Fatalf("Say #%d = %v, %v; want sent", i+1, got, err)
		}
	}
	// The (Max+1)th in the window is dropped without an error: SQS must
	// not offer the job again.
	if got, err := say(9, now.Add(time.Second)); err != nil || got != chat.Limited {
		t.Errorf("Say past the limit = %v, %v; want rate limited and no error", got, err)
	}
	if got := len(k.Sent()); got != s.Limit.Max {
		t.Errorf("Kick got %d messages, want %d", got, s.Limit.Max)
	}
	// The next window lets messages through again.
	if got, err := say(10, now.Truncate(s.Limit.Per).Add(s.Limit.Per)); err != nil || got != chat.Sent {
		t.Errorf("Say in the next window = %v, %v; want sent", got, err)
	}
}

func TestSayDefaultLimit(t *testing.T) {
	s, k, _, _ := newSender()
	for i := range reply.DefaultLimit.Max + 5 {
		if _, err := s.Say(t.Context(), chat.Message{Broadcaster: broadcaster, Text: "hi", Cause: string(rune('a' + i))}, now); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(k.Sent()); got != reply.DefaultLimit.Max {
		t.Errorf("Kick got %d messages with the zero Limit, want reply.DefaultLimit's %d", got, reply.DefaultLimit.Max)
	}
}

func TestSayRefreshesOn401(t *testing.T) {
	s, k, tok, _ := newSender()
	delete(k.valid, "a1") // Kick no longer takes the stored token
	got, err := s.Say(t.Context(), chat.Message{Broadcaster: broadcaster, Text: "hi", ReplyTo: msgID}, now)
	if err != nil || got != chat.Sent {
		t.Fatalf("Say = %v, %v; want sent", got, err)
	}
	if diff := cmp.Diff([]string{"a1"}, tok.rejected); diff != "" {
		t.Errorf("TokenAfter401 was told of (-want +got):\n%s", diff)
	}
	want := []post{
		{"a1", chat.Message{Broadcaster: broadcaster, Text: "hi", ReplyTo: msgID}},
		{"a2", chat.Message{Broadcaster: broadcaster, Text: "hi", ReplyTo: msgID}},
	}
	if diff := cmp.Diff(want, k.posts); diff != "" {
		t.Errorf("posts (-want +got):\n%s", diff)
	}
}

func TestSayFailures(t *testing.T) {
	reconnect := fmt.Errorf("load token: %w", credential.ErrReconnect)
	down := fault.E(fault.Transient, "kick answered 503")
	tests := []struct {
		name  string
		setup func(k *fakeKick, tok *fakeTokens, st *memStore)
		kind  fault.Kind
		is    error // in the error's chain, when set
		posts int   // attempts Kick sees
	}{
		{"refused twice", func(k *fakeKick, _ *fakeTokens, _ *memStore) { k.valid = map[string]bool{} },
			fault.Forbidden, errUnauthorized, 2},
		{"refresh token refused", func(k *fakeKick, tok *fakeTokens, _ *memStore) {
			delete(k.valid, "a1")
			tok.err401 = credential.ErrReconnect
		}, fault.Forbidden, credential.ErrReconnect, 1},
		{"needs reconnecting already", func(_ *fakeKick, tok *fakeTokens, _ *memStore) { tok.err = reconnect },
			fault.Forbidden, credential.ErrReconnect, 0},
		{"not connected", func(_ *fakeKick, tok *fakeTokens, _ *memStore) {
			tok.err = fault.E(fault.NotFound, "the Kick channel is not connected")
		}, fault.NotFound, nil, 0},
		{"kick down", func(k *fakeKick, _ *fakeTokens, _ *memStore) { k.fail = []error{down} },
			fault.Transient, down, 1},
		{"store down", func(_ *fakeKick, _ *fakeTokens, st *memStore) { st.err = fault.E(fault.Transient, "throttled") },
			fault.Transient, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, k, tok, st := newSender()
			tt.setup(k, tok, st)
			_, err := s.Say(t.Context(), chat.Message{Broadcaster: broadcaster, Text: "hi", ReplyTo: msgID}, now)
			if !fault.Is(err, tt.kind) {
				t.Errorf("Say error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.kind)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("Say error = %v, want %v in its chain", err, tt.is)
			}
			if got := len(k.posts); got != tt.posts {
				t.Errorf("Kick saw %d posts, want %d", got, tt.posts)
			}
			if got := len(k.Sent()); got != 0 {
				t.Errorf("Kick accepted %d messages, want none", got)
			}
			// A failed Say gives its claim back, so that a retry may say it.
			if st.claimed(broadcaster, msgID) {
				t.Errorf("the claim on %s stayed after a failed Say", msgID)
			}
		})
	}
}

func TestSayInvalid(t *testing.T) {
	s, k, _, _ := newSender()
	for _, m := range []chat.Message{
		{Text: "no channel"},
		{Broadcaster: broadcaster, Text: "hi", Cause: strings.Repeat("c", chat.MaxCauseLen+1)},
	} {
		if _, err := s.Say(t.Context(), m, now); !fault.Is(err, fault.Invalid) {
			t.Errorf("Say(%+v) error = %v (kind %v), want invalid", m, err, fault.KindOf(err))
		}
	}
	if got := len(k.posts); got != 0 {
		t.Errorf("Kick saw %d posts, want none", got)
	}
}

func TestSpeakable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"@alice has 5 points", "@alice has 5 points"},
		{"!call is open", "call is open"},
		{"！points", "points"},
		{"\ufeff!points", "points"},
		{"!", ""},
		{"", ""},
		{"Hype! Let's go!", "Hype! Let's go!"},
	}
	for _, tt := range tests {
		if got := chat.Speakable(tt.in); got != tt.want {
			t.Errorf("Speakable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSayMetrics(t *testing.T) {
	s, _, _, _ := newSender()
	s.Limit = reply.Limit{Max: 2, Per: 30 * time.Second}
	rec := metric.New("NS", metric.D("Function", "worker"))
	ctx := metric.With(t.Context(), rec)
	for i := range 3 {
		if _, err := s.Say(ctx, chat.Message{Broadcaster: broadcaster, Text: "hi", Cause: string(rune('a' + i))}, now); err != nil {
			t.Fatal(err)
		}
	}
	points, err := metric.Flushed(rec)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := metric.Sum(points, metric.ChatRepliesSent, metric.D("Function", "worker")); got != 2 {
		t.Errorf("%s = %v, want 2", metric.ChatRepliesSent, got)
	}
	if got, _ := metric.Sum(points, metric.ChatRepliesDropped, metric.D("Window", "2/30s")); got != 1 {
		t.Errorf("%s{Window=2/30s} = %v, want 1", metric.ChatRepliesDropped, got)
	}
}
