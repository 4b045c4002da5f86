package discord

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxWait is the longest a request waits for a rate limit when
// Limiter.MaxWait is 0: a longer limit fails at once as fault.Transient, so
// that the queue offers the job again later instead of a function idling.
const DefaultMaxWait = 15 * time.Second

// MaxHold caps how long an answer can hold a route or every route:
// Discord's longest real waits (a Cloudflare ban) are about an hour, and a
// larger figure would block the route for the warm function's whole life.
const MaxHold = time.Hour

// maxLimitedRetries is how often a request answered 429 is sent again
// (after retry_after) before the 429 is returned.
const maxLimitedRetries = 2

// maxBuckets is the number of buckets kept before those whose window has
// passed are dropped: webhook buckets are per interaction token.
const maxBuckets = 512

// Limiter keeps a REST client within Discord's rate limits
// (https://discord.com/developers/docs/topics/rate-limits): the per-route
// buckets that the X-RateLimit-* headers describe, shared by every route
// that X-RateLimit-Bucket names alike and split by major parameter
// (channel, guild, webhook and token); the global limit that a 429 with
// global: true sets; and the retry_after of every 429. A request waits
// until it may be sent, and one answered 429 is sent again after
// retry_after, at most twice. A wait that would pass the request's
// context deadline or MaxWait fails at once with a *WaitError, without
// sending. Any other answer, 4xx or not, is returned as it is.
//
// NewREST sets one up in the client's transport. discordgo's own
// RateLimiter is not used: it sleeps with time.Sleep whatever the
// context, reads the real clock, keys buckets by URL rather than by
// X-RateLimit-Bucket, and misses a global 429 that carries no
// X-RateLimit-Reset-After. The transport takes the X-RateLimit-* headers
// off each answer so that discordgo's limiter never sleeps.
type Limiter struct {
	// Now and Sleep are the clock; nil means time.Now and a timer that the
	// context cuts short. Set them before the first request. Now is held
	// against the context's deadline, so a test clock starts at the real
	// time.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// MaxWait bounds a wait; 0 means DefaultMaxWait.
	MaxWait time.Duration

	mu      sync.Mutex
	routes  map[string]string // route → Discord's bucket hash
	buckets map[string]*bucket
	global  time.Time // no request before this
}

// bucket is what Discord last said of one bucket.
type bucket struct {
	limit, remaining int
	reset            time.Time // remaining is limit again from here
}

// WaitError is a request that was not sent because its rate limit would
// have it wait past its context's deadline or the Limiter's MaxWait.
type WaitError struct {
	// Wait is how long the request would have had to wait.
	Wait time.Duration
	// Global reports whether the global limit held it.
	Global bool
}

