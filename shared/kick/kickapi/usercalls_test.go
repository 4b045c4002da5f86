package kickapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
)

var (
	chatSent   = kickapi.EventVersion{Event: "chat.message.sent", Version: 1}
	liveStatus = kickapi.EventVersion{Event: "livestream.status.updated", Version: 1}
	followed   = kickapi.EventVersion{Event: "channel.followed", Version: 1}
)

// replyTo is a chat message id as chat.message.sent gives it.
const replyTo = "7c1e0b52-3f4a-4d8e-9a51-2b6f0c9d1e44"

// userCall is one of the Client's user-token methods, called with token.
type userCall struct {
	name string
	path string
	call func(ctx context.Context, c *kickapi.Client, token string) error
}

var userCalls = []userCall{
	{"WhoAmI", "/public/v1/users", func(ctx context.Context, c *kickapi.Client, tok string) error {
		_, err := c.WhoAmI(ctx, tok)
		return err
	}},
	{"Subscriptions", "/public/v1/events/subscriptions", func(ctx context.Context, c *kickapi.Client, tok string) error {
		_, err := c.Subscriptions(ctx, tok)
		return err
	}},
	{"Subscribe", "/public/v1/events/subscriptions", func(ctx context.Context, c *kickapi.Client, tok string) error {
		_, err := c.Subscribe(ctx, tok, streamer.ID, []kickapi.EventVersion{chatSent})
		return err
	}},
	{"Unsubscribe", "/public/v1/events/subscriptions", func(ctx context.Context, c *kickapi.Client, tok string) error {
		return c.Unsubscribe(ctx, tok, []string{"01JQ80H3W7XK2D9M4ZC1V6B8TA"})
	}},
	{"SendChat", "/public/v1/chat", func(ctx context.Context, c *kickapi.Client, tok string) error {
		_, err := c.SendChat(ctx, tok, kickapi.ChatMessage{Content: "hi", ReplyTo: replyTo})
		return err
	}},
}

var allScopes = []string{"user:read", "events:subscribe", "chat:write"}

func TestUserCallsUnauthorized(t *testing.T) {
	for _, uc := range userCalls {
		t.Run(uc.name, func(t *testing.T) {
			f := newFixture(t)
			access, refresh := f.kick.IssueUserToken(streamer, allScopes...)
			f.kick.Expire(access)
			f.expectFailure("expired access token")
			err := uc.call(t.Context(), f.client, access)
			if !errors.Is(err, kickapi.ErrUnauthorized) || !fault.Is(err, fault.Forbidden) {
				t.Errorf("%s error = %v (kind %v), want ErrUnauthorized of kind forbidden", uc.name, err, fault.KindOf(err))
			}
			if errors.Is(err, kickapi.ErrRejected) {
				t.Errorf("%s error = %v, want it not to be ErrRejected: the refresh token may still work", uc.name, err)
			}
			checkNoSecret(t, err, access, refresh)
			// The caller refreshes and retries; the Client does not.
			if got := f.requestCount(); got != 1 {
				t.Errorf("%s made %d requests, want 1", uc.name, got)
			}
		})
	}
}

func TestUserCallsTransient(t *testing.T) {
	for _, uc := range userCalls {
		for _, status := range []int{429, 500, 503} {
			t.Run(fmt.Sprint(uc.name, status), func(t *testing.T) {
				f := newFixture(t)
				access, _ := f.kick.IssueUserToken(streamer, allScopes...)
				f.kick.FailNext(uc.path, 1, status)
				err := uc.call(t.Context(), f.client, access)
				if !fault.Is(err, fault.Transient) || errors.Is(err, kickapi.ErrUnauthorized) {
					t.Errorf("%s error = %v (kind %v), want kind transient and not ErrUnauthorized", uc.name, err, fault.KindOf(err))
				}
				if err != nil && !strings.Contains(err.Error(), fmt.Sprint(status)) {
					t.Errorf("%s error = %q, want it to mention %d", uc.name, err, status)
				}
				checkNoSecret(t, err, access)
			})
		}
	}
}

