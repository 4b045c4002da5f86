package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/clock"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/job"
)

// memStore is an in-memory ingest.Store that counts calls and can be told
// to fail the next call of a method.
type memStore struct {
	mu        sync.Mutex
	conns     map[int64][]string
	lastChat  map[string]time.Time // guild/user -> time
	sub       map[string]*bool
	delivered map[delivery]bool
	kept      []ingest.Unprocessable
	calls     map[string]int
	failNext  map[string]error
	// writes names the writes in order: "touch g1/7", "mark f1".
	writes []string
}

// delivery keys the dedupe records as the real store does.
type delivery struct {
	id  string
	typ event.Type
}

func newMemStore() *memStore {
	return &memStore{
		conns:     map[int64][]string{4402117: {"g1"}},
		lastChat:  map[string]time.Time{},
		sub:       map[string]*bool{},
		delivered: map[delivery]bool{},
		calls:     map[string]int{},
		failNext:  map[string]error{},
	}
}

func (m *memStore) call(name string) error {
	m.calls[name]++
	if err := m.failNext[name]; err != nil {
		delete(m.failNext, name)
		return err
	}
	return nil
}

func (m *memStore) Guilds(_ context.Context, b int64) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Guilds"); err != nil {
		return nil, err
	}
	return m.conns[b], nil
}

func (m *memStore) TouchViewer(_ context.Context, g string, a audience.Activity) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("TouchViewer"); err != nil {
		return err
	}
	k := fmt.Sprintf("%s/%d", g, a.UserID)
	m.writes = append(m.writes, "touch "+k)
	if a.At.After(m.lastChat[k]) {
		m.lastChat[k] = a.At
		m.sub[k] = a.Subscriber
	}
	return nil
}

func (m *memStore) Delivered(_ context.Context, id string, typ event.Type) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("Delivered"); err != nil {
		return false, err
	}
	return m.delivered[delivery{id, typ}], nil
}

func (m *memStore) MarkDelivered(_ context.Context, id string, typ event.Type, _, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("MarkDelivered"); err != nil {
		return err
	}
	m.writes = append(m.writes, "mark "+id)
	m.delivered[delivery{id, typ}] = true
	return nil
}

func (m *memStore) KeepUnprocessable(_ context.Context, u ingest.Unprocessable, expires time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("KeepUnprocessable"); err != nil {
		return err
	}
	m.writes = append(m.writes, fmt.Sprintf("keep %s until %s", u.MessageID, expires.Format(time.RFC3339)))
	m.kept = append(m.kept, u)
	return nil
}

// memQueue deduplicates by job ID like an SQS FIFO queue does, and refuses
// what jobqueue.Queue refuses: a job that does not encode.
type memQueue struct {
	mu    sync.Mutex
	jobs  []job.Job
	seen  map[string]bool
	sends int
	fail  error
}

func (q *memQueue) Enqueue(_ context.Context, jobs ...job.Job) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.fail != nil {
		err := q.fail
		q.fail = nil
		return err
	}
	for _, j := range jobs {
		if _, err := j.Encode(); err != nil {
			return err
		}
	}
	q.sends++
	if q.seen == nil {
		q.seen = map[string]bool{}
	}
	for _, j := range jobs {
		if !q.seen[j.ID] {
			q.seen[j.ID] = true
			q.jobs = append(q.jobs, j)
		}
	}
	return nil
}

var t0 = time.Date(2026, 3, 14, 19, 0, 0, 0, time.UTC)

func newService() (*ingest.Service, *memStore, *memQueue, *clock.Manual) {
	st, q, c := newMemStore(), &memQueue{}, clock.New(t0)
	return &ingest.Service{Store: st, Queue: q, Now: c.Now}, st, q, c
}

func chat(id string, user int64, content string, at time.Time) event.Event {
	return event.Event{
		ID: id, Type: event.ChatMessage, SentAt: at, Broadcaster: 4402117,
		Chat: &event.Chat{MessageID: "m-" + id, Sender: event.User{ID: user, Username: fmt.Sprint("u", user)}, Content: content, CreatedAt: at},
	}
}

func follow(id string) event.Event {
	return event.Event{ID: id, Type: event.Followed, SentAt: t0, Broadcaster: 4402117,
		Follow: &event.Follow{Follower: event.User{ID: 9, Username: "newfan"}}}
}

var transient = fault.Wrap(fault.Transient, errors.New("throttled"), "store")

