package discord_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/points"
	"github.com/kickbot/kickbot/shared/work"
)

// slowStore is a bridgeStore whose first AdjustPoints stalls, as a
// throttled write does: it says it started; the write DynamoDB received
// then lands, or not, when the test releases it, whatever became of the
// request. The call itself returns when its context ends, as the SDK's
// does, or, when ignoresContext, only once the write is settled.
type slowStore struct {
	*bridgeStore
	ignoresContext bool
	once           sync.Once
	started        chan struct{}
	release        chan bool // true: the write lands
	landed         chan struct{}
}

func newSlowStore(ignoresContext bool) *slowStore {
	return &slowStore{bridgeStore: newBridgeStore(), ignoresContext: ignoresContext,
		started: make(chan struct{}), release: make(chan bool), landed: make(chan struct{})}
}

func (s *slowStore) AdjustPoints(ctx context.Context, guild string, userID int64, c points.Change) (points.Entry, error) {
	first := false
	s.once.Do(func() { first = true })
	if !first {
		return s.bridgeStore.AdjustPoints(ctx, guild, userID, c)
	}
	close(s.started)
	go func() {
		if <-s.release {
			s.bridgeStore.AdjustPoints(context.Background(), guild, userID, c)
		}
		close(s.landed)
	}()
	if s.ignoresContext {
		<-s.landed
	} else {
		<-ctx.Done()
	}
	return points.Entry{}, fault.Wrap(fault.Transient, ctx.Err(), "no answer from the store")
}

// replies keeps what the worker answered.
type replies struct {
	mu       sync.Mutex
	finished []interact.Response
	refused  []string
}

func (r *replies) Finish(_ context.Context, _ string, resp interact.Response) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.finished = append(r.finished, resp)
	return nil
}

func (r *replies) Refuse(_ context.Context, _, msg string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, msg)
	return nil
}

// pointsAdd is an admin's /points add of 50 to pebblecat (12,004 points).
func pointsAdd(t *testing.T) *discordgo.Interaction {
	t.Helper()
	return decoded(t, edited(t, "application_command_subcommand", command("points",
		subcommand("add", option("user", 3, "pebblecat"), option("amount", 4, 50)))))
}

func decoded(t *testing.T, body []byte) *discordgo.Interaction {
	t.Helper()
	var i discordgo.Interaction
	if err := json.Unmarshal(body, &i); err != nil {
		t.Fatal(err)
	}
	return &i
}

func balance(s *bridgeStore, name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.viewers {
		if v.Username == name {
			return v.PointsMilli
		}
	}
	return -1
}

// TestBridgeDefersACommandOutOfTime runs /points add against a write that
// stalls past the command's budget: the answer is a deferred response and
// a job; the worker's job, and its retry, then leave the balance changed
// exactly once, whether the stalled write landed late or was lost.
func TestBridgeDefersACommandOutOfTime(t *testing.T) {
	for _, tt := range []struct {
		name           string
		lands          bool
		ignoresContext bool
	}{
		{"the stalled write lands late", true, false},
		{"the stalled write is lost", false, false},
		{"the store ignores the deadline", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			store := newSlowStore(tt.ignoresContext)
			h := &interact.Handler{Store: store}
			q := &jobQueue{}
			b := discord.Bridge{Handler: h, Later: q, Now: nowFunc}
			i := pointsAdd(t)

			// The test ends the budget: once the write has started, it
			// cancels the context the command runs under.
			ctx, cancel := context.WithCancel(context.Background())
			type answer struct {
				resp *discordgo.InteractionResponse
				err  error
			}
			answered := make(chan answer, 1)
			go func() {
				resp, err := b.Interact(ctx, i)
				answered <- answer{resp, err}
			}()
			<-store.started
			cancel()
			got := <-answered
			if got.err != nil || got.resp.Type != discordgo.InteractionResponseDeferredChannelMessageWithSource ||
				got.resp.Data == nil || got.resp.Data.Flags != discordgo.MessageFlagsEphemeral {
				t.Fatalf("Interact = %+v, %v; want an ephemeral deferred response", got.resp, got.err)
			}
			if len(q.jobs) != 1 || q.jobs[0].Kind != job.KindInteraction || q.jobs[0].Interaction.Request.ID != i.ID {
				t.Fatalf("queued %v, want one interaction job for %s", q.jobs, i.ID)
			}
			store.release <- tt.lands
			<-store.landed

			rep := &replies{}
			w := &work.Worker{Interact: h, Replies: rep, Now: nowFunc}
			for run := range 2 { // the job, then SQS delivering it again
				if err := w.Do(context.Background(), q.jobs[0]); err != nil {
					t.Fatalf("job run %d: %v", run+1, err)
				}
				if got, want := balance(store.bridgeStore, "pebblecat"), int64(12_054_000); got != want {
					t.Errorf("after job run %d pebblecat has %d milli-points, want %d (50 added once)", run+1, got, want)
				}
			}
			if len(rep.refused) != 0 || len(rep.finished) != 2 || rep.finished[0].Embeds[0].Title != "Points added" {
				t.Errorf("worker answered %+v, refused %q; want \"Points added\" twice", rep.finished, rep.refused)
			}
		})
	}
}

