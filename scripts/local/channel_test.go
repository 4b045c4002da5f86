package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
)

// seededGuild and seededChannel are the guild and the Kick channel the
// end-to-end tests seed.
const seededGuild, seededChannel = "guild-1", int64(4402117)

// liveChannel is a runner with seededGuild connected to seededChannel
// (which the fake Kick gave a login, as seeded channels get), and senders
// that sign like Discord and Kick: an admin's slash commands and the
// channel's webhook deliveries.
type liveChannel struct {
	r     *runner
	ds    *discordsim.Sender
	admin discordsim.Caller
	kick  *kicksim.Sender
	ids   discordsim.IDs // of the admin's interactions
}

// startLiveChannel starts a runner with cfg, seeding the channel.
func startLiveChannel(t *testing.T, cfg config) *liveChannel {
	t.Helper()
	cfg.DynamoAddr, cfg.Seed = "127.0.0.1:0", seededGuild+":"+fmt.Sprint(seededChannel)
	r := startRunnerWith(t, cfg)
	dkey, err := discordsim.ReadPrivateKey(r.DiscordPrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	kkey, err := kicksim.ReadPrivateKey(r.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	return &liveChannel{
		r:     r,
		ds:    &discordsim.Sender{URL: r.URL + "/interactions", Key: dkey, Now: cfg.interactionsNow},
		admin: discordsim.Caller{Guild: seededGuild, UserID: "5", Admin: true},
		kick:  &kicksim.Sender{URL: r.URL + "/webhooks/kick", Key: kkey},
	}
}

// slash sends the admin's /command sub with opts and fails t unless it is
// answered 200 with a body holding want.
func (lc *liveChannel) slash(t *testing.T, command, sub, want string, opts ...discordsim.Option) {
	t.Helper()
	status, body, err := lc.ds.Send(t.Context(), lc.admin.Command(lc.ids.Next(), command, discordsim.Sub(sub, opts...)))
	if err != nil || status != http.StatusOK || !strings.Contains(string(body), want) {
		t.Fatalf("/%s %s: status %d, err %v, body %s; want %q", command, sub, status, err, body, want)
	}
}
