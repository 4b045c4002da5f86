package chat_test

// The chat feature end to end, with the adapters: Kick is kickfake on
// httptest, checking what it receives (bearer tokens, the 500-character
// limit, reply ids); DynamoDB is the embedded emulator; the token comes
// from a credential.Source on the stored credentials.

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/watchtime"
)

var (
	streamer = kickfake.User{ID: broadcaster, Name: "northwind"}
	viewer   = event.User{ID: 51234077, Username: "pixelpanda"}
)

// liveStack is the chat feature wired to its adapters.
type liveStack struct {
	kick            *kickfake.Server
	store           *dynamo.Store
	sender          *chat.Sender
	commands        *chat.Commands
	access, refresh string
	now             time.Time
	// failures are the refusals of the fake the test expects, in order.
	failures []string

	mu sync.Mutex
	// bearers are the tokens of the chat posts Kick received, in order.
	bearers []string
}

// chatBearers returns the tokens the chat posts carried.
func (s *liveStack) chatBearers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.bearers)
}

// newLiveStack connects the streamer's channel (a token pair with
// chat:write stored as its credentials) and seeds pixelpanda with 1,234
// points and 3 minutes of watchtime in the guild.
func newLiveStack(t *testing.T) *liveStack {
	t.Helper()
	ctx := t.Context()
	s := &liveStack{kick: &kickfake.Server{ClientID: "app", ClientSecret: "app-secret"}, now: time.Now()}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/public/v1/chat" {
			s.mu.Lock()
			s.bearers = append(s.bearers, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			s.mu.Unlock()
		}
		s.kick.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	client := kickapi.New("app", "app-secret")
	client.HTTP, client.APIBase, client.AuthBase = srv.Client(), srv.URL, srv.URL

	s.store = dynamo.New(dynamotest.Table(t, "kickbot"), "kickbot")
	scopes := []string{"user:read", "channel:read", "chat:write", "events:subscribe"}
	s.access, s.refresh = s.kick.IssueUserToken(streamer, scopes...)
	tok := credential.Token{Access: s.access, Refresh: s.refresh, Expiry: s.now.Add(kickfake.DefaultTokenLifetime)}
	check(t, "PutCredentials", s.store.PutCredentials(ctx, broadcaster, tok, scopes))

	for m := range 3 {
		_, err := s.store.Credit(ctx, guild, watchtime.Credit{UserID: viewer.ID, Username: viewer.Username, Minute: watchtime.Minute(1000 + m)})
		check(t, "Credit", err)
	}
	_, err := s.store.AdjustPoints(ctx, guild, viewer.ID, points.Change{
		Cause: "seed", Op: points.Set, Milli: points.FromWhole(1234), Reason: "test", By: "42", At: s.now,
	})
	check(t, "AdjustPoints", err)

	s.sender = &chat.Sender{
		Kick:   kickapi.ChatPoster{Client: client},
		Tokens: &credential.Source{Store: s.store, Kick: kickapi.Adapter{Client: client}},
		Store:  s.store,
	}
	s.commands = &chat.Commands{Viewers: s.store, Chat: s.sender}
	t.Cleanup(func() {
		if got := s.kick.Failures(); !matches(got, s.failures) {
			t.Errorf("fake Kick refused %q, want refusals containing %q", got, s.failures)
		}
	})
	return s
}

func matches(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !strings.Contains(got[i], want[i]) {
			return false
		}
	}
	return true
}

