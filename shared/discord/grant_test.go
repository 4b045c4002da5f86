package discord_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bwmarrin/discordgo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/roles"
	"github.com/kickbot/kickbot/shared/rolesync"
)

const (
	memberID  = "883099999999999001"
	rewardID  = "883000000000000111" // the role a grant gives
	botRoleID = "883000000000000222" // the bot's own role
	channelID = "883000000000000333"
)

var grantPath = api + "/guilds/" + guildID + "/members/" + memberID + "/roles/" + rewardID

// guild is a guild where the bot, with botPerms, holds a role at botPos
// and the reward role is at rewardPos; everyone may be granted.
func guild(botPerms int64, botPos, rewardPos int) discord.FakeGuild {
	return discord.FakeGuild{
		Roles: []discord.FakeRole{
			{ID: guildID, Permissions: discordgo.PermissionViewChannel},
			{ID: botRoleID, Position: botPos, Permissions: botPerms},
			{ID: rewardID, Position: rewardPos},
		},
		BotRoles: []string{botRoleID},
	}
}

func TestGrantRole(t *testing.T) {
	fake, c := fakeDiscord(t)
	fake.SetGuild(guildID, guild(discordgo.PermissionManageRoles, 5, 2))
	for range 2 { // giving a role held already succeeds
		if err := c.GrantRole(t.Context(), guildID, memberID, rewardID); err != nil {
			t.Fatalf("GrantRole() error = %v, want nil", err)
		}
	}
	want := discord.Request{Method: http.MethodPut, Path: grantPath, Authorized: true}
	if diff := cmp.Diff([]discord.Request{want, want}, fake.Requests()); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got := fake.MemberRoles(guildID, memberID); !cmp.Equal(got, []string{rewardID}) {
		t.Errorf("MemberRoles() = %v, want [%s]", got, rewardID)
	}
}

// wantGrantError checks what GrantRole's error tells its caller.
type wantGrantError struct {
	kind   fault.Kind
	reason roles.Reason // of a *rolesync.Refusal; 0 for none
	gone   bool         // wraps rolesync.ErrMemberGone
}

func checkGrantError(t *testing.T, err error, want wantGrantError) {
	t.Helper()
	if err == nil {
		t.Fatalf("GrantRole() error = nil, want %v", want.kind)
	}
	if k := fault.KindOf(err); k != want.kind {
		t.Errorf("GrantRole() error kind = %v, want %v (%v)", k, want.kind, err)
	}
	var refusal *rolesync.Refusal
	switch {
	case want.reason != 0 && !errors.As(err, &refusal):
		t.Errorf("GrantRole() error %v is no refusal, want %v", err, want.reason)
	case want.reason != 0 && refusal.Reason != want.reason:
		t.Errorf("GrantRole() refusal = %v, want %v", refusal.Reason, want.reason)
	case want.reason == 0 && errors.As(err, &refusal):
		t.Errorf("GrantRole() error %v is a refusal (%v), want none", err, refusal.Reason)
	}
	if gone := errors.Is(err, rolesync.ErrMemberGone); gone != want.gone {
		t.Errorf("GrantRole() error %v: member gone = %v, want %v", err, gone, want.gone)
	}
	checkNoSecrets(t, err)
}

func TestGrantRoleErrors(t *testing.T) {
	tests := []struct {
		name         string
		status, code int
		want         wantGrantError
	}{
		{"unknown role", 404, 10011, wantGrantError{kind: fault.NotFound, reason: roles.RoleGone}},
		{"unknown member", 404, 10007, wantGrantError{kind: fault.NotFound, gone: true}},
		{"unknown user", 404, 10013, wantGrantError{kind: fault.NotFound, gone: true}},
		{"unknown guild", 404, 10004, wantGrantError{kind: fault.NotFound}},
		{"missing access", 403, 50001, wantGrantError{kind: fault.Forbidden, reason: roles.MissingPermission}},
		{"rate limited", 429, 0, wantGrantError{kind: fault.Transient}},
		{"server error", 500, 0, wantGrantError{kind: fault.Transient}},
		{"bad request", 400, 50035, wantGrantError{kind: fault.Internal}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			fake.FailPath(grantPath, tt.status, tt.code)
			err := c.GrantRole(t.Context(), guildID, memberID, rewardID)
			checkGrantError(t, err, tt.want)
			want := 1
			if tt.status == 429 {
				want = 3 // sent again twice, after each retry_after
			}
			if n := len(fake.Requests()); n != want {
				t.Errorf("requests = %d, want %d", n, want)
			}
		})
	}
}

