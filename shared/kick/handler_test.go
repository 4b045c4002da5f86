package kick_test

import (
	"bytes"
	"context"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/kick"
)

func TestHandler(t *testing.T) {
	chat := fixture(t, "chat.message.sent")
	oversize := bytes.Repeat([]byte(" "), kick.MaxBody+1)
	atLimit := append(bytes.Repeat([]byte(" "), kick.MaxBody-len(chat)), chat...)

	type request struct {
		method string
		header http.Header
		body   []byte
		// unknownLength hides Content-Length, as a chunked request does.
		unknownLength bool
	}
	post := func(h http.Header, body []byte) request {
		return request{method: http.MethodPost, header: h, body: body}
	}
	edit := func(h http.Header, f func(http.Header)) http.Header {
		h = h.Clone()
		f(h)
		return h
	}
	good := signed(t, "chat.message.sent", chat)

	tests := []struct {
		name      string
		req       request
		handleErr error
		keepErr   error
		now       time.Time // zero: now
		want      int
		wantBody  string
		wantCalls int
		// wantKept is the reason of the delivery kept as unprocessable;
		// "" for none.
		wantKept string
	}{
		{name: "valid", req: post(good, chat), want: 200, wantBody: `{"ok":true}`, wantCalls: 1},
		{name: "every fixture type", req: post(signed(t, "kicks.gifted", fixture(t, "kicks.gifted")), fixture(t, "kicks.gifted")),
			want: 200, wantBody: `{"ok":true}`, wantCalls: 1},
		{name: "body at the limit", req: post(signed(t, "chat.message.sent", atLimit), atLimit), want: 200, wantCalls: 1},

		{name: "GET", req: request{method: http.MethodGet, header: good}, want: 405, wantBody: `{"error":"method not allowed"}`},
		{name: "oversize body", req: post(signed(t, "chat.message.sent", oversize), oversize), want: 413, wantBody: `{"error":"body too large"}`},
		{name: "oversize body without length", req: request{method: http.MethodPost, header: signed(t, "chat.message.sent", oversize), body: oversize, unknownLength: true},
			want: 413, wantBody: `{"error":"body too large"}`},

		{name: "tampered body", req: post(good, bytes.Replace(chat, []byte("gg"), []byte("GG"), 1)), want: 401, wantBody: `{"error":"bad signature"}`},
		{name: "tampered timestamp", req: post(edit(good, func(h http.Header) { h.Set(kick.HeaderTimestamp, "2026-03-14T19:02:12Z") }), chat),
			want: 401, wantBody: `{"error":"bad signature"}`},
		{name: "tampered message id", req: post(edit(good, func(h http.Header) { h.Set(kick.HeaderMessageID, "01JQ7ZC4M2T8Y1B5N0P6R3K9VE") }), chat),
			want: 401, wantBody: `{"error":"bad signature"}`},
		{name: "wrong key", req: post(mustSign(t, otherKey(), "chat.message.sent", chat), chat), want: 401, wantBody: `{"error":"bad signature"}`},
		{name: "garbage base64", req: post(edit(good, func(h http.Header) { h.Set(kick.HeaderSignature, "%%%") }), chat),
			want: 401, wantBody: `{"error":"bad signature encoding"}`},
		{name: "684-character signature", req: post(edit(good, func(h http.Header) { h.Set(kick.HeaderSignature, strings.Repeat("A", 684)) }), chat),
			want: 401, wantBody: `{"error":"bad signature"}`},
		{name: "missing signature", req: post(edit(good, func(h http.Header) { h.Del(kick.HeaderSignature) }), chat),
			want: 401, wantBody: `{"error":"missing signature"}`},
		{name: "missing message id", req: post(edit(good, func(h http.Header) { h.Del(kick.HeaderMessageID) }), chat),
			want: 400, wantBody: `{"error":"missing Kick-Event-Message-Id header"}`},
		{name: "missing timestamp", req: post(edit(good, func(h http.Header) { h.Del(kick.HeaderTimestamp) }), chat),
			want: 400, wantBody: `{"error":"missing Kick-Event-Message-Timestamp header"}`},
		{name: "missing type", req: post(edit(good, func(h http.Header) { h.Del(kick.HeaderType) }), chat),
			want: 400, wantBody: `{"error":"missing Kick-Event-Type header"}`},
		{name: "stale", req: post(good, chat), now: sentAt.Add(kick.MaxAge + time.Second), want: 401, wantBody: `{"error":"stale timestamp"}`},
		{name: "future", req: post(good, chat), now: sentAt.Add(-kick.MaxSkew - time.Second), want: 401, wantBody: `{"error":"timestamp in the future"}`},

		// Signed but unusable: answered 200 (an error would get the event
		// unsubscribed after a day of retries) and kept for inspection.
		{name: "malformed payload", req: post(signed(t, "chat.message.sent", []byte(`{"broadcaster":`)), []byte(`{"broadcaster":`)),
			want: 200, wantBody: `{"ok":true}`, wantKept: "malformed payload: unexpected end of JSON input"},
		{name: "no broadcaster", req: post(signed(t, "chat.message.sent", []byte(`{}`)), []byte(`{}`)),
			want: 200, wantBody: `{"ok":true}`, wantKept: "payload has no broadcaster"},
		{name: "body relabelled", req: post(signed(t, "livestream.metadata.updated", fixture(t, "moderation.banned")), fixture(t, "moderation.banned")),
			want: 200, wantBody: `{"ok":true}`, wantKept: "metadata update has no title"},
		{name: "unprocessable, store down", req: post(signed(t, "chat.message.sent", []byte(`{}`)), []byte(`{}`)),
			keepErr: fault.Wrap(fault.Transient, errors.New("throttled"), "store unavailable"),
			want:    503, wantBody: `{"error":"store unavailable"}`, wantKept: "payload has no broadcaster"},
		{name: "unknown type", req: post(signed(t, "channel.raided", []byte(`{}`)), []byte(`{}`)), want: 200, wantBody: `{"ok":true}`},

		{name: "duplicate", req: post(good, chat), handleErr: nil, want: 200, wantCalls: 1},
		{name: "unconnected broadcaster", req: post(good, chat), handleErr: fault.E(fault.NotFound, "broadcaster not connected"),
			want: 200, wantBody: `{"ok":true}`, wantCalls: 1},
		{name: "handle invalid", req: post(good, chat), handleErr: fault.E(fault.Invalid, "bad event"),
			want: 200, wantBody: `{"ok":true}`, wantCalls: 1, wantKept: "bad event"},
		{name: "handle forbidden", req: post(good, chat), handleErr: fault.E(fault.Forbidden, "guild suspended"),
			want: 401, wantBody: `{"error":"guild suspended"}`, wantCalls: 1},
		{name: "handle conflict", req: post(good, chat), handleErr: fault.E(fault.Conflict, "race"),
			want: 500, wantBody: `{"error":"race"}`, wantCalls: 1},
		{name: "handle transient", req: post(good, chat), handleErr: fault.Wrap(fault.Transient, errors.New("throttled: secret detail"), "store unavailable"),
			want: 503, wantBody: `{"error":"store unavailable"}`, wantCalls: 1},
		{name: "handle internal", req: post(good, chat), handleErr: errors.New("nil map: secret detail"),
			want: 500, wantBody: `{"error":"internal error"}`, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls []event.Event
			handle := func(ctx context.Context, ev event.Event) error {
				calls = append(calls, ev)
				return tt.handleErr
			}
			var kept []ingest.Unprocessable
			keep := func(ctx context.Context, u ingest.Unprocessable) error {
				kept = append(kept, u)
				return tt.keepErr
			}
			at := tt.now
			if at.IsZero() {
				at = now
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			h := kick.NewHandler(kick.NewVerifier(&testKey().PublicKey), handle, keep, log, func() time.Time { return at })

			r := httptest.NewRequest(tt.req.method, kick.Path, bytes.NewReader(tt.req.body))
			for name, values := range tt.req.header {
				r.Header[name] = values
			}
			if tt.req.unknownLength {
				r.ContentLength = -1
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)

			if got := w.Code; got != tt.want {
				t.Errorf("status = %d, want %d (body %s)", got, tt.want, w.Body)
			}
			if got := strings.TrimSpace(w.Body.String()); tt.wantBody != "" && got != tt.wantBody {
				t.Errorf("body = %s, want %s", got, tt.wantBody)
			}
			if got := w.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", got)
			}
			if got := len(calls); got != tt.wantCalls {
				t.Fatalf("handle called %d times, want %d", got, tt.wantCalls)
			}
			if len(calls) == 1 && (calls[0].ID != testMessageID || calls[0].Broadcaster != testBroadcaster) {
				t.Errorf("handle got {ID:%q Broadcaster:%d}, want {%q %d}", calls[0].ID, calls[0].Broadcaster, testMessageID, testBroadcaster)
			}
			switch {
			case tt.wantKept == "" && len(kept) != 0:
				t.Errorf("kept %+v, want nothing", kept)
			case tt.wantKept != "" && len(kept) != 1:
				t.Errorf("kept %d deliveries, want 1", len(kept))
			case tt.wantKept != "":
				want := ingest.Unprocessable{MessageID: testMessageID, Type: tt.req.header.Get(kick.HeaderType), SentAt: sentAt,
					Body: tt.req.body, Reason: tt.wantKept}
				if diff := cmp.Diff(want, kept[0]); diff != "" {
					t.Errorf("kept (-want +got):\n%s", diff)
				}
				for _, want := range []string{`"level":"ERROR"`, `"message_id":"` + testMessageID + `"`, `"unprocessable_deliveries":1`} {
					if !strings.Contains(logs.String(), want) {
						t.Errorf("log %s lacks %s", logs.String(), want)
					}
				}
			}
			sig := tt.req.header.Get(kick.HeaderSignature)
			if sig != "" && (strings.Contains(w.Body.String(), sig) || strings.Contains(logs.String(), sig)) {
				t.Error("the signature leaked into the response or the log")
			}
			if strings.Contains(w.Body.String(), "secret detail") {
				t.Errorf("body %s reveals the cause of an error", w.Body)
			}
			if tt.want != 200 && tt.want != 405 && !strings.Contains(logs.String(), `"kind"`) {
				t.Errorf("log %s has no kind for a failure", logs.String())
			}
		})
	}
}

func TestHandlerLogsUnknownType(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	h := kick.NewHandler(kick.NewVerifier(&testKey().PublicKey), func(context.Context, event.Event) error {
		t.Error("handle called for an unknown event type")
		return nil
	}, func(context.Context, ingest.Unprocessable) error {
		// Unknown types are not kept: the header is not signed, and any
		// string would make another item.
		t.Error("keep called for an unknown event type")
		return nil
	}, log, func() time.Time { return now })
	body := []byte(`{"broadcaster":{"user_id":4402117}}`)
	r := httptest.NewRequest(http.MethodPost, kick.Path, bytes.NewReader(body))
	r.Header = signed(t, "channel.raided", body)
	h.ServeHTTP(httptest.NewRecorder(), r)
	for _, want := range []string{`"level":"WARN"`, `"message_id":"` + testMessageID + `"`, `"event_type":"channel.raided"`, `"kind":"not found"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log %s lacks %s", logs.String(), want)
		}
	}
}

func mustSign(t *testing.T, priv *rsa.PrivateKey, typ string, body []byte) http.Header {
	t.Helper()
	h, err := kick.SignedHeaders(priv, testMessageID, typ, sentAt, body)
	if err != nil {
		t.Fatal(err)
	}
	return h
}