// flakyStore fails AdjustPoints as DynamoDB does after its retries.
type flakyStore struct{ *bridgeStore }

func (flakyStore) AdjustPoints(context.Context, string, int64, points.Change) (points.Entry, error) {
	return points.Entry{}, fault.E(fault.Transient, "throttled")
}

// TestBridgeDefersATransientFailure checks that a state-changing command
// failing in a way a retry may fix is handed to the worker, not answered
// with a failure the admin would retry under a new interaction.
func TestBridgeDefersATransientFailure(t *testing.T) {
	q := &jobQueue{}
	b := discord.Bridge{Handler: &interact.Handler{Store: flakyStore{newBridgeStore()}}, Later: q, Now: nowFunc}
	got := serveBridge(t, b, edited(t, "application_command_subcommand", command("points",
		subcommand("add", option("user", 3, "pebblecat"), option("amount", 4, 50)))))
	if got.Type != 5 || len(q.jobs) != 1 {
		t.Errorf("response type %d, %d jobs; want a deferred response (5) and one job", got.Type, len(q.jobs))
	}
}

// TestBridgeOutOfTimeAndQueueDown checks the answer when a change ran out
// of time and cannot be queued either: not "try again", which could make
// it twice, but that its outcome is unknown.
func TestBridgeOutOfTimeAndQueueDown(t *testing.T) {
	q := &jobQueue{err: fault.E(fault.Transient, "queue down")}
	b := discord.Bridge{Handler: &interact.Handler{Store: flakyStore{newBridgeStore()}}, Later: q, Now: nowFunc}
	got := serveBridge(t, b, edited(t, "application_command_subcommand", command("points",
		subcommand("add", option("user", 3, "pebblecat"), option("amount", 4, 50)))))
	if got.Type != 4 || got.Data == nil || got.Data.Flags != 64 || got.Data.Content != interact.UncertainMessage {
		t.Errorf("response = %+v, want the ephemeral %q", got, interact.UncertainMessage)
	}
}

// TestBridgeAdmitsDeferredChanges checks that a deferred state-changing
// command is claimed at receipt: its replay is answered as done and
// queues nothing, and a claim that cannot be made queues nothing either.
func TestBridgeAdmitsDeferredChanges(t *testing.T) {
	q := &jobQueue{}
	store := newBridgeStore()
	b := discord.Bridge{Handler: &interact.Handler{Store: store}, Later: q, Now: nowFunc}
	body := edited(t, "application_command_subcommand", command("kick", subcommand("disconnect")))
	if got := serveBridge(t, b, body); got.Type != 5 || len(q.jobs) != 1 {
		t.Fatalf("first: type %d, %d jobs; want a deferred response and one job", got.Type, len(q.jobs))
	}
	got := serveBridge(t, b, body)
	if got.Type != 4 || got.Data == nil || !strings.Contains(got.Data.Content, "Already done") || len(q.jobs) != 1 {
		t.Errorf("replay: %+v, %d jobs; want \"Already done\" and still one job", got, len(q.jobs))
	}
}
