package upkeep_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/upkeep"
)

var now = time.Date(2026, 3, 14, 20, 3, 0, 0, time.UTC)

type store struct {
	conns   []stream.Connection
	records map[int64]credential.Record
}

func (s *store) Connections(context.Context) ([]stream.Connection, error) { return s.conns, nil }

func (s *store) Guilds(_ context.Context, b int64) ([]string, error) {
	var out []string
	for _, c := range s.conns {
		if c.Broadcaster == b {
			out = append(out, c.Guild)
		}
	}
	return out, nil
}

func (s *store) Load(_ context.Context, b int64) (credential.Record, error) {
	r, ok := s.records[b]
	if !ok {
		return credential.Record{}, fault.E(fault.NotFound, "no credentials")
	}
	return r, nil
}

type queue struct{ jobs []job.Job }

func (q *queue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.jobs = append(q.jobs, jobs...)
	return nil
}

// tokens refuses the logins in refuse, marking them in the store as
// credential.Source does, and counts calls.
type tokens struct {
	s      *store
	refuse map[int64]bool
	fail   map[int64]error
	calls  []int64
}

func (t *tokens) Token(_ context.Context, b int64) (string, error) {
	t.calls = append(t.calls, b)
	if err := t.fail[b]; err != nil {
		return "", err
	}
	if t.refuse[b] {
		r := t.s.records[b]
		r.NeedsReauth, r.Version = true, r.Version+1
		t.s.records[b] = r
		return "", credential.ErrReconnect
	}
	return "access", nil
}

type notifier struct {
	sent map[string]bool
	log  []string
}

func (n *notifier) Once(_ context.Context, guild, key, _ string) (bool, error) {
	if n.sent[guild+" "+key] {
		return false, nil
	}
	n.sent[guild+" "+key] = true
	n.log = append(n.log, guild+" "+key)
	return true, nil
}

func TestFanOutRoles(t *testing.T) {
	s := &store{conns: []stream.Connection{{Guild: "g2", Broadcaster: 1}, {Guild: "g1", Broadcaster: 1}, {Guild: "g2", Broadcaster: 2}}}
	q := &queue{}
	u := &upkeep.Upkeep{Store: s, Queue: q}
	n, err := u.FanOutRoles(context.Background(), now)
	if err != nil || n != 2 {
		t.Fatalf("FanOutRoles = %d, %v; want 2 guilds", n, err)
	}
	slot := now.Truncate(upkeep.RolesEvery).Unix()
	var ids []string
	for _, j := range q.jobs {
		ids = append(ids, j.ID)
		if err := j.Validate(); err != nil || j.Kind != job.KindRoles {
			t.Errorf("job %s: %v, kind %s", j.ID, err, j.Kind)
		}
	}
	want := []string{fmt.Sprintf("roles/%d/g1", slot), fmt.Sprintf("roles/%d/g2", slot)}
	if diff := cmp.Diff(ids, want); diff != "" {
		t.Errorf("job ids (-got +want):\n%s", diff)
	}
}

func TestKeep(t *testing.T) {
	s := &store{
		conns: []stream.Connection{{Guild: "g1", Broadcaster: 1}, {Guild: "g2", Broadcaster: 1}, {Guild: "g3", Broadcaster: 2},
			{Guild: "g4", Broadcaster: 3}, {Guild: "g5", Broadcaster: 4}},
		records: map[int64]credential.Record{1: {Version: 4}, 2: {Version: 9, NeedsReauth: true}, 4: {Version: 1}},
	}
	tok := &tokens{s: s, refuse: map[int64]bool{1: true}, fail: map[int64]error{4: fault.E(fault.Transient, "Kick is down")}}
	n := &notifier{sent: map[string]bool{}}
	repaired, unlisted := 0, 0
	u := &upkeep.Upkeep{Store: s, Tokens: tok, Notify: n, Repair: func(context.Context) error { repaired++; return nil },
		Unlist: func(context.Context) error { unlisted++; return nil }}

	err := u.Keep(context.Background())
	if fault.KindOf(err) != fault.Transient {
		t.Errorf("Keep = %v, want broadcaster 4's Transient error after trying the rest", err)
	}
	if repaired != 1 || unlisted != 1 {
		t.Errorf("repaired %d times, unlisted %d; want 1 each despite one channel's failure", repaired, unlisted)
	}
	// 1's login is refused now: both its guilds are told, with the version
	// of the refusal; 2 was refused before and is told without asking
	// Kick; 3 has no login kept (seeded) and is skipped.
	want := []string{"g1 kick-reauth#1#5", "g2 kick-reauth#1#5", "g3 kick-reauth#2#9"}
	if diff := cmp.Diff(n.log, want); diff != "" {
		t.Errorf("notices (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(tok.calls, []int64{1, 4}); diff != "" {
		t.Errorf("logins renewed (-got +want):\n%s", diff)
	}

	// The next hour tells nobody again.
	n.log = nil
	u.Keep(context.Background())
	if len(n.log) != 0 {
		t.Errorf("second run told %v again", n.log)
	}
}

func TestReauth(t *testing.T) {
	s := &store{
		conns:   []stream.Connection{{Guild: "g1", Broadcaster: 1}, {Guild: "g2", Broadcaster: 1}, {Guild: "g3", Broadcaster: 2}},
		records: map[int64]credential.Record{1: {Version: 5, NeedsReauth: true}, 2: {Version: 3}},
	}
	n := &notifier{sent: map[string]bool{}}
	u := &upkeep.Upkeep{Store: s, Notify: n}
	for _, b := range []int64{1, 1, 2} {
		if err := u.Reauth(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	// 1 is told to both its guilds once; 2's login is fine.
	if diff := cmp.Diff(n.log, []string{"g1 kick-reauth#1#5", "g2 kick-reauth#1#5"}); diff != "" {
		t.Errorf("notices (-got +want):\n%s", diff)
	}
	// The hourly run afterwards tells nobody again.
	n.log = nil
	(&upkeep.Upkeep{Store: s, Notify: n, Tokens: &tokens{s: s}}).Keep(context.Background())
	if len(n.log) != 0 {
		t.Errorf("hourly run told %v again", n.log)
	}
}

func TestRunUnknownTask(t *testing.T) {
	err := (&upkeep.Upkeep{}).Run(context.Background(), "dance", now)
	if fault.KindOf(err) != fault.Invalid {
		t.Errorf("Run(dance) = %v, want Invalid", err)
	}
}

func ExampleUpkeep_FanOutRoles() {
	s := &store{conns: []stream.Connection{{Guild: "1234", Broadcaster: 4402117}}}
	q := &queue{}
	u := &upkeep.Upkeep{Store: s, Queue: q}
	n, _ := u.FanOutRoles(context.Background(), time.Date(2026, 3, 14, 20, 3, 0, 0, time.UTC))
	fmt.Println(n, q.jobs[0].ID)
	// Output: 1 roles/1773518400/1234
}
