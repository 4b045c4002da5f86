package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/points"
)

// TestEventRewards: an admin switches on points and thank-yous for events
// with /rewards; Kick then delivers a follow, a sub, a renewal, gifted
// subs and KICKs, each twice (Kick's retry), and the follower follows
// again. Each viewer is credited once per delivery (the follower once
// ever), and Kick chat hears one thank-you per sub, gift and KICKs.
func TestEventRewards(t *testing.T) {
	ctx := t.Context()
	lc := startLiveChannel(t, config{})
	str, num := discordsim.String, discordsim.Int
	lc.slash(t, "rewards", "points", "Each 100 KICKs: 2 points", num("follow", 5), num("sub", 100), num("gift", 10), num("kicks", 2))
	lc.slash(t, "rewards", "thanks", "Saved", str("kind", "sub"), str("message", "Thanks {user} ({months} months)"))
	lc.slash(t, "rewards", "thanks", "Saved", str("kind", "gift"))
	lc.slash(t, "rewards", "thanks", "Saved", str("kind", "kicks"), str("message", "{user}: {amount} KICKs!"))

	ds, err := kicksim.Fixtures(filepath.Join("..", "..", "testdata", "kick"), time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	var follow kicksim.Delivery
	for _, d := range ds {
		switch d.Type {
		case event.Followed, event.SubscriptionNew, event.SubscriptionRenew, event.SubscriptionGifts, event.KicksGifted:
		default:
			continue
		}
		if d.Type == event.Followed {
			follow = d
		}
		for range 2 {
			if status, err := lc.kick.Send(ctx, d); err != nil || status != 200 {
				t.Fatalf("%s: status %d, err %v", d.Type, status, err)
			}
		}
	}
	refollow := follow
	refollow.ID = kicksim.NewIDs(time.Now()).Next(time.Now())
	if status, err := lc.kick.Send(ctx, refollow); err != nil || status != 200 {
		t.Fatalf("follow again: status %d, err %v", status, err)
	}
	if err := lc.r.Queue.Drain(ctx); err != nil {
		t.Fatal(err)
	}

	for name, want := range map[string]int64{
		"mossyrock":  5,            // followed twice (and a giftee: giftees earn nothing)
		"tidepool":   100,          // a new sub
		"pixelpanda": 100 + 30 + 4, // a renewal, 3 gifted subs, 250 KICKs
	} {
		v, err := lc.r.Store.ViewerByName(ctx, seededGuild, name)
		if err != nil || v.PointsMilli != points.FromWhole(want) {
			t.Errorf("points of %s = %d milli, %v; want %d points", name, v.PointsMilli, err, want)
		}
	}
	var said []string
	for _, m := range lc.r.KickFake.Messages() {
		said = append(said, m.Content)
	}
	want := []string{
		"Thank you pixelpanda for gifting 3 subs!",
		"Thanks tidepool (1 months)",
		"Thanks pixelpanda (7 months)",
		"pixelpanda: 250 KICKs!",
	}
	if diff := cmp.Diff(want, said); diff != "" {
		t.Errorf("Kick chat (-want +got):\n%s", diff)
	}
}
