package calls_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
)

// memStore is an in-memory calls.AdminStore for one guild.
type memStore struct {
	mu      sync.Mutex
	st      calls.State
	calls   []calls.Call // of every round
	applied map[string]bool
	fail    error // returned by every method when set
}

var _ calls.AdminStore = (*memStore)(nil)

func (m *memStore) CallState(ctx context.Context, guild string) (calls.State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.st, m.fail
}

func (m *memStore) AddCall(ctx context.Context, guild string, r calls.Round, c calls.Call) (calls.Call, calls.Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return calls.Call{}, 0, m.fail
	}
	mine, n := 0, 0
	for _, x := range m.calls {
		if x.Round != r.ID {
			continue
		}
		n++
		switch {
		case x.ID == c.ID:
			return x, calls.Again, nil
		case x.UserID == c.UserID:
			mine++
		}
	}
	for _, x := range m.calls {
		if x.Round == r.ID && !r.AllowDuplicates && x.Key() == c.Key() {
			return calls.Call{}, calls.Duplicate, nil
		}
	}
	if r.Limit > 0 && mine >= r.Limit {
		return calls.Call{}, calls.AtLimit, nil
	}
	c.Number = n + 1
	m.calls = append(m.calls, c)
	return c, calls.Accepted, nil
}

func (m *memStore) MarkCallPosted(ctx context.Context, guild string, c calls.Call) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.calls {
		if m.calls[i].Round == c.Round && m.calls[i].ID == c.ID {
			m.calls[i].Posted = true
		}
	}
	return m.fail
}

func (m *memStore) save(st calls.State) error {
	if st.Version != m.st.Version {
		return fault.E(fault.Conflict, "the calls changed meanwhile; try again")
	}
	st.Version++
	m.st = st
	return nil
}

func (m *memStore) SaveCallState(ctx context.Context, guild string, st calls.State, c interact.Cause) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if m.applied[c.ID] {
		return interact.ErrApplied
	}
	if err := m.save(st); err != nil {
		return err
	}
	if m.applied == nil {
		m.applied = map[string]bool{}
	}
	m.applied[c.ID] = true
	return nil
}

func (m *memStore) Calls(ctx context.Context, guild, round string) ([]calls.Call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []calls.Call
	for _, c := range m.calls {
		if c.Round == round {
			out = append(out, c)
		}
	}
	return out, m.fail
}

func (m *memStore) PickCall(ctx context.Context, guild string, st calls.State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i := slices.IndexFunc(m.calls, func(c calls.Call) bool { return c.Round == st.Last.Round && c.ID == st.Last.Call.ID && !c.Picked })
	if i < 0 {
		return fault.E(fault.Conflict, "the call is gone or picked")
	}
	if err := m.save(st); err != nil {
		return err
	}
	m.calls[i].Picked = true
	return nil
}

// poster records the embeds posted, by channel.
type poster struct {
	mu   sync.Mutex
	got  []posted
	fail error
}

type posted struct {
	Channel string
	Embed   interact.Embed
}

func (p *poster) PostEmbed(ctx context.Context, channel string, e interact.Embed) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.got = append(p.got, posted{channel, e})
	return nil
}

// sayer records what is said in Kick chat, once per cause.
type sayer struct {
	said   []chat.Message
	causes map[string]bool
}

func (s *sayer) Say(ctx context.Context, m chat.Message, now time.Time) (chat.Outcome, error) {
	if s.causes == nil {
		s.causes = map[string]bool{}
	}
	if s.causes[m.Cause] && m.Cause != "" {
		return chat.Repeated, nil
	}
	s.causes[m.Cause] = true
	s.said = append(s.said, m)
	return chat.Sent, nil
}

// channels connects every guild to broadcaster 42.
type channels struct{}

func (channels) Connection(ctx context.Context, guild string) (int64, string, time.Time, error) {
	return 42, "streamer", time.Time{}, nil
}
