package kick_test

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/kick"
)

// Keys are generated once per test binary: RSA key generation is slow.
var (
	testKey  = sync.OnceValue(func() *rsa.PrivateKey { return generateKey(2048) })
	otherKey = sync.OnceValue(func() *rsa.PrivateKey { return generateKey(2048) })
	fuzzKey  = sync.OnceValue(func() *rsa.PrivateKey { return generateKey(1024) })
)

func generateKey(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

const (
	testMessageID   = "01JQ7ZC4M2T8Y1B5N0P6R3K9VD"
	testBroadcaster = 4402117
	testSender      = 51234077
)

// sentAt is when the test deliveries were signed; now is when they arrive.
var (
	sentAt = time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	now    = sentAt.Add(19 * time.Second)
)

// fixture returns the body in testdata/kick/<name>.json at the module root.
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kick", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// signed returns the headers Kick would send with body, signed by testKey.
func signed(tb testing.TB, typ string, body []byte) http.Header {
	tb.Helper()
	h, err := kick.SignedHeaders(testKey(), testMessageID, typ, sentAt, body)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}
