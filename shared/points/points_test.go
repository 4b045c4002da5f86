package points_test

import (
	"fmt"
	"testing"

	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/settings"
)

func TestPerMinute(t *testing.T) {
	tests := []struct {
		rate, pct int64
		sub       bool
		want      int64
	}{
		{1, 100, false, 200}, // the default: 0.2 points a minute
		{1, 100, true, 200},  // no multiplier set
		{1, 200, true, 400},  // subscribers double
		{1, 200, false, 200}, // the multiplier is for subscribers only
		{3, 150, true, 900},  // 3 per 5 min × 1.5 = 0.9 a minute
		{2, 133, true, 532},  // odd percentages stay exact
		{0, 300, true, 0},    // points switched off
	}
	for _, tt := range tests {
		s := settings.Defaults()
		s.PointsPer5Min, s.SubMultiplierPct = tt.rate, tt.pct
		if got := points.PerMinute(s, tt.sub); got != tt.want {
			t.Errorf("PerMinute(rate %d, %d%%, sub %v) = %d, want %d", tt.rate, tt.pct, tt.sub, got, tt.want)
		}
	}
}

// TestCarryOver: at 1 point per 5 minutes, 5 credited minutes make exactly
// one point, and 7 minutes leave 0.4 of the next one in the balance.
func TestCarryOver(t *testing.T) {
	s := settings.Defaults()
	var balance int64
	for minute := 1; minute <= 12; minute++ {
		balance += points.PerMinute(s, false)
		if got, want := points.Whole(balance), int64(minute/5); got != want {
			t.Errorf("after %d minutes: %d points, want %d", minute, got, want)
		}
	}
	if got, want := balance%points.Milli, int64(400); got != want {
		t.Errorf("fraction after 12 minutes = %d milli-points, want %d", got, want)
	}
}

func Example() {
	s := settings.Defaults()
	s.SubMultiplierPct = 150
	var viewer, sub int64
	for range 10 { // ten credited minutes
		viewer += points.PerMinute(s, false)
		sub += points.PerMinute(s, true)
	}
	fmt.Println(points.Whole(viewer), points.Whole(sub))
	// Output: 2 3
}
