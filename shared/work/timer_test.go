package work_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/work"
)

// timerStore claims posts as DynamoDB's conditional write does.
type timerStore struct {
	last        map[string]time.Time
	connected   bool
	err         error
	streamReads int
}

func (s *timerStore) ClaimTimerPost(_ context.Context, g string, p timer.Post) (bool, error) {
	if s.err != nil {
		return false, s.err
	}
	last, ok := s.last[p.Name]
	if !ok {
		return false, nil
	}
	if !last.Equal(p.Prior) && !last.Equal(p.Slot) {
		return false, nil
	}
	s.last[p.Name] = p.Slot
	return true, nil
}

func (s *timerStore) Connection(context.Context, string) (int64, string, time.Time, error) {
	if !s.connected {
		return 0, "", time.Time{}, fault.E(fault.NotFound, "not connected")
	}
	return 4402117, "iron_streams", t0, nil
}

func (s *timerStore) Stream(context.Context, string) (stream.State, error) {
	s.streamReads++
	return stream.State{Live: true, StartedAt: t0.Add(-90 * time.Minute), Title: "Day 3", Category: event.Category{Name: "Slots"}}, nil
}

// sayer records what was said, once per cause like chat.Sender.
type sayer struct {
	said   []chat.Message
	causes map[string]bool
	err    error
}

func (s *sayer) Say(_ context.Context, m chat.Message, _ time.Time) (chat.Outcome, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.causes[m.Cause] {
		return chat.Repeated, nil
	}
	if s.causes == nil {
		s.causes = map[string]bool{}
	}
	s.causes[m.Cause] = true
	s.said = append(s.said, m)
	return chat.Sent, nil
}

type reauth struct{ asked []int64 }

func (r *reauth) Reauth(_ context.Context, b int64) error { r.asked = append(r.asked, b); return nil }

func TestTimerJob(t *testing.T) {
	slot := t0.Add(10 * time.Minute)
	post := timer.Post{Name: "discord", Slot: slot, Prior: t0, Text: "Join the Discord!", Next: 1}
	for _, tt := range []struct {
		name    string
		now     time.Time
		edit    func(*timerStore, *sayer, *work.Worker)
		jobs    []timer.Post
		said    int
		wantErr fault.Kind
	}{
		{"said", slot.Add(3 * time.Second), nil, []timer.Post{post}, 1, 0},
		{"the same job twice is said once", slot.Add(3 * time.Second), nil, []timer.Post{post, post}, 1, 0},
		{"a later slot decided from the same state is not said", slot.Add(70 * time.Second), nil,
			[]timer.Post{post, func() timer.Post { p := post; p.Slot = slot.Add(time.Minute); return p }()}, 1, 0},
		{"stale", slot.Add(3 * time.Minute), nil, []timer.Post{post}, 0, 0},
		{"timer gone", slot, func(s *timerStore, _ *sayer, _ *work.Worker) { delete(s.last, "discord") }, []timer.Post{post}, 0, 0},
		{"no channel", slot, func(s *timerStore, _ *sayer, _ *work.Worker) { s.connected = false }, []timer.Post{post}, 0, 0},
		{"store down", slot, func(s *timerStore, _ *sayer, _ *work.Worker) { s.err = fault.E(fault.Transient, "down") }, []timer.Post{post}, 0, fault.Transient},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &timerStore{last: map[string]time.Time{"discord": t0}, connected: true}
			say := &sayer{}
			w := &work.Worker{Timers: st, Say: say, Now: func() time.Time { return tt.now }}
			if tt.edit != nil {
				tt.edit(st, say, w)
			}
			var err error
			for _, p := range tt.jobs {
				if e := w.Do(context.Background(), job.ForTimer("g", p)); e != nil {
					err = e
				}
			}
			if (tt.wantErr == 0) != (err == nil) || (err != nil && !fault.Is(err, tt.wantErr)) {
				t.Errorf("Do = %v, want kind %v", err, tt.wantErr)
			}
			if len(say.said) != tt.said {
				t.Fatalf("said %d messages %+v, want %d", len(say.said), say.said, tt.said)
			}
			if tt.said == 0 {
				return
			}
			m := say.said[0]
			want := "Join the Discord!"
			if m.Broadcaster != 4402117 || m.Text != want || m.Cause != fmt.Sprintf("timer/g/discord/%d", slot.Unix()/60) {
				t.Errorf("said %+v, want %q in 4402117's chat, caused by the guild, timer and slot", m, want)
			}
		})
	}
}

func TestTimerJobReconnect(t *testing.T) {
	slot := t0.Add(10 * time.Minute)
	r := &reauth{}
	w := &work.Worker{Timers: &timerStore{last: map[string]time.Time{"discord": t0}, connected: true},
		Say: &sayer{err: credential.ErrReconnect}, Reconnect: r, Now: func() time.Time { return slot }}
	err := w.Do(context.Background(), job.ForTimer("g", timer.Post{Name: "discord", Slot: slot, Prior: t0, Text: "hi"}))
	if !fault.Is(err, fault.Forbidden) || len(r.asked) != 1 || r.asked[0] != 4402117 {
		t.Errorf("Do with a refused login = %v, reauth asked for %v; want Forbidden and 4402117", err, r.asked)
	}
}

func TestTimerJobTransientSayIsDroppedWhenARetryIsLate(t *testing.T) {
	slot := t0.Add(10 * time.Minute)
	post := timer.Post{Name: "discord", Slot: slot, Prior: t0, Text: "hi"}
	for _, tt := range []struct {
		retry time.Duration
		want  bool
	}{{time.Minute, true}, {0, false}} {
		w := &work.Worker{Timers: &timerStore{last: map[string]time.Time{"discord": t0}, connected: true},
			Say: &sayer{err: fault.E(fault.Transient, "kick 503")}, RetryAfter: tt.retry, Now: func() time.Time { return slot }}
		err := w.Do(context.Background(), job.ForTimer("g", post))
		if got := err != nil; got != tt.want {
			t.Errorf("RetryAfter %v: Do = %v, want an error %v", tt.retry, err, tt.want)
		}
	}
}

func TestTimerJobRenders(t *testing.T) {
	slot := t0.Add(10 * time.Minute)
	for _, tt := range []struct {
		text, want string
		reads      int
	}{
		{"Welcome to {channel}! {random:Hi|Hello} {randnum:1-6}", "Welcome to iron_streams! Hi 1", 0},
		{"Live for {uptime}: {title} ({category})", "Live for 1h 40m: Day 3 (Slots)", 1},
		{"!{channel} {unknown}", "▸ !iron_streams {unknown}", 0},
	} {
		st := &timerStore{last: map[string]time.Time{"t": t0}, connected: true}
		say := &sayer{}
		w := &work.Worker{Timers: st, Say: say, Now: func() time.Time { return slot }, Rand: func(int64) int64 { return 0 }}
		if err := w.Do(context.Background(), job.ForTimer("g", timer.Post{Name: "t", Slot: slot, Prior: t0, Text: tt.text})); err != nil {
			t.Fatal(err)
		}
		if len(say.said) != 1 || say.said[0].Text != tt.want || st.streamReads != tt.reads {
			t.Errorf("timer %q said %+v with %d stream reads, want %q with %d", tt.text, say.said, st.streamReads, tt.want, tt.reads)
		}
	}
}
