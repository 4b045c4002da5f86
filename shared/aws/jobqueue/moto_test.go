//go:build moto

// These tests run Queue and Handler against a real SQS API served by
// moto_server. Run them with
//
//	MOTO_ENDPOINT=http://127.0.0.1:5000 go test -tags moto ./shared/aws/jobqueue/
//
// They fail, never skip, without MOTO_ENDPOINT: a tier that silently does
// not run proves nothing.

package jobqueue

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/job"
)

// motoMaxReceiveCount is the redrive policy of the test queues.
const motoMaxReceiveCount = 2

// motoWait bounds every polling loop against moto.
const motoWait = 15 * time.Second

type motoQueues struct {
	client   *sqs.Client
	url, dlq string
}

var queueSeq atomic.Int64

// newMotoQueues creates a high-throughput FIFO queue and its FIFO
// dead-letter queue, named uniquely so tests do not share messages.
func newMotoQueues(t *testing.T) motoQueues {
	t.Helper()
	endpoint := os.Getenv("MOTO_ENDPOINT")
	if endpoint == "" {
		t.Fatal("MOTO_ENDPOINT is not set; start moto_server and set it to its URL (this tier must not skip)")
	}
	ctx := t.Context()
	c, err := NewClient(ctx, endpoint)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	name := fmt.Sprintf("jobs-%d-%d", time.Now().UnixNano(), queueSeq.Add(1))

	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{
		QueueName:  aws.String(name + "-dlq.fifo"),
		Attributes: map[string]string{"FifoQueue": "true"},
	})
	if err != nil {
		t.Fatalf("create DLQ: %v", err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		t.Fatalf("DLQ ARN: %v", err)
	}
	redrive, err := json.Marshal(map[string]string{
		"deadLetterTargetArn": attrs.Attributes["QueueArn"],
		"maxReceiveCount":     strconv.Itoa(motoMaxReceiveCount),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"FifoQueue":                 "true",
		"ContentBasedDeduplication": "false",
		"DeduplicationScope":        "messageGroup",
		"FifoThroughputLimit":       "perMessageGroupId",
		"RedrivePolicy":             string(redrive),
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"), Attributes: want})
	if err != nil {
		t.Fatalf("create queue: %v", err)
	}
	t.Cleanup(func() {
		// A fresh context: t.Context is already done during cleanup.
		ctx := context.Background()
		for _, url := range []*string{q.QueueUrl, dlq.QueueUrl} {
			if _, err := c.DeleteQueue(ctx, &sqs.DeleteQueueInput{QueueUrl: url}); err != nil {
				t.Errorf("delete queue %s: %v", aws.ToString(url), err)
			}
		}
	})

	got, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: q.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("queue attributes: %v", err)
	}
	for k, v := range want {
		if k == "RedrivePolicy" {
			continue // the service may reformat the JSON
		}
		if got.Attributes[k] != v {
			t.Errorf("queue attribute %s = %q, want %q", k, got.Attributes[k], v)
		}
	}
	return motoQueues{client: c, url: aws.ToString(q.QueueUrl), dlq: aws.ToString(dlq.QueueUrl)}
}

// receive returns what one ReceiveMessage call on url returns, with every
// system attribute, waiting up to a second for a message.
func (m motoQueues) receive(t *testing.T, url string) []types.Message {
	t.Helper()
	out, err := m.client.ReceiveMessage(t.Context(), &sqs.ReceiveMessageInput{
		QueueUrl:                    aws.String(url),
		MaxNumberOfMessages:         10,
		WaitTimeSeconds:             1,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
	})
	if err != nil {
		t.Fatalf("ReceiveMessage: %v", err)
	}
	return out.Messages
}

func (m motoQueues) delete(t *testing.T, msg types.Message) {
	t.Helper()
	if _, err := m.client.DeleteMessage(t.Context(), &sqs.DeleteMessageInput{QueueUrl: aws.String(m.url), ReceiptHandle: msg.ReceiptHandle}); err != nil {
		t.Fatalf("DeleteMessage: %v", err)
	}
}

// drain receives and deletes messages until it has n or the deadline
// passes, and returns them in the order received.
func (m motoQueues) drain(t *testing.T, n int) []types.Message {
	t.Helper()
	var got []types.Message
	for deadline := time.Now().Add(motoWait); len(got) < n && time.Now().Before(deadline); {
		for _, msg := range m.receive(t, m.url) {
			got = append(got, msg)
			m.delete(t, msg)
		}
	}
	return got
}

func decodeBody(t *testing.T, msg types.Message) job.Job {
	t.Helper()
	j, err := job.Decode([]byte(aws.ToString(msg.Body)))
	if err != nil {
		t.Fatalf("message %s: Decode: %v", aws.ToString(msg.MessageId), err)
	}
	return j
}

// lambdaRecord turns a received message into the record Lambda would pass.
func lambdaRecord(msg types.Message) events.SQSMessage {
	return events.SQSMessage{
		MessageId:     aws.ToString(msg.MessageId),
		ReceiptHandle: aws.ToString(msg.ReceiptHandle),
		Body:          aws.ToString(msg.Body),
		Md5OfBody:     aws.ToString(msg.MD5OfBody),
		Attributes:    msg.Attributes,
		EventSource:   "aws:sqs",
	}
}

func TestMotoSendReceive(t *testing.T) {
	m := newMotoQueues(t)
	want := testJob("1180000000000000001", 1)
	if err := New(m.client, m.url).Enqueue(t.Context(), want); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	msgs := m.drain(t, 1)
	if len(msgs) != 1 {
		t.Fatalf("received %d messages, want 1", len(msgs))
	}
	msg := msgs[0]
	if diff := cmp.Diff(want, decodeBody(t, msg)); diff != "" {
		t.Errorf("body (-sent +received):\n%s", diff)
	}
	for attr, v := range map[string]string{"MessageGroupId": want.Guild, "MessageDeduplicationId": want.ID, "ApproximateReceiveCount": "1"} {
		if got := msg.Attributes[attr]; got != v {
			t.Errorf("attribute %s = %q, want %q", attr, got, v)
		}
	}

	// The message as Lambda would deliver it runs through Handler.
	var ran []string
	p := processorFunc(func(_ context.Context, j job.Job) error { ran = append(ran, j.ID); return nil })
	resp, err := Handler(p, slog.New(slog.DiscardHandler))(t.Context(), events.SQSEvent{Records: []events.SQSMessage{lambdaRecord(msg)}})
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("Handler = %+v, %v; want no failures", resp, err)
	}
	if diff := cmp.Diff([]string{want.ID}, ran); diff != "" {
		t.Errorf("jobs run (-want +got):\n%s", diff)
	}
}