// TestUserCallsMissingScope: a token without the scope a call needs is
// Forbidden but not ErrUnauthorized, since refreshing keeps the scopes.
func TestUserCallsMissingScope(t *testing.T) {
	for _, uc := range userCalls {
		t.Run(uc.name, func(t *testing.T) {
			f := newFixture(t)
			access, _ := f.kick.IssueUserToken(streamer, "channel:read")
			f.expectFailure("scope")
			err := uc.call(t.Context(), f.client, access)
			if !fault.Is(err, fault.Forbidden) || errors.Is(err, kickapi.ErrUnauthorized) {
				t.Errorf("%s error = %v (kind %v), want kind forbidden and not ErrUnauthorized", uc.name, err, fault.KindOf(err))
			}
			checkNoSecret(t, err, access)
		})
	}
}

// TestUserCallsScrubKickText: Kick's error text is kept, but never a token
// it echoes.
func TestUserCallsScrubKickText(t *testing.T) {
	for _, uc := range userCalls {
		t.Run(uc.name, func(t *testing.T) {
			f := newFixture(t)
			access, _ := f.kick.IssueUserToken(streamer, allScopes...)
			f.wrap = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"data":null,"message":"bad token %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
			}
			err := uc.call(t.Context(), f.client, access)
			if !fault.Is(err, fault.Internal) || err == nil || !strings.Contains(err.Error(), "bad token [redacted]") {
				t.Errorf("%s error = %v (kind %v), want kind internal with Kick's message scrubbed", uc.name, err, fault.KindOf(err))
			}
			checkNoSecret(t, err, access)
		})
	}
}

func TestWhoAmI(t *testing.T) {
	f := newFixture(t)
	access, _ := f.kick.IssueUserToken(viewer, "user:read")
	got, err := f.client.WhoAmI(t.Context(), access)
	if err != nil {
		t.Fatalf("WhoAmI: %v", err)
	}
	if want := (kickapi.User{ID: viewer.ID, Name: viewer.Name}); got != want {
		t.Errorf("WhoAmI = %+v, want %+v", got, want)
	}
}

func TestWhoAmIAnswers(t *testing.T) {
	tests := []struct {
		name     string
		token    string
		body     string
		wantKind fault.Kind
	}{
		{"no token", "", ``, fault.Invalid},
		{"no user", "tok", `{"data":[],"message":"OK"}`, fault.Internal},
		{"two users", "tok", `{"data":[{"user_id":1,"name":"a"},{"user_id":2,"name":"b"}]}`, fault.Internal},
		{"user id zero", "tok", `{"data":[{"name":"a"}]}`, fault.Internal},
		{"data not a list", "tok", `{"data":{"user_id":1}}`, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.wrap = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) { fmt.Fprint(w, tt.body) }
			_, err := f.client.WhoAmI(t.Context(), tt.token)
			if !fault.Is(err, tt.wantKind) {
				t.Errorf("WhoAmI error = %v (kind %v), want kind %v", err, fault.KindOf(err), tt.wantKind)
			}
		})
	}
}

func TestSubscribeListUnsubscribe(t *testing.T) {
	f := newFixture(t)
	access, _ := f.kick.IssueUserToken(streamer, "events:subscribe")
	ctx := t.Context()

	created, err := f.client.Subscribe(ctx, access, streamer.ID, []kickapi.EventVersion{chatSent, liveStatus, chatSent})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	held := f.kick.Subscriptions(streamer.ID)
	if len(held) != 2 || len(created) != 2 {
		t.Fatalf("Subscribe created %v; fake holds %v; want 2 each (a repeated event asked once)", created, held)
	}
	var want []kickapi.Subscription
	for _, s := range held {
		want = append(want, kickapi.Subscription{ID: s.ID, BroadcasterUserID: s.BroadcasterUserID, EventVersion: kickapi.EventVersion{Event: s.Event, Version: s.Version}})
	}
	if diff := cmp.Diff(created, want); diff != "" {
		t.Errorf("Subscribe (-got +want):\n%s", diff)
	}

	// Kick takes duplicates; Subscribe does not guard against them.
	again, err := f.client.Subscribe(ctx, access, streamer.ID, []kickapi.EventVersion{chatSent})
	if err != nil {
		t.Fatalf("second Subscribe: %v", err)
	}
	listed, err := f.client.Subscriptions(ctx, access)
	if err != nil {
		t.Fatalf("Subscriptions: %v", err)
	}
	if diff := cmp.Diff(listed, append(want, again...)); diff != "" {
		t.Errorf("Subscriptions (-got +want):\n%s", diff)
	}
	if !slices.IsSortedFunc(listed, func(a, b kickapi.Subscription) int { return strings.Compare(a.ID, b.ID) }) {
		t.Errorf("Subscriptions ids %v are not in creation order", listed)
	}

	if err := f.client.Unsubscribe(ctx, access, []string{created[0].ID, again[0].ID, created[0].ID}); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	listed, err = f.client.Subscriptions(ctx, access)
	if err != nil {
		t.Fatalf("Subscriptions after Unsubscribe: %v", err)
	}
	if diff := cmp.Diff(listed, want[1:]); diff != "" {
		t.Errorf("Subscriptions after Unsubscribe (-got +want):\n%s", diff)
	}
}

