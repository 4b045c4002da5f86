// Package localqueue is an in-process stand-in for the SQS FIFO job queue,
// for the local runner and tests. It delivers the same events.SQSEvent
// batches that Lambda would, to the same worker handler, with the SQS
// semantics the worker relies on:
//
//   - deduplication: a job whose ID was enqueued to its guild within
//     DedupWindow is dropped, unless that copy has gone to the dead-letter
//     queue: a re-send of a job that died (Kick's retry of a delivery whose
//     answer failed after its job was queued) is taken, never silently
//     dropped against the dead copy. SQS forgets no ID early, but with the
//     template's timing no copy dies within the window (visibility timeout
//     × (maxReceiveCount-1) ≥ 5 minutes, which a template test checks), so
//     the two agree wherever the template's timing is kept;
//   - message groups: a guild's messages are delivered in order and at most
//     one batch per guild is in flight, while guilds run in parallel;
//   - partial batch responses: the items a handler reports (or the whole
//     batch, when it returns an error, panics or names an item that is not
//     in the batch) are delivered again after RetryDelay with
//     ApproximateReceiveCount one higher;
//   - redrive: a message that fails its MaxReceiveCount-th receive moves to
//     the dead-letter queue, and its group goes on.
//
// As in SQS, every message of a batch counts a receive, including the ones
// a FIFO handler reports only because an earlier message of their group
// failed: the messages right behind a message that keeps failing share its
// receive count, and so its way to the dead-letter queue.
package localqueue

import (
	"cmp"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/job"
)

// Defaults for Options.
const (
	DefaultMaxReceiveCount = 5
	DefaultBatchSize       = 10
	DefaultConcurrency     = 4
	DefaultDedupWindow     = 5 * time.Minute
)

// What records say about where they come from.
const (
	EventSource    = "aws:sqs"
	Region         = "us-east-1"
	EventSourceARN = "arn:aws:sqs:us-east-1:000000000000:local-jobs.fifo"
)

// Options tune a Queue; zero values take the defaults.
type Options struct {
	// MaxReceiveCount is the redrive policy's maxReceiveCount: a message
	// that fails this many receives moves to the dead-letter queue.
	MaxReceiveCount int
	// BatchSize is the most records one handler call gets.
	BatchSize int
	// Concurrency is the most batches in flight at once.
	Concurrency int
	// DedupWindow is how long a job ID stays known to its guild.
	DedupWindow time.Duration
	// RetryDelay stands in for the visibility timeout: a message reported
	// as failed, and the rest of its group, wait this long. 0 redelivers at once.
	RetryDelay time.Duration
	// AfterFunc runs f once d has passed; time.AfterFunc by default. Tests
	// give one driven by the same fake clock as Now.
	AfterFunc func(d time.Duration, f func())
	// Now is the clock for deduplication and timestamps; time.Now by default.
	Now func() time.Time
	// Log gets dead letters and failed batches; slog.Default by default.
	Log *slog.Logger
}

// Handler is the worker's Lambda handler for SQS events.
type Handler func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)

// Queue is an in-process FIFO job queue. Enqueue, DeadLetters and Drain
// are safe for concurrent use, also while Run is running.
type Queue struct {
	handler Handler
	opt     Options

	mu sync.Mutex
	// changed is broadcast whenever something Run or Drain waits for may
	// have happened: a group became ready, a batch finished, the context ended.
	changed *sync.Cond
	groups  map[string]*group
	// ready holds the groups that have messages and nothing in flight or
	// waiting out RetryDelay, in the order they became ready.
	ready []*group
	// unfinished counts messages not yet done or dead: queued, in flight
	// or waiting to be delivered again.
	unfinished int
	inFlight   int // batches
	seen       map[dedupKey]time.Time
	seenOrder  []seenEntry
	dead       []events.SQSMessage
	seq        uint64
}

type group struct {
	id   string
	msgs []*message
	// busy: a batch holding the group's messages is in flight, or a failed
	// message of the group is waiting out RetryDelay.
	busy    bool
	inReady bool
}

type message struct {
	id, group, dedup, body, md5 string
	seq                         uint64
	sent, firstReceive          time.Time
	receives                    int
}

// dedupKey is per group, as in high-throughput FIFO (deduplication scope
// messageGroup).
type dedupKey struct{ group, id string }

type seenEntry struct {
	key dedupKey
	at  time.Time
}

var _ ingest.Queue = (*Queue)(nil)