// Discord answers 50013 both when the bot lacks Manage Roles and when the
// role is above the bot's; GrantRole asks Discord which, over REST.
func TestGrantRoleDiagnosis(t *testing.T) {
	diagnosis := []string{
		http.MethodPut + " " + grantPath,
		http.MethodGet + " " + api + "/users/@me",
		http.MethodGet + " " + api + "/guilds/" + guildID + "/members/",
		http.MethodGet + " " + api + "/guilds/" + guildID + "/roles",
	}
	tests := []struct {
		name     string
		guild    *discord.FakeGuild
		fail     [][3]any // FailPath arguments
		ok       bool     // the grant succeeds
		want     wantGrantError
		requests []string // method and path prefix
	}{
		{
			name:  "no Manage Roles",
			guild: ptr(guild(discordgo.PermissionSendMessages, 5, 2)),
			want:  wantGrantError{kind: fault.Forbidden, reason: roles.MissingPermission}, requests: diagnosis,
		},
		{
			name:  "role above the bot's",
			guild: ptr(guild(discordgo.PermissionManageRoles, 2, 5)),
			want:  wantGrantError{kind: fault.Forbidden, reason: roles.RoleAbove}, requests: diagnosis,
		},
		{
			name:  "role at the bot's position and older",
			guild: ptr(guild(discordgo.PermissionAdministrator, 3, 3)),
			want:  wantGrantError{kind: fault.Forbidden, reason: roles.RoleAbove}, requests: diagnosis,
		},
		{
			name:  "Administrator, role below",
			guild: ptr(guild(discordgo.PermissionAdministrator, 3, 2)),
			ok:    true, requests: diagnosis[:1],
		},
		{
			name:  "Manage Roles from @everyone",
			guild: &discord.FakeGuild{Roles: []discord.FakeRole{{ID: guildID, Permissions: discordgo.PermissionManageRoles}, {ID: rewardID, Position: 1}}},
			want:  wantGrantError{kind: fault.Forbidden, reason: roles.RoleAbove}, requests: diagnosis,
		},
		{
			name:  "role deleted in between",
			guild: &discord.FakeGuild{Roles: []discord.FakeRole{{ID: guildID, Permissions: discordgo.PermissionManageRoles}}},
			fail:  [][3]any{{grantPath, 403, 50013}},
			want:  wantGrantError{kind: fault.Forbidden, reason: roles.RoleGone}, requests: diagnosis,
		},
		{
			name: "diagnosis refused",
			fail: [][3]any{{grantPath, 403, 50013}},
			want: wantGrantError{kind: fault.Forbidden, reason: roles.RoleAbove}, requests: diagnosis[:3],
		},
		{
			name:  "diagnosis fails for now",
			guild: ptr(guild(discordgo.PermissionSendMessages, 5, 2)),
			fail:  [][3]any{{"/guilds/" + guildID + "/roles", 503, 0}},
			want:  wantGrantError{kind: fault.Transient}, requests: diagnosis,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			if tt.guild != nil {
				fake.SetGuild(guildID, *tt.guild)
			}
			for _, f := range tt.fail {
				fake.FailPath(f[0].(string), f[1].(int), f[2].(int))
			}
			err := c.GrantRole(t.Context(), guildID, memberID, rewardID)
			if tt.ok {
				if err != nil {
					t.Fatalf("GrantRole() error = %v, want nil", err)
				}
			} else {
				checkGrantError(t, err, tt.want)
			}
			got := fake.Requests()
			if len(got) != len(tt.requests) {
				t.Fatalf("requests = %v, want %d: %v", got, len(tt.requests), tt.requests)
			}
			for i, r := range got {
				if line := r.Method + " " + r.Path; len(line) < len(tt.requests[i]) || line[:len(tt.requests[i])] != tt.requests[i] || !r.Authorized {
					t.Errorf("request %d = %s (authorised %v), want %s…, authorised", i, line, r.Authorized, tt.requests[i])
				}
			}
		})
	}
}

func TestFakeGrantChecksMembers(t *testing.T) {
	fake, c := fakeDiscord(t)
	g := guild(discordgo.PermissionManageRoles, 5, 2)
	g.Members = []string{"883099999999999002"}
	fake.SetGuild(guildID, g)
	err := c.GrantRole(t.Context(), guildID, memberID, rewardID)
	checkGrantError(t, err, wantGrantError{kind: fault.NotFound, gone: true})

	g.Members = append(g.Members, memberID)
	fake.SetGuild(guildID, g)
	if err := c.GrantRole(t.Context(), guildID, memberID, rewardID); err != nil {
		t.Errorf("GrantRole() to a member = %v, want nil", err)
	}
}

