package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/work"
)

// stalledTable is a table whose first write (a put or a transaction)
// stalls, as a throttled one does: it says it started; on release the
// request DynamoDB received lands, or not, whatever became of the caller;
// the call returns when the caller's context ends.
type stalledTable struct {
	dynamo.API
	once    sync.Once
	started chan struct{}
	release chan bool // true: the write lands
	landed  chan struct{}
}

// stall reports false for every write but the first, which it stalls,
// landing it with write on release.
func (s *stalledTable) stall(ctx context.Context, write func(context.Context)) bool {
	first := false
	s.once.Do(func() { first = true })
	if !first {
		return false
	}
	close(s.started)
	go func() {
		if <-s.release {
			write(context.Background())
		}
		close(s.landed)
	}()
	<-ctx.Done()
	return true
}

func (s *stalledTable) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if s.stall(ctx, func(ctx context.Context) { s.API.TransactWriteItems(ctx, in, opts...) }) {
		return nil, ctx.Err()
	}
	return s.API.TransactWriteItems(ctx, in, opts...)
}

func (s *stalledTable) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if s.stall(ctx, func(ctx context.Context) { s.API.PutItem(ctx, in, opts...) }) {
		return nil, ctx.Err()
	}
	return s.API.PutItem(ctx, in, opts...)
}

type finished struct {
	mu   sync.Mutex
	resp []interact.Response
	msgs []string
}

func (f *finished) Finish(_ context.Context, _ string, r interact.Response) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resp = append(f.resp, r)
	return nil
}

func (f *finished) Refuse(_ context.Context, _, msg string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, msg)
	return nil
}

// TestSettingsSetOutOfTime runs /settings set through the function while
// its write stalls past the budget: the function answers with a deferred
// response and queues a job; the worker's job, and SQS delivering it
// again, leave the settings written exactly once (version 1), whether the
// stalled write landed late or was lost.
func TestSettingsSetOutOfTime(t *testing.T) {
	for _, lands := range []bool{true, false} {
		name := map[bool]string{true: "the stalled write lands late", false: "the stalled write is lost"}[lands]
		t.Run(name, func(t *testing.T) {
			e := setupEnv(t)
			table := &stalledTable{API: e.store.Client, started: make(chan struct{}), release: make(chan bool), landed: make(chan struct{})}
			store := dynamo.New(table, e.store.Table)
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			e.priv = priv
			commands := &interact.Handler{Store: store, Links: store, Roles: store}
			e.h = handler(commands, e.queue, pub, nil, func() time.Time { return e.now })

			body := admin.Command(e.ids.Next(), "settings", discordsim.Sub("set", discordsim.Int("activity_window", 10)))
			ctx, cancel := context.WithCancel(context.Background())
			type answer struct {
				status int
				resp   response
			}
			answered := make(chan answer, 1)
			go func() {
				out, err := e.h(ctx, apiEvent(body, discord.SignedHeaders(e.priv, e.now, body)))
				if err != nil {
					t.Error(err)
				}
				var a answer
				a.status = out.StatusCode
				a.resp = decodeResponse(t, out.Body)
				answered <- a
			}()
			<-table.started
			cancel() // the budget ends
			got := <-answered
			if got.status != http.StatusOK || got.resp.Type != 5 || !got.resp.ephemeral() {
				t.Fatalf("status %d, type %d (%s); want an ephemeral deferred response (5)", got.status, got.resp.Type, got.resp.text())
			}
			if len(e.queue.jobs) != 1 {
				t.Fatalf("queued %d jobs, want 1", len(e.queue.jobs))
			}
			table.release <- lands
			<-table.landed

			rep := &finished{}
			w := &work.Worker{Interact: commands, Replies: rep, Now: func() time.Time { return e.now.Add(time.Second) }}
			for run := range 2 {
				if err := w.Do(context.Background(), e.queue.jobs[0]); err != nil {
					t.Fatalf("job run %d: %v", run+1, err)
				}
				s, err := e.store.Settings(context.Background(), guild)
				if err != nil || s.ActivityWindow != 10*time.Minute || s.Version != 1 {
					t.Errorf("after job run %d: window %v, version %d (%v); want 10m written once (version 1)", run+1, s.ActivityWindow, s.Version, err)
				}
			}
			if len(rep.msgs) != 0 || len(rep.resp) != 2 {
				t.Errorf("worker finished %d times and refused %q; want 2 answers, no refusal", len(rep.resp), rep.msgs)
			}
		})
	}
}

func decodeResponse(t *testing.T, body string) response {
	t.Helper()
	var r response
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Errorf("response %q is not JSON: %v", body, err)
	}
	return r
}
