package lambdahttp

import (
	"context"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestCanonicalKey checks the remembered form against textproto's, on the
// first call and on a remembered one.
func TestCanonicalKey(t *testing.T) {
	for _, name := range []string{
		"kick-event-signature", "content-type", "x-amzn-trace-id", "HOST", "Kick-Event-Type",
		"weird name", "x-ü", "", "a--b",
	} {
		want := textproto.CanonicalMIMEHeaderKey(name)
		for call := range 2 {
			if got := canonicalKey(name); got != want {
				t.Errorf("canonicalKey(%q) call %d = %q, want %q", name, call+1, got, want)
			}
		}
	}
}

// TestCanonicalKeyBounded sends many distinct names: the cache keeps at
// most maxCanonicalKeys of them and still answers the rest correctly.
func TestCanonicalKeyBounded(t *testing.T) {
	for i := range 3 * maxCanonicalKeys {
		name := fmt.Sprintf("x-name-%d", i)
		if got, want := canonicalKey(name), textproto.CanonicalMIMEHeaderKey(name); got != want {
			t.Fatalf("canonicalKey(%q) = %q, want %q", name, got, want)
		}
	}
	kept := 0
	canonicalKeys.Range(func(any, any) bool { kept++; return true })
	if kept > maxCanonicalKeys {
		t.Errorf("cache holds %d names, want at most %d", kept, maxCanonicalKeys)
	}
}

// TestRequestHeaderValuesIndependent checks that the header values, which
// share one backing array, stay apart: adding a value to one header
// leaves every other header as it was.
func TestRequestHeaderValuesIndependent(t *testing.T) {
	e := events.APIGatewayV2HTTPRequest{RawPath: "/", Headers: map[string]string{
		"kick-event-type": "chat.message.sent", "content-type": "application/json", "x-one": "1", "x-two": "2",
	}}
	e.RequestContext.HTTP.Method = http.MethodPost
	for added := range e.Headers {
		r, err := Request(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Add(added, "extra")
		for name, value := range e.Headers {
			want := []string{value}
			if name == added {
				want = append(want, "extra")
			}
			if got := r.Header.Values(name); !slices.Equal(got, want) {
				t.Errorf("after adding to %s, Header.Values(%s) = %q, want %q", added, name, got, want)
			}
		}
	}
}