func TestFakeFailPath(t *testing.T) {
	fake, c := fakeDiscord(t)
	fake.FailPath(grantPath, 403, 50001) // the path as sent
	fake.FailPath("/guilds/"+guildID+"/members/"+memberID, 500, 0)
	err := c.GrantRole(t.Context(), guildID, memberID, rewardID)
	checkGrantError(t, err, wantGrantError{kind: fault.Transient}) // the latest set wins
	fake.ClearPath("/guilds/" + guildID + "/members/" + memberID)
	err = c.GrantRole(t.Context(), guildID, memberID, rewardID)
	checkGrantError(t, err, wantGrantError{kind: fault.Forbidden, reason: roles.MissingPermission})
	err = c.GrantRole(t.Context(), guildID, memberID, rewardID)
	checkGrantError(t, err, wantGrantError{kind: fault.Forbidden, reason: roles.MissingPermission}) // until cleared
	fake.ClearPath(grantPath)
	if err := c.GrantRole(t.Context(), guildID, memberID, rewardID); err != nil {
		t.Errorf("GrantRole() after ClearPath = %v, want nil", err)
	}
	fake.FailNext(1, 502) // FailNext comes first; discordgo retries a 502
	fake.FailPath(grantPath, 404, 10011)
	err = c.GrantRole(t.Context(), guildID, memberID, rewardID)
	checkGrantError(t, err, wantGrantError{kind: fault.NotFound, reason: roles.RoleGone})
}

func TestFakeBotRoutesNeedTheBotToken(t *testing.T) {
	fake := &discord.Fake{BotToken: botToken}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := discord.NewREST("some-other-token", appID, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	err = c.GrantRole(t.Context(), guildID, memberID, rewardID)
	checkGrantError(t, err, wantGrantError{kind: fault.Forbidden})
	if err := c.PostMessage(t.Context(), channelID, "hello"); !fault.Is(err, fault.Forbidden) {
		t.Errorf("PostMessage(wrong token) = %v, want forbidden", err)
	}
	if got := fake.MemberRoles(guildID, memberID); len(got) != 0 {
		t.Errorf("MemberRoles() = %v after an unauthorised grant, want none", got)
	}
}

func TestPostMessage(t *testing.T) {
	fake, c := fakeDiscord(t)
	content := "I can't give <@&" + rewardID + ">: move my role above it in Server Settings → Roles."
	if err := c.PostMessage(t.Context(), channelID, content); err != nil {
		t.Fatalf("PostMessage() error = %v, want nil", err)
	}
	got := fake.Requests()
	if len(got) != 1 {
		t.Fatalf("requests = %+v, want one", got)
	}
	r := got[0]
	if r.Method != http.MethodPost || r.Path != api+"/channels/"+channelID+"/messages" || !r.Authorized {
		t.Errorf("request = %s %s (authorised %v), want POST of a channel message as the bot", r.Method, r.Path, r.Authorized)
	}
	body, _ := r.Body.(map[string]any)
	want := map[string]any{"content": content, "allowed_mentions": map[string]any{"parse": []any{}, "replied_user": false}}
	if diff := cmp.Diff(want, body, cmpopts.IgnoreMapEntries(func(k string, _ any) bool { _, ok := want[k]; return !ok })); diff != "" {
		t.Errorf("message body (-want +got):\n%s", diff)
	}
}

func TestPostMessageErrors(t *testing.T) {
	tests := []struct {
		name         string
		status, code int
		want         fault.Kind
	}{
		{"unknown channel", 404, 10003, fault.NotFound},
		{"missing access", 403, 50001, fault.Forbidden},
		{"missing permissions", 403, 50013, fault.Forbidden},
		{"rate limited", 429, 0, fault.Transient},
		{"server error", 500, 0, fault.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			fake.FailPath("/channels/"+channelID, tt.status, tt.code)
			err := c.PostMessage(t.Context(), channelID, "hello")
			if k := fault.KindOf(err); err == nil || k != tt.want {
				t.Errorf("PostMessage() error = %v (kind %v), want %v", err, k, tt.want)
			}
			var apiErr *discord.APIError
			if !errors.As(err, &apiErr) || apiErr.Status != tt.status || apiErr.Code != tt.code {
				t.Errorf("PostMessage() error %v, want an APIError of %d, code %d", err, tt.status, tt.code)
			}
			checkNoSecrets(t, err)
		})
	}
}

func TestGrantAndPostRefuseBadInput(t *testing.T) {
	fake, c := fakeDiscord(t)
	long := make([]rune, 2001)
	for i := range long {
		long[i] = 'é'
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"guild not a snowflake", func() error { return c.GrantRole(t.Context(), "../roles", memberID, rewardID) }},
		{"member not a snowflake", func() error { return c.GrantRole(t.Context(), guildID, "@me", rewardID) }},
		{"role not a snowflake", func() error { return c.GrantRole(t.Context(), guildID, memberID, "") }},
		{"channel not a snowflake", func() error { return c.PostMessage(t.Context(), "1/messages", "x") }},
		{"empty message", func() error { return c.PostMessage(t.Context(), channelID, "") }},
		{"message too long", func() error { return c.PostMessage(t.Context(), channelID, string(long)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !fault.Is(err, fault.Invalid) {
				t.Errorf("error = %v, want invalid", err)
			}
		})
	}
	if err := c.PostMessage(t.Context(), channelID, string(long[:2000])); err != nil {
		t.Errorf("PostMessage(2000 characters) = %v, want nil", err)
	}
	if n := len(fake.Requests()); n != 1 {
		t.Errorf("requests = %d, want 1: bad input must not reach Discord", n)
	}
}
