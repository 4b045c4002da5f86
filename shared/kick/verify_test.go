package kick_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"github.com/kickbot/kickbot/shared/aws/lambdahttp"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick"
)

func TestVerify(t *testing.T) {
	body := fixture(t, "chat.message.sent")
	base := signed(t, "chat.message.sent", body)
	sig := base.Get(kick.HeaderSignature)

	// resign replaces the timestamp header and signs it as Kick would.
	resign := func(ts string) func(h http.Header, b []byte) []byte {
		return func(h http.Header, b []byte) []byte {
			s, err := kick.Sign(testKey(), testMessageID, ts, b)
			if err != nil {
				t.Fatal(err)
			}
			h.Set(kick.HeaderTimestamp, ts)
			h.Set(kick.HeaderSignature, s)
			return b
		}
	}
	set := func(name, value string) func(h http.Header, b []byte) []byte {
		return func(h http.Header, b []byte) []byte { h.Set(name, value); return b }
	}
	del := func(name string) func(h http.Header, b []byte) []byte {
		return func(h http.Header, b []byte) []byte { h.Del(name); return b }
	}
	wantDelivery := kick.Delivery{
		MessageID:      testMessageID,
		SubscriptionID: kick.TestSubscriptionID,
		Type:           "chat.message.sent",
		Version:        "1",
		Timestamp:      sentAt,
	}

	tests := []struct {
		name     string
		edit     func(h http.Header, body []byte) []byte // nil: as signed
		verifier *kick.Verifier                          // nil: trusts testKey
		now      time.Time                               // zero: now
		want     kick.Delivery                           // when wantKind is unset
		wantKind fault.Kind
		wantMsg  string // "" means success
	}{
		{name: "valid", want: wantDelivery},
		{name: "rotated key list", verifier: kick.NewVerifier(&otherKey().PublicKey, &testKey().PublicKey), want: wantDelivery},
		{name: "no subscription id or version", edit: func(h http.Header, b []byte) []byte {
			h.Del(kick.HeaderSubscriptionID)
			h.Del(kick.HeaderVersion)
			return b
		}, want: kick.Delivery{MessageID: testMessageID, Type: "chat.message.sent", Timestamp: sentAt}},
		{name: "fractional seconds", edit: resign("2026-03-14T19:02:11.452Z"),
			want: withTimestamp(wantDelivery, sentAt.Add(452*time.Millisecond))},
		{name: "offset timestamp", edit: resign("2026-03-14T20:02:11+01:00"), want: wantDelivery},

		{name: "tampered body", edit: func(h http.Header, b []byte) []byte {
			return []byte(strings.Replace(string(b), "gg", "GG", 1))
		}, wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "body with trailing newline", edit: func(h http.Header, b []byte) []byte {
			return append(b[:len(b):len(b)], '\n')
		}, wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "tampered timestamp", edit: set(kick.HeaderTimestamp, "2026-03-14T19:02:12Z"),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "same instant spelt differently", edit: set(kick.HeaderTimestamp, "2026-03-14T19:02:11.000Z"),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "tampered message id", edit: set(kick.HeaderMessageID, "01JQ7ZC4M2T8Y1B5N0P6R3K9VE"),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "wrong key", verifier: kick.NewVerifier(&otherKey().PublicKey),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "Kick's key", verifier: kick.NewVerifier(),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "garbage base64", edit: set(kick.HeaderSignature, "not*base64!"),
			wantKind: fault.Forbidden, wantMsg: "bad signature encoding"},
		{name: "unpadded base64", edit: set(kick.HeaderSignature, strings.TrimRight(sig, "=")+"A"),
			wantKind: fault.Forbidden, wantMsg: "bad signature encoding"},
		{name: "short signature", edit: set(kick.HeaderSignature, base64.StdEncoding.EncodeToString([]byte("short"))),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "oversize signature", edit: set(kick.HeaderSignature, strings.Repeat(sig, 3)),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		// 684 characters is the longest header decoded; unpadded, it is
		// 513 bytes, one more than a 4096-bit signature.
		{name: "684 characters, 513 bytes", edit: set(kick.HeaderSignature, strings.Repeat("A", 684)),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "684 characters, 512 bytes", edit: set(kick.HeaderSignature, strings.Repeat("A", 682)+"=="),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},
		{name: "685 characters", edit: set(kick.HeaderSignature, strings.Repeat("A", 685)),
			wantKind: fault.Forbidden, wantMsg: "bad signature"},

		{name: "missing signature", edit: del(kick.HeaderSignature), wantKind: fault.Forbidden, wantMsg: "missing signature"},
		{name: "missing message id", edit: del(kick.HeaderMessageID), wantKind: fault.Invalid, wantMsg: "missing Kick-Event-Message-Id header"},
		{name: "missing timestamp", edit: del(kick.HeaderTimestamp), wantKind: fault.Invalid, wantMsg: "missing Kick-Event-Message-Timestamp header"},
		{name: "missing type", edit: del(kick.HeaderType), wantKind: fault.Invalid, wantMsg: "missing Kick-Event-Type header"},
		{name: "unix timestamp", edit: resign("1773514931"), wantKind: fault.Invalid, wantMsg: "bad timestamp"},
		{name: "timestamp without zone", edit: resign("2026-03-14T19:02:11"), wantKind: fault.Invalid, wantMsg: "bad timestamp"},
		{name: "dot in message id", edit: set(kick.HeaderMessageID, "01JQ7ZC4M2T8Y1B5N0P6R3K9VD.2026"),
			wantKind: fault.Invalid, wantMsg: "message id contains a dot"},
		{name: "long message id", edit: set(kick.HeaderMessageID, strings.Repeat("A", 129)),
			wantKind: fault.Invalid, wantMsg: "message id too long"},
		{name: "message id not UTF-8", edit: set(kick.HeaderMessageID, "01JQ7ZC4M2T8Y1B5N0P6R3K9V\xff"),
			wantKind: fault.Invalid, wantMsg: "message id is not printable ASCII"},
		{name: "message id with a space", edit: set(kick.HeaderMessageID, "01JQ7ZC4M2T8 Y1B5N0P6R3K9VD"),
			wantKind: fault.Invalid, wantMsg: "message id is not printable ASCII"},
		{name: "longest message id", edit: func(h http.Header, b []byte) []byte {
			id := strings.Repeat("A", 128)
			s, err := kick.Sign(testKey(), id, h.Get(kick.HeaderTimestamp), b)
			if err != nil {
				t.Fatal(err)
			}
			h.Set(kick.HeaderMessageID, id)
			h.Set(kick.HeaderSignature, s)
			return b
		}, want: kick.Delivery{MessageID: strings.Repeat("A", 128), SubscriptionID: kick.TestSubscriptionID,
			Type: "chat.message.sent", Version: "1", Timestamp: sentAt}},

		{name: "oldest accepted", now: sentAt.Add(kick.MaxAge), want: wantDelivery},
		{name: "stale", now: sentAt.Add(kick.MaxAge + time.Nanosecond), wantKind: fault.Forbidden, wantMsg: "stale timestamp"},
		{name: "newest accepted", now: sentAt.Add(-kick.MaxSkew), want: wantDelivery},
		{name: "future", now: sentAt.Add(-kick.MaxSkew - time.Nanosecond), wantKind: fault.Forbidden, wantMsg: "timestamp in the future"},
		{name: "stale and badly signed", edit: set(kick.HeaderSignature, "AAAA"), now: sentAt.Add(kick.MaxAge + time.Hour),
			wantKind: fault.Forbidden, wantMsg: "stale timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := base.Clone()
			b := body
			if tt.edit != nil {
				b = tt.edit(h, body)
			}
			v := tt.verifier
			if v == nil {
				v = kick.NewVerifier(&testKey().PublicKey)
			}
			at := tt.now
			if at.IsZero() {
				at = now
			}
			got, err := v.Verify(h, b, at)
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("Verify() error = %v, want nil", err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Verify() delivery (-want +got):\n%s", diff)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify() = %+v, want a %v error", got, tt.wantKind)
			}
			if k := fault.KindOf(err); k != tt.wantKind {
				t.Errorf("Verify() error kind = %v, want %v (%v)", k, tt.wantKind, err)
			}
			if got := fault.Message(err); got != tt.wantMsg {
				t.Errorf("Verify() error message = %q, want %q", got, tt.wantMsg)
			}
			if s := h.Get(kick.HeaderSignature); len(s) > 8 && strings.Contains(err.Error(), s) {
				t.Errorf("Verify() error %q contains the signature", err)
			}
		})
	}
}

