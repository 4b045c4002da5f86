package reply_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/reply"
)

func TestFit(t *testing.T) {
	a499 := strings.Repeat("a", reply.MaxLen-1)
	tests := []struct {
		name, in, want string
	}{
		{"plain", "you have 12 points", "you have 12 points"},
		{"empty", "", ""},
		{"only space", " \n\t ", ""},
		{"newlines become spaces", "line one\nline two\r\nthree", "line one line two three"},
		{"runs collapse and ends trim", "  a \t\t b  ", "a b"},
		{"unicode line separators", "a\u2028b\u2029c", "a b c"},
		{"controls dropped", "a\x00b\x07c\x1b[31md\u0085e", "abc[31md e"},
		{"bidi override dropped", "gg \u202Eevil\u202C \u2066x\u2069", "gg evil x"},
		{"byte-order mark dropped", "\uFEFFhi", "hi"},
		{"invalid utf-8 dropped", "a\xffb\xc3", "ab"},
		{"real replacement char kept", "a\uFFFDb", "a\uFFFDb"},
		{"emoji kept", "gg 👍🏽 🇩🇪", "gg 👍🏽 🇩🇪"},
		{"exactly the limit", strings.Repeat("é", reply.MaxLen), strings.Repeat("é", reply.MaxLen)},
		{"one over", strings.Repeat("é", reply.MaxLen+1), strings.Repeat("é", reply.MaxLen-1) + reply.Ellipsis},
		{"limit counts after cleaning", strings.Repeat("ab\n", reply.MaxLen/3) + "cd", strings.TrimSpace(strings.Repeat("ab ", reply.MaxLen/3)) + " cd"},
		{"multi-byte at the cut", a499[:reply.MaxLen-2] + "日本語", a499[:reply.MaxLen-2] + "日" + reply.Ellipsis},
		{"space before the cut trimmed", a499[:reply.MaxLen-2] + " bbb", a499[:reply.MaxLen-2] + reply.Ellipsis},
		{"combining accent kept with its letter", a499[:reply.MaxLen-2] + "e\u0301xyz", a499[:reply.MaxLen-2] + reply.Ellipsis},
		{"skin tone kept with its hand", a499[:reply.MaxLen-2] + "👍🏽xyz", a499[:reply.MaxLen-2] + reply.Ellipsis},
		{"zwj sequence kept whole", a499[:reply.MaxLen-4] + "👩\u200D👩\u200D👧xyz", a499[:reply.MaxLen-4] + reply.Ellipsis},
		{"flag kept whole", a499[:reply.MaxLen-2] + "🇩🇪xyz", a499[:reply.MaxLen-2] + reply.Ellipsis},
		{"second flag kept whole", a499[:reply.MaxLen-4] + "🇩🇪🇫🇷xyz", a499[:reply.MaxLen-4] + "🇩🇪" + reply.Ellipsis},
		{"zalgo cut anyway", "a" + strings.Repeat("\u0301", 2*reply.MaxLen), "a" + strings.Repeat("\u0301", reply.MaxLen-2) + reply.Ellipsis},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reply.Fit(tt.in)
			if got != tt.want {
				t.Errorf("Fit(%q) = %q, want %q", clip(tt.in), clip(got), clip(tt.want))
			}
			if n := utf8.RuneCountInString(got); n > reply.MaxLen {
				t.Errorf("Fit(%q) has %d runes, want at most %d", clip(tt.in), n, reply.MaxLen)
			}
			if !utf8.ValidString(got) {
				t.Errorf("Fit(%q) = %q, not valid UTF-8", clip(tt.in), clip(got))
			}
			if again := reply.Fit(got); again != got {
				t.Errorf("Fit(Fit(%q)) = %q, want %q (Fit must be idempotent)", clip(tt.in), clip(again), clip(got))
			}
		})
	}
}

// clip keeps failure messages readable: long inputs show their ends.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:10]) + fmt.Sprintf("…(%d runes)…", len(r)) + string(r[len(r)-20:])
	}
	return s
}

func FuzzFit(f *testing.F) {
	f.Add("hello\nworld")
	f.Add(strings.Repeat("👩\u200D👩\u200D👧", 200))
	f.Fuzz(func(t *testing.T, in string) {
		got := reply.Fit(in)
		if n := utf8.RuneCountInString(got); n > reply.MaxLen {
			t.Errorf("Fit(%q) has %d runes, want at most %d", in, n, reply.MaxLen)
		}
		if !utf8.ValidString(got) || strings.ContainsAny(got, "\n\r\t\x00") {
			t.Errorf("Fit(%q) = %q, holds invalid UTF-8 or control characters", in, got)
		}
		if again := reply.Fit(got); again != got {
			t.Errorf("Fit(Fit(%q)) = %q, want %q", in, again, got)
		}
	})
}

