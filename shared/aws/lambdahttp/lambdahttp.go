// Package lambdahttp runs a net/http handler behind API Gateway's HTTP API
// (payload format 2.0), so each function serves exactly the same
// http.Handler in Lambda as the local runner serves on a socket.
package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/textproto"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// Handler adapts h to a Lambda handler for HTTP API events. A malformed
// event (undecodable base64 body) is answered 400 without calling h.
//
// A panic in h is recovered, logged at ERROR on log (nil: slog.Default)
// and answered 500, whatever h had written: aws-lambda-go ends the process
// after a panic, so one bad request would cost a cold start and a 502.
func Handler(h http.Handler, log *slog.Logger) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	if log == nil {
		log = slog.Default()
	}
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (res events.APIGatewayV2HTTPResponse, err error) {
		r, err := Request(ctx, e)
		if err != nil {
			return jsonResponse(http.StatusBadRequest, `{"error":"malformed request"}`), nil
		}
		defer func() {
			if v := recover(); v != nil {
				// The request is not logged: it may carry credentials.
				log.ErrorContext(ctx, "http handler panicked", "method", r.Method, "path", r.URL.Path,
					"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				res, err = jsonResponse(http.StatusInternalServerError, `{"error":"internal error"}`), nil
			}
		}()
		w := &responseWriter{header: make(http.Header)}
		h.ServeHTTP(w, r)
		return w.response(), nil
	}
}

func jsonResponse(status int, body string) events.APIGatewayV2HTTPResponse {
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Body: body,
		Headers: map[string]string{"Content-Type": "application/json"}}
}

// Request builds the *http.Request an HTTP API event stands for. Header
// names arrive lower-cased; they are canonicalised so Header.Get works.
func Request(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	// A plain-text body is read in place, not copied.
	var body io.Reader = strings.NewReader(e.Body)
	if e.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(e.Body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(b)
	}
	path := e.RawPath
	if path == "" {
		path = "/"
	}
	if e.RawQueryString != "" {
		path += "?" + e.RawQueryString
	}
	r, err := http.NewRequestWithContext(ctx, e.RequestContext.HTTP.Method, path, body)
	if err != nil {
		return nil, err
	}
	r.Header = make(http.Header, len(e.Headers)+1)
	values := make([]string, 0, len(e.Headers)) // one allocation for all the values
	for k, v := range e.Headers {
		// HTTP APIs join repeated headers with commas; keep them as one value.
		// The full slice expression keeps an append to one header from
		// overwriting the next one's value.
		values = append(values, v)
		n := len(values)
		r.Header[canonicalKey(k)] = values[n-1 : n : n]
	}
	if len(e.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	r.Host = r.Header.Get("Host")
	if r.Host == "" {
		r.Host = e.RequestContext.DomainName
	}
	r.RemoteAddr = e.RequestContext.HTTP.SourceIP
	r.RequestURI = path
	return r, nil
}

// API Gateway lower-cases header names, so canonicalising them allocates
// every name of every request anew; canonicalKeys keeps the canonical
// form of the first maxCanonicalKeys names an instance sees (the same few
// on every request), so that names anyone can send cannot grow it.
var (
	canonicalKeys     sync.Map // name as received → canonical name
	canonicalKeyCount atomic.Int32
)

const maxCanonicalKeys = 128

// canonicalKey is textproto.CanonicalMIMEHeaderKey(k), remembered.
func canonicalKey(k string) string {
	if c, ok := canonicalKeys.Load(k); ok {
		return c.(string)
	}
	c := textproto.CanonicalMIMEHeaderKey(k)
	if canonicalKeyCount.Load() < maxCanonicalKeys && canonicalKeyCount.Add(1) <= maxCanonicalKeys {
		canonicalKeys.Store(strings.Clone(k), c)
	}
	return c
}

type responseWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *responseWriter) Header() http.Header { return w.header }

func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func (w *responseWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *responseWriter) response() events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: w.status, Headers: make(map[string]string, len(w.header))}
	if res.StatusCode == 0 {
		res.StatusCode = http.StatusOK
	}
	for k, vs := range w.header {
		if k == "Set-Cookie" {
			res.Cookies = append(res.Cookies, vs...)
			continue
		}
		res.Headers[k] = strings.Join(vs, ",")
	}
	if b := w.body.Bytes(); utf8.Valid(b) {
		res.Body = string(b)
	} else {
		res.Body = base64.StdEncoding.EncodeToString(b)
		res.IsBase64Encoded = true
	}
	return res
}
