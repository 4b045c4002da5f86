package discord

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzLimiterAnswered feeds the limiter any answer, with any
// X-RateLimit-* and Retry-After headers and body: it says 429 exactly
// for a 429, takes every X-RateLimit-* header off and leaves the body
// readable as it came; the holds it sets are from now to at most
// MaxHold on; and the next request of the route is then
// let through, after sleeping at most MaxWait, or refused at once with
// a *WaitError.
func FuzzLimiterAnswered(f *testing.F) {
	f.Add(200, "5", "0", "2.25", "abc", "", "", "", "")
	f.Add(200, "5", "3", "2.25", "abc", "", "", "", "")
	f.Add(429, "", "", "", "", "4", "", "user", `{"retry_after": 3.5, "global": false}`)
	f.Add(429, "", "", "", "", "", "", "", `{"retry_after": 1.25, "global": true}`)
	f.Add(429, "", "", "", "", "2", "true", "", `{"message": "slow"}`)
	f.Add(429, "", "", "", "", "30", "", "", `<html>banned</html>`)
	f.Add(200, "", "none", "-1", "", "", "", "", "")
	f.Add(429, "-3", "-1", "1e308", "x", "NaN", "TRUE", "GLOBAL", `{"retry_after": 2147483646.9}`)
	f.Add(200, "0", "0", "0.000000001", "b", "", "", "", "")
	now := time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	const maxHold = MaxHold
	f.Fuzz(func(t *testing.T, status int, limit, remaining, resetAfter, bucketHash, retryAfter, global, scope, body string) {
		if status < 100 || status > 599 {
			status = 429
		}
		clock := now
		var slept time.Duration
		l := &Limiter{
			Now:   func() time.Time { return clock },
			Sleep: func(_ context.Context, d time.Duration) error { slept += d; clock = clock.Add(d); return nil },
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		for k, v := range map[string]string{"X-RateLimit-Limit": limit, "X-RateLimit-Remaining": remaining,
			"X-RateLimit-Reset-After": resetAfter, "X-RateLimit-Bucket": bucketHash, "Retry-After": retryAfter,
			"X-RateLimit-Global": global, "X-RateLimit-Scope": scope} {
			if v != "" {
				resp.Header[k] = []string{v}
			}
		}
		route, major := routeOf("POST", "/api/v9/channels/883000000000000333/messages")
		if got := l.answered(route, major, resp); got != (status == 429) {
			t.Fatalf("answered(%d) = %v", status, got)
		}
		for k := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "x-ratelimit-") {
				t.Fatalf("answer still has header %s", k)
			}
		}
		if got, _ := io.ReadAll(resp.Body); string(got) != body {
			t.Fatalf("body after = %q, want %q", got, body)
		}
		if hold := l.global.Sub(now); !l.global.IsZero() && (hold < 0 || hold > maxHold) {
			t.Fatalf("global hold = %v", hold)
		}
		for key, b := range l.buckets {
			if hold := b.reset.Sub(now); !b.reset.IsZero() && (hold < 0 || hold > maxHold) {
				t.Fatalf("bucket %s hold = %v", key, hold)
			}
		}
		for range 3 { // a few requests: the bucket's count goes down
			err := l.wait(t.Context(), route, major)
			var we *WaitError
			switch {
			case errors.As(err, &we):
				if we.Wait <= DefaultMaxWait {
					t.Fatalf("wait refused with %v, within MaxWait %v", we.Wait, DefaultMaxWait)
				}
				return
			case err != nil:
				t.Fatalf("wait = %v", err)
			}
			if slept > DefaultMaxWait {
				t.Fatalf("wait slept %v, more than MaxWait %v", slept, DefaultMaxWait)
			}
		}
	})
}
