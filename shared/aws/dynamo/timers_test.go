package dynamo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/timer"
	"github.com/kickbot/kickbot/shared/watchtime"
	"github.com/kickbot/kickbot/shared/work"
)

func timerCause(id string) interact.Cause { return interact.Cause{ID: id, Expires: at(60)} }

func newTimer(name string, variants ...string) timer.Timer {
	return timer.Timer{Name: name, Variants: variants, Interval: 10 * time.Minute, MinChatters: 3, Enabled: true, Created: at(0)}
}

// runTimerSuite checks the timer items, their count on the checkpoint and
// the post claims.
func runTimerSuite(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Manage", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		count := func(want int) {
			t.Helper()
			cp, err := s.Checkpoint(ctx, "g")
			check(t, "Checkpoint", err)
			if cp.Timers != want {
				t.Errorf("Checkpoint().Timers = %d, want %d", cp.Timers, want)
			}
		}
		a := newTimer("a", "one", "two")
		check(t, "AddTimerOnce", s.AddTimerOnce(ctx, "g", a, timerCause("1")))
		if err := s.AddTimerOnce(ctx, "g", a, timerCause("1")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("AddTimerOnce replayed = %v, want ErrApplied", err)
		}
		wantKind(t, "AddTimerOnce of a taken name", s.AddTimerOnce(ctx, "g", newTimer("a", "x"), timerCause("2")), fault.Conflict)
		wantKind(t, "AddTimerOnce of an invalid timer", s.AddTimerOnce(ctx, "g", newTimer("Bad", "x"), timerCause("3")), fault.Invalid)
		check(t, "AddTimerOnce b", s.AddTimerOnce(ctx, "g", newTimer("b", "bee"), timerCause("4")))
		check(t, "AddTimerOnce in another guild", s.AddTimerOnce(ctx, "h", newTimer("a", "x"), timerCause("5")))
		count(2)
		// The count made the checkpoint item; no minute is credited yet.
		if cp, _ := s.Checkpoint(ctx, "g"); cp.OK {
			t.Errorf("Checkpoint after adding timers = %+v, want no minute credited", cp)
		}
		check(t, "Advance", s.Advance(ctx, "g", 100, true))
		if cp, _ := s.Checkpoint(ctx, "g"); !cp.OK || cp.Through != 100 || cp.Timers != 2 {
			t.Errorf("Checkpoint after Advance = %+v, want through 100 with 2 timers", cp)
		}

		got, err := s.Timers(ctx, "g")
		check(t, "Timers", err)
		a.Version = 1
		b := newTimer("b", "bee")
		b.Version = 1
		opt := cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })
		if diff := cmp.Diff([]timer.Timer{a, b}, got, opt); diff != "" {
			t.Errorf("Timers (-want +got):\n%s", diff)
		}

		// A post, then an edit: the edit keeps the post state.
		ok, err := s.ClaimTimerPost(ctx, "g", timer.Post{Name: "a", Slot: at(10), Text: "one", Next: 1})
		if err != nil || !ok {
			t.Fatalf("ClaimTimerPost = %v, %v; want true", ok, err)
		}
		edit := a
		edit.Variants, edit.Interval, edit.Enabled = []string{"uno"}, 15*time.Minute, false
		check(t, "EditTimerOnce", s.EditTimerOnce(ctx, "g", edit, timerCause("6")))
		if err := s.EditTimerOnce(ctx, "g", edit, timerCause("6")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("EditTimerOnce replayed = %v, want ErrApplied", err)
		}
		wantKind(t, "EditTimerOnce of an old version", s.EditTimerOnce(ctx, "g", edit, timerCause("7")), fault.Conflict)
		wantKind(t, "EditTimerOnce of no timer", s.EditTimerOnce(ctx, "g", newTimer("zz", "x"), timerCause("8")), fault.NotFound)
		got, err = s.Timers(ctx, "g")
		check(t, "Timers", err)
		edit.Version, edit.LastPost, edit.Next = 2, at(10), 1
		if diff := cmp.Diff(edit, got[0], opt); diff != "" {
			t.Errorf("edited timer (-want +got):\n%s", diff)
		}

		check(t, "RemoveTimerOnce", s.RemoveTimerOnce(ctx, "g", "a", timerCause("9")))
		if err := s.RemoveTimerOnce(ctx, "g", "a", timerCause("9")); !errors.Is(err, interact.ErrApplied) {
			t.Errorf("RemoveTimerOnce replayed = %v, want ErrApplied", err)
		}
		wantKind(t, "RemoveTimerOnce again", s.RemoveTimerOnce(ctx, "g", "a", timerCause("10")), fault.NotFound)
		count(1)
		if cp, _ := s.Checkpoint(ctx, "g"); cp.Through != 100 {
			t.Errorf("Checkpoint after RemoveTimerOnce = %+v, want through 100 still", cp)
		}
	})

	t.Run("Limit", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		for i := range timer.MaxTimers {
			check(t, "AddTimerOnce", s.AddTimerOnce(ctx, "g", newTimer(fmt.Sprintf("t%02d", i), "x"), timerCause(fmt.Sprint("add", i))))
		}
		wantKind(t, "AddTimerOnce past the limit", s.AddTimerOnce(ctx, "g", newTimer("more", "x"), timerCause("more")), fault.Invalid)
		got, err := s.Timers(ctx, "g")
		check(t, "Timers", err)
		if len(got) != timer.MaxTimers {
			t.Errorf("Timers = %d, want %d", len(got), timer.MaxTimers)
		}
	})

	t.Run("ClaimTimerPost", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check(t, "AddTimerOnce", s.AddTimerOnce(ctx, "g", newTimer("a", "x", "y"), timerCause("1")))
		post := func(slot, prior int) timer.Post {
			p := timer.Post{Name: "a", Slot: at(slot), Text: "x", Next: 1}
			if prior > 0 {
				p.Prior = at(prior)
			}
			return p
		}
		for _, st := range []struct {
			name string
			p    timer.Post
			want bool
		}{
			{"first post", post(10, 0), true},
			{"the same post again (a retry)", post(10, 0), true},
			{"another slot from the same state (a late sweep)", post(11, 0), false},
			{"a slot from an older state", post(20, 5), false},
			{"the next post", post(20, 10), true},
			{"the one before it again", post(10, 0), false},
		} {
			got, err := s.ClaimTimerPost(ctx, "g", st.p)
			check(t, st.name, err)
			if got != st.want {
				t.Errorf("%s: ClaimTimerPost = %v, want %v", st.name, got, st.want)
			}
		}
		if ok, err := s.ClaimTimerPost(ctx, "g", timer.Post{Name: "gone", Slot: at(30), Text: "x"}); ok || err != nil {
			t.Errorf("ClaimTimerPost of no timer = %v, %v; want false", ok, err)
		}
		wantKind(t, "ClaimTimerPost without a slot", errIfNot(s.ClaimTimerPost(ctx, "g", timer.Post{Name: "a"})), fault.Invalid)
	})

	t.Run("SweepPostsOnce", func(t *testing.T) { t.Parallel(); runTimerPipeline(t, newStore(t)) })
}

