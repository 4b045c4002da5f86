package discord_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
)

func TestParsePublicKey(t *testing.T) {
	pub, _ := newKey(t)
	lower := hex.EncodeToString(pub)
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{name: "portal form", in: lower},
		{name: "upper case", in: strings.ToUpper(lower)},
		{name: "trailing newline from a secret store", in: lower + "\n"},
		{name: "empty", in: "", wantErr: true},
		{name: "not hex", in: strings.Repeat("zz", ed25519.PublicKeySize), wantErr: true},
		{name: "odd length", in: lower[1:], wantErr: true},
		{name: "too short", in: lower[2:], wantErr: true},
		{name: "too long", in: lower + "00", wantErr: true},
		{name: "private key", in: hex.EncodeToString(make([]byte, ed25519.PrivateKeySize)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := discord.ParsePublicKey(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParsePublicKey(%q) = %x, want an error", tt.in, got)
				}
				if k := fault.KindOf(err); k != fault.Invalid {
					t.Errorf("ParsePublicKey(%q) error kind = %v, want invalid", tt.in, k)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublicKey(%q) error = %v, want nil", tt.in, err)
			}
			if !got.Equal(pub) {
				t.Errorf("ParsePublicKey(%q) = %x, want %x", tt.in, got, pub)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	pub, priv := newKey(t)
	otherPub, otherPriv := newKey(t)
	body := fixture(t, "application_command")
	ts := stamp(sentAt)
	sig := discord.Sign(priv, ts, body)

	tests := []struct {
		name     string
		ts, sig  string // "" leaves the header out
		body     []byte // nil: the fixture
		key      ed25519.PublicKey
		maxAge   time.Duration
		now      time.Time // zero: now
		wantKind fault.Kind
		wantMsg  string // "" means success
	}{
		{name: "valid", ts: ts, sig: sig},
		{name: "upper-case hex signature", ts: ts, sig: strings.ToUpper(sig)},
		{name: "oldest accepted", ts: ts, sig: sig, now: sentAt.Add(discord.DefaultMaxAge)},
		{name: "stale", ts: ts, sig: sig, now: sentAt.Add(discord.DefaultMaxAge + time.Second),
			wantKind: fault.Forbidden, wantMsg: "stale timestamp"},
		{name: "stale under a tighter MaxAge", ts: ts, sig: sig, maxAge: time.Second,
			wantKind: fault.Forbidden, wantMsg: "stale timestamp"},
		{name: "newest accepted", ts: ts, sig: sig, now: sentAt.Add(-discord.MaxSkew)},
		{name: "future", ts: ts, sig: sig, now: sentAt.Add(-discord.MaxSkew - time.Second),
			wantKind: fault.Forbidden, wantMsg: "timestamp in the future"},
		{name: "stale and badly signed", ts: ts, sig: strings.Repeat("00", 64), now: sentAt.Add(time.Hour),
			wantKind: fault.Forbidden, wantMsg: "stale timestamp"},

		{name: "missing signature", ts: ts, wantKind: fault.Forbidden, wantMsg: "missing signature"},
		{name: "missing timestamp", sig: sig, wantKind: fault.Forbidden, wantMsg: "missing timestamp"},
		{name: "signature not hex", ts: ts, sig: "zz" + sig[2:], wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "short signature", ts: ts, sig: sig[:64], wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "long signature", ts: ts, sig: sig + "00", wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "odd-length signature", ts: ts, sig: sig + "0", wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "tampered body", ts: ts, sig: sig, body: bytes.Replace(body, []byte(`"points"`), []byte(`"pointz"`), 1),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "body with trailing newline", ts: ts, sig: sig, body: append(append([]byte(nil), body...), '\n'),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "tampered timestamp", ts: stamp(sentAt.Add(time.Second)), sig: sig,
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "wrong key", ts: ts, sig: sig, key: otherPub, wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "signed by another key", ts: ts, sig: discord.Sign(otherPriv, ts, body),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},

		{name: "fractional timestamp", ts: ts + ".5", sig: discord.Sign(priv, ts+".5", body),
			wantKind: fault.Forbidden, wantMsg: "bad timestamp"},
		{name: "signed timestamp", ts: "+" + ts, sig: discord.Sign(priv, "+"+ts, body),
			wantKind: fault.Forbidden, wantMsg: "bad timestamp"},
		{name: "leading zero", ts: "0" + ts, sig: discord.Sign(priv, "0"+ts, body),
			wantKind: fault.Forbidden, wantMsg: "bad timestamp"},
		{name: "RFC 3339 timestamp", ts: sentAt.Format(time.RFC3339), sig: discord.Sign(priv, sentAt.Format(time.RFC3339), body),
			wantKind: fault.Forbidden, wantMsg: "bad timestamp"},
		{name: "milliseconds", ts: ts + "000", sig: discord.Sign(priv, ts+"000", body),
			wantKind: fault.Forbidden, wantMsg: "timestamp in the future"},
		{name: "overflowing timestamp", ts: strings.Repeat("9", 30), sig: sig, wantKind: fault.Forbidden, wantMsg: "bad timestamp"},

		{name: "no key", ts: ts, sig: sig, key: ed25519.PublicKey{}, wantKind: fault.Internal,
			wantMsg: "no valid discord public key configured"},
		{name: "truncated key", ts: ts, sig: sig, key: pub[:31], wantKind: fault.Internal,
			wantMsg: "no valid discord public key configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.body
			if b == nil {
				b = body
			}
			r := httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(b))
			if tt.ts != "" {
				r.Header.Set(discord.HeaderTimestamp, tt.ts)
			}
			if tt.sig != "" {
				r.Header.Set(discord.HeaderSignature, tt.sig)
			}
			v := discord.Verifier{Key: pub, MaxAge: tt.maxAge}
			if tt.key != nil {
				v.Key = tt.key
			}
			at := tt.now
			if at.IsZero() {
				at = now
			}
			err := v.Verify(r, at)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Verify() error = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify() = nil, want %v error %q", tt.wantKind, tt.wantMsg)
			}
			if k := fault.KindOf(err); k != tt.wantKind {
				t.Errorf("Verify() error kind = %v, want %v (%v)", k, tt.wantKind, err)
			}
			if got := fault.Message(err); got != tt.wantMsg {
				t.Errorf("Verify() error message = %q, want %q", got, tt.wantMsg)
			}
			if tt.sig != "" && strings.Contains(err.Error(), tt.sig) {
				t.Errorf("Verify() error %q contains the signature", err)
			}
		})
	}
}

