package localdb

import (
	"slices"
	"strings"
	"testing"
)

func TestRemovedAttributes(t *testing.T) {
	for _, tc := range []struct {
		expr  string
		names map[string]string
		want  []string
	}{
		{"REMOVE #0, #1\nSET #2 = :0", map[string]string{"#0": "liveIndex", "#1": "endedAt", "#2": "live"}, []string{"liveIndex", "endedAt"}},
		{"SET a = :a REMOVE b ADD c :c", nil, []string{"b"}},
		{"remove a,b", nil, []string{"a", "b"}},
		{"SET #set = :remove, #remove = :x", map[string]string{"#set": "s", "#remove": "r"}, nil},
		{"REMOVE a.b, c[0], d", nil, []string{"d"}},
		{"SET a = :a", nil, nil},
	} {
		if got := removedAttributes(tc.expr, tc.names); !slices.Equal(got, tc.want) {
			t.Errorf("removedAttributes(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}

func TestStartRefusesOtherHosts(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:0", "localhost"} {
		if s, err := Start(t.Context(), addr); err == nil {
			s.Close()
			t.Errorf("Start(%q) succeeded, want an error", addr)
		}
	}
	s, err := Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") || strings.HasSuffix(s.Endpoint, ":0") {
		t.Errorf("Endpoint = %q, want http://127.0.0.1:<port>", s.Endpoint)
	}
	s.Close() // closing twice is harmless
}
