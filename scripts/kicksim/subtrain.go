package kicksim

import (
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/event"
)

// SubTrain is a sub train during a raffle: the admin starts a raffle of
// three winners, five gifters send 20 gifted-sub deliveries (one, two or
// three subs each; Kick re-sends every fourth with its message id), the
// admin voids the eighth gift during its hold, two viewers renew (one
// renewal re-sent), two send KICKs, viewers ask !tickets and !raffle;
// then, Wait later (past the gifts' hold, when it is 25 h), a viewer asks
// !tickets again, the admin draws the winners into Channel and a viewer
// asks !raffle. The replayer plays it in real time against a runner;
// scripts/local's test plays it on a simulated clock, checks what the bot
// said in Kick chat and posted in Discord, and recomputes the winners
// from the published table and seeds.
type SubTrain struct {
	Broadcaster int64
	// Start is when the raffle starts; the train follows within two
	// minutes.
	Start time.Time
	// Wait is how long after the train the draw comes: past the default
	// 24 h gift hold for held gifts to count.
	Wait time.Duration
	// Channel is the Discord channel the winners are posted to.
	Channel string
}

// TrainGifts is how many gifted-sub deliveries the train has (re-sends
// not counted); gift i comes from viewer i%5 with i%3+1 subs.
const TrainGifts = 20

// TrainVoided is the gift (0-based) the admin voids during its hold.
const TrainVoided = 7

// TrainResent reports whether Kick re-sends gift i.
func TrainResent(i int) bool { return i%4 == 0 }

// Steps returns the scenario in order of time.
func (s SubTrain) Steps() []Step {
	sub := discordsim.Sub
	str, num := discordsim.String, discordsim.Int
	sp := newScript(s.Broadcaster, s.Start)
	cmd, deliver, resend, say := sp.cmd, sp.deliver, sp.resend, sp.say
	sc, bc := sp.sc, sp.bc
	sec := func(n int) time.Time { return s.Start.Add(time.Duration(n) * time.Second) }

	cmd(sec(0), "raffle", sub("start", num("days", 7), num("winners", 3), str("prize", "a PS5")))
	var voided string
	for i := range TrainGifts {
		at := sec(10 + 4*i)
		var giftees []m
		for k := range i%3 + 1 {
			giftees = append(giftees, sc.viewer(20+3*i+k))
		}
		d := deliver(at, event.SubscriptionGifts, m{"broadcaster": bc, "gifter": sc.viewer(i % 5), "giftees": giftees,
			"created_at": at.Format(time.RFC3339), "expires_at": at.AddDate(0, 1, 0).Format(time.RFC3339)})
		if TrainResent(i) {
			resend(at.Add(2*time.Second), d) // Kick's retry: the same message id
		}
		if i == TrainVoided {
			voided = d.ID
		}
	}
	say(sec(92), 0, "!tickets") // all held
	cmd(sec(95), "raffle", sub("tickets", str("action", "void"), str("gift", voided)))
	renewal := func(at time.Time, viewer, months int) Delivery {
		return deliver(at, event.SubscriptionRenew, m{"broadcaster": bc, "subscriber": sc.viewer(viewer), "duration": months,
			"created_at": at.Format(time.RFC3339), "expires_at": at.AddDate(0, 1, 0).Format(time.RFC3339)})
	}
	r := renewal(sec(100), 5, 3)
	renewal(sec(102), 6, 12)
	resend(sec(104), r)
	kicks := func(at time.Time, viewer int, amount int64) {
		deliver(at, event.KicksGifted, m{"broadcaster": bc, "sender": sc.viewer(viewer), "gift": m{
			"amount": amount, "name": "Rage Quit", "type": "LEVEL_UP", "tier": "MID", "message": "choo choo", "pinned_time_seconds": 60},
			"created_at": at.Format(time.RFC3339Nano)})
	}
	kicks(sec(106), 7, 1000)
	kicks(sec(108), 2, 250)
	say(sec(112), 7, "!raffle")
	say(sec(115), 5, "!tickets")

	after := sec(115).Add(s.Wait)
	say(after, 1, "!tickets") // the hold is over
	cmd(after.Add(5*time.Second), "raffle", sub("draw", discordsim.Channel("channel", s.Channel)))
	say(after.Add(10*time.Second), 3, "!raffle")
	return sp.steps
}
