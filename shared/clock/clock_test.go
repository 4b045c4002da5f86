package clock_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/clock"
)

func TestManual(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)
	c := clock.New(t0)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Second); _ = c.Now() })
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(10 * time.Second)) {
		t.Errorf("after ten advances of 1s: %v, want %v", got, t0.Add(10*time.Second))
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("after Set: %v, want %v", got, t0)
	}
}

func ExampleManual() {
	c := clock.New(time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC))
	now := c.Now // what code under test takes
	c.Advance(90 * time.Second)
	fmt.Println(now().Format(time.TimeOnly))
	// Output: 19:01:30
}
