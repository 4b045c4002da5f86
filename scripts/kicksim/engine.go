package kicksim

import (
	"encoding/json"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/event"
)

// ChatEngine is a stream that exercises the chat engine: three custom
// commands and two timers made in Discord, then Minutes of chat that is
// busy, goes quiet and picks up again, with commands typed along the way:
// aliases, a level the sender lacks, a use inside a cooldown, an attempt
// to inject a variable, a viewer's built-in. The replayer plays it in real
// time against a runner; scripts/local's test plays it on a simulated clock
// and checks every message the fake Kick chat got.
type ChatEngine struct {
	Broadcaster int64
	Start       time.Time // minute 0, whole minutes
	Minutes     int       // 15 unless set
}

// Setup is a slash command of the scenario's admin, sent before the chat.
type Setup struct {
	Name string
	Opts []discordsim.Option
}

// Setup returns the slash commands that make the scenario's commands and
// timers.
func (s ChatEngine) Setup() []Setup {
	sub := discordsim.Sub
	str, num := discordsim.String, discordsim.Int
	return []Setup{
		{"command", []discordsim.Option{sub("add", str("name", "hype"), str("response", "HYPE! {user} brings it ({count} so far)"),
			str("aliases", "h,hypetrain"), num("cooldown", 10))}},
		{"command", []discordsim.Option{sub("add", str("name", "so"), str("response", "Go follow {touser} at kick.com/{touser}"),
			str("level", "subscriber"))}},
		{"command", []discordsim.Option{sub("add", str("name", "echo"), str("response", "{user} says: {args}"),
			num("cooldown", 0), num("user_cooldown", 60))}},
		{"timer", []discordsim.Option{sub("add", str("name", "socials"), str("message", "Follow on X! || Join the Discord!"), num("interval", 5))}},
		{"timer", []discordsim.Option{sub("add", str("name", "rules"), str("message", "Be kind in {channel}"), num("interval", 10),
			num("min_chatters", 2))}},
	}
}

// engineChat is what the scenario's viewers say, by minute: viewer
// index, second in the minute, text. Minutes 4 to 10 are quiet.
var engineChat = map[int][]struct {
	viewer, second int
	text           string
}{
	0:  {{1, 5, "hi chat"}, {2, 10, "!hype"}, {3, 15, "!h"}, {4, 40, "gg"}},
	1:  {{0, 5, "!so viewer002"}, {1, 15, "!so viewer002"}, {2, 30, "!HypeTrain"}, {3, 50, "lets gooo"}},
	2:  {{1, 5, "!echo {points} and {count}"}, {1, 20, "!echo again"}, {4, 30, "!commands"}, {3, 45, "W stream"}},
	3:  {{2, 5, "!points"}, {3, 10, "!nosuchcommand"}, {4, 25, "LUL"}, {1, 50, "!hype"}},
	7:  {{2, 30, "anyone here?"}},
	11: {{3, 10, "back"}, {4, 40, "!hype"}},
	12: {{1, 5, "hi"}, {2, 15, "!watchtime"}, {0, 30, "hello"}},
	13: {{3, 5, "gg"}, {4, 20, "!echo bye {user}"}},
}

// Minute returns minute i's chat deliveries, in order.
func (s ChatEngine) Minute(i int) []Delivery {
	sc := Scenario{Broadcaster: s.Broadcaster, Viewers: 5}
	bc := sc.user(s.Broadcaster, "streamer")
	ids := NewIDs(s.Start)
	var out []Delivery
	for _, c := range engineChat[i] {
		at := s.Start.Add(time.Duration(i)*time.Minute + time.Duration(c.second)*time.Second)
		b, err := json.Marshal(sc.chat(bc, c.viewer, c.text, at))
		if err != nil {
			panic(err) // built from plain maps; cannot fail
		}
		out = append(out, Delivery{ID: ids.Next(at), Type: event.ChatMessage, At: at, Body: b})
	}
	return out
}

// Length is the scenario's minutes.
func (s ChatEngine) Length() int {
	if s.Minutes > 0 {
		return s.Minutes
	}
	return 15
}
