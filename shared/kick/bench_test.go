package kick_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/kick"
)

// BenchmarkVerify is one full Verify of a chat delivery.
func BenchmarkVerify(b *testing.B) {
	body := fixture(b, "chat.message.sent")
	h := signed(b, "chat.message.sent", body)
	v := kick.NewVerifier(&testKey().PublicKey)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(h, body, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerify is the floor: the bare RSA check of the same signature.
func BenchmarkRSAVerify(b *testing.B) {
	body := fixture(b, "chat.message.sent")
	h := signed(b, "chat.message.sent", body)
	sig, err := base64.StdEncoding.DecodeString(h.Get(kick.HeaderSignature))
	if err != nil {
		b.Fatal(err)
	}
	sum := sha256.Sum256([]byte(testMessageID + "." + h.Get(kick.HeaderTimestamp) + "." + string(body)))
	pub := &testKey().PublicKey
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse is the JSON half of a chat delivery.
func BenchmarkParse(b *testing.B) {
	body := fixture(b, "chat.message.sent")
	d := kick.Delivery{MessageID: testMessageID, Type: "chat.message.sent", Timestamp: sentAt}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := kick.Parse(d, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHandler is the whole webhook for a chat delivery, with a handle
// that does nothing: compare it with BenchmarkRSAVerify.
func BenchmarkHandler(b *testing.B) {
	body := fixture(b, "chat.message.sent")
	header := signed(b, "chat.message.sent", body)
	h := kick.NewHandler(kick.NewVerifier(&testKey().PublicKey),
		func(context.Context, event.Event) error { return nil }, nil, nil, func() time.Time { return now })
	r := httptest.NewRequest(http.MethodPost, kick.Path, nil)
	r.Header = header
	rd := bytes.NewReader(body)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(body)
		r.Body = readCloser{rd}
		r.ContentLength = int64(len(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status = %d, want 200: %s", w.Code, w.Body)
		}
	}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