// memJobs is a queue that keeps every job, copies included.
type memJobs struct {
	mu   sync.Mutex
	jobs []job.Job
}

func (q *memJobs) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs = append(q.jobs, jobs...)
	return nil
}

func (q *memJobs) take() []job.Job {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.jobs
	q.jobs = nil
	return out
}

// kickChat is a Kick that records what was posted.
type kickChat struct {
	mu   sync.Mutex
	said []string
}

func (k *kickChat) Post(_ context.Context, _ string, m chat.Message) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.said = append(k.said, m.Text)
	return fmt.Sprint("msg", len(k.said)), nil
}

func (k *kickChat) Unauthorized(error) bool { return false }

type fixedToken struct{}

func (fixedToken) Token(context.Context, int64) (string, error) { return "tok", nil }
func (fixedToken) TokenAfter401(context.Context, int64, string) (string, error) {
	return "tok", nil
}

// runTimerPipeline runs the sweep and the worker on s: sweeps of one
// minute run twice and concurrently (with a late one of the minute
// before), and every job they queue runs, copies too, concurrently; each
// due timer is said once, one a minute, its variants in turn, and only
// after three more viewers chatted.
func runTimerPipeline(t *testing.T, s *Store) {
	ctx := t.Context()
	const b = 4402117
	check(t, "ConnectChannel", s.ConnectChannel(ctx, "g", b, "chan", at(0)))
	check(t, "SetStreamStatus", s.SetStreamStatus(ctx, "g", at(0), event.Status{Live: true, StartedAt: at(0)}))
	a := newTimer("a", "a one", "a two")
	check(t, "AddTimerOnce a", s.AddTimerOnce(ctx, "g", a, timerCause("1")))
	check(t, "AddTimerOnce b", s.AddTimerOnce(ctx, "g", newTimer("b", "bee"), timerCause("2")))
	no := false
	chatted := func(minute int, users ...int64) {
		for _, u := range users {
			check(t, "TouchViewer", s.TouchViewer(ctx, "g", audience.Activity{UserID: u, Username: fmt.Sprint("v", u), At: at(minute).Add(15 * time.Second), Subscriber: &no}))
		}
	}
	kick := &kickChat{}
	q := &memJobs{}
	sw := &sweep.Sweeper{Store: s, Queue: q, Timers: s}
	w := &work.Worker{Timers: s, Say: &chat.Sender{Kick: kick, Tokens: fixedToken{}, Store: s}}

	// sweep runs the sweeps of minutes, concurrently, then the worker on
	// every job they queued, concurrently, at the minute's start.
	sweep := func(minutes ...int) {
		t.Helper()
		var wg sync.WaitGroup
		for _, m := range minutes {
			wg.Go(func() {
				if _, err := sw.Guild(ctx, "g", watchtime.MinuteOf(at(m)), at(m)); err != nil {
					t.Errorf("sweep of minute %d: %v", m, err)
				}
			})
		}
		wg.Wait()
		jobs := q.take()
		last := minutes[len(minutes)-1]
		w.Now = func() time.Time { return at(last).Add(5 * time.Second) }
		for _, j := range jobs {
			wg.Go(func() {
				if err := w.Do(ctx, j); err != nil {
					t.Errorf("job %s: %v", j.ID, err)
				}
			})
		}
		wg.Wait()
	}
	said := func(when string, want ...string) {
		t.Helper()
		kick.mu.Lock()
		got := kick.said
		kick.said = nil
		kick.mu.Unlock()
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: Kick chat got %q, want %q", when, got, want)
		}
	}

	chatted(7, 1, 2)
	chatted(8, 3)
	sweep(10, 10)
	said("minute 10, swept twice", "a one")
	sweep(10, 11, 11, 11)
	said("minute 11, swept three times with a late 10", "bee")
	sweep(12)
	said("minute 12: both posted, none due")
	// Ten minutes on, a is due again but the chat is quiet.
	chatted(15, 1, 2)
	sweep(20)
	said("minute 20, two chatters since")
	chatted(20, 4)
	sweep(21, 21)
	said("minute 21, three chatters since", "a two")
}