func TestMotoGroupOrder(t *testing.T) {
	m := newMotoQueues(t)
	q := New(m.client, m.url)
	groups := []string{"1180000000000000001", "1180000000000000002"}
	want := make(map[string][]string)
	var all []job.Job
	for i := range 14 {
		j := testJob(groups[i%3%2], i) // uneven interleaving: A B A A B A …
		all = append(all, j)
		want[j.Guild] = append(want[j.Guild], j.ID)
	}
	// Two calls, so order holds across batches as well as within one.
	if err := q.Enqueue(t.Context(), all[:11]...); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if err := q.Enqueue(t.Context(), all[11:]...); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	got := make(map[string][]string)
	for _, msg := range m.drain(t, len(all)) {
		j := decodeBody(t, msg)
		got[j.Guild] = append(got[j.Guild], j.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("per-group order (-sent +received):\n%s", diff)
	}
}

func TestMotoDedup(t *testing.T) {
	m := newMotoQueues(t)
	q := New(m.client, m.url)
	dup := testJob("1180000000000000001", 1)
	// The sentinel comes after the duplicates in the same group, so once it
	// arrives every copy that SQS accepted has arrived before it.
	sentinel := testJob("1180000000000000001", 2)
	for _, jobs := range [][]job.Job{{dup}, {dup, dup}, {sentinel}} {
		if err := q.Enqueue(t.Context(), jobs...); err != nil {
			t.Fatalf("Enqueue: %v", err)
		}
	}
	var got []string
	for _, msg := range m.drain(t, 2) {
		got = append(got, decodeBody(t, msg).ID)
	}
	if diff := cmp.Diff([]string{dup.ID, sentinel.ID}, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
}

func TestMotoRedrive(t *testing.T) {
	m := newMotoQueues(t)
	want := testJob("1180000000000000001", 1)
	if err := New(m.client, m.url).Enqueue(t.Context(), want); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	// Receive without deleting and make the message visible again at once,
	// as a worker reporting a batch item failure with a zero visibility
	// timeout would, until SQS moves it to the dead-letter queue (on the
	// first receive after maxReceiveCount).
	receives := 0
	var dead []types.Message
	for deadline := time.Now().Add(motoWait); len(dead) == 0 && time.Now().Before(deadline); {
		msgs := m.receive(t, m.url)
		for _, msg := range msgs {
			receives++
			if got, want := msg.Attributes["ApproximateReceiveCount"], strconv.Itoa(receives); got != want {
				t.Errorf("receive %d: ApproximateReceiveCount = %s, want %s", receives, got, want)
			}
			if _, err := m.client.ChangeMessageVisibility(t.Context(), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: aws.String(m.url), ReceiptHandle: msg.ReceiptHandle, VisibilityTimeout: 0,
			}); err != nil {
				t.Fatalf("ChangeMessageVisibility: %v", err)
			}
		}
		if len(msgs) == 0 && receives >= motoMaxReceiveCount {
			dead = m.receive(t, m.dlq)
		}
	}
	if receives != motoMaxReceiveCount {
		t.Errorf("received %d times from the queue, want %d", receives, motoMaxReceiveCount)
	}
	if len(dead) != 1 {
		t.Fatalf("dead-letter queue holds %d messages, want 1", len(dead))
	}
	if diff := cmp.Diff(want, decodeBody(t, dead[0])); diff != "" {
		t.Errorf("dead letter body (-sent +received):\n%s", diff)
	}
	if got := dead[0].Attributes["MessageGroupId"]; got != want.Guild {
		t.Errorf("dead letter MessageGroupId = %q, want %q", got, want.Guild)
	}
	if msgs := m.receive(t, m.url); len(msgs) != 0 {
		t.Errorf("queue still delivers %d messages after the redrive", len(msgs))
	}
}
