package kick_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/shared/aws/lambdahttp"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/kick"
)

// FuzzWebhook feeds the four headers that decide a delivery's fate
// (message id, timestamp, type, signature) and a body through Verify,
// Parse and the handler, served both directly and as the Lambda function
// serves it (lambdahttp, lower-case header names). When sign is set the
// signature is replaced by a valid one, so that the fuzzer reaches Parse
// through Verify. No input may panic or get a 5xx. The seed corpus is in
// testdata/fuzz/FuzzWebhook; it holds the 684-character signature that
// once overflowed the decoding buffer.
func FuzzWebhook(f *testing.F) {
	f.Add(testMessageID, "2026-03-14T19:02:11Z", "chat.message.sent", "", true, fixture(f, "chat.message.sent"))
	// RSA signing dominates each run, and the minimiser reruns an input many
	// times; a 1024-bit key signs several times faster and the key size
	// matters to none of the invariants.
	key := fuzzKey()
	v := kick.NewVerifier(&key.PublicKey)
	f.Fuzz(func(t *testing.T, id, ts, typ, sig string, sign bool, body []byte) {
		header := func(sig string) http.Header {
			h := http.Header{}
			for name, value := range map[string]string{
				kick.HeaderMessageID: id, kick.HeaderTimestamp: ts, kick.HeaderType: typ, kick.HeaderSignature: sig,
				kick.HeaderSubscriptionID: kick.TestSubscriptionID, kick.HeaderVersion: "1",
			} {
				if value != "" {
					h[name] = []string{value}
				}
			}
			return h
		}
		if sign {
			// Sign only when Verify gets as far as the RSA check.
			sig = "AAAA"
			if _, err := v.Verify(header(sig), body, now); fault.Message(err) == "bad signature" {
				s, err := kick.Sign(key, id, ts, body)
				if err != nil {
					t.Fatal(err)
				}
				sig = s
			}
		}
		h := header(sig)

		// Parse on its own, for every body: no RSA needed to reach it.
		checkParse(t, kick.Delivery{MessageID: id, Type: typ, Timestamp: now}, body)

		d, err := v.Verify(h, body, now)
		verified := err == nil
		if err != nil {
			if k := fault.KindOf(err); k != fault.Invalid && k != fault.Forbidden {
				t.Fatalf("Verify() error kind = %v, want invalid or forbidden (%v)", k, err)
			}
			if len(sig) >= 16 && strings.Contains(err.Error(), sig) {
				t.Fatalf("Verify() error %q contains the signature", err)
			}
		} else {
			if !sign || sig == "AAAA" {
				t.Fatalf("Verify() accepted an unsigned delivery: id %q ts %q sig %q", id, ts, sig)
			}
			if d.MessageID != id || d.Type != typ {
				t.Fatalf("Verify() = {MessageID:%q Type:%q}, want {%q %q}", d.MessageID, d.Type, id, typ)
			}
			if age := now.Sub(d.Timestamp); age > kick.MaxAge || -age > kick.MaxSkew {
				t.Fatalf("Verify() accepted timestamp %q, %v from now", ts, age)
			}
		}
		parsed := false
		if verified {
			_, err := checkParse(t, d, body)
			parsed = err == nil
		}

		// The handler agrees: it calls handle exactly when both succeeded,
		// and keeps exactly the verified deliveries of a known type that did
		// not parse.
		calls, kept := 0, 0
		handle := func(context.Context, event.Event) error { calls++; return nil }
		keep := func(context.Context, ingest.Unprocessable) error { kept++; return nil }
		k := kick.NewHandler(v, handle, keep, nil, func() time.Time { return now })
		r := httptest.NewRequest(http.MethodPost, kick.Path, bytes.NewReader(body))
		r.Header = h
		w := httptest.NewRecorder()
		k.ServeHTTP(w, r)
		wantCalls, wantKept := 0, 0
		if len(body) <= kick.MaxBody {
			switch {
			case parsed:
				wantCalls = 1
			case verified && event.Type(typ).Known():
				wantKept = 1
			}
		}
		if calls != wantCalls || kept != wantKept {
			t.Fatalf("handle called %d times, keep %d; want %d and %d (verified %v, parsed %v)", calls, kept, wantCalls, wantKept, verified, parsed)
		}
		checkStatus(t, w.Code, w.Body.String(), sig)

		// The same through the Lambda adapter, with the names API Gateway
		// delivers.
		hs := make(map[string]string, len(h))
		for name, values := range h {
			hs[strings.ToLower(name)] = values[0]
		}
		res, err := lambdahttp.Handler(k, nil)(context.Background(), events.APIGatewayV2HTTPRequest{
			RawPath: kick.Path, Headers: hs, Body: string(body), IsBase64Encoded: false,
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodPost}},
		})
		if err != nil {
			t.Fatalf("lambdahttp handler error = %v", err)
		}
		checkStatus(t, res.StatusCode, res.Body, sig)
		if res.StatusCode != w.Code {
			t.Fatalf("status through Lambda = %d, served directly = %d", res.StatusCode, w.Code)
		}
	})
}