func TestSubscribeWithAppToken(t *testing.T) {
	f := newFixture(t)
	const other = 73310954
	created, err := f.client.Subscribe(t.Context(), kickapi.AppToken, other, []kickapi.EventVersion{followed})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	if len(created) != 1 || created[0].BroadcasterUserID != other || created[0].EventVersion != followed {
		t.Errorf("Subscribe = %v, want one %v subscription of %d", created, followed, other)
	}
	listed, err := f.client.Subscriptions(t.Context(), kickapi.AppToken)
	if err != nil {
		t.Fatalf("Subscriptions: %v", err)
	}
	if diff := cmp.Diff(listed, created); diff != "" {
		t.Errorf("Subscriptions (-got +want):\n%s", diff)
	}
	if err := f.client.Unsubscribe(t.Context(), kickapi.AppToken, []string{created[0].ID}); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if held := f.kick.Subscriptions(0); len(held) != 0 {
		t.Errorf("fake holds %v after Unsubscribe, want none", held)
	}
	if got := f.kick.TokenCalls("client_credentials"); got != 1 {
		t.Errorf("client_credentials token calls = %d, want 1 (the app token is cached)", got)
	}
}

// TestSubscribePartly: Kick answers for each event on its own; those it
// made come back with the error about the others.
func TestSubscribePartly(t *testing.T) {
	f := newFixture(t)
	access, _ := f.kick.IssueUserToken(streamer, "events:subscribe")
	raid := kickapi.EventVersion{Event: "channel.raided", Version: 1}
	f.expectFailure(`"channel.raided" version 1 does not exist`)
	created, err := f.client.Subscribe(t.Context(), access, streamer.ID, []kickapi.EventVersion{chatSent, raid})
	if !fault.Is(err, fault.Internal) || err == nil || !strings.Contains(err.Error(), "channel.raided v1: invalid event") {
		t.Errorf("Subscribe error = %v (kind %v), want kind internal naming channel.raided", err, fault.KindOf(err))
	}
	if len(created) != 1 || created[0].EventVersion != chatSent || created[0].ID == "" {
		t.Errorf("Subscribe created %v, want the chat.message.sent subscription", created)
	}
}

