package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
)

// TestTwoRunnersKeepTheirOwnKeys starts two runners in one LOCAL_DIR, as a
// second `make dev` in the same checkout would (on another port): each
// keeps the keys it verifies with, and the replayer, finding keys by the
// port of its URL, is accepted by both. Both once wrote .local/kick-private.pem,
// so the second silently broke the first.
func TestTwoRunnersKeepTheirOwnKeys(t *testing.T) {
	dir := t.TempDir()
	runners := []*runner{startRunnerIn(t, dir, ""), startRunnerIn(t, dir, "")}
	if runners[0].PrivateKey == runners[1].PrivateKey || runners[0].DiscordPrivateKey == runners[1].DiscordPrivateKey {
		t.Fatalf("both runners wrote their keys to %s and %s", runners[0].PrivateKey, runners[0].DiscordPrivateKey)
	}
	ctx := context.Background()
	d := kicksim.Scenario{Broadcaster: 4402117, Viewers: 1, Minutes: 1, Seed: 1, Start: time.Now().UTC().Add(-time.Minute)}.Deliveries()[0]
	for i, r := range runners {
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Fatal(err)
		}
		keys := kicksim.KeyDir(dir, u.Host) // where the replayer looks
		key, err := kicksim.ReadPrivateKey(filepath.Join(keys, "kick-private.pem"))
		if err != nil {
			t.Fatal(err)
		}
		status, err := (&kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: key}).Send(ctx, d)
		if err != nil || status != http.StatusOK {
			t.Errorf("runner %d: delivery signed with %s: %d, %v; want 200", i, keys, status, err)
		}
		dkey, err := discordsim.ReadPrivateKey(filepath.Join(keys, "discord-private.key"))
		if err != nil {
			t.Fatal(err)
		}
		status, _, err = (&discordsim.Sender{URL: r.URL + "/interactions", Key: dkey}).Send(ctx, discordsim.Ping(discordsim.NewID(time.Now())))
		if err != nil || status != http.StatusOK {
			t.Errorf("runner %d: ping signed with %s: %d, %v; want 200", i, keys, status, err)
		}
	}
}
