package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/rewards"
	"github.com/kickbot/kickbot/shared/roles"
)

// withKick rewires e's function with the consent links of /kick connect
// and /link, as setup does when PUBLIC_BASE_URL is set.
func withKick(t *testing.T, e *env) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	svc := &connect.Service{Store: e.store, Key: make([]byte, 32), BaseURL: "https://bot.example"}
	e.priv = priv
	e.h = handler(&interact.Handler{Store: e.store, Links: e.store, Roles: e.store, Bans: e.store, Custom: e.store, Timers: e.store, Hunts: e.store, Kick: svc,
		GTB: &interact.GTB{Rounds: e.store, Hunts: e.store}, Calls: &calls.Admin{Store: e.store}, Giveaways: &giveaway.Admin{Store: e.store}, Raffle: &raffle.Admin{Store: e.store},
		Clips: &clip.Admin{Store: e.store}, Rewards: &rewards.Admin{Store: e.store}, Announce: &announce.Service{Store: e.store, Flaps: &golive.Alerts{Store: e.store}}}, e.queue, pub, nil, func() time.Time { return e.now })
}

// TestReplayedInteractionsChangeNothing replays each state-changing
// interaction, byte for byte with its signature, after a later change:
// the later change stands and the replay is answered as done. Every
// command the table marks Changes has a case.
func TestReplayedInteractionsChangeNothing(t *testing.T) {
	ctx := context.Background()
	str, i64, sub := discordsim.String, discordsim.Int, discordsim.Sub
	const role, otherRole = "973524801945731072", "973524801945731099"
	balance := func(t *testing.T, e *env, id, want int64) {
		t.Helper()
		v, err := e.store.Viewer(ctx, guild, id)
		if err != nil || v.PointsMilli != want {
			t.Errorf("viewer %d has %d milli-points (%v), want %d", id, v.PointsMilli, err, want)
		}
	}
	rules := func(t *testing.T, e *env, want ...roles.Rule) {
		t.Helper()
		got, err := e.store.RoleRules(ctx, guild)
		if err != nil || len(got) != len(want) || (len(want) == 1 && got[0] != want[0]) {
			t.Errorf("role rules = %v (%v), want %v", got, err, want)
		}
	}
	timerSays := func(t *testing.T, e *env, want string) {
		t.Helper()
		got, err := e.store.Timers(ctx, guild)
		says := ""
		if len(got) == 1 {
			says = got[0].Message()
		}
		if err != nil || len(got) > 1 || says != want {
			t.Errorf("timers = %+v (%v), want one saying %q", got, err, want)
		}
	}
	addTimer := func(e *env, message string) []byte {
		return admin.Command(e.ids.Next(), "timer", sub("add", str("name", "socials"), str("message", message), i64("interval", 10)))
	}
	linked := func(t *testing.T, e *env, want int64) {
		t.Helper()
		if id, _, err := e.store.LinkedKick(ctx, guild, member.UserID); err != nil || id != want {
			t.Errorf("member linked to %d (%v), want %d", id, err, want)
		}
	}
	response := func(t *testing.T, e *env, name, want string) {
		t.Helper()
		c, err := e.store.CustomCommand(ctx, guild, name)
		if got := c.Response; (err == nil) != (want != "") || got != want {
			t.Errorf("!%s answers %q (%v), want %q", name, got, err, want)
		}
	}
	gtbRound := func(t *testing.T, e *env, number int64, state gtb.State) {
		t.Helper()
		if r, err := e.store.GTBRound(ctx, guild); err != nil || r.Number != number || r.State != state {
			t.Errorf("GTB round = #%d %s (%v), want #%d %s", r.Number, r.State, err, number, state)
		}
	}
	addHype := func(e *env, text string) []byte {
		return admin.Command(e.ids.Next(), "command", sub("add", str("name", "hype"), str("response", text)))
	}
	startHunt := func(e *env, balance string) []byte {
		return admin.Command(e.ids.Next(), "hunt", sub("start", str("balance", balance)))
	}
	addBonus := func(e *env, slot string) []byte {
		return admin.Command(e.ids.Next(), "hunt", sub("add", str("slot", slot), str("bet", "2")))
	}
	// bonuses is the latest hunt: its start and its bonuses' slots and
	// payouts.
	bonuses := func(t *testing.T, e *env, open bool, want string) {
		t.Helper()
		h, ok, err := e.store.LatestHunt(ctx, guild)
		got := fmt.Sprint(h.Start)
		for _, b := range h.Bonuses {
			got += fmt.Sprintf(" %s=%s", b.Slot, b.Payout)
		}
		if err != nil || !ok || got != want || h.Open() != open {
			t.Errorf("hunt = %q open %v (%v), want %q open %v", got, h.Open(), err, want, open)
		}
	}
	tests := []struct {
		path string // the command path in interact.Commands
		// setup runs before the interaction.
		setup func(t *testing.T, e *env)
		// first is the interaction that is replayed; later changes what it
		// changed, then check checks that the later change stands.
		first func(e *env) []byte
		later func(t *testing.T, e *env)
		check func(t *testing.T, e *env)
		// replyHas is in the answer to the replay.
		replyHas string
	}{
		{path: "settings set",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "settings", sub("set", i64("activity_window", 10)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "settings", sub("set", i64("activity_window", 20))))
			},
			check: func(t *testing.T, e *env) {
				if s, err := e.store.Settings(ctx, guild); err != nil || s.ActivityWindow != 20*time.Minute {
					t.Errorf("activity window = %v (%v), want 20m", s.ActivityWindow, err)
				}
			},
			replyHas: "Already done"},
		{path: "roles add",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "roles", sub("add", discordsim.Role("role", role), i64("minutes", 120)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "roles", sub("remove", i64("minutes", 120))))
			},
			check:    func(t *testing.T, e *env) { rules(t, e) },
			replyHas: "Already done"},
		{path: "roles remove",
			setup: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "roles", sub("add", discordsim.Role("role", role), i64("minutes", 120))))
			},
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "roles", sub("remove", i64("minutes", 120))) },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "roles", sub("add", discordsim.Role("role", otherRole), i64("minutes", 120))))
			},
			check:    func(t *testing.T, e *env) { rules(t, e, roles.Rule{Minutes: 120, RoleID: otherRole}) },
			replyHas: "Already done"},
		{path: "points add",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "points", sub("add", str("user", "pebblecat"), i64("amount", 25)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "points", sub("set", str("user", "pebblecat"), i64("amount", 100))))
			},
			check:    func(t *testing.T, e *env) { balance(t, e, 103, 100_000) },
			replyHas: "Points added"}, // the entry it made, as first answered
		{path: "points remove",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "points", sub("remove", str("user", "ironkettle"), i64("amount", 1)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "points", sub("set", str("user", "ironkettle"), i64("amount", 100))))
			},
			check:    func(t *testing.T, e *env) { balance(t, e, 101, 100_000) },
			replyHas: "Points removed"},
		{path: "points set",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "points", sub("set", str("user", "quietfern"), i64("amount", 7)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "points", sub("add", str("user", "quietfern"), i64("amount", 5))))
			},
			check:    func(t *testing.T, e *env) { balance(t, e, 104, 12_000) },
			replyHas: "Points set"},
		{path: "viewer unban",
			setup: func(t *testing.T, e *env) {
				if err := e.store.RecordBan(ctx, guild, event.User{ID: 103, Username: "pebblecat"}, start, audience.Forever); err != nil {
					t.Fatal(err)
				}
			},
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "viewer", sub("unban", str("user", "pebblecat")))
			},
			later: func(t *testing.T, e *env) {
				// Kick reports a new ban, issued after the unban.
				if err := e.store.RecordBan(ctx, guild, event.User{ID: 103, Username: "pebblecat"}, e.now, audience.Forever); err != nil {
					t.Fatal(err)
				}
				e.now = e.now.Add(time.Minute) // the replay arrives later
			},
			check: func(t *testing.T, e *env) {
				if v, err := e.store.Viewer(ctx, guild, 103); err != nil || !v.BannedUntil.Equal(audience.Forever) {
					t.Errorf("viewer 103 after the replayed unban = %+v (%v), want the newer ban standing", v, err)
				}
			},
			replyHas: "Already done"},
		{path: "unlink",
			setup: func(t *testing.T, e *env) {
				if err := e.store.Link(ctx, guild, member.UserID, 102, "mossyrock"); err != nil {
					t.Fatal(err)
				}
			},
			first: func(e *env) []byte { return member.Command(e.ids.Next(), "unlink") },
			later: func(t *testing.T, e *env) {
				// The member links again, through Kick's consent.
				if err := e.store.Link(ctx, guild, member.UserID, 102, "mossyrock"); err != nil {
					t.Fatal(err)
				}
			},
			check:    func(t *testing.T, e *env) { linked(t, e, 102) },
			replyHas: "Already done"},
		{path: "link",
			first: func(e *env) []byte { return member.Command(e.ids.Next(), "link") },
			later: func(t *testing.T, e *env) {
				if err := e.store.Link(ctx, guild, member.UserID, 102, "mossyrock"); err != nil {
					t.Fatal(err)
				}
			},
			check:    func(t *testing.T, e *env) { linked(t, e, 102) },
			replyHas: "Already done"}, // and no new consent link
		{path: "confirm-link",
			setup: func(t *testing.T, e *env) {
				if err := e.store.PendLink(ctx, guild, member.UserID, 102, "mossyrock", e.now.Add(connect.PendingLinkLife)); err != nil {
					t.Fatal(err)
				}
			},
			first: func(e *env) []byte { return member.Command(e.ids.Next(), "confirm-link") },
			later: func(t *testing.T, e *env) {
				// The member unlinks; someone else's account signs in
				// through a later /link of theirs.
				if err := e.store.Unlink(ctx, guild, member.UserID); err != nil {
					t.Fatal(err)
				}
				if err := e.store.PendLink(ctx, guild, member.UserID, 103, "stranger", e.now.Add(connect.PendingLinkLife)); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, e *env) {
				if id, _, err := e.store.LinkedKick(ctx, guild, member.UserID); err == nil {
					t.Errorf("the replay linked %d, want no link", id)
				}
			},
			replyHas: "Already done"},
		{path: "rewards points",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "rewards", sub("points", i64("sub", 10))) },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "rewards", sub("points", i64("sub", 20))))
			},
			check: func(t *testing.T, e *env) {
				if r, err := e.store.Rewards(ctx, guild); err != nil || r.Sub != 20 {
					t.Errorf("sub points = %d (%v), want 20", r.Sub, err)
				}
			},
			replyHas: "Already done"},
		{path: "rewards thanks",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "rewards", sub("thanks", str("kind", "sub"), str("message", "one")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "rewards", sub("thanks", str("kind", "sub"), str("message", "two"))))
			},
			check: func(t *testing.T, e *env) {
				if r, err := e.store.Rewards(ctx, guild); err != nil || r.Thanks[rewards.Sub] != "two" {
					t.Errorf("sub thank-you = %q (%v), want two", r.Thanks[rewards.Sub], err)
				}
			},
			replyHas: "Already done"},
		{path: "rewards off",
			setup: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "rewards", sub("thanks", str("kind", "sub"), str("message", "one"))))
			},
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "rewards", sub("off", str("kind", "sub"))) },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "rewards", sub("thanks", str("kind", "sub"), str("message", "two"))))
			},
			check: func(t *testing.T, e *env) {
				if r, err := e.store.Rewards(ctx, guild); err != nil || r.Thanks[rewards.Sub] != "two" {
					t.Errorf("sub thank-you = %q (%v), want two", r.Thanks[rewards.Sub], err)
				}
			},
			replyHas: "Already done"},
		{path: "timer add",
			first: func(e *env) []byte { return addTimer(e, "one") },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "timer", sub("remove", str("name", "socials"))))
			},
			check:    func(t *testing.T, e *env) { timerSays(t, e, "") },
			replyHas: "Already done"},
		{path: "timer edit",
			setup: func(t *testing.T, e *env) { e.send(t, addTimer(e, "one")) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "timer", sub("edit", str("name", "socials"), str("message", "two")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "timer", sub("edit", str("name", "socials"), str("message", "three"))))
			},
			check:    func(t *testing.T, e *env) { timerSays(t, e, "three") },
			replyHas: "Already done"},
		{path: "timer remove",
			setup: func(t *testing.T, e *env) { e.send(t, addTimer(e, "one")) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "timer", sub("remove", str("name", "socials")))
			},
			later: func(t *testing.T, e *env) { e.send(t, addTimer(e, "again")) },
			check: func(t *testing.T, e *env) {
				timerSays(t, e, "again")
				if cp, err := e.store.Checkpoint(ctx, guild); err != nil || cp.Timers != 1 {
					t.Errorf("timer count = %d (%v), want 1", cp.Timers, err)
				}
			},
			replyHas: "Already done"},
		{path: "command add",
			first: func(e *env) []byte { return addHype(e, "first") },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "command", sub("remove", str("name", "hype"))))
			},
			check:    func(t *testing.T, e *env) { response(t, e, "hype", "") },
			replyHas: "Already done"},
		{path: "command edit",
			setup: func(t *testing.T, e *env) { e.send(t, addHype(e, "first")) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "command", sub("edit", str("name", "hype"), str("response", "edited")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "command", sub("edit", str("name", "hype"), str("response", "later"))))
			},
			check:    func(t *testing.T, e *env) { response(t, e, "hype", "later") },
			replyHas: "Already done"},
		{path: "command remove",
			setup:    func(t *testing.T, e *env) { e.send(t, addHype(e, "first")) },
			first:    func(e *env) []byte { return admin.Command(e.ids.Next(), "command", sub("remove", str("name", "hype"))) },
			later:    func(t *testing.T, e *env) { e.send(t, addHype(e, "again")) },
			check:    func(t *testing.T, e *env) { response(t, e, "hype", "again") },
			replyHas: "Already done"},
		{path: "hunt start",
			first: func(e *env) []byte { return startHunt(e, "1000") },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "hunt", sub("finish")))
				e.send(t, startHunt(e, "500"))
			},
			check:    func(t *testing.T, e *env) { bonuses(t, e, true, "$500.00") },
			replyHas: "Already done"},
		{path: "hunt add",
			setup: func(t *testing.T, e *env) { e.send(t, startHunt(e, "1000")) },
			first: func(e *env) []byte { return addBonus(e, "Gates") },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "hunt", sub("remove")))
			},
			check:    func(t *testing.T, e *env) { bonuses(t, e, true, "$1,000.00") },
			replyHas: "Already done"},
		{path: "hunt payout",
			setup: func(t *testing.T, e *env) { e.send(t, startHunt(e, "1000")); e.send(t, addBonus(e, "Gates")) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "hunt", sub("payout", str("slot", "#1"), str("amount", "100")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "hunt", sub("payout", str("slot", "gates"), str("amount", "50"))))
			},
			check:    func(t *testing.T, e *env) { bonuses(t, e, true, "$1,000.00 Gates=$50.00") },
			replyHas: "Already done"},
		{path: "hunt remove",
			setup:    func(t *testing.T, e *env) { e.send(t, startHunt(e, "1000")); e.send(t, addBonus(e, "Gates")) },
			first:    func(e *env) []byte { return admin.Command(e.ids.Next(), "hunt", sub("remove", str("slot", "gates"))) },
			later:    func(t *testing.T, e *env) { e.send(t, addBonus(e, "Gates")) },
			check:    func(t *testing.T, e *env) { bonuses(t, e, true, "$1,000.00 Gates=$0.00") },
			replyHas: "Already done"},
		{path: "hunt finish",
			setup:    func(t *testing.T, e *env) { e.send(t, startHunt(e, "1000")) },
			first:    func(e *env) []byte { return admin.Command(e.ids.Next(), "hunt", sub("finish")) },
			later:    func(t *testing.T, e *env) { e.send(t, startHunt(e, "700")) },
			check:    func(t *testing.T, e *env) { bonuses(t, e, true, "$700.00") },
			replyHas: "Already done"},
		{path: "gtb open",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "gtb", sub("open")) },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "gtb", sub("close")))
				e.send(t, admin.Command(e.ids.Next(), "gtb", sub("open", i64("winners", 5))))
			},
			check:    func(t *testing.T, e *env) { gtbRound(t, e, 2, gtb.Open) },
			replyHas: "Already done"},
		{path: "gtb close",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "gtb", sub("open"))) },
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "gtb", sub("close")) },
			later: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "gtb", sub("open"))) },
			// The replay does not close the round opened since.
			check:    func(t *testing.T, e *env) { gtbRound(t, e, 2, gtb.Open) },
			replyHas: "Already done"},
		{path: "gtb result",
			setup: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "gtb", sub("open")))
				e.send(t, admin.Command(e.ids.Next(), "gtb", sub("close")))
			},
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "gtb", sub("result", str("amount", "1240"))) },
			later: func(*testing.T, *env) {},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must queue no second result", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
		{path: "kick connect",
			first:    func(e *env) []byte { return admin.Command(e.ids.Next(), "kick", sub("connect")) },
			later:    func(*testing.T, *env) {},
			check:    func(*testing.T, *env) {},
			replyHas: "Already done"},
		{path: "kick disconnect",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "kick", sub("disconnect")) },
			later: func(t *testing.T, e *env) {
				// Its job disconnected the guild; the admin connected again.
				if err := e.store.Connect(ctx, guild, broadcaster, e.now); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must queue no second disconnect", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
		{path: "calls open",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "calls", sub("open")) },
			later: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "calls", sub("close"))) },
			check: func(t *testing.T, e *env) {
				if st := callState(t, e); st.Round.Open {
					t.Errorf("round %+v open, want the later close to stand", st.Round)
				}
			},
			replyHas: "Already done"},
		{path: "calls close",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "calls", sub("open"))) },
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "calls", sub("close")) },
			later: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "calls", sub("open"))) },
			check: func(t *testing.T, e *env) {
				if st := callState(t, e); !st.Round.Open {
					t.Errorf("round %+v closed, want the later open to stand", st.Round)
				}
			},
			replyHas: "Already done"},
		{path: "calls clear",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "calls", sub("open"))) },
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "calls", sub("clear")) },
			later: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "calls", sub("close"))) },
			check: func(t *testing.T, e *env) {
				if st := callState(t, e); st.Round.Open || st.Version != 3 {
					t.Errorf("calls state %+v, want version 3 (open, clear, close), closed", st)
				}
			},
			replyHas: "Already done"},
		{path: "calls blacklist",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "calls", sub("blacklist", str("action", "add"), str("viewer", "spammer")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "calls", sub("blacklist", str("action", "remove"), str("viewer", "spammer"))))
			},
			check: func(t *testing.T, e *env) {
				if st := callState(t, e); len(st.Viewers) != 0 {
					t.Errorf("blacklisted viewers %v, want none", st.Viewers)
				}
			},
			replyHas: "Already done"},
		{path: "calls channel",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "calls", sub("channel", discordsim.Channel("channel", "883082588674195001")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "calls", sub("channel", discordsim.Channel("channel", "883082588674195002"))))
			},
			check: func(t *testing.T, e *env) {
				if st := callState(t, e); st.Channel != "883082588674195002" {
					t.Errorf("calls channel %q, want the later one", st.Channel)
				}
			},
			replyHas: "Already done"},
		{path: "calls pick",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "calls", sub("open"))) },
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "calls", sub("pick")) },
			later: func(*testing.T, *env) {},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must queue no second pick", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
		{path: "announce set",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "announce", sub("set", str("kind", "live"), discordsim.Channel("channel", "883082588674195001"),
					discordsim.Int("flap_minutes", 20)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "announce", sub("set", str("kind", "live"), discordsim.Channel("channel", "883082588674195002"),
					discordsim.Int("flap_minutes", 30))))
			},
			check: func(t *testing.T, e *env) {
				if s := announceConfig(t, e).Setting(announce.Live); s.Channel != "883082588674195002" {
					t.Errorf("live announcements go to %q, want the later channel", s.Channel)
				}
				if st, err := e.store.LiveAlert(t.Context(), guild); err != nil || st.FlapWindow != 30*time.Minute {
					t.Errorf("LiveAlert() = %+v, %v; want the later flap window, 30m", st, err)
				}
			},
			replyHas: "Already done"},
		{path: "announce off",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "announce", sub("off", str("kind", "live"))) },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "announce", sub("set", str("kind", "live"), discordsim.Channel("channel", "883082588674195002"))))
			},
			check: func(t *testing.T, e *env) {
				if s := announceConfig(t, e).Setting(announce.Live); !s.On {
					t.Errorf("live announcements = %+v, want on again", s)
				}
			},
			replyHas: "Already done"},
		{path: "announce test",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "announce", sub("test", str("kind", "live"))) },
			later: func(*testing.T, *env) {},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must post no second sample", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
		{path: "giveaway start",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "giveaway", sub("start", str("prize", "a chair")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "giveaway", sub("end")))
				e.send(t, admin.Command(e.ids.Next(), "giveaway", sub("start", str("prize", "keys"))))
			},
			check:    func(t *testing.T, e *env) { giveawayIs(t, e, 2, "keys", giveaway.Open) },
			replyHas: "Already done"},
		{path: "giveaway end",
			setup: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "giveaway", sub("start", str("prize", "a chair"))))
			},
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "giveaway", sub("end")) },
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "giveaway", sub("start", str("prize", "keys"))))
			},
			check:    func(t *testing.T, e *env) { giveawayIs(t, e, 2, "keys", giveaway.Open) },
			replyHas: "Already done"},
		{path: "giveaway draw",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "giveaway", sub("draw")) },
			later: func(*testing.T, *env) {},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must queue no second draw", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
		{path: "giveaway reroll",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "giveaway", sub("reroll")) },
			later: func(*testing.T, *env) {},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must queue no second reroll", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
		{path: "raffle start",
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "raffle", sub("start")) },
			later: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("end"))) },
			check: func(t *testing.T, e *env) {
				raffleIs(t, e, func(p raffle.Period) bool { return p.State == raffle.Ended })
			},
			replyHas: "Already done"},
		{path: "raffle end",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("start"))) },
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "raffle", sub("end")) },
			later: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("start"))) },
			check: func(t *testing.T, e *env) {
				raffleIs(t, e, func(p raffle.Period) bool { return p.State == raffle.Open })
			},
			replyHas: "Already done"},
		{path: "raffle tickets",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("start"))) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "raffle", sub("tickets", str("action", "add"), str("user", "pebblecat"), i64("amount", 10)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "raffle", sub("tickets", str("action", "remove"), str("user", "pebblecat"), i64("amount", 10))))
			},
			check: func(t *testing.T, e *env) {
				p, _, _ := e.store.Raffle(ctx, guild)
				if tk, err := e.store.ViewerTickets(ctx, guild, p.ID, 103, e.now, true); err != nil || tk.Total() != 0 {
					t.Errorf("pebblecat's tickets = %+v (%v), want the later removal to stand: 0", tk, err)
				}
			},
			replyHas: "Already done"},
		{path: "raffle exclude",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("start"))) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "raffle", sub("exclude", str("action", "add"), str("user", "pebblecat")))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "raffle", sub("exclude", str("action", "remove"), str("user", "pebblecat"))))
			},
			check:    func(t *testing.T, e *env) { raffleIs(t, e, func(p raffle.Period) bool { return !p.IsExcluded(103) }) },
			replyHas: "Already done"},
		{path: "raffle settings",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("start"))) },
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "raffle", sub("settings", i64("tickets_per_hour", 20)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "raffle", sub("settings", i64("tickets_per_hour", 30))))
			},
			check: func(t *testing.T, e *env) {
				raffleIs(t, e, func(p raffle.Period) bool { return p.Settings.PerHour == 30 })
			},
			replyHas: "Already done"},
		{path: "clips settings",
			first: func(e *env) []byte {
				return admin.Command(e.ids.Next(), "clips", sub("settings", i64("lead", 10)))
			},
			later: func(t *testing.T, e *env) {
				e.send(t, admin.Command(e.ids.Next(), "clips", sub("settings", i64("lead", 20))))
			},
			check: func(t *testing.T, e *env) {
				if s, err := e.store.ClipSettings(ctx, guild); err != nil || s.Lead != 20*time.Second {
					t.Errorf("clip lead = %v (%v), want 20s", s.Lead, err)
				}
			},
			replyHas: "Already done"},
		{path: "raffle draw",
			setup: func(t *testing.T, e *env) { e.send(t, admin.Command(e.ids.Next(), "raffle", sub("start"))) },
			first: func(e *env) []byte { return admin.Command(e.ids.Next(), "raffle", sub("draw")) },
			later: func(*testing.T, *env) {},
			check: func(t *testing.T, e *env) {
				if len(e.queue.jobs) != 1 {
					t.Errorf("%d jobs queued, want 1: the replay must queue no second draw", len(e.queue.jobs))
				}
			},
			replyHas: "Already done"},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.path] = true
		t.Run(tt.path, func(t *testing.T) {
			e := setupEnv(t)
			withKick(t, e)
			if tt.setup != nil {
				tt.setup(t, e)
			}
			body := tt.first(e)
			// The copy an attacker keeps: the body and its signature.
			signed := apiEvent(body, discord.SignedHeaders(e.priv, e.now, body))
			if status, got := e.sendEvent(t, signed); status != http.StatusOK || strings.Contains(got.text(), "Already done") {
				t.Fatalf("first: status %d: %s", status, got.text())
			}
			tt.later(t, e)
			e.now = e.now.Add(4 * time.Minute) // still inside the signature's five minutes
			status, got := e.sendEvent(t, signed)
			if status != http.StatusOK || !strings.Contains(got.text(), tt.replyHas) {
				t.Errorf("replay: status %d: %q, want %q", status, got.text(), tt.replyHas)
			}
			if got.Data != nil && len(got.Data.Components) != 0 {
				t.Errorf("replay answered with components %+v, want none (no new consent link)", got.Data.Components)
			}
			tt.check(t, e)
		})
	}
	for _, c := range interact.Commands {
		paths := []string{c.Name}
		changes := []bool{c.Changes}
		for _, s := range c.Subcommands {
			paths, changes = append(paths, c.Name+" "+s.Name), append(changes, c.Changes || s.Changes)
		}
		for i, p := range paths {
			if changes[i] && !covered[p] {
				t.Errorf("/%s changes state but has no replay case", p)
			}
		}
	}
}

// raffleIs checks the guild's latest raffle period with ok.
func raffleIs(t *testing.T, e *env, ok func(raffle.Period) bool) {
	t.Helper()
	p, found, err := e.store.Raffle(context.Background(), guild)
	if err != nil || !found || !ok(p) {
		t.Errorf("raffle = %+v (%v, %v), not as the later change left it", p, found, err)
	}
}

// callState is the guild's slot calls state.
func callState(t *testing.T, e *env) calls.State {
	t.Helper()
	st, err := e.store.CallState(context.Background(), guild)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func announceConfig(t *testing.T, e *env) announce.Config {
	t.Helper()
	c, err := e.store.AnnounceConfig(context.Background(), guild)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// giveawayIs checks the guild's current giveaway.
func giveawayIs(t *testing.T, e *env, number int64, prize string, state giveaway.State) {
	t.Helper()
	g, err := e.store.Giveaway(context.Background(), guild)
	if err != nil || g.Number != number || g.Prize != prize || g.State != state {
		t.Errorf("giveaway = #%d %q %s (%v), want #%d %q %s", g.Number, g.Prize, g.State, err, number, prize, state)
	}
}