// New returns a queue that delivers to handler once Run is called.
func New(handler Handler, opts Options) *Queue {
	if opts.MaxReceiveCount <= 0 {
		opts.MaxReceiveCount = DefaultMaxReceiveCount
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = DefaultBatchSize
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.DedupWindow <= 0 {
		opts.DedupWindow = DefaultDedupWindow
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.AfterFunc == nil {
		opts.AfterFunc = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	q := &Queue{
		handler: handler,
		opt:     opts,
		groups:  make(map[string]*group),
		seen:    make(map[dedupKey]time.Time),
	}
	q.changed = sync.NewCond(&q.mu)
	return q
}

// Enqueue adds jobs to the ends of their guilds' groups, in order. A job
// that does not validate fails the whole call with its Invalid error before
// anything is added; a job whose ID its guild saw within DedupWindow is
// dropped without an error. An ended ctx is a Transient error, as an SQS
// call cut short would be.
func (q *Queue) Enqueue(ctx context.Context, jobs ...job.Job) error {
	if err := ctx.Err(); err != nil {
		return fault.Wrap(fault.Transient, err, "enqueue jobs")
	}
	bodies := make([]string, len(jobs))
	for i, j := range jobs {
		b, err := j.Encode()
		if err != nil {
			return err
		}
		bodies[i] = string(b)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opt.Now()
	q.forget(now)
	for i, j := range jobs {
		key := dedupKey{j.Guild, j.ID}
		if at, ok := q.seen[key]; ok && now.Sub(at) < q.opt.DedupWindow {
			q.opt.Log.DebugContext(ctx, "duplicate job dropped", "job_id", j.ID, "guild", j.Guild)
			continue
		}
		q.seen[key] = now
		q.seenOrder = append(q.seenOrder, seenEntry{key, now})
		q.seq++
		sum := md5.Sum([]byte(bodies[i]))
		m := &message{
			id:    fmt.Sprintf("00000000-0000-4000-8000-%012d", q.seq),
			group: j.Guild, dedup: j.ID, body: bodies[i], md5: hex.EncodeToString(sum[:]),
			seq: q.seq, sent: now,
		}
		g := q.groups[m.group]
		if g == nil {
			g = &group{id: m.group}
			q.groups[m.group] = g
		}
		g.msgs = append(g.msgs, m)
		q.unfinished++
		q.markReady(g)
	}
	q.changed.Broadcast()
	return nil
}

// forget drops deduplication entries older than the window.
func (q *Queue) forget(now time.Time) {
	n := 0
	for _, e := range q.seenOrder {
		if now.Sub(e.at) < q.opt.DedupWindow {
			break
		}
		// A later enqueue of the same key may have renewed it.
		if q.seen[e.key].Equal(e.at) {
			delete(q.seen, e.key)
		}
		n++
	}
	q.seenOrder = q.seenOrder[n:]
}

// markReady puts g on the ready list if it has messages and nothing in
// flight. q.mu must be held.
func (q *Queue) markReady(g *group) {
	if !g.busy && !g.inReady && len(g.msgs) > 0 {
		g.inReady = true
		q.ready = append(q.ready, g)
	}
}

// Run delivers batches to the handler until ctx ends, then waits for the
// batches in flight and returns ctx's error. Call it once.
func (q *Queue) Run(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.changed.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	var wg sync.WaitGroup
	q.mu.Lock()
	for {
		for ctx.Err() == nil && (len(q.ready) == 0 || q.inFlight >= q.opt.Concurrency) {
			q.changed.Wait()
		}
		if ctx.Err() != nil {
			break
		}
		b := q.take()
		wg.Go(func() { q.deliver(ctx, b) })
	}
	q.mu.Unlock()
	wg.Wait()
	return ctx.Err()
}

// batch is one handler call: the messages and the records made of them.
type batch struct {
	msgs    []*message
	records []events.SQSMessage
}

// take fills a batch from the ready groups, oldest first, and marks them
// busy. q.mu must be held and q.ready must not be empty.
func (q *Queue) take() batch {
	var b batch
	for len(q.ready) > 0 && len(b.msgs) < q.opt.BatchSize {
		g := q.ready[0]
		q.ready = q.ready[1:]
		g.inReady, g.busy = false, true
		n := min(len(g.msgs), q.opt.BatchSize-len(b.msgs))
		b.msgs = append(b.msgs, g.msgs[:n]...)
		g.msgs = g.msgs[n:]
	}
	// SQS returns a batch in send order; each group's order is kept either way.
	slices.SortFunc(b.msgs, func(x, y *message) int { return cmp.Compare(x.seq, y.seq) })
	now := q.opt.Now()
	for _, m := range b.msgs {
		m.receives++
		if m.firstReceive.IsZero() {
			m.firstReceive = now
		}
		b.records = append(b.records, m.record())
	}
	q.inFlight++
	return b
}

// record is m as Lambda delivers it.
func (m *message) record() events.SQSMessage {
	return events.SQSMessage{
		MessageId:     m.id,
		ReceiptHandle: m.id + "#" + strconv.Itoa(m.receives),
		Body:          m.body,
		Md5OfBody:     m.md5,
		Attributes: map[string]string{
			"ApproximateReceiveCount":          strconv.Itoa(m.receives),
			"ApproximateFirstReceiveTimestamp": strconv.FormatInt(m.firstReceive.UnixMilli(), 10),
			"SentTimestamp":                    strconv.FormatInt(m.sent.UnixMilli(), 10),
			"SenderId":                         "local",
			"MessageGroupId":                   m.group,
			"MessageDeduplicationId":           m.dedup,
			"SequenceNumber":                   fmt.Sprintf("%020d", m.seq),
		},
		MessageAttributes: map[string]events.SQSMessageAttribute{},
		EventSourceARN:    EventSourceARN,
		EventSource:       EventSource,
		AWSRegion:         Region,
	}
}

// deliver hands b to the handler and settles each message by the answer.
func (q *Queue) deliver(ctx context.Context, b batch) {
	failed, whole := q.call(ctx, b)

	q.mu.Lock()
	defer q.mu.Unlock()
	q.inFlight--
	retry := make(map[string][]*message)
	var groups []string
	for i, m := range b.msgs {
		if _, seen := retry[m.group]; !seen {
			retry[m.group] = nil
			groups = append(groups, m.group)
		}
		switch {
		case !whole && !failed[m.id]:
			q.unfinished--
		case m.receives >= q.opt.MaxReceiveCount:
			q.unfinished--
			q.dead = append(q.dead, b.records[i])
			// A re-send of this job must not be dropped against a copy
			// that no longer exists; an entry renewed by a later copy stays.
			if key := (dedupKey{m.group, m.dedup}); q.seen[key].Equal(m.sent) {
				delete(q.seen, key)
			}
			q.opt.Log.ErrorContext(ctx, "job message moved to the dead-letter queue",
				"message_id", m.id, "group", m.group, "job_id", m.dedup, "receive_count", m.receives)
		default:
			retry[m.group] = append(retry[m.group], m)
		}
	}
	for _, id := range groups {
		g := q.groups[id]
		// Failed messages go back in front of what the group received since.
		g.msgs = append(retry[id], g.msgs...)
		if len(retry[id]) > 0 && q.opt.RetryDelay > 0 {
			q.opt.AfterFunc(q.opt.RetryDelay, func() {
				q.mu.Lock()
				defer q.mu.Unlock()
				q.release(g)
			})
			continue
		}
		q.release(g)
	}
	q.changed.Broadcast()
}

// release lets g be delivered again, or forgets it when it is empty.
// q.mu must be held.
func (q *Queue) release(g *group) {
	g.busy = false
	if len(g.msgs) == 0 {
		delete(q.groups, g.id)
		return
	}
	q.markReady(g)
	q.changed.Broadcast()
}

// call runs the handler on b and returns the ids of the records it
// reported, or whole when the entire batch failed, which is how Lambda
// reads an error, a panic, or an item identifier that is not in the batch.
func (q *Queue) call(ctx context.Context, b batch) (failed map[string]bool, whole bool) {
	resp, err := q.safeCall(ctx, b)
	if err != nil {
		q.opt.Log.WarnContext(ctx, "job batch failed, delivering it again", "records", len(b.records), "err", err)
		return nil, true
	}
	failed = make(map[string]bool, len(resp.BatchItemFailures))
	for _, f := range resp.BatchItemFailures {
		if !slices.ContainsFunc(b.msgs, func(m *message) bool { return m.id == f.ItemIdentifier }) {
			q.opt.Log.ErrorContext(ctx, "batch item failure names no record of the batch, delivering it again",
				"item_identifier", f.ItemIdentifier)
			return nil, true
		}
		failed[f.ItemIdentifier] = true
	}
	return failed, false
}

// safeCall runs the handler, turning a panic into an error as the Lambda
// runtime does, so one bad job cannot take the local runner down.
func (q *Queue) safeCall(ctx context.Context, b batch) (resp events.SQSEventResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return q.handler(ctx, events.SQSEvent{Records: b.records})
}

// DeadLetters returns the messages moved to the dead-letter queue, oldest
// first, as they were last delivered.
func (q *Queue) DeadLetters() []events.SQSMessage {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.dead)
}

// Drain blocks until every enqueued message is done or dead and no batch is
// in flight, or until ctx ends, and then returns ctx's error. It needs Run
// to be running to make progress.
func (q *Queue) Drain(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.changed.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for ctx.Err() == nil && (q.unfinished > 0 || q.inFlight > 0) {
		q.changed.Wait()
	}
	return ctx.Err()
}
