package announce_test

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/settings"
)

// memStore is an in-memory announce.Store and announce.FollowStore.
type memStore struct {
	mu       sync.Mutex
	channel  string // the guild's announcement channel
	cfg      announce.Config
	applied  map[string]bool
	marks    map[string]bool
	open     *announce.FollowBatch
	taken    *announce.FollowBatch
	due      map[time.Time]announce.DueFollows // by opened
	failNext error                             // returned once by AddFollowerOnce
}

var (
	_ announce.Store       = (*memStore)(nil)
	_ announce.FollowStore = (*memStore)(nil)
)

func newStore(channel string) *memStore {
	return &memStore{channel: channel, applied: map[string]bool{}, marks: map[string]bool{}, due: map[time.Time]announce.DueFollows{}}
}

func (m *memStore) Settings(ctx context.Context, guild string) (settings.Settings, error) {
	s := settings.Defaults()
	s.AnnounceChannel = m.channel
	return s, nil
}

func (m *memStore) AnnounceConfig(ctx context.Context, guild string) (announce.Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cfg, nil
}

func (m *memStore) SaveAnnounceConfig(ctx context.Context, guild string, c announce.Config, cause interact.Cause) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := c.Validate(); err != nil {
		return err
	}
	if m.applied[cause.ID] {
		return interact.ErrApplied
	}
	if c.Version != m.cfg.Version {
		return fault.E(fault.Conflict, "changed meanwhile")
	}
	m.applied[cause.ID] = true
	c.Version++
	m.cfg = c
	return nil
}

func (m *memStore) ClaimAnnouncement(ctx context.Context, guild string, kind announce.Kind, cause string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := string(kind) + "/" + cause
	if m.marks[k] {
		return false, nil
	}
	m.marks[k] = true
	return true, nil
}

func (m *memStore) ReleaseAnnouncement(ctx context.Context, guild string, kind announce.Kind, cause string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.marks, string(kind)+"/"+cause)
	return nil
}

func (m *memStore) AddFollowerOnce(ctx context.Context, guild, cause, name string, now time.Time) (announce.FollowBatch, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.failNext; err != nil {
		m.failNext = nil
		return announce.FollowBatch{}, false, err
	}
	k := string(announce.Follow) + "/" + cause
	added := !m.marks[k] && (m.open == nil || !slices.Contains(m.open.Names, name))
	m.marks[k] = true
	if added {
		if m.open == nil {
			m.open = &announce.FollowBatch{Opened: now}
		}
		if len(m.open.Names) < announce.MaxFollowNames {
			m.open.Names = append(m.open.Names, name)
		}
		m.open.Count++
	}
	if m.open == nil {
		return announce.FollowBatch{}, added, nil
	}
	b := *m.open
	b.Names = slices.Clone(b.Names)
	return b, added, nil
}

func (m *memStore) OpenFollows(ctx context.Context, guild string) (announce.FollowBatch, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.open == nil {
		return announce.FollowBatch{}, nil
	}
	return *m.open, nil
}

func (m *memStore) ScheduleFollows(ctx context.Context, guild string, opened time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.due[opened] = announce.DueFollows{Guild: guild, Opened: opened}
	if m.open != nil && m.open.Opened.Equal(opened) {
		m.open.Scheduled = true
	}
	return nil
}

func (m *memStore) DueFollows(ctx context.Context, from, to time.Time) ([]announce.DueFollows, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []announce.DueFollows
	for opened, d := range m.due {
		if due := announce.DueAt(opened); !due.Before(from) && !due.After(to) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (m *memStore) TakeFollows(ctx context.Context, guild string, opened time.Time) (announce.FollowBatch, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.open != nil && m.open.Opened.Equal(opened) {
		m.taken, m.open = m.open, nil
	}
	if m.taken != nil && m.taken.Opened.Equal(opened) {
		return *m.taken, true, nil
	}
	return announce.FollowBatch{}, false, nil
}

func (m *memStore) DoneFollows(ctx context.Context, guild string, opened time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.taken != nil && m.taken.Opened.Equal(opened) {
		m.taken = nil
	}
	delete(m.due, opened)
	return nil
}

// poster records the messages posted; fail, when set, fails the next
// post.
type poster struct {
	mu   sync.Mutex
	got  []announce.Message
	fail error
}

func (p *poster) PostAnnouncement(ctx context.Context, m announce.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.fail; err != nil {
		p.fail = nil
		return err
	}
	p.got = append(p.got, m)
	return nil
}

// queue records the jobs enqueued.
type queue struct{ jobs []job.Job }

func (q *queue) Enqueue(ctx context.Context, jobs ...job.Job) error {
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// channels names the Kick channel of every guild.
type channels struct{ name string }

func (c channels) Connection(ctx context.Context, guild string) (int64, string, time.Time, error) {
	return 1, c.name, time.Time{}, nil
}
