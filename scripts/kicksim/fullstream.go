package kicksim

import (
	"slices"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/event"
)

// FullStream is a whole stream as the announcements, event rewards and
// !clip see it. The admin sends every kind of announcement to Channel
// (go-live mentioning Role with its own message and a flap window of
// FullFlapMinutes), sets points for events and thank-yous for subs,
// gifts and KICKs; then, FullLiveAfter after Start, the stream goes live
// (Kick sends the status event twice, and re-sends the first),
// FullChatters viewers chat for FullMinutes minutes, four viewers follow
// within three minutes (one follow re-sent), a viewer subscribes, another
// renews, one gifts FullGiftees subs, one sends KICKs and one redeems a
// reward; two viewers mark clips FullClipGap apart, and a !clip in
// between, too early, is refused; then the stream goes offline. The
// replayer plays it in real time against a runner; scripts/local's
// TestFullStreamScenario plays it on a simulated clock and checks every
// post in Discord and every line in Kick chat.
type FullStream struct {
	Broadcaster int64
	// Start is when the admin starts setting up; the stream goes live
	// FullLiveAfter later.
	Start time.Time
	// Channel gets every announcement; Role is mentioned by the go-live.
	Channel, Role string
}

// The shape of the full stream.
const (
	// FullLiveAfter is from Start to the go-live: time for the setup.
	FullLiveAfter = 30 * time.Second
	// FullMinutes is how long the stream is live.
	FullMinutes = 10
	// FullChatters are the viewers who chat, viewer 0 to 5.
	FullChatters = 6
	// FullGiftees is how many subs the gifter gifts: past MaxGiftees, so
	// the post ends "and N more".
	FullGiftees = 13
	// FullClipGap is from the first clip to the second: past the
	// per-viewer (60 s) and per-guild (15 s) cooldowns.
	FullClipGap = 4 * time.Minute
)

// FullFlapMinutes is the flap window the admin sets with the go-live: the
// recap comes that long after the offline.
const FullFlapMinutes = 15

// FullLiveTemplate is the go-live's message.
const FullLiveTemplate = "{channel} is live: {title} ({category})"

// FullChats reports whether chatter v (0 to FullChatters-1) chats in
// minute i of the stream: viewer 0 every minute, the others skip a
// minute in v+1.
func FullChats(v, i int) bool { return v == 0 || (i+1)%(v+1) != 0 }