// Verify must read the whole body whatever Content-Length says, and leave
// it for the decoder.
func TestVerifyRestoresBody(t *testing.T) {
	pub, priv := newKey(t)
	body := fixture(t, "modal_submit")
	for _, tt := range []struct {
		name   string
		length int64 // 0: the body's
	}{
		{"length known", 0},
		{"length unknown", -1},
		{"length understated", 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := signedRequest(priv, sentAt, body)
			if tt.length != 0 {
				r.ContentLength = tt.length
			}
			if err := (discord.Verifier{Key: pub}).Verify(r, now); err != nil {
				t.Fatalf("Verify() error = %v, want nil", err)
			}
			got, err := io.ReadAll(r.Body)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, body) {
				t.Errorf("body after Verify = %d bytes, want the %d signed", len(got), len(body))
			}
		})
	}
}

func TestVerifyOversizeBody(t *testing.T) {
	pub, priv := newKey(t)
	body := append([]byte(`{"type":2,"pad":"`), bytes.Repeat([]byte("x"), discord.MaxBody)...)
	body = append(body, `"}`...)
	for _, known := range []bool{true, false} {
		r := signedRequest(priv, sentAt, body)
		if !known {
			r.ContentLength = -1 // chunked: only the reader can tell
		}
		err := (discord.Verifier{Key: pub}).Verify(r, now)
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) || fault.KindOf(err) != fault.Invalid {
			t.Errorf("Verify(%d bytes, length known %v) error = %v, want invalid wrapping *http.MaxBytesError", len(body), known, err)
		}
	}
}

// API Gateway's HTTP API hands the function lower-cased header names;
// Verify reads canonical ones, so the request must be built with
// Header.Set, as lambdahttp does.
func TestVerifyLowerCaseHeaders(t *testing.T) {
	pub, priv := newKey(t)
	body := fixture(t, "application_command")
	lower := map[string]string{"content-type": "application/json", "user-agent": "Discord-Interactions/1.0 (+https://discord.com)"}
	for name, values := range discord.SignedHeaders(priv, sentAt, body) {
		lower[strings.ToLower(name)] = values[0]
	}
	v := discord.Verifier{Key: pub}

	raw := httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(body))
	raw.Header = http.Header{}
	for name, value := range lower {
		raw.Header[name] = []string{value}
	}
	if err := v.Verify(raw, now); err == nil {
		t.Fatal("Verify(raw lower-case header map) = nil; the test no longer shows why headers must be canonicalised")
	}

	r := httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(body))
	r.Header = http.Header{}
	for name, value := range lower {
		r.Header.Set(name, value)
	}
	if err := v.Verify(r, now); err != nil {
		t.Errorf("Verify(lower-case names canonicalised by Header.Set) error = %v, want nil", err)
	}
}