func TestStale(t *testing.T) {
	now := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	tests := []struct {
		name   string
		sentAt time.Time
		want   bool
	}{
		{"just now", now, false},
		{"a minute ago", now.Add(-time.Minute), false},
		{"exactly the limit", now.Add(-reply.StaleAfter), false},
		{"just over", now.Add(-reply.StaleAfter - time.Second), true},
		{"an hour ago", now.Add(-time.Hour), true},
		{"from the future", now.Add(5 * time.Second), false},
		{"unknown time", time.Time{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := reply.Stale(tt.sentAt, now); got != tt.want {
				t.Errorf("Stale(%v, %v) = %v, want %v", tt.sentAt, now, got, tt.want)
			}
		})
	}
}

func TestAllow(t *testing.T) {
	l := reply.Limit{Max: 3, Per: 30 * time.Second}
	w0 := time.Date(2026, 3, 14, 19, 2, 0, 0, time.UTC) // a window start
	tests := []struct {
		name   string
		w      reply.Window
		now    time.Time
		limit  reply.Limit
		want   reply.Window
		wantOK bool
	}{
		{"first ever", reply.Window{}, w0.Add(7 * time.Second), l, reply.Window{Start: w0, Count: 1}, true},
		{"counting", reply.Window{Start: w0, Count: 1}, w0.Add(29 * time.Second), l, reply.Window{Start: w0, Count: 2}, true},
		{"last slot", reply.Window{Start: w0, Count: 2}, w0.Add(29 * time.Second), l, reply.Window{Start: w0, Count: 3}, true},
		{"full", reply.Window{Start: w0, Count: 3}, w0.Add(29 * time.Second), l, reply.Window{Start: w0, Count: 3}, false},
		{"next window", reply.Window{Start: w0, Count: 3}, w0.Add(30 * time.Second), l, reply.Window{Start: w0.Add(30 * time.Second), Count: 1}, true},
		{"long idle", reply.Window{Start: w0, Count: 3}, w0.Add(time.Hour + time.Second), l, reply.Window{Start: w0.Add(time.Hour), Count: 1}, true},
		{"clock behind keeps counting", reply.Window{Start: w0, Count: 2}, w0.Add(-time.Second), l, reply.Window{Start: w0, Count: 3}, true},
		{"clock behind and full", reply.Window{Start: w0, Count: 3}, w0.Add(-time.Second), l, reply.Window{Start: w0, Count: 3}, false},
		{"far future record reset", reply.Window{Start: w0.Add(time.Hour), Count: 3}, w0, l, reply.Window{Start: w0, Count: 1}, true},
		{"negative count reset", reply.Window{Start: w0, Count: -5}, w0, l, reply.Window{Start: w0, Count: 1}, true},
		{"zero limit allows nothing", reply.Window{}, w0, reply.Limit{}, reply.Window{}, false},
		{"no period allows nothing", reply.Window{}, w0, reply.Limit{Max: 5}, reply.Window{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := reply.Allow(tt.w, tt.now, tt.limit)
			if !got.Start.Equal(tt.want.Start) || got.Count != tt.want.Count || ok != tt.wantOK {
				t.Errorf("Allow(%+v, %v) = %+v, %v; want %+v, %v", tt.w, tt.now, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestAllowOverAMinute sends one message a second for a minute under the
// default limit: twenty in each half minute.
func TestAllowOverAMinute(t *testing.T) {
	start := time.Date(2026, 3, 14, 19, 2, 0, 0, time.UTC)
	var w reply.Window
	sent := map[time.Time]int{}
	for s := range 60 {
		var ok bool
		if w, ok = reply.Allow(w, start.Add(time.Duration(s)*time.Second), reply.DefaultLimit); ok {
			sent[w.Start]++
		}
	}
	for _, half := range []time.Time{start, start.Add(30 * time.Second)} {
		if got, want := sent[half], reply.DefaultLimit.Max; got != want {
			t.Errorf("sent in the window from %v = %d, want %d", half, got, want)
		}
	}
	if got, want := w.End(reply.DefaultLimit), start.Add(time.Minute); !got.Equal(want) {
		t.Errorf("End = %v, want %v", got, want)
	}
}

func Example() {
	now := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	sentAt := now.Add(-20 * time.Second) // the viewer's "!points"
	if reply.Stale(sentAt, now) {
		return
	}
	var stored reply.Window // as read from the store
	next, ok := reply.Allow(stored, now, reply.DefaultLimit)
	fmt.Println(ok, next.Count, next.Start.Format(time.TimeOnly))
	fmt.Println(reply.Fit("@viewer you have\n1,204 points"))
	// Output:
	// true 1 19:02:00
	// @viewer you have 1,204 points
}
