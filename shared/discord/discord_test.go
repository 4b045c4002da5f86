package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/discord"
)

// sentAt is when the test interactions were signed; now is when they arrive.
var (
	sentAt = time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	now    = sentAt.Add(2 * time.Second)
)

const (
	appID    = "1250143022583250947"
	guildID  = "883082587327823872"
	botToken = "fake-bot-token.for-tests.never-logged"
	// pointsToken is the token in application_command.json.
	pointsToken = "aW50ZXJhY3Rpb246MTQ4MjQ1MzkzMjY3OTc1NzgyNTpEdXNUcGtyMGNTdFk0cVdCOGRXS25IZkROeFNJdlBaWjYzZkZLY1pqUjRJMGIzalJ0YVdyNFk5T0pGTEpPcU9BZjFsTFFTQUphaVhua1U4SXMyZzhucHJ2RGQ1M3g4M3J6alpaWlpHZW9aRE1FTmNLSFZtREdBa0ppRzhYbkJFM05uWUpvUTlXbVg"
)

// fixtures names every file in testdata/discord.
var fixtures = []string{
	"ping", "application_command", "application_command_subcommand",
	"message_component", "autocomplete", "modal_submit",
}

// fixture returns testdata/discord/<name>.json at the module root.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "discord", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// newKey generates a key pair to play Discord with.
func newKey(tb testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	tb.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return pub, priv
}

// signedRequest is body POSTed to Path as Discord sends it at ts.
func signedRequest(priv ed25519.PrivateKey, ts time.Time, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(body))
	r.Header = discord.SignedHeaders(priv, ts, body)
	return r
}

func stamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func nowFunc() time.Time { return now }