// checkStatus checks an answer: no 5xx (a recovered panic is a 500), and
// never the signature.
func checkStatus(t *testing.T, code int, body, sig string) {
	t.Helper()
	switch code {
	case 200, 400, 401, 413:
	default:
		t.Fatalf("status = %d, want 200, 400, 401 or 413 (body %s)", code, body)
	}
	if len(sig) >= 16 && strings.Contains(body, sig) {
		t.Fatal("response contains the signature")
	}
}

// checkParse runs Parse and checks what holds for any input: an error is
// Invalid, or NotFound for exactly the unknown types; an event carries the
// delivery's id, type and time, a broadcaster, and the one payload its type
// calls for.
func checkParse(t *testing.T, d kick.Delivery, body []byte) (event.Event, error) {
	t.Helper()
	ev, err := kick.Parse(d, body)
	known := event.Type(d.Type).Known()
	if err != nil {
		switch k := fault.KindOf(err); {
		case k == fault.NotFound && known, k == fault.Invalid && !known:
			t.Fatalf("Parse(type %q) error kind = %v (%v)", d.Type, k, err)
		case k != fault.NotFound && k != fault.Invalid:
			t.Fatalf("Parse() error kind = %v, want invalid or not found (%v)", k, err)
		}
		return ev, err
	}
	if !known || ev.ID != d.MessageID || string(ev.Type) != d.Type || !ev.SentAt.Equal(d.Timestamp) || ev.Broadcaster <= 0 {
		t.Fatalf("Parse() = {ID:%q Type:%q SentAt:%v Broadcaster:%d}, want {%q %q %v >0}",
			ev.ID, ev.Type, ev.SentAt, ev.Broadcaster, d.MessageID, d.Type, d.Timestamp)
	}
	set := map[event.Type]bool{
		event.ChatMessage:        ev.Chat != nil,
		event.Followed:           ev.Follow != nil,
		event.SubscriptionNew:    ev.Sub != nil && ev.Type == event.SubscriptionNew,
		event.SubscriptionRenew:  ev.Sub != nil && ev.Type == event.SubscriptionRenew,
		event.SubscriptionGifts:  ev.Gifts != nil,
		event.RewardRedemption:   ev.Redemption != nil,
		event.LivestreamStatus:   ev.Status != nil,
		event.LivestreamMetadata: ev.Metadata != nil,
		event.Banned:             ev.Ban != nil,
		event.KicksGifted:        ev.Kicks != nil,
	}
	for typ, ok := range set {
		if ok != (typ == ev.Type) {
			t.Fatalf("Parse(type %q) payload for %s set = %v", d.Type, typ, ok)
		}
	}
	if ev.Chat != nil && (ev.Chat.MessageID == "" || ev.Chat.Sender.ID <= 0) {
		t.Fatalf("Parse() chat = %+v, want a message id and a sender", ev.Chat)
	}
	return ev, nil
}
