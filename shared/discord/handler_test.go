package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
)

// response is an interaction response as Discord reads it.
type response struct {
	Type int `json:"type"`
	Data *struct {
		Content         string `json:"content"`
		Flags           int    `json:"flags"`
		AllowedMentions *struct {
			Parse []string `json:"parse"`
		} `json:"allowed_mentions"`
	} `json:"data"`
}

func decodeResponse(t *testing.T, w *httptest.ResponseRecorder) response {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got response
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("response %q is not JSON: %v", w.Body, err)
	}
	return got
}

// recorder is a Handler that remembers what reached it.
type recorder struct {
	calls int
	got   *discordgo.Interaction
	resp  *discordgo.InteractionResponse
	err   error
}

func (h *recorder) Interact(_ context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	h.calls++
	h.got = i
	return h.resp, h.err
}

func TestHandlerPing(t *testing.T) {
	pub, priv := newKey(t)
	h := &recorder{}
	w := httptest.NewRecorder()
	discord.NewHTTPHandler(discord.Verifier{Key: pub}, h, nil, nowFunc).
		ServeHTTP(w, signedRequest(priv, sentAt, fixture(t, "ping")))
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
	}
	if got, want := w.Body.String(), `{"type":1}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	if h.calls != 0 {
		t.Errorf("handler called %d times for a PING, want 0", h.calls)
	}
}

func TestHandlerFixtures(t *testing.T) {
	pub, priv := newKey(t)
	tests := []struct {
		fixture  string
		wantType discordgo.InteractionType
		wantData discordgo.InteractionData
	}{
		{"application_command", discordgo.InteractionApplicationCommand, discordgo.ApplicationCommandInteractionData{}},
		{"application_command_subcommand", discordgo.InteractionApplicationCommand, discordgo.ApplicationCommandInteractionData{}},
		{"message_component", discordgo.InteractionMessageComponent, discordgo.MessageComponentInteractionData{}},
		{"autocomplete", discordgo.InteractionApplicationCommandAutocomplete, discordgo.ApplicationCommandInteractionData{}},
		{"modal_submit", discordgo.InteractionModalSubmit, discordgo.ModalSubmitInteractionData{}},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			body := fixture(t, tt.fixture)
			h := &recorder{resp: discord.Reply("ok")}
			w := httptest.NewRecorder()
			discord.NewHTTPHandler(discord.Verifier{Key: pub}, h, nil, nowFunc).ServeHTTP(w, signedRequest(priv, sentAt, body))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
			}
			if h.calls != 1 {
				t.Fatalf("handler called %d times, want 1", h.calls)
			}
			if h.got.Type != tt.wantType {
				t.Errorf("interaction type = %v, want %v", h.got.Type, tt.wantType)
			}
			if got, want := typeName(h.got.Data), typeName(tt.wantData); got != want {
				t.Errorf("interaction data = %s, want %s", got, want)
			}
			var raw struct{ ID, Token string }
			if err := json.Unmarshal(body, &raw); err != nil {
				t.Fatal(err)
			}
			if h.got.ID != raw.ID || h.got.Token != raw.Token || h.got.AppID != appID || h.got.GuildID != guildID {
				t.Errorf("interaction = {ID:%s AppID:%s GuildID:%s}, want {%s %s %s} and the token",
					h.got.ID, h.got.AppID, h.got.GuildID, raw.ID, appID, guildID)
			}
			got := decodeResponse(t, w)
			if got.Type != 4 || got.Data == nil || got.Data.Content != "ok" || got.Data.Flags != 0 {
				t.Errorf("response = %s, want a public reply saying ok", w.Body)
			}
		})
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestHandlerErrors(t *testing.T) {
	pub, priv := newKey(t)
	const cause = "dynamodb: throttled on table kickbot"
	tests := []struct {
		name        string
		fixture     string
		resp        *discordgo.InteractionResponse
		err         error
		wantType    int
		wantContent string // with flags 64
		wantLogged  string // in the log line, "" to skip
	}{
		{name: "invalid", err: fault.E(fault.Invalid, "amount must be a whole number above 0"),
			wantType: 4, wantContent: "amount must be a whole number above 0"},
		{name: "not found", err: fault.E(fault.NotFound, "mossyrock has not linked a Kick account"),
			wantType: 4, wantContent: "mossyrock has not linked a Kick account"},
		{name: "forbidden", err: fault.E(fault.Forbidden, "you need Manage Server to change settings"),
			wantType: 4, wantContent: "you need Manage Server to change settings"},
		{name: "conflict", err: fault.E(fault.Conflict, "linkdrop99 has only 40 points"),
			wantType: 4, wantContent: "linkdrop99 has only 40 points"},
		{name: "wrapped user error keeps its message", err: fault.Wrap(fault.Conflict, errors.New("ConditionalCheckFailed"), "already done"),
			wantType: 4, wantContent: "already done"},
		{name: "internal", err: fault.Wrap(fault.Internal, errors.New(cause), "load settings"),
			wantType: 4, wantContent: discord.FailureMessage, wantLogged: cause},
		{name: "transient", err: fault.Wrap(fault.Transient, errors.New(cause), "DynamoDB is busy"),
			wantType: 4, wantContent: discord.FailureMessage, wantLogged: cause},
		{name: "unclassified", err: errors.New(cause),
			wantType: 4, wantContent: discord.FailureMessage, wantLogged: cause},
		{name: "no response and no error", wantType: 4, wantContent: discord.FailureMessage,
			wantLogged: "handler returned no response"},
		{name: "error wins over a response", resp: discord.Reply("not this"), err: fault.E(fault.Invalid, "bad page"),
			wantType: 4, wantContent: "bad page"},
		{name: "button", fixture: "message_component", err: fault.E(fault.Invalid, "bad page cursor"),
			wantType: 4, wantContent: "bad page cursor"},
		{name: "autocomplete gets no choices", fixture: "autocomplete", err: fault.Wrap(fault.Transient, errors.New(cause), ""),
			wantType: 8, wantLogged: cause},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := tt.fixture
			if name == "" {
				name = "application_command"
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			h := &recorder{resp: tt.resp, err: tt.err}
			w := httptest.NewRecorder()
			discord.NewHTTPHandler(discord.Verifier{Key: pub}, h, log, nowFunc).
				ServeHTTP(w, signedRequest(priv, sentAt, fixture(t, name)))
			if w.Code != http.StatusOK {
				t.Fatalf("status = %d, want 200 (Discord shows errors as replies): %s", w.Code, w.Body)
			}
			got := decodeResponse(t, w)
			if got.Type != tt.wantType {
				t.Fatalf("response type = %d, want %d: %s", got.Type, tt.wantType, w.Body)
			}
			if tt.wantType == 4 {
				if got.Data == nil || got.Data.Content != tt.wantContent || got.Data.Flags != 64 {
					t.Errorf("response = %s, want ephemeral (flags 64) %q", w.Body, tt.wantContent)
				}
			}
			if strings.Contains(w.Body.String(), cause) {
				t.Errorf("response %s reveals the cause", w.Body)
			}
			if tt.wantLogged != "" && !strings.Contains(logs.String(), tt.wantLogged) {
				t.Errorf("log = %s, want it to contain %q", logs.String(), tt.wantLogged)
			}
			if strings.Count(logs.String(), "\n") != 1 {
				t.Errorf("log = %s, want exactly one line", logs.String())
			}
			if strings.Contains(logs.String(), pointsToken[:40]) || strings.Contains(logs.String(), "aW50ZXJhY3Rpb24") {
				t.Errorf("log = %s, contains an interaction token", logs.String())
			}
		})
	}
}

func TestHandlerRejects(t *testing.T) {
	pub, priv := newKey(t)
	body := fixture(t, "application_command")
	oversize := append(append([]byte(`{"type":2,"pad":"`), bytes.Repeat([]byte("x"), discord.MaxBody)...), `"}`...)
	tests := []struct {
		name       string
		req        func() *http.Request
		noKey      bool
		wantStatus int
	}{
		{name: "GET", wantStatus: http.StatusMethodNotAllowed, req: func() *http.Request {
			return httptest.NewRequest(http.MethodGet, discord.Path, nil)
		}},
		{name: "PUT, signed", wantStatus: http.StatusMethodNotAllowed, req: func() *http.Request {
			r := signedRequest(priv, sentAt, body)
			r.Method = http.MethodPut
			return r
		}},
		{name: "unsigned", wantStatus: http.StatusUnauthorized, req: func() *http.Request {
			return httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(body))
		}},
		{name: "Discord's probe: a bad signature", wantStatus: http.StatusUnauthorized, req: func() *http.Request {
			r := signedRequest(priv, sentAt, body)
			r.Header.Set(discord.HeaderSignature, strings.Repeat("ab", 64))
			return r
		}},
		{name: "stale", wantStatus: http.StatusUnauthorized, req: func() *http.Request {
			return signedRequest(priv, now.Add(-discord.DefaultMaxAge-time.Second), body)
		}},
		{name: "future", wantStatus: http.StatusUnauthorized, req: func() *http.Request {
			return signedRequest(priv, now.Add(discord.MaxSkew+time.Second), body)
		}},
		{name: "oversize", wantStatus: http.StatusRequestEntityTooLarge, req: func() *http.Request {
			return signedRequest(priv, sentAt, oversize)
		}},
		{name: "oversize, length unknown", wantStatus: http.StatusRequestEntityTooLarge, req: func() *http.Request {
			r := signedRequest(priv, sentAt, oversize)
			r.ContentLength = -1
			return r
		}},
		{name: "signed garbage", wantStatus: http.StatusBadRequest, req: func() *http.Request {
			return signedRequest(priv, sentAt, []byte(`{"type":2,`))
		}},
		{name: "signed wrong shape", wantStatus: http.StatusBadRequest, req: func() *http.Request {
			return signedRequest(priv, sentAt, []byte(`{"type":2,"data":[1,2]}`))
		}},
		{name: "signed null", wantStatus: http.StatusBadRequest, req: func() *http.Request {
			return signedRequest(priv, sentAt, []byte(`null`))
		}},
		{name: "signed unknown type", wantStatus: http.StatusBadRequest, req: func() *http.Request {
			return signedRequest(priv, sentAt, []byte(`{"type":9,"id":"1482453932679757825"}`))
		}},
		{name: "no key configured", noKey: true, wantStatus: http.StatusInternalServerError, req: func() *http.Request {
			return signedRequest(priv, sentAt, body)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := discord.Verifier{Key: pub}
			if tt.noKey {
				v = discord.Verifier{}
			}
			h := &recorder{resp: discord.Reply("ok")}
			w := httptest.NewRecorder()
			discord.NewHTTPHandler(v, h, nil, nowFunc).ServeHTTP(w, tt.req())
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d: %s", w.Code, tt.wantStatus, w.Body)
			}
			if h.calls != 0 {
				t.Errorf("handler called %d times, want 0", h.calls)
			}
			if tt.wantStatus == http.StatusMethodNotAllowed && w.Header().Get("Allow") != http.MethodPost {
				t.Errorf("Allow = %q, want POST", w.Header().Get("Allow"))
			}
		})
	}
}

func TestResponses(t *testing.T) {
	embed := &discordgo.MessageEmbed{Title: "Points leaderboard"}
	tests := []struct {
		name string
		got  *discordgo.InteractionResponse
		want string
	}{
		{"Reply", discord.Reply("@everyone look", embed),
			`{"type":4,"data":{"tts":false,"content":"@everyone look","components":null,"embeds":[{"title":"Points leaderboard"}],"allowed_mentions":{"parse":[],"replied_user":false}}}`},
		{"Ephemeral", discord.Ephemeral("only you"),
			`{"type":4,"data":{"tts":false,"content":"only you","components":null,"embeds":null,"allowed_mentions":{"parse":[],"replied_user":false},"flags":64}}`},
		{"Deferred public", discord.Deferred(false), `{"type":5}`},
		{"Deferred ephemeral", discord.Deferred(true),
			`{"type":5,"data":{"tts":false,"content":"","components":null,"embeds":null,"flags":64}}`},
		{"UpdateMessage", discord.UpdateMessage("", embed),
			`{"type":7,"data":{"tts":false,"content":"","components":null,"embeds":[{"title":"Points leaderboard"}],"allowed_mentions":{"parse":[],"replied_user":false}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.got)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("%s = %s, want %s", tt.name, b, tt.want)
			}
		})
	}
}
