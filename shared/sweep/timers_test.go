package sweep_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/settings"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/watchtime"
)

func (m *memStore) Timers(_ context.Context, g string) ([]timer.Timer, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.timerReads++
	return append([]timer.Timer(nil), m.timers[g]...), nil
}

// chatted records that users chatted (a chat message: it carries a badge)
// minutesAgo minutes before now's minute.
func (m *memStore) chatted(g string, minutesAgo int, users ...int64) {
	no := false
	at := watchtime.MinuteOf(now).Start().Add(-time.Duration(minutesAgo)*time.Minute + 20*time.Second)
	for _, u := range users {
		m.activity[g] = append(m.activity[g], audience.Activity{UserID: u, Username: fmt.Sprint("v", u), At: at, Subscriber: &no})
	}
}

// timerGuild is a live guild "g" with the given timers, each posted
// last lastAgo minutes before now's minute with a 10-minute interval.
func timerGuild(lastAgo int, names ...string) *memStore {
	st := newStore()
	st.streams["g"] = stream.State{Guild: "g", Live: true, StartedAt: now.Add(-2 * time.Hour), StatusAt: now.Add(-2 * time.Hour)}
	st.through["g"] = watchtime.MinuteOf(now) - 1
	st.timers = map[string][]timer.Timer{}
	for _, n := range names {
		st.timers["g"] = append(st.timers["g"], timer.Timer{
			Name: n, Variants: []string{"say " + n, "or " + n}, Interval: 10 * time.Minute, MinChatters: 3, Enabled: true,
			Created: now.Add(-24 * time.Hour), LastPost: watchtime.MinuteOf(now).Start().Add(-time.Duration(lastAgo) * time.Minute),
		})
	}
	return st
}

func timerJobs(q *memQueue) []string {
	var out []string
	for _, j := range q.jobs {
		if j.Kind == job.KindTimer {
			out = append(out, j.ID+" "+j.Timer.Text)
		}
	}
	return out
}

func TestTimerPosts(t *testing.T) {
	m := watchtime.MinuteOf(now)
	id := func(name string) string { return fmt.Sprintf("timer/%d/g/%s", m, name) }
	for _, tt := range []struct {
		name  string
		setup func(st *memStore)
		want  []string
		// reads are the activity reads of the run: the crediting's, and
		// one more only when older chat had to be read.
		reads int
	}{
		{"due, three chatters in the window", func(st *memStore) { st.chatted("g", 1, 1, 2, 3) },
			[]string{id("a") + " say a"}, 1},
		{"two chatters", func(st *memStore) { st.chatted("g", 1, 1, 2) }, nil, 2},
		{"interval not passed", func(st *memStore) {
			st.timers["g"][0].LastPost = m.Start().Add(-9 * time.Minute)
			st.chatted("g", 1, 1, 2, 3)
		}, nil, 1},
		{"chatters before the window are read once", func(st *memStore) {
			st.chatted("g", 8, 1, 2)
			st.chatted("g", 1, 3)
		}, []string{id("a") + " say a"}, 2},
		{"chat before the last post does not count", func(st *memStore) {
			st.chatted("g", 11, 1, 2)
			st.chatted("g", 1, 3)
		}, nil, 2},
		{"the bot, ignored names and non-chat activity do not count", func(st *memStore) {
			st.chatted("g", 1, 1, 2, 99, 7)
			st.settings["g"] = settings.Settings{ActivityWindow: 5 * time.Minute, PointsPer5Min: 1, SubMultiplierPct: 100, Ignored: []string{"v7"}}
			st.activity["g"] = append(st.activity["g"], audience.Activity{UserID: 8, Username: "follower", At: now.Add(-time.Minute)})
		}, nil, 2},
		{"offline stream", func(st *memStore) {
			st.streams["g"] = stream.State{Guild: "g", StatusAt: now.Add(-time.Hour), EndedAt: now.Add(-time.Hour)}
			st.chatted("g", 1, 1, 2, 3)
		}, nil, 0},
		{"rotation", func(st *memStore) {
			st.timers["g"][0].Next = 1
			st.chatted("g", 1, 1, 2, 3)
		}, []string{id("a") + " or a"}, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := timerGuild(10, "a")
			tt.setup(st)
			q := &memQueue{}
			s := &sweep.Sweeper{Store: st, Queue: q, Timers: st, BotUserID: 99}
			if _, err := s.Guild(context.Background(), "g", m, now); err != nil {
				t.Fatal(err)
			}
			if got := timerJobs(q); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("timer jobs = %q, want %q", got, tt.want)
			}
			if got := len(st.actReads["g"]); got != tt.reads {
				t.Errorf("activity reads = %d %v, want %d", got, st.actReads["g"], tt.reads)
			}
		})
	}
}

