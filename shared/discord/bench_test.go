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
	"github.com/kickbot/kickbot/shared/local/benchcpu"
)

// pointsShow is the signed request both benchmarks below use:
// "/points show user:mossyrock" with the member, channel, guild and
// entitlements Discord sends, and its headers signed at sentAt.
func pointsShow(b *testing.B) (ed25519.PublicKey, []byte, http.Header) {
	b.Helper()
	pub, priv := newKey(b)
	body := edited(b, "application_command", command("points", subcommand("show", option("user", 3, "mossyrock"))))
	return pub, body, discord.SignedHeaders(priv, sentAt, body)
}

// BenchmarkHandlePoints is the whole interactions endpoint for
// "/points show user:mossyrock": verify, decode, the Bridge, the command's
// handler over an in-process store, encode. Compare it with
// BenchmarkEd25519Verify.
func BenchmarkHandlePoints(b *testing.B) {
	pub, body, header := pointsShow(b)
	bridge := discord.Bridge{Handler: &interact.Handler{Store: newBridgeStore()}, Now: nowFunc}
	h := discord.NewHTTPHandler(discord.Verifier{Key: pub}, bridge, nil, nowFunc)
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
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
	cpu.Stop()
	b.ReportMetric(float64(len(body)), "body-bytes") // after b.Loop, which clears metrics
}

// BenchmarkEd25519Verify is the floor: the bare signature check of exactly
// the message BenchmarkHandlePoints verifies, its timestamp then its body.
func BenchmarkEd25519Verify(b *testing.B) {
	pub, body, header := pointsShow(b)
	sig, err := hex.DecodeString(header.Get(discord.HeaderSignature))
	if err != nil {
		b.Fatal(err)
	}
	msg := append([]byte(header.Get(discord.HeaderTimestamp)), body...)
	b.ReportAllocs()
	cpu := benchcpu.Start(b)
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
	cpu.Stop()
	b.ReportMetric(float64(len(body)), "body-bytes") // after b.Loop, which clears metrics
}
