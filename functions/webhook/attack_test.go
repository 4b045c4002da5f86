package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/kick"
	"github.com/kickbot/kickbot/shared/watchtime"
	"github.com/kickbot/kickbot/shared/work"
)

// fakeSQS takes SendMessageBatch as an SQS FIFO queue does: ids of at most
// 128 characters, and a deduplication id seen before drops the message.
type fakeSQS struct {
	mu     sync.Mutex
	seen   map[string]bool
	bodies []string
}

func (q *fakeSQS) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.seen == nil {
		q.seen = map[string]bool{}
	}
	out := &sqs.SendMessageBatchOutput{}
	for _, e := range in.Entries {
		dedup, group := aws.ToString(e.MessageDeduplicationId), aws.ToString(e.MessageGroupId)
		if len(dedup) > 128 || len(group) > 128 {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InvalidParameterValue")})
			continue
		}
		if !q.seen[dedup] {
			q.seen[dedup] = true
			q.bodies = append(q.bodies, aws.ToString(e.MessageBody))
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

// jobs takes the queued jobs off the queue.
func (q *fakeSQS) jobs(t *testing.T) []job.Job {
	t.Helper()
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []job.Job
	for _, b := range q.bodies {
		j, err := job.Decode([]byte(b))
		if err != nil {
			t.Fatalf("queued message %s: %v", b, err)
		}
		out = append(out, j)
	}
	q.bodies = nil
	return out
}

// stack is the webhook over the real store (embedded emulator) and the
// real queue adapter (over fakeSQS), with a worker to run what it queued.
type stack struct {
	store  *dynamo.Store
	sqs    *fakeSQS
	h      func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
	worker *work.Worker
	now    time.Time
}

func newStack(t *testing.T) *stack {
	t.Helper()
	client := dynamotest.Table(t, "webhook")
	store := dynamo.New(client, "webhook")
	if err := store.Connect(t.Context(), "g1", 4402117, start); err != nil {
		t.Fatal(err)
	}
	st := &stack{store: store, sqs: &fakeSQS{}, worker: &work.Worker{Store: store, Log: quiet}, now: start.Add(time.Minute)}
	// The handler's store is limited to what the webhook's role grants.
	fn := dynamo.New(dynamotest.Restrict(t, client, "WebhookFunction"), "webhook")
	st.h = handler(fn, jobqueue.New(st.sqs, "https://sqs.example/q.fifo"), &testKey().PublicKey, quiet, func() time.Time { return st.now })
	return st
}

// deliver signs body as Kick would for id, typ and sentAt, re-labels it as
// asType when that is set (the type header is not signed), and runs it
// through the handler and then the worker. It returns the status.
func (st *stack) deliver(t *testing.T, id, typ, asType string, sentAt time.Time, body []byte) int {
	t.Helper()
	h, err := kick.SignedHeaders(testKey(), id, typ, sentAt, body)
	if err != nil {
		t.Fatal(err)
	}
	if asType != "" {
		h.Set(kick.HeaderType, asType)
	}
	hs := map[string]string{"content-type": "application/json"}
	for k, v := range h {
		hs[strings.ToLower(k)] = v[0]
	}
	res, err := st.h(t.Context(), events.APIGatewayV2HTTPRequest{
		RawPath: kick.Path, Headers: hs, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST", Path: kick.Path}},
	})
	if err != nil {
		t.Fatalf("handler error = %v", err)
	}
	for _, j := range st.sqs.jobs(t) {
		if err := st.worker.Do(t.Context(), j); err != nil {
			t.Fatalf("worker.Do(%v) = %v", j, err)
		}
	}
	return res.StatusCode
}

func kickFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/kick/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRelabelledBanIsRefusedAndTheGenuineIsProcessed reproduces the attack
// of issue 9: a captured, signed moderation.banned body re-sent with
// Kick-Event-Type livestream.metadata.updated. It must not wipe the
// stream's title and category, and Kick's genuine delivery of the same
// message id must still be processed.
func TestRelabelledBanIsRefusedAndTheGenuineIsProcessed(t *testing.T) {
	st := newStack(t)
	ctx := t.Context()
	const id = "01JQ8C2D3E4F5G6H7J8K9M0N1P"
	if code := st.deliver(t, "01JQ8B0000000000000000META", "livestream.metadata.updated", "", start, kickFixture(t, "livestream.metadata.updated")); code != http.StatusOK {
		t.Fatalf("metadata update: status %d, want 200", code)
	}
	before, err := st.store.Stream(ctx, "g1")
	if err != nil || before.Title != "Ranked grind, !discord" || before.Category.Name != "Just Chatting" {
		t.Fatalf("stream before the attack = %+v, %v; want the fixture's title and category", before, err)
	}

	ban := kickFixture(t, "moderation.banned")
	sentAt := start.Add(30 * time.Second)
	// Answered 200 (signed, so Kick must not see failures), but refused.
	if code := st.deliver(t, id, "moderation.banned", "livestream.metadata.updated", sentAt, ban); code != http.StatusOK {
		t.Fatalf("relabelled ban: status %d, want 200 (kept as unprocessable)", code)
	}
	after, err := st.store.Stream(ctx, "g1")
	if err != nil || after.Title != before.Title || after.Category != before.Category {
		t.Errorf("stream after the relabelled ban = %+v, %v; want title and category unchanged", after, err)
	}

	if code := st.deliver(t, id, "moderation.banned", "", sentAt, ban); code != http.StatusOK {
		t.Fatalf("genuine ban: status %d, want 200", code)
	}
	v, err := st.store.Viewer(ctx, "g1", 91552300)
	if err != nil || !v.BannedUntil.Equal(time.Date(2026, 3, 14, 19, 35, 0, 0, time.UTC)) {
		t.Errorf("banned viewer after the genuine delivery = %+v, %v; want banned until 19:35", v, err)
	}
}

// TestLongMessageIDCommandBecomesAJob: message ids up to 128 bytes are
// accepted (README), so a command in one becomes a job, and nothing is
// written before the delivery is known to be good.
func TestLongMessageIDCommandBecomesAJob(t *testing.T) {
	st := newStack(t)
	ctx := t.Context()
	// A 20-digit guild id makes the longest job the old "<id>/<guild>" form.
	if err := st.store.Connect(ctx, "18446744073709551615", 4402117, start); err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("0", 128)
	body := kickFixture(t, "chat.message.sent.command")
	h, err := kick.SignedHeaders(testKey(), id, "chat.message.sent", start.Add(3*time.Minute+40*time.Second), body)
	if err != nil {
		t.Fatal(err)
	}
	hs := map[string]string{}
	for k, v := range h {
		hs[strings.ToLower(k)] = v[0]
	}
	st.now = start.Add(4 * time.Minute)
	res, err := st.h(ctx, events.APIGatewayV2HTTPRequest{RawPath: kick.Path, Headers: hs, Body: string(body),
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}}})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("128-byte message id: status %d, err %v, body %s; want 200", res.StatusCode, err, res.Body)
	}
	jobs := st.sqs.jobs(t)
	if len(jobs) != 2 {
		t.Fatalf("queued %d jobs, want 2 (one per guild)", len(jobs))
	}
	for _, j := range jobs {
		if j.Kind != job.KindCommand || j.Command.Name != "points" || j.Event.ID != id {
			t.Errorf("job %v, want a points command for message %s…", j, id[:8])
		}
	}
	if done, err := st.store.Delivered(ctx, id, event.ChatMessage); err != nil || !done {
		t.Errorf("Delivered = %v, %v; want true", done, err)
	}
	acts, err := st.store.Activity(ctx, "g1", watchtime.MinuteOf(start), watchtime.MinuteOf(st.now))
	if err != nil || len(acts) != 1 || acts[0].UserID != 51234077 {
		t.Errorf("Activity = %+v, %v; want the chat recorded", acts, err)
	}
}

// TestPanicIsA500: a panic anywhere in the request path is answered 500 and
// the function keeps running.
func TestPanicIsA500(t *testing.T) {
	// Its Store is nil: the first call panics.
	var panicking struct{ ingest.Store }
	h := handler(panicking, &countingQueue{}, &testKey().PublicKey, quiet, func() time.Time { return start.Add(time.Minute) })
	res, err := h(t.Context(), burst(t)[0])
	if err != nil || res.StatusCode != http.StatusInternalServerError {
		t.Errorf("handler with a panicking store = %d, %v; want 500, nil", res.StatusCode, err)
	}
}