func TestPlainChatTouchesOnlyTheViewer(t *testing.T) {
	s, st, q, _ := newService()
	if err := s.Handle(context.Background(), chat("a", 7, "hello chat", t0)); err != nil {
		t.Fatal(err)
	}
	if got := st.lastChat["g1/7"]; !got.Equal(t0) {
		t.Errorf("last chat = %v, want %v", got, t0)
	}
	if st.calls["Delivered"]+st.calls["MarkDelivered"] != 0 || q.sends != 0 {
		t.Errorf("plain chat made dedupe calls %v and %d sends, want none", st.calls, q.sends)
	}
}

func TestCommandIsQueuedOncePerGuild(t *testing.T) {
	s, st, q, _ := newService()
	st.conns[4402117] = []string{"g1", "g2"}
	ev := chat("a", 7, "!points", t0)
	for range 2 { // the second delivery is a duplicate
		if err := s.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := len(q.jobs), 2; got != want {
		t.Fatalf("queued %d jobs, want %d (one per guild)", got, want)
	}
	if q.sends != 1 {
		t.Errorf("enqueue called %d times, want 1 (duplicate must stop at the dedupe check)", q.sends)
	}
	for i, g := range []string{"g1", "g2"} {
		j := q.jobs[i]
		if j.Guild != g || j.Kind != job.KindCommand || j.Command.Name != "points" {
			t.Errorf("job %d = %+v, want a points command for %s", i, j, g)
		}
	}
	if !st.delivered[delivery{"a", event.ChatMessage}] {
		t.Error("delivery not marked done")
	}
}

// TestWhichChatIsACommandJob: a message becomes a command job when its
// name may have an answer: a built-in, or any name a custom command may
// have (the worker asks the store). Everything else is plain chat: no
// job, no dedupe record.
func TestWhichChatIsACommandJob(t *testing.T) {
	tests := []struct {
		content string
		want    string // the job's command name; "" for no job
	}{
		{"!points", "points"},
		{"!WatchTime @bob", "watchtime"},
		{"!commands", "commands"},
		{"!hello", "hello"},
		{"!Discord_2", "discord_2"},
		{"!my-cmd", ""},
		{"!call Book of Dead", "call"}, // a feature's built-in
		{"!raffle", "raffle"},          // a feature's built-in too
		{"!join", ""},                  // kept for a coming built-in
		{"!Ünïcode", ""},
		{"!" + strings.Repeat("a", 26), ""},
		{"hello !points", ""},
		{"▸ !points", ""}, // the bot's own prefixed echo
	}
	for _, tt := range tests {
		t.Run(tt.content, func(t *testing.T) {
			s, st, q, _ := newService()
			if err := s.Handle(context.Background(), chat("a", 7, tt.content, t0)); err != nil {
				t.Fatal(err)
			}
			got := ""
			if len(q.jobs) == 1 {
				got = q.jobs[0].Command.Name
			}
			if got != tt.want || len(q.jobs) > 1 {
				t.Errorf("Handle(%q) queued %d jobs (command %q), want command %q", tt.content, len(q.jobs), got, tt.want)
			}
			if tt.want == "" && st.calls["Delivered"]+st.calls["MarkDelivered"] != 0 {
				t.Errorf("Handle(%q) made dedupe calls %v, want none", tt.content, st.calls)
			}
		})
	}
}

func TestUnconnectedBroadcasterWritesNothing(t *testing.T) {
	s, st, q, _ := newService()
	ev := follow("f1")
	ev.Broadcaster = 999
	err := s.Handle(context.Background(), ev)
	if !fault.Is(err, fault.NotFound) {
		t.Errorf("Handle = %v, want NotFound", err)
	}
	if st.calls["TouchViewer"]+st.calls["MarkDelivered"] != 0 || len(q.jobs) != 0 {
		t.Errorf("unconnected broadcaster caused writes: calls %v, jobs %d", st.calls, len(q.jobs))
	}
}

func TestRetryAfterTransientFailureCountsOnce(t *testing.T) {
	steps := []string{"TouchViewer", "Delivered", "Enqueue", "MarkDelivered"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			s, st, q, _ := newService()
			if step == "Enqueue" {
				q.fail = transient
			} else {
				st.failNext[step] = transient
			}
			ev := follow("f1")
			if err := s.Handle(context.Background(), ev); !fault.Is(err, fault.Transient) {
				t.Fatalf("first delivery = %v, want Transient", err)
			}
			if err := s.Handle(context.Background(), ev); err != nil {
				t.Fatalf("retry = %v, want nil", err)
			}
			if err := s.Handle(context.Background(), ev); err != nil { // a late duplicate
				t.Fatalf("duplicate = %v, want nil", err)
			}
			if got := len(q.jobs); got != 1 {
				t.Errorf("after failure at %s and retry: %d jobs, want 1", step, got)
			}
			if !st.delivered[delivery{"f1", event.Followed}] {
				t.Error("delivery not marked done after retry")
			}
		})
	}
}

