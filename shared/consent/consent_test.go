package consent_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/fault"
)

var (
	testKey  = []byte("0123456789abcdef0123456789abcdef") // 32 bytes
	otherKey = []byte("fedcba9876543210fedcba9876543210")
	start    = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
)

// seq is a deterministic "random" source: bytes 0, 1, 2, …
type seq struct{ n byte }

func (s *seq) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = s.n
		s.n++
	}
	return len(p), nil
}

func testState(t *testing.T) consent.State {
	t.Helper()
	s, err := consent.New(consent.Connect, "1100000000000000001", "1200000000000000002", start, &seq{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func TestNew(t *testing.T) {
	s := testState(t)
	if got, want := s.Nonce, "AAECAwQFBgcICQoLDA0ODw"; got != want {
		t.Errorf("Nonce = %q, want %q", got, want)
	}
	if got, want := s.Expires, start.Add(consent.TTL); !got.Equal(want) {
		t.Errorf("Expires = %v, want %v", got, want)
	}
	if _, err := consent.New(consent.Link, "1", "2", start, strings.NewReader("short")); !fault.Is(err, fault.Internal) {
		t.Errorf("New with a failing random source: err = %v, want an internal error", err)
	}
	if _, err := consent.New(consent.Link, "", "2", start, &seq{}); !fault.Is(err, fault.Invalid) {
		t.Errorf("New without a guild: err = %v, want an invalid error", err)
	}
}

func TestSealOpen(t *testing.T) {
	for _, p := range []consent.Purpose{consent.Connect, consent.Link} {
		t.Run(p.String(), func(t *testing.T) {
			s := testState(t)
			s.Purpose = p
			token, err := consent.Seal(testKey, s)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if len(token) > consent.MaxTokenLen {
				t.Errorf("len(token) = %d, want at most %d", len(token), consent.MaxTokenLen)
			}
			got, err := consent.Open(testKey, token, start.Add(time.Minute))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if got != s {
				t.Errorf("Open(Seal(s)) = %+v, want %+v", got, s)
			}
		})
	}
}

func TestSealTruncatesExpiry(t *testing.T) {
	s := testState(t)
	s.Expires = s.Expires.Add(999 * time.Millisecond)
	token, err := consent.Seal(testKey, s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := consent.Open(testKey, token, start)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.Expires.Truncate(time.Second); !got.Expires.Equal(want) {
		t.Errorf("Expires = %v, want %v", got.Expires, want)
	}
}

func TestSealRejects(t *testing.T) {
	tests := []struct {
		name   string
		key    []byte
		change func(*consent.State)
		want   fault.Kind
	}{
		{"short key", testKey[:31], func(*consent.State) {}, fault.Internal},
		{"no purpose", testKey, func(s *consent.State) { s.Purpose = 0 }, fault.Invalid},
		{"unknown purpose", testKey, func(s *consent.State) { s.Purpose = 3 }, fault.Invalid},
		{"empty guild", testKey, func(s *consent.State) { s.Guild = "" }, fault.Invalid},
		{"zero guild", testKey, func(s *consent.State) { s.Guild = "0" }, fault.Invalid},
		{"leading zero", testKey, func(s *consent.State) { s.Guild = "0123" }, fault.Invalid},
		{"guild too big", testKey, func(s *consent.State) { s.Guild = "18446744073709551616" }, fault.Invalid},
		{"signed user", testKey, func(s *consent.State) { s.User = "+12" }, fault.Invalid},
		{"user not digits", testKey, func(s *consent.State) { s.User = "abc" }, fault.Invalid},
		{"empty nonce", testKey, func(s *consent.State) { s.Nonce = "" }, fault.Invalid},
		{"short nonce", testKey, func(s *consent.State) { s.Nonce = "AAECAwQFBgcICQoLDA0OD" }, fault.Invalid},
		{"padded nonce", testKey, func(s *consent.State) { s.Nonce = "AAECAwQFBgcICQoLDA0ODw==" }, fault.Invalid},
		{"non-canonical nonce", testKey, func(s *consent.State) { s.Nonce = "AAECAwQFBgcICQoLDA0ODx" }, fault.Invalid},
		{"no expiry", testKey, func(s *consent.State) { s.Expires = time.Time{} }, fault.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := testState(t)
			tt.change(&s)
			token, err := consent.Seal(tt.key, s)
			if err == nil || fault.KindOf(err) != tt.want {
				t.Errorf("Seal = %q, %v; want a %v error", token, err, tt.want)
			}
		})
	}
}

func TestOpenRejects(t *testing.T) {
	s := testState(t)
	token, err := consent.Seal(testKey, s)
	if err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndexByte(token, '.')
	flip := func(i int) string {
		b := []byte(token)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	long := testState(t)
	long.Expires = start.Add(consent.MaxTTL + time.Minute)
	tooLong, err := consent.Seal(testKey, long)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		key   []byte
		token string
	}{
		{"empty", testKey, ""},
		{"other key", otherKey, token},
		{"payload changed", testKey, flip(5)},
		{"mac changed", testKey, flip(len(token) - 2)},
		{"mac dropped", testKey, token[:dot]},
		{"mac truncated", testKey, token[:len(token)-1]},
		{"unknown version", testKey, "v2" + token[2:]},
		{"no version", testKey, token[3:]},
		{"newline inside", testKey, token[:10] + "\n" + token[10:]},
		{"escaped", testKey, strings.Replace(token, ".", "%2E", 1)},
		{"padding", testKey, token + "="},
		{"extra part", testKey, token + ".AAAA"},
		{"oversized", testKey, token + strings.Repeat("A", consent.MaxTokenLen)},
		{"expiry too far ahead", testKey, tooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := consent.Open(tt.key, tt.token, start)
			if !fault.Is(err, fault.Invalid) || errors.Is(err, consent.ErrExpired) {
				t.Errorf("Open = %+v, %v; want an invalid error that is not ErrExpired", got, err)
			}
		})
	}
	if _, err := consent.Open(testKey[:16], token, start); !fault.Is(err, fault.Internal) {
		t.Errorf("Open with a short key: err = %v, want an internal error", err)
	}
}

func TestOpenExpired(t *testing.T) {
	s := testState(t)
	token, err := consent.Seal(testKey, s)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		now     time.Time
		expired bool
	}{
		{s.Expires.Add(-time.Second), false},
		{s.Expires.Add(-time.Nanosecond), false},
		{s.Expires, true},
		{s.Expires.Add(time.Hour), true},
	}
	for _, tt := range tests {
		_, err := consent.Open(testKey, token, tt.now)
		if got := errors.Is(err, consent.ErrExpired); got != tt.expired {
			t.Errorf("Open %v after expiry: err = %v, expired %v, want %v", tt.now.Sub(s.Expires), err, got, tt.expired)
		}
		if tt.expired && !fault.Is(err, fault.Invalid) {
			t.Errorf("Open %v after expiry: kind %v, want invalid", tt.now.Sub(s.Expires), fault.KindOf(err))
		}
	}
	// A forged token says nothing about expiry.
	if _, err := consent.Open(otherKey, token, s.Expires.Add(time.Hour)); errors.Is(err, consent.ErrExpired) {
		t.Errorf("Open with the wrong key after expiry: err = %v, want not ErrExpired", err)
	}
}

// TestChallenge uses the example of RFC 7636 appendix B.
func TestChallenge(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	if got, want := consent.Challenge(verifier), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"; got != want {
		t.Errorf("Challenge(%q) = %q, want %q", verifier, got, want)
	}
}