func TestTimersEmbedded(t *testing.T) {
	runTimerSuite(t, func(t *testing.T) *Store {
		s, _ := newEmbedded(t)
		return s
	})
}

// opLog records the calls a Store makes: "Op sk-kind" for item calls
// (the sort key up to its first '#'), "Query" and "Transact n" otherwise.
type opLog struct {
	API
	mu  sync.Mutex
	ops []string
}

func (l *opLog) add(op string, key map[string]types.AttributeValue) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if sk, ok := key["sk"].(*types.AttributeValueMemberS); ok {
		kind, _, _ := strings.Cut(sk.Value, "#")
		op += " " + kind
	}
	l.ops = append(l.ops, op)
}

func (l *opLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.ops
	l.ops = nil
	slices.Sort(out)
	return out
}

func (l *opLog) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	l.add("Get", in.Key)
	return l.API.GetItem(ctx, in, o...)
}

func (l *opLog) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	l.add("Put", in.Item)
	return l.API.PutItem(ctx, in, o...)
}

func (l *opLog) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	l.add("Update", in.Key)
	return l.API.UpdateItem(ctx, in, o...)
}

func (l *opLog) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	l.add("Delete", in.Key)
	return l.API.DeleteItem(ctx, in, o...)
}

func (l *opLog) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	l.add("Query", nil)
	return l.API.Query(ctx, in, o...)
}

