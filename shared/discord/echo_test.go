package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/redact"
)

// TestNoCredentialInErrorsOrLogs runs each kind of REST call against a
// Discord that quotes the request back in its error (credentials first,
// so no clipping can hide a leak): neither the error nor what a caller
// logs of it holds the bot token or the interaction token.
func TestNoCredentialInErrorsOrLogs(t *testing.T) {
	calls := []struct {
		name string
		call func(context.Context, *discord.REST) error
	}{
		{"EditOriginal", func(ctx context.Context, c *discord.REST) error {
			return c.EditOriginal(ctx, pointsToken, &discordgo.WebhookEdit{Content: ptr("hi")})
		}},
		{"DeleteOriginal", func(ctx context.Context, c *discord.REST) error {
			return c.DeleteOriginal(ctx, pointsToken)
		}},
		{"Followup", func(ctx context.Context, c *discord.REST) error {
			return c.Followup(ctx, pointsToken, &discordgo.WebhookParams{Content: "hi"})
		}},
		{"RegisterCommands", func(ctx context.Context, c *discord.REST) error {
			return c.RegisterCommands(ctx, "", []*discordgo.ApplicationCommand{{Name: "watchtime", Description: "d"}})
		}},
		{"GrantRole", func(ctx context.Context, c *discord.REST) error {
			return c.GrantRole(ctx, "1250143022583250001", "1250143022583250002", "1250143022583250003")
		}},
		{"PostMessage", func(ctx context.Context, c *discord.REST) error {
			return c.PostMessage(ctx, "1250143022583250004", "hi")
		}},
	}
	// Each status takes a different path through discordgo and restError;
	// 403 with code 50013 also runs GrantRole's diagnosing requests.
	answers := []struct {
		name         string
		status, code int
	}{{"400", 400, 50035}, {"403 missing permissions", 403, 50013}, {"404", 404, 10008}, {"429", 429, 0}}
	for _, a := range answers {
		for _, tt := range calls {
			t.Run(a.name+"/"+tt.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					quote := r.Header.Get("Authorization") + " " + r.URL.RequestURI() + " " + string(body)
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(a.status)
					_ = json.NewEncoder(w).Encode(map[string]any{"code": a.code, "message": quote, "retry_after": 1.5, "global": false})
				}))
				defer srv.Close()
				var logs bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logs, nil))
				prev, prevLog := slog.Default(), log.Writer()
				slog.SetDefault(logger)
				log.SetOutput(&logs) // discordgo logs with the log package
				t.Cleanup(func() { slog.SetDefault(prev); log.SetOutput(prevLog) })

				c, err := discord.NewREST(botToken, appID, srv.URL)
				if err != nil {
					t.Fatal(err)
				}
				newTestClock().use(c) // a 429 is waited out at once
				err = tt.call(context.Background(), c)
				if err == nil {
					t.Fatal("call = nil error, want the echoing Discord's refusal")
				}
				logger.Error("discord call failed", "err", err)
				if !strings.Contains(err.Error(), redact.Marker) {
					t.Errorf("error %q shows nothing redacted: did the echo reach it?", err)
				}
				for _, s := range []string{botToken, pointsToken} {
					for _, form := range []string{s, url.PathEscape(s)} {
						if strings.Contains(err.Error(), form) {
							t.Errorf("error holds credential %q: %v", form[:12], err)
						}
						if strings.Contains(logs.String(), form) {
							t.Errorf("log holds credential %q: %s", form[:12], logs.String())
						}
					}
				}
			})
		}
	}
}