// Steps returns the scenario in order of time.
func (s FullStream) Steps() []Step {
	sub := discordsim.Sub
	str, num := discordsim.String, discordsim.Int
	sp := newScript(s.Broadcaster, s.Start)
	cmd, deliver, resend, say := sp.cmd, sp.deliver, sp.resend, sp.say
	sc, bc := sp.sc, sp.bc

	// The setup, a second apart.
	at := s.Start
	next := func() time.Time { at = at.Add(time.Second); return at }
	ch := discordsim.Channel("channel", s.Channel)
	cmd(next(), "announce", sub("set", str("kind", "live"), ch, discordsim.Role("role", s.Role), str("message", FullLiveTemplate),
		num("flap_minutes", FullFlapMinutes)))
	for _, kind := range []string{"offline", "follow", "sub", "gift", "kicks", "redemption", "clip"} {
		cmd(next(), "announce", sub("set", str("kind", kind), ch))
	}
	cmd(next(), "rewards", sub("points", num("follow", 5), num("sub", 100), num("gift", 10), num("kicks", 2)))
	cmd(next(), "rewards", sub("thanks", str("kind", "sub"), str("message", "Thanks {user} for {months} months!")))
	cmd(next(), "rewards", sub("thanks", str("kind", "gift")))
	cmd(next(), "rewards", sub("thanks", str("kind", "kicks"), str("message", "{user} sent {amount} KICKs, thank you!")))

	live := s.Start.Add(FullLiveAfter)
	end := live.Add(FullMinutes * time.Minute)
	t := func(min, sec int) time.Time {
		return live.Add(time.Duration(min)*time.Minute + time.Duration(sec)*time.Second)
	}
	status := func(at time.Time, isLive bool) Delivery {
		body := m{"broadcaster": bc, "is_live": isLive, "title": "Ranked grind, !discord",
			"started_at": live.Format(time.RFC3339), "ended_at": nil}
		if !isLive {
			body["ended_at"] = end.Format(time.RFC3339)
		}
		return deliver(at, event.LivestreamStatus, body)
	}
	first := status(live, true)
	resend(t(0, 2), first) // Kick's retry: the same message id
	status(t(0, 3), true)  // and the event again, under a new id

	// Everything after the go-live, sorted by time before it is played,
	// so that chat and events interleave as on a stream.
	type action struct {
		at time.Time
		do func(at time.Time)
	}
	var acts []action
	add := func(at time.Time, do func(at time.Time)) { acts = append(acts, action{at, do}) }
	line := 0
	for i := range FullMinutes {
		for v := range FullChatters {
			if FullChats(v, i) {
				text := chatLines[line%len(chatLines)]
				line++
				add(t(i, 10+7*v), func(at time.Time) { say(at, v, text) })
			}
		}
	}
	follow := func(viewer int) func(time.Time) Delivery {
		return func(at time.Time) Delivery {
			return deliver(at, event.Followed, m{"broadcaster": bc, "follower": sc.viewer(viewer)})
		}
	}
	add(t(1, 5), func(at time.Time) { follow(10)(at) })
	add(t(1, 50), func(at time.Time) { resend(at.Add(2*time.Second), follow(11)(at)) })
	add(t(2, 30), func(at time.Time) { follow(12)(at) })
	add(t(3, 55), func(at time.Time) { follow(13)(at) })
	add(t(2, 5), func(at time.Time) { say(at, 2, "!clip Big play") })
	add(t(2, 50), func(at time.Time) { say(at, 2, "!clip again") }) // within the viewer's cooldown
	add(t(2, 5).Add(FullClipGap), func(at time.Time) { say(at, 4, "!clip Clutch") })
	add(t(4, 20), func(at time.Time) {
		deliver(at, event.SubscriptionNew, m{"broadcaster": bc, "subscriber": sc.viewer(1), "duration": 1,
			"created_at": at.Format(time.RFC3339), "expires_at": at.AddDate(0, 1, 0).Format(time.RFC3339)})
	})
	add(t(4, 40), func(at time.Time) {
		deliver(at, event.SubscriptionRenew, m{"broadcaster": bc, "subscriber": sc.viewer(2), "duration": 7,
			"created_at": at.Format(time.RFC3339), "expires_at": at.AddDate(0, 1, 0).Format(time.RFC3339)})
	})
	add(t(5, 0), func(at time.Time) {
		var giftees []m
		for i := range FullGiftees {
			giftees = append(giftees, sc.viewer(20+i))
		}
		deliver(at, event.SubscriptionGifts, m{"broadcaster": bc, "gifter": sc.viewer(3), "giftees": giftees,
			"created_at": at.Format(time.RFC3339), "expires_at": at.AddDate(0, 1, 0).Format(time.RFC3339)})
	})
	add(t(5, 30), func(at time.Time) {
		deliver(at, event.KicksGifted, m{"broadcaster": bc, "sender": sc.viewer(4), "gift": m{
			"amount": 500, "name": "Hype Train", "type": "LEVEL_UP", "tier": "MID", "message": "lets go", "pinned_time_seconds": 300},
			"created_at": at.Format(time.RFC3339Nano)})
	})
	add(t(6, 15), func(at time.Time) {
		deliver(at, event.RewardRedemption, m{"id": "01JFULLSTREAMREDEMPTION001", "user_input": "play the cursed map",
			"status": "pending", "redeemed_at": at.Format(time.RFC3339Nano), "redeemer": sc.viewer(5), "broadcaster": bc,
			"reward": m{"id": "01JFULLSTREAMREWARD000001", "title": "Hydrate!", "cost": 500, "description": "Streamer drinks water"}})
	})
	slices.SortStableFunc(acts, func(a, b action) int { return a.at.Compare(b.at) })
	for _, a := range acts {
		a.do(a.at)
	}
	status(end, false)
	return sp.steps
}
