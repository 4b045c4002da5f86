package kicksim

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/event"
)

// BonusHunt is a bonus hunt stream: the stream goes live, the admin opens
// slot calls, 30 viewers call slots (three call a slot called already, in
// another case or spacing, two call again over the limit of one, one
// after the close), the admin picks five calls and adds each to a hunt
// with its bet (/hunt add without a slot takes the picked call), records
// their payouts and finishes the hunt, and then a guess-the-balance round
// runs on it: viewers guess (one types zero, one too many decimals, one
// replaces a guess to tie another), the admin closes it and sets the
// result from the finished hunt. !current and !hunt are asked along the
// way. The replayer plays it in real time against a runner; scripts/local's
// test plays it on a simulated clock and checks what the bot said in Kick
// chat and posted in Discord.
type BonusHunt struct {
	Broadcaster int64
	// Start is when the stream goes live; the steps follow within eight
	// minutes.
	Start time.Time
	// Channel is the Discord channel calls, picks and the GTB result are
	// posted to.
	Channel string
}

// Step is one thing a scenario does at its time: a slash command of its
// admin, when Command is set, or else a Kick delivery.
type Step struct {
	At       time.Time
	Command  *Setup
	Delivery Delivery
}

// HuntCalls are the slots the 30 viewers call, viewer i the i-th; the
// last two call with !sr, the alias.
var HuntCalls = []string{
	"!call Sweet Bonanza", "!call Gates of Olympus", "!call Wanted Dead or a Wild", "!call [emote:37226:KEKW] Sugar Rush",
	"!call Big Bass Bonanza", "!call Dog House Megaways", "!call Money Train 3", "!call Fruit Party", "!call Starlight Princess",
	"!call Mental", "!call San Quentin", "!call Tombstone RIP", "!call Chaos Crew", "!call Hand of Anubis", "!call Le Bandit",
	"!call Zeus vs Hades", "!call Madame Destiny Megaways", "!call Book of Dead", "!call Reactoonz", "!call Jammin Jars",
	"!call Razor Shark", "!call Fire in the Hole", "!call Dead Canary", "!call Duck Hunters", "!call Wild West Gold",
	"!call sweet  bonanza", "!call GATES OF OLYMPUS", "!call mental", // called already
	"!sr Xways Hoarder", "!sr Outsourced",
}

// HuntBets and HuntPayouts are the five picked bonuses' bets and what
// they pay: the hunt, started at HuntStart, finishes at $691.83.
var (
	HuntStart   = "$500"
	HuntBets    = []string{"2", "1", "$0.80", "1.5", "2"}
	HuntPayouts = []string{"150", "33.33", "0", "412.50", "96"}
)

// chatLine is something a viewer says at a second of the scenario.
type chatLine struct {
	second, viewer int
	text           string
}

// Steps returns the scenario in order of time.
func (s BonusHunt) Steps() []Step {
	sub := discordsim.Sub
	str, num := discordsim.String, discordsim.Int
	ch := discordsim.Channel("channel", s.Channel)
	var steps []Step
	cmd := func(second int, name string, opts ...discordsim.Option) {
		steps = append(steps, Step{At: s.at(second), Command: &Setup{Name: name, Opts: opts}})
	}
	sc := Scenario{Broadcaster: s.Broadcaster}
	bc := sc.user(s.Broadcaster, "streamer")
	ids := NewIDs(s.Start)
	deliver := func(second int, t event.Type, body any) {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err) // built from plain maps; cannot fail
		}
		at := s.at(second)
		steps = append(steps, Step{At: at, Delivery: Delivery{ID: ids.Next(at), Type: t, At: at, Body: b}})
	}
	say := func(lines ...chatLine) {
		for _, l := range lines {
			deliver(l.second, event.ChatMessage, sc.chat(bc, l.viewer, l.text, s.at(l.second)))
		}
	}

	deliver(0, event.LivestreamStatus, m{"broadcaster": bc, "is_live": true, "title": "Bonus hunt! !call your slot",
		"started_at": s.Start.Format(time.RFC3339), "ended_at": nil})
	cmd(5, "calls", sub("channel", ch))
	cmd(6, "calls", sub("open"))
	// One call every three seconds: 30 calls in 90 s stay within Kick's
	// 20 replies per 30 s.
	for i, text := range HuntCalls {
		say(chatLine{10 + 3*i, i, text})
	}
	say(chatLine{100, 3, "!call Bonanza"}, // over the limit, past the 30 s cooldown
		chatLine{103, 10, "!sr Deadwood"},
		chatLine{106, 1, "!current"}) // nothing picked yet
	cmd(110, "calls", sub("close"))
	say(chatLine{113, 5, "!call Big Bamboo"}) // after the close
	cmd(120, "hunt", sub("start", str("balance", HuntStart), str("name", "Friday")))
	for k, bet := range HuntBets {
		cmd(130+20*k, "calls", sub("pick"))
		cmd(135+20*k, "hunt", sub("add", str("bet", bet)))
	}
	say(chatLine{232, 2, "!current"})
	for k, amount := range HuntPayouts {
		cmd(240+5*k, "hunt", sub("payout", str("slot", "#"+strconv.Itoa(k+1)), str("amount", amount)))
	}
	say(chatLine{268, 4, "!hunt"})
	cmd(275, "hunt", sub("finish"))
	cmd(280, "gtb", sub("open", num("winners", 3)))
	say(chatLine{285, 0, "!gtb 700"},
		chatLine{288, 1, "!gtb $650.50"},
		chatLine{291, 2, "!gtb 0.5k"},
		chatLine{294, 3, "!gtb 0"},
		chatLine{297, 4, "!gtb 1,000"},
		chatLine{300, 5, "!gtb 691"},
		chatLine{303, 6, "!gtb 12.345"},
		chatLine{306, 8, "!gtb 690"},
		chatLine{309, 7, "!gtb 680"},
		chatLine{312, 0, "!gtb 690"}) // replaces 700, and ties viewer008's later
	cmd(320, "gtb", sub("close"))
	say(chatLine{325, 9, "!gtb 691.83"})
	cmd(330, "gtb", sub("result", ch)) // the amount: the hunt just finished
	say(chatLine{340, 6, "!hunt"})
	return steps
}

func (s BonusHunt) at(second int) time.Time { return s.Start.Add(time.Duration(second) * time.Second) }
