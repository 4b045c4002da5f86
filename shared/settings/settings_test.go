package settings_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/settings"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*settings.Settings)
		ok     bool
	}{
		{"defaults", func(*settings.Settings) {}, true},
		{"window 1m", func(s *settings.Settings) { s.ActivityWindow = time.Minute }, true},
		{"window 60m", func(s *settings.Settings) { s.ActivityWindow = time.Hour }, true},
		{"window 30s", func(s *settings.Settings) { s.ActivityWindow = 30 * time.Second }, false},
		{"window 61m", func(s *settings.Settings) { s.ActivityWindow = 61 * time.Minute }, false},
		{"window 90s", func(s *settings.Settings) { s.ActivityWindow = 90 * time.Second }, false},
		{"no points", func(s *settings.Settings) { s.PointsPer5Min = 0 }, true},
		{"negative points", func(s *settings.Settings) { s.PointsPer5Min = -1 }, false},
		{"too many points", func(s *settings.Settings) { s.PointsPer5Min = settings.MaxPointsPer5Min + 1 }, false},
		{"multiplier 250%", func(s *settings.Settings) { s.SubMultiplierPct = 250 }, true},
		{"multiplier below 1x", func(s *settings.Settings) { s.SubMultiplierPct = 99 }, false},
		{"multiplier too big", func(s *settings.Settings) { s.SubMultiplierPct = settings.MaxSubMultiplier + 1 }, false},
		{"ignore bots", func(s *settings.Settings) { s.Ignored = []string{"botrix", "streamelements"} }, true},
		{"ignore upper-case", func(s *settings.Settings) { s.Ignored = []string{"BotRix"} }, false},
		{"ignore empty", func(s *settings.Settings) { s.Ignored = []string{""} }, false},
		{"ignore long", func(s *settings.Settings) { s.Ignored = []string{strings.Repeat("a", 26)} }, false},
		{"ignore too many", func(s *settings.Settings) { s.Ignored = make([]string, settings.MaxIgnored+1) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings.Defaults()
			tt.change(&s)
			err := s.Validate()
			if (err == nil) != tt.ok || (err != nil && !fault.Is(err, fault.Invalid)) {
				t.Errorf("Validate() = %v, want ok=%v (or an Invalid error)", err, tt.ok)
			}
		})
	}
}

func TestIsIgnored(t *testing.T) {
	s := settings.Defaults()
	s.Ignored = []string{"botrix"}
	for name, want := range map[string]bool{"botrix": true, "BotRix": true, " botrix ": true, "viewer": false} {
		if got := s.IsIgnored(name); got != want {
			t.Errorf("IsIgnored(%q) = %v, want %v", name, got, want)
		}
	}
}

func ExampleDefaults() {
	s := settings.Defaults()
	fmt.Println(s.ActivityWindow, s.PointsPer5Min, s.SubMultiplierPct, s.TrackOffline)
	// Output: 5m0s 1 100 false
}
