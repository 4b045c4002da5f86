package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
)

// BenchmarkHandlePoints is the whole interactions endpoint for
// "/points show user:mossyrock": verify, decode, the Bridge, the command's
// handler over an in-process store, encode. Compare it with
// BenchmarkEd25519Verify.
func BenchmarkHandlePoints(b *testing.B) {
	pub, priv := newKey(b)
	body := edited(b, "application_command", command("points", subcommand("show", option("user", 3, "mossyrock"))))
	bridge := discord.Bridge{Handler: &interact.Handler{Store: newBridgeStore()}, Now: nowFunc}
	h := discord.NewHTTPHandler(discord.Verifier{Key: pub}, bridge, nil, nowFunc)
	header := discord.SignedHeaders(priv, sentAt, body)
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r := httptest.NewRequest(http.MethodPost, discord.Path, rd)
		r.Header = header
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), []byte("31,877")) {
			b.Fatalf("status = %d, want 200 and mossyrock's points: %s", w.Code, w.Body)
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
