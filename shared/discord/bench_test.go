package discord_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
)

// BenchmarkHandlePoints is the whole interactions endpoint for a /points
// command (verify, decode, call, encode) with a handler that does nothing:
// compare it with BenchmarkEd25519Verify.
func BenchmarkHandlePoints(b *testing.B) {
	pub, priv := newKey(b)
	body := fixture(b, "application_command")
	reply := discord.Ephemeral("mossyrock has 31,877 points")
	h := discord.NewHTTPHandler(discord.Verifier{Key: pub},
		discord.HandlerFunc(func(context.Context, *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
			return reply, nil
		}), nil, nowFunc)
	header := discord.SignedHeaders(priv, sentAt, body)
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r := httptest.NewRequest(http.MethodPost, discord.Path, rd)
		r.Header = header
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkEd25519Verify is the floor: the bare signature check of the same
// message.
func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv := newKey(b)
	body := fixture(b, "application_command")
	ts := stamp(sentAt)
	sig, err := hex.DecodeString(discord.Sign(priv, ts, body))
	if err != nil {
		b.Fatal(err)
	}
	msg := append([]byte(ts), body...)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
}
