package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
)

func ExampleNewHTTPHandler() {
	// In production the key is ParsePublicKey(DISCORD_PUBLIC_KEY); here a
	// local key plays Discord, as in the local runner.
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		panic(err)
	}

	// Commands are data plus a map from name to handler.
	commands := map[string]discord.HandlerFunc{
		"points": func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
			_, name := discord.Caller(i)
			return discord.Ephemeral(name + " has 31,877 points"), nil
		},
	}
	route := discord.HandlerFunc(func(ctx context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
		name, _, _ := discord.CommandPath(i)
		if h, ok := commands[name]; ok {
			return h(ctx, i)
		}
		return nil, fault.E(fault.NotFound, "unknown command /%s", name)
	})
	sent := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	h := discord.NewHTTPHandler(discord.Verifier{Key: pub}, route, nil, func() time.Time { return sent.Add(time.Second) })

	send := func(command string, signed bool) {
		body := []byte(`{"type":2,"id":"1482453932679757825","application_id":"1250143022583250947","token":"aW50ZXJhY3Rpb24",` +
			`"guild_id":"883082587327823872","member":{"permissions":"0","user":{"id":"569802374110117888","username":"mossyrock"}},` +
			`"data":{"id":"1477636524131614731","name":"` + command + `","type":1}}`)
		r := httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(body))
		if signed {
			r.Header = discord.SignedHeaders(priv, sent, body)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		var resp struct {
			Type int
			Data struct {
				Content string
				Flags   int
			}
		}
		json.Unmarshal(w.Body.Bytes(), &resp)
		fmt.Println(w.Code, resp.Type, resp.Data.Flags, resp.Data.Content)
	}
	send("points", true)
	send("raffle", true)
	send("points", false)
	// Output:
	// 200 4 64 mossyrock has 31,877 points
	// 200 4 64 unknown command /raffle
	// 401 0 0
}

func ExampleREST_EditOriginal() {
	// The worker finishes a deferred interaction; a Fake plays Discord.
	fake := &discord.Fake{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	rest, err := discord.NewREST("bot-token", "1250143022583250947", srv.URL)
	if err != nil {
		panic(err)
	}
	content := "Top 10 by points: …"
	err = rest.EditOriginal(context.Background(), "aW50ZXJhY3Rpb24", &discordgo.WebhookEdit{Content: &content})
	fmt.Println(err)
	for _, r := range fake.Requests() {
		fmt.Println(r.Method, r.Path, r.Body.(map[string]any)["content"])
	}

	// Fifteen minutes later the token has expired.
	fake.FailNext(1, http.StatusNotFound)
	err = rest.EditOriginal(context.Background(), "aW50ZXJhY3Rpb24", &discordgo.WebhookEdit{Content: &content})
	fmt.Println(fault.KindOf(err), err)
	// Output:
	// <nil>
	// PATCH /api/v9/webhooks/1250143022583250947/aW50ZXJhY3Rpb24/messages/@original Top 10 by points: …
	// not found that Discord message or interaction no longer exists: discord edit original response: HTTP 404, code 10015: Unknown Webhook
}
