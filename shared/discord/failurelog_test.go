package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/logattr"
)

// deepLogger is a Handler that logs, as the code behind a command does,
// before it fails.
type deepLogger struct {
	log *slog.Logger
	err error
}

func (h deepLogger) Interact(ctx context.Context, _ *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
	h.log.WarnContext(ctx, "settings not cached")
	return nil, h.err
}

// TestFailureLog: every line logged for a failing interaction, by the
// handler and by the code behind it, is at WARN or above and names the
// interaction and its guild.
func TestFailureLog(t *testing.T) {
	pub, priv := newKey(t)
	body := fixture(t, "application_command")
	var want struct {
		ID      string `json:"id"`
		GuildID string `json:"guild_id"`
	}
	if err := json.Unmarshal(body, &want); err != nil || want.ID == "" || want.GuildID == "" {
		t.Fatalf("fixture has no id and guild_id: %v", err)
	}
	for _, kind := range []fault.Kind{fault.Internal, fault.Transient} {
		t.Run(kind.String(), func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(logattr.NewHandler(slog.NewJSONHandler(&logs, nil)))
			h := deepLogger{log: log, err: fault.Wrap(kind, errors.New("dynamodb: throttled"), "load settings")}
			discord.NewHTTPHandler(discord.Verifier{Key: pub}, h, log, nowFunc).
				ServeHTTP(httptest.NewRecorder(), signedRequest(priv, sentAt, body))
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			if len(lines) != 2 {
				t.Fatalf("log = %s, want the deep line and the failure", logs.String())
			}
			for _, line := range lines {
				var got map[string]any
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatal(err)
				}
				if got["level"] != "WARN" && got["level"] != "ERROR" {
					t.Errorf("line %s: level %v, want WARN or ERROR", line, got["level"])
				}
				if got["interaction_id"] != want.ID || got["guild"] != want.GuildID {
					t.Errorf("line %s: interaction_id %v, guild %v; want %s, %s", line, got["interaction_id"], got["guild"], want.ID, want.GuildID)
				}
			}
		})
	}
}
