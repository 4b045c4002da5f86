// Package clock is a time that only moves when told to, for tests of code
// that takes its time as a func() time.Time: a Manual's Now method value
// is one.
package clock

import (
	"sync"
	"time"
)

// Manual is a settable time, safe for concurrent use.
type Manual struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a Manual at t.
func New(t time.Time) *Manual { return &Manual{now: t} }

// Now returns the time.
func (c *Manual) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the time to t.
func (c *Manual) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the time on by d.
func (c *Manual) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