func check(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// command runs content as a chat command that viewer typed age ago, in a
// message with id messageID.
func (s *liveStack) command(t *testing.T, content, messageID string, age time.Duration) error {
	t.Helper()
	ev := event.Event{
		ID: "delivery-" + messageID, Type: event.ChatMessage, Broadcaster: broadcaster, SentAt: s.now.Add(-age),
		Chat: &event.Chat{MessageID: messageID, Sender: viewer, Content: content, CreatedAt: s.now.Add(-age)},
	}
	cmd, ok := command.Parse(content)
	if !ok {
		t.Fatalf("%q is not a command", content)
	}
	return s.commands.Run(t.Context(), guild, ev, cmd, s.now)
}

// uuid returns the i-th test message id, a UUID as Kick's are.
func uuid(i int) string {
	return "7c1e0b52-3f4a-4d8e-9a51-" + strings.Repeat("0", 11) + string(rune('a'+i))
}

// botReply is what Kick should hold for the bot's reply to messageID.
func botReply(content, messageID string) kickfake.Message {
	return kickfake.Message{BroadcasterUserID: broadcaster, Type: "bot", SenderUserID: broadcaster, Content: content, ReplyTo: messageID}
}

func wantMessages(t *testing.T, k *kickfake.Server, want ...kickfake.Message) {
	t.Helper()
	if diff := cmp.Diff(want, k.Messages(), cmpopts.IgnoreFields(kickfake.Message{}, "ID"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("messages in Kick chat (-want +got):\n%s", diff)
	}
}

func TestKickChatCommands(t *testing.T) {
	s := newLiveStack(t)
	check(t, "!points", s.command(t, "!points", uuid(0), 5*time.Second))
	check(t, "!watchtime", s.command(t, "!watchtime @PixelPanda", uuid(1), 5*time.Second))
	// SQS delivers a job again: the message is answered once.
	check(t, "!points again", s.command(t, "!points", uuid(0), 5*time.Second))
	wantMessages(t, s.kick,
		botReply("@pixelpanda has 1,234 points", uuid(0)),
		botReply("@pixelpanda has watched 3m", uuid(1)),
	)
	if diff := cmp.Diff([]string{s.access, s.access}, s.chatBearers()); diff != "" {
		t.Errorf("bearer tokens of the chat posts (-want +got):\n%s", diff)
	}
}

func TestKickChatFitsReplies(t *testing.T) {
	s := newLiveStack(t)
	long := "@pixelpanda " + strings.Repeat("ha", 300) // 612 characters
	if out, err := s.sender.Say(t.Context(), chat.Message{Broadcaster: broadcaster, Text: long, ReplyTo: uuid(0)}, s.now); err != nil || out != chat.Sent {
		t.Fatalf("Say = %v, %v; want sent", out, err)
	}
	msgs := s.kick.Messages()
	if len(msgs) != 1 {
		t.Fatalf("Kick got %d messages, want 1", len(msgs))
	}
	got := msgs[0].Content
	if n := utf8.RuneCountInString(got); n != reply.MaxLen || !strings.HasSuffix(got, reply.Ellipsis) || !strings.HasPrefix(long, strings.TrimSuffix(got, reply.Ellipsis)) {
		t.Errorf("Kick got %d characters %q, want the first %d of the text and %q", n, got, reply.MaxLen-1, reply.Ellipsis)
	}
}

func TestKickChatRateLimit(t *testing.T) {
	s := newLiveStack(t)
	s.sender.Limit = reply.Limit{Max: 3, Per: time.Minute}
	var want []kickfake.Message
	for i := range s.sender.Limit.Max + 1 {
		// The (Max+1)th message in the window is dropped without an
		// error: a retry would not make it timely.
		check(t, "!points", s.command(t, "!points", uuid(i), time.Second))
		if i < s.sender.Limit.Max {
			want = append(want, botReply("@pixelpanda has 1,234 points", uuid(i)))
		}
	}
	wantMessages(t, s.kick, want...)
}

func TestKickChatStale(t *testing.T) {
	s := newLiveStack(t)
	// Kick delivered the message late: it counted for activity on
	// arrival, but a reply now would be a non sequitur.
	check(t, "stale !points", s.command(t, "!points", uuid(0), reply.StaleAfter+time.Second))
	wantMessages(t, s.kick)
}

func TestKickChatRefreshOn401(t *testing.T) {
	s := newLiveStack(t)
	s.kick.Expire(s.access) // Kick drops the token before its expiry
	s.failures = []string{"POST /public/v1/chat: expired access token"}
	check(t, "!points", s.command(t, "!points", uuid(0), time.Second))
	wantMessages(t, s.kick, botReply("@pixelpanda has 1,234 points", uuid(0)))
	if got := s.kick.TokenCalls("refresh_token"); got != 1 {
		t.Errorf("refresh grants = %d, want 1", got)
	}
	rec, err := s.store.Load(t.Context(), broadcaster)
	check(t, "Load", err)
	if rec.Access == s.access || rec.Refresh == s.refresh || rec.Access == "" {
		t.Errorf("stored credentials after the refresh = %v, want the new token pair", rec)
	}
	// The post was tried with the old token, then once with the new one.
	if diff := cmp.Diff([]string{s.access, rec.Access}, s.chatBearers()); diff != "" {
		t.Errorf("bearer tokens of the chat posts (-want +got):\n%s", diff)
	}
}

func TestKickChatRefreshRejected(t *testing.T) {
	s := newLiveStack(t)
	s.kick.Expire(s.access)
	s.kick.RejectRefresh(s.refresh)
	s.failures = []string{"POST /public/v1/chat: expired access token", "POST /oauth/token: refresh token rejected"}
	err := s.command(t, "!points", uuid(0), time.Second)
	if got := len(s.chatBearers()); got != 1 {
		t.Errorf("Kick got %d chat posts, want 1 (none after the refusal)", got)
	}
	if !fault.Is(err, fault.Forbidden) || !errors.Is(err, credential.ErrReconnect) {
		t.Errorf("Run error = %v (kind %v), want credential.ErrReconnect, forbidden", err, fault.KindOf(err))
	}
	wantMessages(t, s.kick)
	rec, err := s.store.Load(t.Context(), broadcaster)
	check(t, "Load", err)
	if !rec.NeedsReauth {
		t.Errorf("stored credentials = %v, want them marked as needing a new authorisation", rec)
	}
	// Until the streamer reconnects, Kick is not asked again.
	err = s.command(t, "!points", uuid(1), time.Second)
	if !errors.Is(err, credential.ErrReconnect) {
		t.Errorf("Run error after the refusal = %v, want credential.ErrReconnect", err)
	}
	if got := s.kick.TokenCalls("refresh_token"); got != 1 {
		t.Errorf("refresh grants = %d, want 1", got)
	}
}
