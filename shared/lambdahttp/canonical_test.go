package lambdahttp

import (
	"fmt"
	"net/textproto"
	"testing"
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