func withTimestamp(d kick.Delivery, t time.Time) kick.Delivery {
	d.Timestamp = t
	return d
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// API Gateway hands the function lower-cased header names; Verify reads
// canonical ones, which the Lambda adapter (lambdahttp.Request) provides.
func TestVerifyLowerCaseHeaders(t *testing.T) {
	body := fixture(t, "chat.message.sent")
	v := kick.NewVerifier(&testKey().PublicKey)
	for _, fold := range []func(string) string{strings.ToLower, strings.ToUpper} {
		headers := map[string]string{}
		for name, values := range signed(t, "chat.message.sent", body) {
			headers[fold(name)] = values[0]
		}
		raw := http.Header{}
		for name, value := range headers {
			raw[name] = []string{value}
		}
		if _, err := v.Verify(raw, body, now); err == nil {
			t.Fatal("Verify(raw case-folded header map) succeeded; the test no longer shows why names must be canonical")
		}

		e := events.APIGatewayV2HTTPRequest{RawPath: kick.Path, Headers: headers, Body: string(body),
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}}
		r, err := lambdahttp.Request(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.Verify(r.Header, body, now)
		if err != nil {
			t.Fatalf("Verify(headers of an API Gateway event) error = %v, want nil", err)
		}
		if got.MessageID != testMessageID || got.SubscriptionID != kick.TestSubscriptionID || got.Version != "1" {
			t.Errorf("Verify(headers of an API Gateway event) = %+v, want every header read", got)
		}
	}
}

func TestSignedHeaders(t *testing.T) {
	body := []byte(`{}`)
	h, err := kick.SignedHeaders(testKey(), "01ABC", "channel.followed", time.Date(2026, 3, 14, 20, 2, 11, 5e8, time.FixedZone("CET", 3600)), body)
	if err != nil {
		t.Fatal(err)
	}
	want := http.Header{
		"Kick-Event-Message-Id":        {"01ABC"},
		"Kick-Event-Subscription-Id":   {kick.TestSubscriptionID},
		"Kick-Event-Message-Timestamp": {"2026-03-14T19:02:11Z"},
		"Kick-Event-Type":              {"channel.followed"},
		"Kick-Event-Version":           {"1"},
	}
	sig := h.Get(kick.HeaderSignature)
	h.Del(kick.HeaderSignature)
	if diff := cmp.Diff(want, h); diff != "" {
		t.Errorf("SignedHeaders() (-want +got):\n%s", diff)
	}
	raw := mustDecode(t, sig)
	if got, want := len(raw), 256; got != want {
		t.Errorf("signature is %d bytes, want %d", got, want)
	}
	// Pin the scheme independently of Verify: PKCS #1 v1.5 over SHA-256 of
	// id.timestamp.body, exactly as kick-api.md §3.2 states it.
	sum := sha256.Sum256([]byte("01ABC.2026-03-14T19:02:11Z.{}"))
	if err := rsa.VerifyPKCS1v15(&testKey().PublicKey, crypto.SHA256, sum[:], raw); err != nil {
		t.Errorf("signature does not verify over id.timestamp.body: %v", err)
	}
}