func (e *WaitError) Error() string {
	scope := "route"
	if e.Global {
		scope = "global"
	}
	return fmt.Sprintf("rate limited (%s), not sent: the wait of %v is too long", scope, e.Wait)
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Limiter) sleep(ctx context.Context, d time.Duration) error {
	if l.Sleep != nil {
		return l.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limitTransport sends each request when its Limiter lets it.
type limitTransport struct {
	limits *Limiter
	next   http.RoundTripper
}

func (t *limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	route, major := routeOf(r.Method, r.URL.Path)
	for attempt := 0; ; attempt++ {
		if err := t.limits.wait(r.Context(), route, major); err != nil {
			return nil, err
		}
		req := r
		if attempt > 0 {
			req = r.Clone(r.Context())
			if r.Body != nil && r.Body != http.NoBody {
				body, err := r.GetBody()
				if err != nil {
					return nil, err
				}
				req.Body = body
			}
		}
		resp, err := t.next.RoundTrip(req)
		if err != nil {
			return nil, err
		}
		limited := t.limits.answered(route, major, resp)
		if !limited || attempt == maxLimitedRetries || (r.Body != nil && r.Body != http.NoBody && r.GetBody == nil) {
			return resp, nil
		}
		resp.Body.Close()
	}
}

// wait blocks until a request of route may be sent and counts it against
// its bucket.
func (l *Limiter) wait(ctx context.Context, route, major string) error {
	maxWait := l.MaxWait
	if maxWait <= 0 {
		maxWait = DefaultMaxWait
	}
	for {
		l.mu.Lock()
		now := l.now()
		b := l.buckets[l.key(route, major)]
		d, global := l.global.Sub(now), true
		if b != nil && b.remaining <= 0 && b.reset.After(now) && b.reset.Sub(now) > d {
			d, global = b.reset.Sub(now), false
		}
		if d <= 0 {
			if b != nil {
				if !b.reset.After(now) {
					b.remaining = b.limit
				}
				b.remaining--
			}
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if deadline, ok := ctx.Deadline(); d > maxWait || ok && !now.Add(d).Before(deadline) {
			return &WaitError{Wait: d, Global: global}
		}
		if err := l.sleep(ctx, d); err != nil {
			return err
		}
	}
}

// answered reads what resp says of the limits of route and reports
// whether it is a 429. It takes the X-RateLimit-* headers off resp.
func (l *Limiter) answered(route, major string, resp *http.Response) (limited bool) {
	h := resp.Header
	limited = resp.StatusCode == http.StatusTooManyRequests
	var retryAfter time.Duration
	global := false
	if limited {
		retryAfter, global = tooMany(resp)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if hash := h.Get("X-RateLimit-Bucket"); hash != "" {
		if l.routes == nil {
			l.routes = map[string]string{}
		}
		l.routes[route] = hash
	}
	key := l.key(route, major)
	limit, errL := strconv.Atoi(h.Get("X-RateLimit-Limit"))
	remaining, errR := strconv.Atoi(h.Get("X-RateLimit-Remaining"))
	after, errA := seconds(h.Get("X-RateLimit-Reset-After"))
	if errR == nil && errA == nil {
		b := l.bucket(key, now)
		if errL == nil {
			b.limit = limit
		}
		b.remaining, b.reset = remaining, now.Add(after)
	}
	switch {
	case limited && global:
		if until := now.Add(retryAfter); until.After(l.global) {
			l.global = until
		}
	case limited:
		b := l.bucket(key, now)
		b.remaining = 0
		if until := now.Add(retryAfter); until.After(b.reset) {
			b.reset = until
		}
	}
	for k := range h {
		if strings.HasPrefix(strings.ToLower(k), "x-ratelimit-") {
			delete(h, k)
		}
	}
	return limited
}

// tooMany reads a 429's wait, from its body's retry_after or else its
// Retry-After header, and whether it holds every route.
func tooMany(resp *http.Response) (time.Duration, bool) {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw)) // for discordgo, if returned
	var body struct {
		RetryAfter *float64 `json:"retry_after"`
		Global     bool     `json:"global"`
	}
	isJSON := json.Unmarshal(raw, &body) == nil
	h := resp.Header
	global := body.Global || strings.EqualFold(h.Get("X-RateLimit-Global"), "true") ||
		strings.EqualFold(h.Get("X-RateLimit-Scope"), "global") ||
		!isJSON && h.Get("X-RateLimit-Bucket") == "" // Cloudflare's ban covers every route
	if body.RetryAfter != nil && *body.RetryAfter >= 0 && *body.RetryAfter < math.MaxInt32 {
		return min(time.Duration(*body.RetryAfter*float64(time.Second)), MaxHold), global
	}
	if d, err := seconds(h.Get("Retry-After")); err == nil {
		return d, global
	}
	return time.Second, global // a 429 that says nothing: wait a little
}

// seconds parses Discord's seconds, such as "1.5".
func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > math.MaxInt32 || math.IsNaN(f) {
		return 0, fmt.Errorf("bad seconds %q", s)
	}
	return min(time.Duration(f*float64(time.Second)), MaxHold), nil
}

// key is the bucket of a route's request: Discord's bucket hash once an
// answer named it, else the route itself; split by major parameter.
// l.mu is held.
func (l *Limiter) key(route, major string) string {
	if hash, ok := l.routes[route]; ok {
		return hash + " " + major
	}
	return route + " " + major
}

// bucket returns the bucket of key, made when missing. l.mu is held.
func (l *Limiter) bucket(key string, now time.Time) *bucket {
	if b, ok := l.buckets[key]; ok {
		return b
	}
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	if len(l.buckets) >= maxBuckets {
		for k, b := range l.buckets {
			if !b.reset.After(now) {
				delete(l.buckets, k) // no limit left to keep
			}
		}
	}
	b := &bucket{}
	l.buckets[key] = b
	return b
}

// routeOf splits a request into its route, the method and the path with
// every id a placeholder, and its major parameters: the channel, guild or
// webhook (with its token) that Discord keeps separate limits for.
func routeOf(method, path string) (route, major string) {
	if i := strings.Index(path, "/api/v"); i >= 0 {
		path = path[i+len("/api/v"):]
		if j := strings.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		}
	}
	p := strings.Split(strings.Trim(path, "/"), "/")
	majors := 0
	if len(p) > 1 {
		switch p[0] {
		case "channels", "guilds":
			majors = 1
		case "webhooks", "interactions":
			majors = min(2, len(p)-1)
		}
	}
	var m []string
	for i := 1; i <= majors; i++ {
		m = append(m, p[i])
		p[i] = "{major}"
	}
	for i, s := range p {
		if isSnowflake(s) {
			p[i] = "{id}"
		}
	}
	return method + " /" + strings.Join(p, "/"), strings.Join(m, "/")
}
