package discord

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The Fake's rate limits, which RateLimit and GlobalLimit set up, answer
// as Discord does (https://discord.com/developers/docs/topics/rate-limits):
//
//   - every answer on a limited route carries X-RateLimit-Limit,
//     -Remaining, -Reset, -Reset-After and -Bucket; a request over the
//     limit is answered 429 with them, X-RateLimit-Scope: user, a
//     Retry-After header and {"retry_after": seconds, "global": false};
//   - a request over the global limit, which Discord does not announce,
//     is answered 429 with X-RateLimit-Global: true, X-RateLimit-Scope:
//     global, Retry-After and {"retry_after": seconds, "global": true}.
//
// Windows are fixed: they start with their first request and are read on
// Now. A request refused by a limit is recorded in Requests and Limited.

// fakeLimit is a RateLimit bucket.
type fakeLimit struct {
	prefix, id string
	limit      int
	window     time.Duration
}

// fakeWindow counts the requests of one window.
type fakeWindow struct {
	start time.Time
	count int
}

// RateLimit makes the requests whose path starts with prefix (matched as
// FailPath matches) share the bucket id: at most limit in each window,
// counted apart for each channel, guild or webhook token, as Discord
// counts. Routes given the same id share the bucket, as routes Discord
// names alike do. Setting a prefix again replaces its limit.
func (f *Fake) RateLimit(prefix, id string, limit int, window time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits = slices.DeleteFunc(f.limits, func(l fakeLimit) bool { return l.prefix == prefix })
	f.limits = append(f.limits, fakeLimit{prefix: prefix, id: id, limit: limit, window: window})
}

// GlobalLimit allows at most n requests in each window, whatever their
// route; n ≤ 0 removes the limit.
func (f *Fake) GlobalLimit(n int, window time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.globalN, f.globalWindow = n, window
}

// Limited returns the requests that RateLimit's and GlobalLimit's limits
// refused, oldest first: a client that keeps to Discord's limits has one
// at most per global window (the global limit is learnt from a 429) and
// none per bucket after a bucket's first answer.
func (f *Fake) Limited() []Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.limited)
}

// now is the Fake's clock. f.mu is held.
func (f *Fake) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// rateLimit counts the request r against the limits, sets the bucket's
// headers on w, and answers 429 and reports true when a limit refuses it.
// f.mu is held.
func (f *Fake) rateLimit(w http.ResponseWriter, r *http.Request) bool {
	now := f.now()
	if f.globalN > 0 {
		if f.global == nil || !now.Before(f.global.start.Add(f.globalWindow)) {
			f.global = &fakeWindow{start: now}
		}
		if f.global.count >= f.globalN {
			wait := f.global.start.Add(f.globalWindow).Sub(now)
			w.Header().Set("X-RateLimit-Global", "true")
			w.Header().Set("X-RateLimit-Scope", "global")
			fakeTooMany(w, wait, true)
			return true
		}
		f.global.count++
	}
	rel := strings.TrimPrefix(r.URL.Path, "/api/v")
	if i := strings.IndexByte(rel, '/'); i >= 0 {
		rel = rel[i:]
	}
	for i := len(f.limits) - 1; i >= 0; i-- {
		l := f.limits[i]
		if !strings.HasPrefix(r.URL.Path, l.prefix) && !strings.HasPrefix(rel, l.prefix) {
			continue
		}
		_, major := routeOf(r.Method, r.URL.Path)
		key := l.id + " " + major
		win := f.windows[key]
		if win == nil || !now.Before(win.start.Add(l.window)) {
			if f.windows == nil {
				f.windows = map[string]*fakeWindow{}
			}
			win = &fakeWindow{start: now}
			f.windows[key] = win
		}
		over := win.count >= l.limit
		if !over {
			win.count++
		}
		reset := win.start.Add(l.window)
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(l.limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(l.limit-win.count))
		h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
		h.Set("X-RateLimit-Reset-After", strconv.FormatFloat(reset.Sub(now).Seconds(), 'f', 3, 64))
		h.Set("X-RateLimit-Bucket", l.id)
		if over {
			h.Set("X-RateLimit-Scope", "user")
			fakeTooMany(w, reset.Sub(now), false)
		}
		return over
	}
	return false
}

// fakeTooMany answers 429 as Discord does: retry_after in seconds in the
// body, rounded up to whole seconds in Retry-After.
func fakeTooMany(w http.ResponseWriter, wait time.Duration, global bool) {
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	fakeJSON(w, http.StatusTooManyRequests, map[string]any{
		"message": "You are being rate limited.", "retry_after": wait.Seconds(), "global": global,
	})
}