// TestTouchWritesEachMinute: a write is skipped only when this instance
// already wrote the same viewer's minute with the same badge. Issue 9's
// second finding: a message 29 s after a written one, in the next minute,
// must be written, or a sweep that judges that minute misses the viewer;
// and a badge change within a minute must be written too.
func TestTouchWritesEachMinute(t *testing.T) {
	s, st, _, c := newService()
	ctx := context.Background()
	sub := []string{"subscriber"}
	tests := []struct {
		offset     time.Duration
		badges     []string
		wantWrites int
	}{
		{40 * time.Second, nil, 1},
		{50 * time.Second, nil, 1},  // same minute, same badge: nothing to add
		{69 * time.Second, nil, 2},  // 29 s later, the next minute: written
		{70 * time.Second, sub, 3},  // the badge appeared: written
		{75 * time.Second, sub, 3},  // same again
		{30 * time.Second, nil, 3},  // the first minute again, late: already there
		{190 * time.Second, nil, 4}, // a later minute
	}
	for i, tt := range tests {
		at := t0.Add(tt.offset)
		c.Set(t0.Add(5 * time.Minute))
		ev := chat(fmt.Sprint(i), 7, "hi", at)
		for _, b := range tt.badges {
			ev.Chat.Sender.Badges = append(ev.Chat.Sender.Badges, event.Badge{Type: b})
		}
		if err := s.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if got := st.calls["TouchViewer"]; got != tt.wantWrites {
			t.Errorf("after message at +%v: %d writes, want %d", tt.offset, got, tt.wantWrites)
		}
	}
}

func TestFutureTimeIsClampedToNow(t *testing.T) {
	s, st, _, _ := newService()
	if err := s.Handle(context.Background(), chat("a", 7, "hi", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if got := st.lastChat["g1/7"]; !got.Equal(t0) {
		t.Errorf("last chat = %v, want now (%v)", got, t0)
	}
}

func TestConnectionsAreCached(t *testing.T) {
	s, st, _, c := newService()
	ctx := context.Background()
	for i := range 3 {
		if err := s.Handle(ctx, chat(fmt.Sprint(i), int64(i), "hi", t0)); err != nil {
			t.Fatal(err)
		}
	}
	if got := st.calls["Guilds"]; got != 1 {
		t.Errorf("Guilds called %d times within the TTL, want 1", got)
	}
	st.conns[4402117] = []string{"g1", "g2"}
	c.Advance(ingest.DefaultConnectionTTL)
	if err := s.Handle(ctx, chat("late", 1, "hi", c.Now())); err != nil {
		t.Fatal(err)
	}
	if got := st.calls["Guilds"]; got != 2 {
		t.Errorf("Guilds called %d times after the TTL, want 2", got)
	}
	if _, ok := st.lastChat["g2/1"]; !ok {
		t.Error("new connection not used after the cache expired")
	}
}

// TestChatBudget is the write budget of the design: 1,000 plain messages
// from 50 viewers within one minute cost at most one write each and no
// queue sends. The exact figure goes to BENCHMARKS.md.
func TestChatBudget(t *testing.T) {
	s, st, q, c := newService()
	writes := chatMinute(t, s, c)
	if writes > 1000 || q.sends != 0 {
		t.Errorf("1,000 chat messages: %d writes, %d sends; want <= 1000 and 0", writes, q.sends)
	}
	if len(st.lastChat) != 50 {
		t.Errorf("%d viewers recorded, want 50", len(st.lastChat))
	}
}

func chatMinute(t testing.TB, s *ingest.Service, c *clock.Manual) int {
	st := s.Store.(*memStore)
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * 60 * time.Millisecond)
		c.Set(at)
		if err := s.Handle(context.Background(), chat(fmt.Sprint("m", i), int64(i%50+1), "hello", at)); err != nil {
			t.Fatal(err)
		}
	}
	return st.calls["TouchViewer"]
}

