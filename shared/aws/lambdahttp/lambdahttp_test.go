package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/kickbot/kickbot/shared/aws/lambdahttp"
)

func fixture(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile("../../../testdata/lambda/apigw-v2-kick-webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHandlerTranslatesRequestAndResponse(t *testing.T) {
	var got struct {
		method, path, msgID, cookie, host, remote string
		body                                      []byte
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.method, got.path = r.Method, r.URL.Path
		got.msgID = r.Header.Get("Kick-Event-Message-Id") // lower-case in the event
		got.cookie, got.host, got.remote = r.Header.Get("Cookie"), r.Host, r.RemoteAddr
		got.body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Set-Cookie", "s=1")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"ok":true}`)
	})
	res, err := lambdahttp.Handler(h, nil)(context.Background(), fixture(t))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"method", got.method, "POST"},
		{"path", got.path, "/webhooks/kick"},
		{"message id header", got.msgID, "01JQ7ZC4M2T8Y1B5N0P6R3K9VD"},
		{"cookie", got.cookie, "a=1; b=2"},
		{"host", got.host, "abc123.execute-api.eu-west-1.amazonaws.com"},
		{"remote", got.remote, "203.0.113.7"},
		{"body (base64-decoded)", string(got.body), `{"hello":"world"}`},
		{"response body", res.Body, `{"ok":true}`},
		{"response content type", res.Headers["Content-Type"], "application/json"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if res.StatusCode != http.StatusAccepted {
		t.Errorf("status = %d, want %d", res.StatusCode, http.StatusAccepted)
	}
	if len(res.Cookies) != 1 || res.Cookies[0] != "s=1" {
		t.Errorf("cookies = %v, want [s=1]", res.Cookies)
	}
}

func TestBadBase64IsRejectedBeforeTheHandler(t *testing.T) {
	e := fixture(t)
	e.Body = "!!not base64!!"
	called := false
	res, err := lambdahttp.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), nil)(context.Background(), e)
	if err != nil || res.StatusCode != http.StatusBadRequest || called {
		t.Errorf("got status %d, err %v, handler called %v; want 400, nil, false", res.StatusCode, err, called)
	}
}

func TestDefaultStatusAndBinaryBody(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte{0xff, 0xfe}) })
	res, _ := lambdahttp.Handler(h, nil)(context.Background(), fixture(t))
	if res.StatusCode != 200 || !res.IsBase64Encoded || res.Body != "//4=" {
		t.Errorf("got %d %v %q, want 200 true \"//4=\"", res.StatusCode, res.IsBase64Encoded, res.Body)
	}
}

func TestPanicIsAnswered500AndLogged(t *testing.T) {
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"before writing", func(http.ResponseWriter, *http.Request) { panic("index out of range") }},
		{"after a 200", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, `{"ok":true}`)
			panic("index out of range")
		}},
		{"with a nil error", func(http.ResponseWriter, *http.Request) { panic(error(nil)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			res, err := lambdahttp.Handler(tt.h, log)(context.Background(), fixture(t))
			if err != nil || res.StatusCode != http.StatusInternalServerError || res.Body != `{"error":"internal error"}` {
				t.Errorf("Handler() = %d %q, %v; want 500 {\"error\":\"internal error\"}, nil", res.StatusCode, res.Body, err)
			}
			for _, want := range []string{`"level":"ERROR"`, `"msg":"http handler panicked"`, `"path":"/webhooks/kick"`} {
				if !strings.Contains(logs.String(), want) {
					t.Errorf("log %s lacks %s", logs.String(), want)
				}
			}
		})
	}
}
