package kicksim

import (
	"encoding/json"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/event"
)

// script builds a scenario's steps in order of time: the admin's slash
// commands, deliveries from the broadcaster's channel (ids from the
// scenario's start), Kick's re-sends of a delivery, and chat lines.
type script struct {
	steps []Step
	sc    Scenario
	bc    m
	ids   *IDs
}

func newScript(broadcaster int64, start time.Time) *script {
	sc := Scenario{Broadcaster: broadcaster}
	return &script{sc: sc, bc: sc.user(broadcaster, "streamer"), ids: NewIDs(start)}
}

func (s *script) cmd(at time.Time, name string, opts ...discordsim.Option) {
	s.steps = append(s.steps, Step{At: at, Command: &Setup{Name: name, Opts: opts}})
}

func (s *script) deliver(at time.Time, t event.Type, body any) Delivery {
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // built from plain maps; cannot fail
	}
	d := Delivery{ID: s.ids.Next(at), Type: t, At: at, Body: b}
	s.steps = append(s.steps, Step{At: at, Delivery: d})
	return d
}

// resend is Kick's retry of d: the same message id, later.
func (s *script) resend(at time.Time, d Delivery) {
	s.steps = append(s.steps, Step{At: at, Delivery: d})
}

// say is a chat message of viewer i.
func (s *script) say(at time.Time, viewer int, text string) {
	s.deliver(at, event.ChatMessage, s.sc.chat(s.bc, viewer, text, at))
}