func ExampleService_Handle() {
	st, q := newMemStore(), &memQueue{}
	s := &ingest.Service{Store: st, Queue: q, Now: func() time.Time { return t0 }}
	ctx := context.Background()
	_ = s.Handle(ctx, chat("01", 7, "gg", t0))      // plain chat: activity only
	_ = s.Handle(ctx, chat("02", 7, "!points", t0)) // a command: one job
	_ = s.Handle(ctx, chat("02", 7, "!points", t0)) // Kick's retry: nothing new
	fmt.Println(len(q.jobs), q.jobs[0].Kind, q.jobs[0].Command.Name)
	// Output: 1 command points
}

func TestSubscriberBadgeComesOnlyFromChat(t *testing.T) {
	s, st, _, _ := newService()
	ctx := context.Background()
	c := chat("a", 7, "hi", t0)
	c.Chat.Sender.Badges = []event.Badge{{Type: "subscriber", Count: 3}}
	if err := s.Handle(ctx, c); err != nil {
		t.Fatal(err)
	}
	if got := st.sub["g1/7"]; got == nil || !*got {
		t.Errorf("chat with a subscriber badge: Subscriber = %v, want true", got)
	}
	plain := chat("b", 8, "hi", t0)
	if err := s.Handle(ctx, plain); err != nil {
		t.Fatal(err)
	}
	if got := st.sub["g1/8"]; got == nil || *got {
		t.Errorf("chat without badges: Subscriber = %v, want false", got)
	}
	if err := s.Handle(ctx, follow("f")); err != nil {
		t.Fatal(err)
	}
	if got := st.sub["g1/9"]; got != nil {
		t.Errorf("follow: Subscriber = %v, want nil (a follow says nothing)", *got)
	}
}

// TestLongMessageIDCommand: the webhook accepts message ids up to 128
// bytes; a command in such a delivery becomes a job like any other.
func TestLongMessageIDCommand(t *testing.T) {
	s, st, q, _ := newService()
	st.conns[4402117] = []string{"18446744073709551615"}
	id := strings.Repeat("A", 128)
	if err := s.Handle(context.Background(), chat(id, 7, "!points", t0)); err != nil {
		t.Fatalf("Handle(128-byte message id) = %v, want nil", err)
	}
	if len(q.jobs) != 1 || q.jobs[0].Command == nil || len(q.jobs[0].ID) > job.MaxIDLen {
		t.Fatalf("queued %+v, want one points job with an id of at most %d characters", q.jobs, job.MaxIDLen)
	}
	if !st.delivered[delivery{id, event.ChatMessage}] {
		t.Error("delivery not marked done")
	}
}

// TestRefusedDeliveryWritesNothing: everything that can refuse a delivery
// is checked before the first write.
func TestRefusedDeliveryWritesNothing(t *testing.T) {
	s, st, q, _ := newService()
	st.conns[4402117] = []string{"g1", ""} // a guild id that makes no job
	err := s.Handle(context.Background(), chat("a", 7, "!points", t0))
	if !fault.Is(err, fault.Invalid) {
		t.Fatalf("Handle = %v, want an invalid error", err)
	}
	if len(st.writes) != 0 || q.sends != 0 {
		t.Errorf("refused delivery wrote %v and sent %d times, want nothing", st.writes, q.sends)
	}
}

// TestRelabelledCopyDoesNotSuppressTheGenuine: the type header is not
// signed. A copy of a delivery re-sent under another type whose shape it
// shares (a renewal as a new subscription) must not make the genuine
// delivery, with the same message id, look done.
func TestRelabelledCopyDoesNotSuppressTheGenuine(t *testing.T) {
	s, st, q, _ := newService()
	genuine := event.Event{ID: "m1", Type: event.SubscriptionRenew, SentAt: t0, Broadcaster: 4402117,
		Sub: &event.Sub{Subscriber: event.User{ID: 9, Username: "fan"}, Months: 7, CreatedAt: t0}}
	copied := genuine
	copied.Type = event.SubscriptionNew
	ctx := context.Background()
	for _, ev := range []event.Event{copied, genuine, genuine} { // the last is Kick's retry
		if err := s.Handle(ctx, ev); err != nil {
			t.Fatalf("Handle(%s) = %v", ev.Type, err)
		}
	}
	var types []event.Type
	for _, j := range q.jobs {
		types = append(types, j.Event.Type)
	}
	if want := []event.Type{event.SubscriptionNew, event.SubscriptionRenew}; !slices.Equal(types, want) {
		t.Errorf("queued jobs for %v, want %v (the genuine delivery once)", types, want)
	}
	if !st.delivered[delivery{"m1", event.SubscriptionRenew}] {
		t.Error("genuine delivery not marked done")
	}
}