// TestTimerCostsNothingWithoutTimers: a guild without timers costs the
// sweep no read beyond crediting's.
func TestTimerCostsNothingWithoutTimers(t *testing.T) {
	st := timerGuild(10)
	st.chatted("g", 1, 1, 2, 3)
	s := &sweep.Sweeper{Store: st, Queue: &memQueue{}, Timers: st}
	if _, err := s.Guild(context.Background(), "g", watchtime.MinuteOf(now), now); err != nil {
		t.Fatal(err)
	}
	if st.timerReads != 0 || len(st.actReads["g"]) != 1 {
		t.Errorf("timer reads %d, activity reads %d; want 0 and 1", st.timerReads, len(st.actReads["g"]))
	}
}

// TestTimersStagger: three timers due in the same minute post one a
// minute, the longest waiting first.
func TestTimersStagger(t *testing.T) {
	st := timerGuild(10, "c", "b", "a")
	st.timers["g"][0].LastPost = st.timers["g"][0].LastPost.Add(-5 * time.Minute) // c waited longest
	for ago := 1; ago <= 4; ago++ {
		st.chatted("g", ago, 1, 2, 3)
	}
	q := &memQueue{}
	s := &sweep.Sweeper{Store: st, Queue: q, Timers: st}
	m := watchtime.MinuteOf(now)
	var got []string
	for i := range 4 {
		q.jobs = nil
		if _, err := s.Guild(context.Background(), "g", m+watchtime.Minute(i), now.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		jobs := timerJobs(q)
		if len(jobs) > 1 {
			t.Fatalf("minute +%d queued %d timer posts, want at most 1", i, len(jobs))
		}
		name := "-"
		for _, j := range q.jobs {
			if j.Kind == job.KindTimer {
				name = j.Timer.Name
				// The worker's claim moves the timer on.
				for k := range st.timers["g"] {
					if st.timers["g"][k].Name == name {
						st.timers["g"][k].LastPost = j.Timer.Slot
					}
				}
			}
		}
		got = append(got, name)
		st.chatted("g", -i, 4, 5, 6) // the chat goes on
	}
	if fmt.Sprint(got) != "[c a b -]" {
		t.Errorf("posts a minute = %v, want [c a b -]", got)
	}
}

// TestTimerSweepTwice: a second run of the same minute, which has nothing
// left to credit, queues the same post under the same job id, which the
// queue drops and the worker's claim would refuse.
func TestTimerSweepTwice(t *testing.T) {
	st := timerGuild(10, "a")
	st.chatted("g", 1, 1, 2, 3)
	q := &memQueue{}
	s := &sweep.Sweeper{Store: st, Queue: q, Timers: st}
	m := watchtime.MinuteOf(now)
	for range 2 {
		if _, err := s.Run(context.Background(), m, now); err != nil {
			t.Fatal(err)
		}
	}
	jobs := timerJobs(q)
	if len(jobs) != 2 || jobs[0] != jobs[1] {
		t.Errorf("timer jobs of two runs = %q, want the same job twice", jobs)
	}
}