func (l *opLog) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	l.add(fmt.Sprintf("Transact %d", len(in.TransactItems)), nil)
	return l.API.TransactWriteItems(ctx, in, o...)
}

// TestTimerCosts counts the DynamoDB calls timers add: none to the sweep
// of a guild without timers, one Query to that of a guild with timers,
// and, per post, one conditional write on the timer's item beside the
// chat Sender's own calls.
func TestTimerCosts(t *testing.T) {
	s, _ := newEmbedded(t)
	ctx := t.Context()
	log := &opLog{API: s.Client}
	counted := New(log, s.Table)
	no := false
	for _, g := range []string{"plain", "timed"} {
		check(t, "ConnectChannel", s.ConnectChannel(ctx, g, 4402117, "chan", at(0)))
		check(t, "SetStreamStatus", s.SetStreamStatus(ctx, g, at(0), event.Status{Live: true, StartedAt: at(0)}))
		for u := range int64(3) {
			check(t, "TouchViewer", s.TouchViewer(ctx, g, audience.Activity{UserID: u + 1, At: at(9), Subscriber: &no}))
		}
		check(t, "Advance", s.Advance(ctx, g, watchtime.MinuteOf(at(8)), true))
	}
	check(t, "AddTimerOnce", s.AddTimerOnce(ctx, "timed", newTimer("a", "hello"), timerCause("1")))
	q := &memJobs{}
	sw := &sweep.Sweeper{Store: counted, Queue: q, Timers: counted}
	guild := func(g string, minute int) []string {
		t.Helper()
		if _, err := sw.Guild(ctx, g, watchtime.MinuteOf(at(minute)), at(minute)); err != nil {
			t.Fatal(err)
		}
		return log.take()
	}
	plain := guild("plain", 9)
	waiting := guild("timed", 9) // a's interval runs until minute 10
	t.Logf("sweep of a guild without timers: %d calls %v", len(plain), plain)
	t.Logf("sweep of a guild whose timer is waiting: %d calls", len(waiting))
	if len(waiting) != len(plain)+1 || slices.Contains(plain, "Query TIMER") {
		t.Errorf("the timers cost the sweep %d calls more, want 1 (the timers' Query)", len(waiting)-len(plain))
	}
	plain = guild("plain", 10)
	due := guild("timed", 10)
	t.Logf("sweep of a guild whose timer is due: %d calls (%d more than without timers)", len(due), len(due)-len(plain))
	if len(due) != len(plain)+1 {
		t.Errorf("a due timer whose chatters the crediting read cost the sweep %d calls more, want 1", len(due)-len(plain))
	}
	jobs := q.take()
	if len(jobs) != 1 {
		t.Fatalf("queued %d jobs, want 1", len(jobs))
	}
	kick := &kickChat{}
	w := &work.Worker{Timers: counted, Say: &chat.Sender{Kick: kick, Tokens: fixedToken{}, Store: counted},
		Now: func() time.Time { return at(10).Add(2 * time.Second) }}
	check(t, "Do", w.Do(ctx, jobs[0]))
	post := log.take()
	t.Logf("a timer post in the worker: %d calls %v", len(post), post)
	if n := slices.Index(post, "Update TIMER"); n < 0 || slices.Contains(post[n+1:], "Update TIMER") {
		t.Errorf("the post wrote its timer %v, want one Update", post)
	}
	if len(kick.said) != 1 {
		t.Errorf("Kick chat got %q, want one message", kick.said)
	}
}
