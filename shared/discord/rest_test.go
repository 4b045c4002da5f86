package discord_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
)

// api is the path prefix discordgo v0.29.0 calls: API version 9.
const api = "/api/v9"

// fakeDiscord serves a Fake and returns it with a REST client pointed at
// it, both on one test clock: rate limits are waited out on it, at once.
func fakeDiscord(t *testing.T) (*discord.Fake, *discord.REST) {
	t.Helper()
	fake, c, _ := fakeDiscordClock(t)
	fake.Now = nil // Request.At zero, for comparing requests whole
	return fake, c
}

// fakeDiscordClock is fakeDiscord, also returning the clock.
func fakeDiscordClock(t *testing.T) (*discord.Fake, *discord.REST, *testClock) {
	t.Helper()
	clock := newTestClock()
	fake := &discord.Fake{BotToken: botToken, Now: clock.Now}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c, err := discord.NewREST(botToken, appID, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	clock.use(c)
	return fake, c, clock
}

func ptr[T any](v T) *T { return &v }

func TestRESTRequests(t *testing.T) {
	embed := &discordgo.MessageEmbed{Title: "Watchtime", Description: "mossyrock: 41h 12m"}
	commands := []*discordgo.ApplicationCommand{
		{Name: "watchtime", Description: "Your watchtime on Kick"},
		{Name: "settings", Description: "Show or change the bot's settings", DefaultMemberPermissions: ptr[int64](discordgo.PermissionManageGuild)},
	}
	tests := []struct {
		name string
		call func(context.Context, *discord.REST) error
		want discord.Request
	}{
		{
			name: "EditOriginal",
			call: func(ctx context.Context, c *discord.REST) error {
				return c.EditOriginal(ctx, pointsToken, &discordgo.WebhookEdit{Content: ptr("mossyrock has 31,877 points"), Embeds: &[]*discordgo.MessageEmbed{embed}})
			},
			want: discord.Request{
				Method: http.MethodPatch, Path: api + "/webhooks/" + appID + "/" + pointsToken + "/messages/@original", Authorized: true,
				Body: map[string]any{
					"content": "mossyrock has 31,877 points",
					"embeds":  []any{map[string]any{"title": "Watchtime", "description": "mossyrock: 41h 12m"}},
				},
			},
		},
		{
			name: "Followup",
			call: func(ctx context.Context, c *discord.REST) error {
				return c.Followup(ctx, pointsToken, &discordgo.WebhookParams{Content: "raffle closed", Flags: discordgo.MessageFlagsEphemeral})
			},
			want: discord.Request{
				Method: http.MethodPost, Path: api + "/webhooks/" + appID + "/" + pointsToken, Authorized: true,
				Body: map[string]any{"content": "raffle closed", "components": nil, "flags": float64(64)},
			},
		},
		{
			name: "RegisterCommands global",
			call: func(ctx context.Context, c *discord.REST) error { return c.RegisterCommands(ctx, "", commands) },
			want: discord.Request{
				Method: http.MethodPut, Path: api + "/applications/" + appID + "/commands", Authorized: true,
				Body: []any{
					map[string]any{"name": "watchtime", "description": "Your watchtime on Kick", "options": nil},
					map[string]any{"name": "settings", "description": "Show or change the bot's settings", "options": nil, "default_member_permissions": "32"},
				},
			},
		},
		{
			name: "RegisterCommands in a guild",
			call: func(ctx context.Context, c *discord.REST) error {
				return c.RegisterCommands(ctx, guildID, commands[:1])
			},
			want: discord.Request{
				Method: http.MethodPut, Path: api + "/applications/" + appID + "/guilds/" + guildID + "/commands", Authorized: true,
				Body: []any{map[string]any{"name": "watchtime", "description": "Your watchtime on Kick", "options": nil}},
			},
		},
		{
			name: "RegisterCommands none removes all",
			call: func(ctx context.Context, c *discord.REST) error { return c.RegisterCommands(ctx, "", nil) },
			want: discord.Request{Method: http.MethodPut, Path: api + "/applications/" + appID + "/commands", Authorized: true, Body: []any{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			if err := tt.call(t.Context(), c); err != nil {
				t.Fatalf("%s() error = %v, want nil", tt.name, err)
			}
			if diff := cmp.Diff([]discord.Request{tt.want}, fake.Requests()); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRESTErrors(t *testing.T) {
	edit := &discordgo.WebhookEdit{Content: ptr("done")}
	tests := []struct {
		name         string
		status       int // FailNext(failures, status)
		failures     int
		call         string // "edit" (default), "followup" or "register"
		wantKind     fault.Kind
		wantStatus   int // of the *discord.APIError; 0 for none
		wantCode     int
		wantRequests int
	}{
		{name: "expired token", status: 404, failures: 1, wantKind: fault.NotFound, wantStatus: 404, wantCode: 10015, wantRequests: 1},
		{name: "one 429 is waited out and sent again", status: 429, failures: 1, wantRequests: 2},
		{name: "rate limited after two retries", status: 429, failures: 3, wantKind: fault.Transient, wantStatus: 429, wantRequests: 3},
		{name: "server error", status: 500, failures: 1, wantKind: fault.Transient, wantStatus: 500, wantRequests: 1},
		{name: "unavailable", status: 503, failures: 1, wantKind: fault.Transient, wantStatus: 503, wantRequests: 1},
		{name: "missing access", status: 403, failures: 1, wantKind: fault.Forbidden, wantStatus: 403, wantCode: 50001, wantRequests: 1},
		{name: "unauthorized", status: 401, failures: 1, call: "register", wantKind: fault.Forbidden, wantStatus: 401, wantRequests: 1},
		{name: "bad request is our bug", status: 400, failures: 1, call: "followup", wantKind: fault.Internal, wantStatus: 400, wantCode: 50035, wantRequests: 1},
		{name: "conflict is our bug", status: 409, failures: 1, wantKind: fault.Internal, wantStatus: 409, wantRequests: 1},
		{name: "one bad gateway is retried by discordgo", status: 502, failures: 1, wantRequests: 2},
		{name: "bad gateway after retries", status: 502, failures: 4, wantKind: fault.Transient, wantRequests: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			fake.FailNext(tt.failures, tt.status)
			var err error
			switch tt.call {
			case "register":
				err = c.RegisterCommands(t.Context(), guildID, []*discordgo.ApplicationCommand{{Name: "rank", Description: "Your rank"}})
			case "followup":
				err = c.Followup(t.Context(), pointsToken, &discordgo.WebhookParams{Content: "x"})
			default:
				err = c.EditOriginal(t.Context(), pointsToken, edit)
			}
			if n := len(fake.Requests()); n != tt.wantRequests {
				t.Errorf("requests = %d, want %d", n, tt.wantRequests)
			}
			if tt.wantRequests > tt.failures {
				if err != nil {
					t.Fatalf("error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("error = nil, want %v", tt.wantKind)
			}
			if k := fault.KindOf(err); k != tt.wantKind {
				t.Errorf("error kind = %v, want %v (%v)", k, tt.wantKind, err)
			}
			checkNoSecrets(t, err)
			var apiErr *discord.APIError
			if tt.wantStatus == 0 {
				return
			}
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v does not wrap *discord.APIError", err)
			}
			if apiErr.Status != tt.wantStatus || apiErr.Code != tt.wantCode {
				t.Errorf("APIError = {Status:%d Code:%d}, want {%d %d}", apiErr.Status, apiErr.Code, tt.wantStatus, tt.wantCode)
			}
			if tt.status == 429 && apiErr.RetryAfter != 1500*time.Millisecond {
				t.Errorf("APIError.RetryAfter = %v, want 1.5s", apiErr.RetryAfter)
			}
		})
	}
}

// checkNoSecrets fails if err's text or user message holds a token.
func checkNoSecrets(t *testing.T, err error) {
	t.Helper()
	for _, s := range []string{err.Error(), fault.Message(err)} {
		if strings.Contains(s, botToken) || strings.Contains(s, pointsToken) {
			t.Errorf("error %q contains a token", s)
		}
	}
}

func TestRESTWrongBotToken(t *testing.T) {
	fake, _ := fakeDiscord(t)
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := discord.NewREST("Bot some-other-token", appID, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	err = c.RegisterCommands(t.Context(), "", nil)
	if k := fault.KindOf(err); k != fault.Forbidden {
		t.Errorf("RegisterCommands(wrong token) error kind = %v, want forbidden (%v)", k, err)
	}
	checkNoSecrets(t, err)
	if strings.Contains(err.Error(), "some-other-token") {
		t.Errorf("error %q contains the bot token", err)
	}
}

func TestRESTNetworkErrors(t *testing.T) {
	srv := httptest.NewServer(&discord.Fake{})
	c, err := discord.NewREST(botToken, appID, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	err = c.EditOriginal(t.Context(), pointsToken, &discordgo.WebhookEdit{Content: ptr("x")})
	if k := fault.KindOf(err); k != fault.Transient {
		t.Errorf("EditOriginal(server down) error kind = %v, want transient (%v)", k, err)
	}
	checkNoSecrets(t, err)

	fake, c := fakeDiscord(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = c.Followup(ctx, pointsToken, &discordgo.WebhookParams{Content: "x"})
	if k := fault.KindOf(err); k != fault.Transient || !errors.Is(err, context.Canceled) {
		t.Errorf("Followup(cancelled) error = %v (kind %v), want transient wrapping context.Canceled", err, k)
	}
	checkNoSecrets(t, err)
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("requests after a cancelled call = %d, want 0", n)
	}
}

func TestRESTRefusesBadInput(t *testing.T) {
	fake, c := fakeDiscord(t)
	edit := &discordgo.WebhookEdit{Content: ptr("x")}
	tests := []struct {
		name     string
		call     func() error
		wantKind fault.Kind
	}{
		{"token with a slash", func() error { return c.EditOriginal(t.Context(), "abc/../../applications", edit) }, fault.Invalid},
		{"token with a query", func() error { return c.Followup(t.Context(), "abc?wait=true", &discordgo.WebhookParams{}) }, fault.Invalid},
		{"empty token", func() error { return c.EditOriginal(t.Context(), "", edit) }, fault.Invalid},
		{"overlong token", func() error { return c.EditOriginal(t.Context(), strings.Repeat("a", 1025), edit) }, fault.Invalid},
		{"nil edit", func() error { return c.EditOriginal(t.Context(), pointsToken, nil) }, fault.Internal},
		{"nil followup", func() error { return c.Followup(t.Context(), pointsToken, nil) }, fault.Internal},
		{"guild id not a snowflake", func() error { return c.RegisterCommands(t.Context(), "../commands", nil) }, fault.Invalid},
		{"zero REST", func() error { return (&discord.REST{}).RegisterCommands(t.Context(), "", nil) }, fault.Internal},
		{"app id not a snowflake", func() error {
			return (&discord.REST{Session: c.Session, AppID: "12/34"}).EditOriginal(t.Context(), pointsToken, edit)
		}, fault.Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if k := fault.KindOf(err); err == nil || k != tt.wantKind {
				t.Errorf("error = %v (kind %v), want %v", err, k, tt.wantKind)
			}
		})
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("requests = %d, want 0: bad input must not reach Discord", n)
	}
}

func TestNewREST(t *testing.T) {
	tests := []struct {
		name, token, app, base string
		wantErr                bool
	}{
		{name: "real Discord", token: botToken, app: appID},
		{name: "token already prefixed", token: "Bot " + botToken, app: appID},
		{name: "fake", token: botToken, app: appID, base: "http://127.0.0.1:8787"},
		{name: "no token", app: appID, wantErr: true},
		{name: "just the prefix", token: "Bot ", app: appID, wantErr: true},
		{name: "no app id", token: botToken, wantErr: true},
		{name: "app id with letters", token: botToken, app: "kickbot", wantErr: true},
		{name: "base without scheme", token: botToken, app: appID, base: "127.0.0.1:8787", wantErr: true},
		{name: "base of another scheme", token: botToken, app: appID, base: "ftp://127.0.0.1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := discord.NewREST(tt.token, tt.app, tt.base)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewREST(%q, %q, %q) = %+v, want an error", tt.token, tt.app, tt.base, c)
				}
				if strings.Contains(err.Error(), botToken) {
					t.Errorf("NewREST() error %q contains the bot token", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewREST(%q, %q, %q) error = %v", tt.token, tt.app, tt.base, err)
			}
			if c.Session.Token != "Bot "+botToken || c.AppID != appID {
				t.Errorf("NewREST() = {Token ok:%v AppID:%s}, want \"Bot <token>\" and %s", c.Session.Token == "Bot "+botToken, c.AppID, appID)
			}
			if c.Session.ShouldRetryOnRateLimit || c.Limits == nil {
				t.Error("NewREST() leaves rate limits to discordgo, whose waits ignore the context; want a Limiter")
			}
		})
	}
}

// A base URL with a path mounts the Fake under it, as the local runner may;
// discordgo's shared endpoints stay pointed at Discord.
func TestRESTBasePath(t *testing.T) {
	fake := &discord.Fake{}
	mux := http.NewServeMux()
	mux.Handle("/fake/discord/", http.StripPrefix("/fake/discord", fake))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c, err := discord.NewREST(botToken, appID, srv.URL+"/fake/discord/")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RegisterCommands(t.Context(), guildID, []*discordgo.ApplicationCommand{{Name: "rank", Description: "Your rank"}}); err != nil {
		t.Fatalf("RegisterCommands() error = %v, want nil", err)
	}
	if got := fake.Requests(); len(got) != 1 || got[0].Path != api+"/applications/"+appID+"/guilds/"+guildID+"/commands" {
		t.Errorf("requests = %+v, want one PUT of the guild's commands", got)
	}
	if discordgo.EndpointAPI != "https://discord.com/api/v9/" {
		t.Errorf("discordgo.EndpointAPI = %q, want it untouched", discordgo.EndpointAPI)
	}
}

// The Fake answers bulk overwrites as Discord does: the same name keeps its
// id, so registering twice changes nothing.
func TestFakeCommandsKeepIDs(t *testing.T) {
	fake := &discord.Fake{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	put := func(names ...string) map[string]string {
		t.Helper()
		var list []map[string]any
		for _, n := range names {
			list = append(list, map[string]any{"name": n, "description": n})
		}
		b, _ := json.Marshal(list)
		req, err := http.NewRequest(http.MethodPut, srv.URL+api+"/applications/"+appID+"/commands", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got []discordgo.ApplicationCommand
		if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
			t.Fatalf("PUT commands = %d, %v; want 200 and a list", resp.StatusCode, err)
		}
		ids := map[string]string{}
		for _, c := range got {
			if c.ApplicationID != appID || c.Type != discordgo.ChatApplicationCommand || c.ID == "" {
				t.Errorf("command %+v, want an id, the app id and type 1", c)
			}
			ids[c.Name] = c.ID
		}
		return ids
	}
	first := put("points", "rank")
	again := put("points", "rank")
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("ids after registering again (-first +again):\n%s", diff)
	}
	if first["points"] == first["rank"] {
		t.Errorf("ids = %v, want one per command", first)
	}
	put("rank")
	if back := put("points", "rank"); back["points"] == first["points"] || back["rank"] != first["rank"] {
		t.Errorf("ids after dropping and re-adding points = %v, want a new id for points only (was %v)", back, first)
	}
}