func TestSubscribeAnswers(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantCreated int
	}{
		{"nothing created", `{"data":[],"message":"OK"}`, 0},
		{"entry without an id", `{"data":[{"name":"chat.message.sent","version":1,"subscription_id":"","error":""},{"name":"channel.followed","version":1,"subscription_id":"01JQ80H3W7XK2D9M4ZC1V6B8TA"}]}`, 1},
		{"entry with an error", `{"data":[{"name":"chat.message.sent","version":1,"error":"limit reached"},{"name":"channel.followed","version":1,"subscription_id":"01JQ80H3W7XK2D9M4ZC1V6B8TA"}]}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.wrap = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) { fmt.Fprint(w, tt.body) }
			created, err := f.client.Subscribe(t.Context(), "tok", streamer.ID, []kickapi.EventVersion{chatSent, followed})
			if !fault.Is(err, fault.Internal) || err == nil || !strings.Contains(err.Error(), "chat.message.sent v1") {
				t.Errorf("Subscribe error = %v (kind %v), want kind internal naming chat.message.sent", err, fault.KindOf(err))
			}
			if len(created) != tt.wantCreated {
				t.Errorf("Subscribe created %v, want %d", created, tt.wantCreated)
			}
		})
	}
}

func TestSubscribeWithoutRequest(t *testing.T) {
	tests := []struct {
		name        string
		broadcaster int64
		events      []kickapi.EventVersion
		wantErr     bool // of kind invalid
	}{
		{"no events", streamer.ID, nil, false},
		{"broadcaster zero", 0, []kickapi.EventVersion{chatSent}, true},
		{"no event name", streamer.ID, []kickapi.EventVersion{{Version: 1}}, true},
		{"version zero", streamer.ID, []kickapi.EventVersion{{Event: "chat.message.sent"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			created, err := f.client.Subscribe(t.Context(), "tok", tt.broadcaster, tt.events)
			if tt.wantErr != fault.Is(err, fault.Invalid) || !tt.wantErr && err != nil {
				t.Errorf("Subscribe error = %v (kind %v), want kind invalid: %t", err, fault.KindOf(err), tt.wantErr)
			}
			if created != nil || f.requestCount() != 0 {
				t.Errorf("Subscribe = %v after %d requests, want nil after none", created, f.requestCount())
			}
		})
	}
}

func TestUnsubscribeChunks(t *testing.T) {
	tests := []struct {
		name      string
		ids       int // distinct ids, each given twice
		wantSizes []int
	}{
		{"none", 0, nil},
		{"50", 50, []int{50}},
		{"120", 120, []int{50, 50, 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			access, _ := f.kick.IssueUserToken(streamer, "events:subscribe")
			var sizes []int
			f.wrap = func(w http.ResponseWriter, r *http.Request, next http.Handler) {
				sizes = append(sizes, len(r.URL.Query()["id"]))
				next.ServeHTTP(w, r)
			}
			var ids []string
			for i := range tt.ids {
				ids = append(ids, fmt.Sprintf("01JQ80H3W7XK2D9M4ZC1V6B%03d", i))
			}
			if err := f.client.Unsubscribe(t.Context(), access, append(ids, ids...)); err != nil {
				t.Fatalf("Unsubscribe: %v", err)
			}
			if diff := cmp.Diff(sizes, tt.wantSizes); diff != "" {
				t.Errorf("ids per request (-got +want):\n%s", diff)
			}
		})
	}
	t.Run("empty id", func(t *testing.T) {
		f := newFixture(t)
		err := f.client.Unsubscribe(t.Context(), "tok", []string{"01JQ80H3W7XK2D9M4ZC1V6B8TA", ""})
		if !fault.Is(err, fault.Invalid) || f.requestCount() != 0 {
			t.Errorf("Unsubscribe error = %v (kind %v) after %d requests, want kind invalid and none", err, fault.KindOf(err), f.requestCount())
		}
	})
}

func TestSendChat(t *testing.T) {
	tests := []struct {
		name   string
		sender kickfake.User // owns the token
		msg    kickapi.ChatMessage
		want   kickfake.Message // ID aside
	}{
		{
			name:   "bot reply in the streamer's channel",
			sender: streamer,
			msg:    kickapi.ChatMessage{Content: "@pixelpanda you have 1,250 points", ReplyTo: replyTo},
			want:   kickfake.Message{BroadcasterUserID: streamer.ID, Type: "bot", SenderUserID: streamer.ID, Content: "@pixelpanda you have 1,250 points", ReplyTo: replyTo},
		},
		{
			name:   "bot ignores the broadcaster given",
			sender: streamer,
			msg:    kickapi.ChatMessage{As: kickapi.AsBot, BroadcasterUserID: 999, Content: "timer: follow!"},
			want:   kickfake.Message{BroadcasterUserID: streamer.ID, Type: "bot", SenderUserID: streamer.ID, Content: "timer: follow!"},
		},
		{
			name:   "viewer posts in the streamer's channel",
			sender: viewer,
			msg:    kickapi.ChatMessage{As: kickapi.AsUser, BroadcasterUserID: streamer.ID, Content: "gg"},
			want:   kickfake.Message{BroadcasterUserID: streamer.ID, Type: "user", SenderUserID: viewer.ID, Content: "gg"},
		},
		{
			name:   "500 characters, not bytes",
			sender: streamer,
			msg:    kickapi.ChatMessage{Content: strings.Repeat("é", kickapi.MaxChatLength)},
			want:   kickfake.Message{BroadcasterUserID: streamer.ID, Type: "bot", SenderUserID: streamer.ID, Content: strings.Repeat("é", kickapi.MaxChatLength)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			access, _ := f.kick.IssueUserToken(tt.sender, "chat:write")
			id, err := f.client.SendChat(t.Context(), access, tt.msg)
			if err != nil {
				t.Fatalf("SendChat: %v", err)
			}
			msgs := f.kick.Messages()
			if len(msgs) != 1 {
				t.Fatalf("fake has messages %v, want 1", msgs)
			}
			if msgs[0].ID != id || id == "" {
				t.Errorf("SendChat = %q, want the id Kick gave, %q", id, msgs[0].ID)
			}
			tt.want.ID = id
			if diff := cmp.Diff(msgs[0], tt.want); diff != "" {
				t.Errorf("message Kick got (-got +want):\n%s", diff)
			}
		})
	}
}

func TestSendChatRefusedBeforeSending(t *testing.T) {
	tests := []struct {
		name  string
		token string
		msg   kickapi.ChatMessage
	}{
		{"501 characters", "tok", kickapi.ChatMessage{Content: strings.Repeat("a", kickapi.MaxChatLength+1)}},
		{"empty", "tok", kickapi.ChatMessage{}},
		{"only spaces", "tok", kickapi.ChatMessage{Content: " \n\t"}},
		{"as user without a channel", "tok", kickapi.ChatMessage{As: kickapi.AsUser, Content: "hi"}},
		{"unknown sender", "tok", kickapi.ChatMessage{As: "moderator", Content: "hi"}},
		{"no token", "", kickapi.ChatMessage{Content: "hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			_, err := f.client.SendChat(t.Context(), tt.token, tt.msg)
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("SendChat error = %v (kind %v), want kind invalid", err, fault.KindOf(err))
			}
			if got := f.requestCount(); got != 0 {
				t.Errorf("SendChat made %d requests, want none", got)
			}
		})
	}
}

func TestSendChatNotSent(t *testing.T) {
	f := newFixture(t)
	f.wrap = func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
		fmt.Fprint(w, `{"data":{"is_sent":false,"message_id":""},"message":"OK"}`)
	}
	_, err := f.client.SendChat(t.Context(), "tok", kickapi.ChatMessage{Content: "hi"})
	if !fault.Is(err, fault.Internal) {
		t.Errorf("SendChat error = %v (kind %v), want kind internal", err, fault.KindOf(err))
	}
}

// TestSendChatRequest checks the body against Kick's documentation.
func TestSendChatRequest(t *testing.T) {
	tests := []struct {
		name string
		msg  kickapi.ChatMessage
		want string
	}{
		{"bot", kickapi.ChatMessage{Content: "hi"}, `{"type":"bot","content":"hi"}`},
		{"user reply", kickapi.ChatMessage{As: kickapi.AsUser, BroadcasterUserID: 4402117, Content: "hi", ReplyTo: replyTo},
			`{"type":"user","content":"hi","broadcaster_user_id":4402117,"reply_to_message_id":"` + replyTo + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.wrap = func(w http.ResponseWriter, r *http.Request, _ http.Handler) {
				raw, _ := io.ReadAll(r.Body)
				if got := strings.TrimSpace(string(raw)); got != tt.want {
					t.Errorf("chat body = %s, want %s", got, tt.want)
				}
				if got := r.Header.Get("Content-Type"); got != "application/json" {
					t.Errorf("chat Content-Type = %q, want application/json", got)
				}
				if got := r.Header.Get("Authorization"); got != "Bearer tok" {
					t.Errorf("chat Authorization = %q, want Bearer tok", got)
				}
				fmt.Fprint(w, `{"data":{"is_sent":true,"message_id":"`+replyTo+`"},"message":"OK"}`)
			}
			if _, err := f.client.SendChat(t.Context(), "tok", tt.msg); err != nil {
				t.Errorf("SendChat: %v", err)
			}
		})
	}
}
