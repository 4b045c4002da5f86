package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
)

const (
	appID    = "1250143022583250947"
	guildID  = "883082587327823872"
	botToken = "bot-token-for-tests"
)

func env(apiURL string) func(string) string {
	return func(k string) string {
		return map[string]string{"DISCORD_APPLICATION_ID": appID, "DISCORD_BOT_TOKEN": botToken, "DISCORD_API_URL": apiURL}[k]
	}
}

// names returns the names of the commands a PUT sent, in order.
func names(t *testing.T, body any) []string {
	t.Helper()
	list, ok := body.([]any)
	if !ok {
		t.Fatalf("PUT body is %T, want a list", body)
	}
	var out []string
	for _, c := range list {
		out = append(out, c.(map[string]any)["name"].(string))
	}
	return out
}

func TestRegister(t *testing.T) {
	fake := &discord.Fake{BotToken: botToken}
	srv := httptest.NewServer(fake)
	defer srv.Close()

	var want []string
	for _, c := range interact.Commands {
		want = append(want, c.Name)
	}
	for _, tt := range []struct {
		args []string
		path string
	}{
		{nil, "/api/v9/applications/" + appID + "/commands"},
		{[]string{"-guild", guildID}, "/api/v9/applications/" + appID + "/guilds/" + guildID + "/commands"},
	} {
		var out bytes.Buffer
		// Twice: the second run overwrites with the same list.
		for range 2 {
			if err := run(context.Background(), tt.args, env(srv.URL), &out); err != nil {
				t.Fatalf("run %v: %v", tt.args, err)
			}
		}
		reqs := fake.Requests()
		last := reqs[len(reqs)-2:]
		for _, r := range last {
			if r.Method != http.MethodPut || r.Path != tt.path || !r.Authorized {
				t.Errorf("%v: request %s %s (authorized %v), want an authorized PUT %s", tt.args, r.Method, r.Path, r.Authorized, tt.path)
			}
			if got := names(t, r.Body); !slices.Equal(got, want) {
				t.Errorf("%v: registered %v, want %v", tt.args, got, want)
			}
		}
		first, _ := json.Marshal(last[0].Body)
		second, _ := json.Marshal(last[1].Body)
		if !bytes.Equal(first, second) {
			t.Errorf("%v: the second run sent a different list:\n%s\n%s", tt.args, first, second)
		}
		if !strings.Contains(out.String(), fmt.Sprintf("registered %d commands", len(want))) {
			t.Errorf("%v: output %q", tt.args, out.String())
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	fake := &discord.Fake{BotToken: "another-token"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want string
	}{
		{"no credentials", nil, func(string) string { return "" }, "set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN"},
		{"bad guild", []string{"-guild", "not-a-guild"}, env(srv.URL), "not a snowflake"},
		{"refused token", nil, env(srv.URL), "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, tt.env, &bytes.Buffer{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run = %v, want an error with %q", err, tt.want)
			}
			if strings.Contains(err.Error(), botToken) {
				t.Errorf("error %q shows the bot token", err)
			}
		})
	}
}

func TestRegisterList(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-list"}, func(string) string { return "" }, &out); err != nil {
		t.Fatal(err)
	}
	var cmds []map[string]any
	if err := json.Unmarshal(out.Bytes(), &cmds); err != nil || len(cmds) != len(interact.Commands) {
		t.Fatalf("-list printed %d commands (%v), want %d", len(cmds), err, len(interact.Commands))
	}
}