func TestNewVerifier(t *testing.T) {
	v, err := consent.NewVerifier(&seq{})
	if err != nil {
		t.Fatal(err)
	}
	checkVerifier(t, v)
	if _, err := consent.NewVerifier(bytes.NewReader(make([]byte, 31))); !fault.Is(err, fault.Internal) {
		t.Errorf("NewVerifier with a short random source: err = %v, want an internal error", err)
	}
}

func TestVerifier(t *testing.T) {
	s := testState(t)
	v, err := consent.Verifier(testKey, s.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	checkVerifier(t, v)
	if again, _ := consent.Verifier(testKey, s.Nonce); again != v {
		t.Errorf("Verifier is not deterministic: %q then %q", v, again)
	}
	if other, _ := consent.Verifier(otherKey, s.Nonce); other == v {
		t.Errorf("Verifier under another key = %q, want it to differ", other)
	}
	token, _ := consent.Seal(testKey, s)
	if strings.Contains(token, v) || strings.Contains(token, consent.Challenge(v)) {
		t.Errorf("token %q carries the verifier or its challenge", token)
	}
	if _, err := consent.Verifier(testKey, "not a nonce"); !fault.Is(err, fault.Invalid) {
		t.Errorf("Verifier(bad nonce): err = %v, want an invalid error", err)
	}
	if _, err := consent.Verifier(nil, s.Nonce); !fault.Is(err, fault.Internal) {
		t.Errorf("Verifier(no key): err = %v, want an internal error", err)
	}
}

func checkVerifier(t *testing.T, v string) {
	t.Helper()
	if len(v) < 43 || len(v) > 128 {
		t.Errorf("len(verifier %q) = %d, want 43..128", v, len(v))
	}
	for _, c := range v {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", c) {
			t.Errorf("verifier %q holds %q, outside RFC 7636's unreserved set", v, c)
		}
	}
	sum := sha256.Sum256([]byte(v))
	if got, want := consent.Challenge(v), base64.RawURLEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("Challenge = %q, want %q", got, want)
	}
}

// FuzzOpen: Open never panics, fails only with Invalid, and whatever it
// accepts seals back to the very same token. The seed corpus in
// testdata/fuzz/FuzzOpen holds tokens sealed with testKey at start.
func FuzzOpen(f *testing.F) {
	f.Add("", start.Unix())
	f.Add("v1..", start.Unix())
	f.Fuzz(func(t *testing.T, token string, now int64) {
		s, err := consent.Open(testKey, token, time.Unix(now, 0))
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("Open(%q) = %v, want an invalid error", token, err)
			}
			return
		}
		again, err := consent.Seal(testKey, s)
		if err != nil {
			t.Fatalf("Seal(Open(%q)) = %v", token, err)
		}
		if again != token {
			t.Errorf("Seal(Open(%q)) = %q, want the same token", token, again)
		}
	})
}

func Example() {
	key := []byte("an example key of at least 32 bytes")
	now := time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

	// /kick connect: a state for the admin, and the challenge for Kick.
	s, _ := consent.New(consent.Connect, "1100000000000000001", "1200000000000000002", now, &seq{})
	state, _ := consent.Seal(key, s)
	verifier, _ := consent.Verifier(key, s.Nonce)
	_ = consent.Challenge(verifier) // code_challenge, with code_challenge_method=S256

	// The callback, two minutes later: the same state comes back.
	got, err := consent.Open(key, state, now.Add(2*time.Minute))
	fmt.Println(got.Purpose, got.Guild, err)
	again, _ := consent.Verifier(key, got.Nonce)
	fmt.Println(again == verifier)

	// An hour later the link has expired.
	_, err = consent.Open(key, state, now.Add(time.Hour))
	fmt.Println(errors.Is(err, consent.ErrExpired), fault.Message(err))
	// Output:
	// connect 1100000000000000001 <nil>
	// true
	// true this link has expired; ask for a new one
}