func TestKeepUnprocessable(t *testing.T) {
	s, st, _, _ := newService()
	u := ingest.Unprocessable{MessageID: "m1", Type: "livestream.metadata.updated", SentAt: t0.Add(-time.Second),
		Body: []byte(`{}`), Reason: "metadata update has no title"}
	if err := s.KeepUnprocessable(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	want := u
	want.ReceivedAt = t0
	if len(st.kept) != 1 || !cmp.Equal(st.kept[0], want) {
		t.Errorf("kept %+v, want %+v", st.kept, want)
	}
	if got, want := st.writes, []string{"keep m1 until " + t0.Add(ingest.DefaultUnprocessableTTL).Format(time.RFC3339)}; !slices.Equal(got, want) {
		t.Errorf("writes %v, want %v", got, want)
	}
}

// giveawayStore is a giveaway.Current and giveaway.Enterer that counts
// its reads and writes.
type giveawayStore struct {
	g             giveaway.Giveaway
	reads, writes int
	entered       map[int64]giveaway.Entry
}

func (f *giveawayStore) Giveaway(context.Context, string) (giveaway.Giveaway, error) {
	f.reads++
	return f.g, nil
}

func (f *giveawayStore) EnterGiveaway(_ context.Context, _ string, _ int64, e giveaway.Entry) (bool, error) {
	f.writes++
	if _, ok := f.entered[e.UserID]; ok {
		return false, nil
	}
	f.entered[e.UserID] = e
	return true, nil
}

// TestKeywordEntriesCostNoWritePerMessage sends a minute of 1,000 chat
// messages of 50 viewers while a keyword giveaway is open: 22 of them are
// the keyword (every 47th, from 22 viewers), 20 more are one other word,
// and Kick redelivers one keyword message. Only the keyword messages
// write, one conditional put each, and the giveaway is read once per
// cache lifetime, not per message.
func TestKeywordEntriesCostNoWritePerMessage(t *testing.T) {
	s, st, _, c := newService()
	g, err := giveaway.Start(giveaway.Options{Prize: "chair", Keyword: "pizza", Minutes: 5}, 1, t0, bytes.NewReader(make([]byte, 32)))
	if err != nil {
		t.Fatal(err)
	}
	gs := &giveawayStore{g: g, entered: map[int64]giveaway.Entry{}}
	s.Giveaways = &giveaway.Entrance{Keywords: &giveaway.Keywords{Store: gs}, Store: gs}
	var retry event.Event
	for i := range 1000 {
		at := t0.Add(time.Duration(i) * 60 * time.Millisecond)
		c.Set(at)
		text := "hello chat, nice stream"
		switch {
		case i%47 == 0:
			text = " PIZZA"
		case i%50 == 1:
			text = "word" // one word, but not the keyword
		}
		ev := chat(fmt.Sprint("m", i), int64(i%50+1), text, at)
		if i == 47 {
			ev.Chat.Sender.Badges = []event.Badge{{Type: "subscriber"}}
			retry = ev
		}
		if err := s.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Handle(context.Background(), retry); err != nil { // Kick's retry
		t.Fatal(err)
	}
	if gs.writes != 23 || len(gs.entered) != 22 {
		t.Errorf("entry writes = %d for %d viewers, want 23 (22 keyword messages and the retry) for 22", gs.writes, len(gs.entered))
	}
	if gs.reads != 2 {
		t.Errorf("giveaway reads = %d in a minute, want 2 (one per 30 s cache)", gs.reads)
	}
	if e := gs.entered[48]; e.MessageID != "m-m47" || !e.Subscriber || e.Username != "u48" {
		t.Errorf("entry of viewer 48 = %+v, want message m-m47, as a subscriber", e)
	}
	if st.calls["Delivered"] != 0 {
		t.Errorf("keyword messages made %d dedupe calls, want none", st.calls["Delivered"])
	}
}
