package lambdahttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/kickbot/kickbot/shared/lambdahttp"
)

func fixture(t *testing.T) events.APIGatewayV2HTTPRequest {
	t.Helper()
	b, err := os.ReadFile("../../testdata/lambda/apigw-v2-kick-webhook.json")
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
	res, err := lambdahttp.Handler(h)(context.Background(), fixture(t))
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
	res, err := lambdahttp.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))(context.Background(), e)
	if err != nil || res.StatusCode != http.StatusBadRequest || called {
		t.Errorf("got status %d, err %v, handler called %v; want 400, nil, false", res.StatusCode, err, called)
	}
}

func TestDefaultStatusAndBinaryBody(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte{0xff, 0xfe}) })
	res, _ := lambdahttp.Handler(h)(context.Background(), fixture(t))
	if res.StatusCode != 200 || !res.IsBase64Encoded || res.Body != "//4=" {
		t.Errorf("got %d %v %q, want 200 true \"//4=\"", res.StatusCode, res.IsBase64Encoded, res.Body)
	}
}
