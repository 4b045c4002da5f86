package discord_test

import (
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/metric"
)

// TestCallMetrics: each request that reaches Discord is counted by
// status in the context's Recorder, retries included.
func TestCallMetrics(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		failures   int
		wantByCode map[string]float64
	}{
		{"ok", 0, 0, map[string]float64{"2xx": 1}},
		{"a 429 waited out", 429, 1, map[string]float64{"429": 1, "2xx": 1}},
		{"missing access", 403, 1, map[string]float64{"4xx": 1}},
		{"server error", 500, 1, map[string]float64{"5xx": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, c := fakeDiscord(t)
			if tt.failures > 0 {
				fake.FailNext(tt.failures, tt.status)
			}
			rec := metric.New("NS", metric.D("Function", "worker"))
			_ = c.EditOriginal(metric.With(t.Context(), rec), pointsToken, &discordgo.WebhookEdit{Content: ptr("done")})
			points, err := metric.Flushed(rec)
			if err != nil {
				t.Fatal(err)
			}
			for _, class := range []string{"2xx", "4xx", "429", "5xx", "error"} {
				got, _ := metric.Sum(points, metric.DiscordAPICalls, metric.D("Function", "worker"), metric.D("Status", class))
				if want := tt.wantByCode[class]; got != want {
					t.Errorf("%s{Status=%s} = %v, want %v", metric.DiscordAPICalls, class, got, want)
				}
			}
		})
	}
}
