package audience_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
)

var now = time.Date(2026, 3, 14, 20, 0, 0, 0, time.UTC)

func TestViewerState(t *testing.T) {
	tests := []struct {
		name        string
		v           audience.Viewer
		sub, banned bool
		points      int64
	}{
		{"plain", audience.Viewer{PointsMilli: 1999}, false, false, 1},
		{"badge", audience.Viewer{SubBadge: true}, true, false, 0},
		{"sub event running", audience.Viewer{SubUntil: now.Add(time.Hour)}, true, false, 0},
		{"sub event lapsed", audience.Viewer{SubUntil: now.Add(-time.Hour)}, false, false, 0},
		{"timed out", audience.Viewer{BannedUntil: now.Add(time.Minute)}, false, true, 0},
		{"timeout over", audience.Viewer{BannedUntil: now}, false, false, 0},
		{"permanent ban", audience.Viewer{BannedUntil: audience.Forever}, false, true, 0},
	}
	for _, tt := range tests {
		if got := tt.v.Subscriber(now); got != tt.sub {
			t.Errorf("%s: Subscriber = %v, want %v", tt.name, got, tt.sub)
		}
		if got := tt.v.Banned(now); got != tt.banned {
			t.Errorf("%s: Banned = %v, want %v", tt.name, got, tt.banned)
		}
		if got := tt.v.Points(); got != tt.points {
			t.Errorf("%s: Points = %d, want %d", tt.name, got, tt.points)
		}
	}
}

func ExampleViewer_Points() {
	v := audience.Viewer{PointsMilli: 2_400} // 12 minutes at 1 point per 5
	fmt.Println(v.Points())
	// Output: 2
}
