package main

import (
	"fmt"
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
