package jobqueue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/command"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/job"
)

const testURL = "https://sqs.us-east-1.amazonaws.com/123456789012/kickbot-jobs.fifo"

// sendFunc is an API made of a function.
type sendFunc func(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)

func (f sendFunc) SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	return f(ctx, in, optFns...)
}

// recorder returns an API that appends each input to *inputs and answers
// with answer.
func recorder(inputs *[]*sqs.SendMessageBatchInput, answer func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)) sendFunc {
	return func(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
		*inputs = append(*inputs, in)
		return answer(in)
	}
}

// allSent answers that every entry was sent.
func allSent(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
	return sentExcept()(in)
}

// sentExcept answers that the entries with the given ids failed and that
// the rest were sent.
func sentExcept(failed ...string) func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
	return func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		out := &sqs.SendMessageBatchOutput{}
		for _, e := range in.Entries {
			id := aws.ToString(e.Id)
			if contains(failed, id) {
				out.Failed = append(out.Failed, types.BatchResultErrorEntry{
					Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again"),
				})
				continue
			}
			out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id, MessageId: aws.String("m-" + id)})
		}
		return out, nil
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// testJob returns the n-th follow job of guild.
func testJob(guild string, n int) job.Job {
	ev := event.Event{
		ID: fmt.Sprintf("01JQ7ZC4M2T8Y1B5N0P6R3%04d", n), Type: event.Followed, Broadcaster: 4402117,
		SentAt: time.Date(2026, 3, 14, 19, 2, n%60, 0, time.UTC),
		Follow: &event.Follow{Follower: event.User{ID: int64(1000 + n), Username: "viewer" + strconv.Itoa(n)}},
	}
	return job.ForEvent(guild, ev, nil)
}

// bigJob returns a command job whose body is about size bytes.
func bigJob(guild string, n, size int) job.Job {
	text := strings.Repeat("x", size)
	ev := event.Event{
		ID: fmt.Sprintf("01JQ7ZC4M2T8Y1B5N0P6R3%04d", n), Type: event.ChatMessage, Broadcaster: 4402117,
		SentAt: time.Date(2026, 3, 14, 19, 2, 0, 0, time.UTC),
		Chat:   &event.Chat{MessageID: "m" + strconv.Itoa(n), Sender: event.User{ID: 7, Username: "pixelpanda"}, Content: "!say " + text},
	}
	return job.ForEvent(guild, ev, &command.Command{Name: "say", Args: "long"})
}

func jobs(n int) []job.Job {
	var js []job.Job
	for i := range n {
		js = append(js, testJob(strconv.Itoa(1180000000000000001+i%3), i))
	}
	return js
}

func TestEnqueue(t *testing.T) {
	odd := testJob("1180000000000000001", 1)
	odd.ID = "01JQ7ZC4M2T8Y1B5N0P6R30001 from kick/1180000000000000001"
	tests := []struct {
		name string
		jobs []job.Job
		// wantBatches lists the number of entries of each SendMessageBatch call.
		wantBatches []int
		// hashed: the job IDs are outside SQS's alphabet, so the
		// deduplication ids are their hashes.
		hashed bool
	}{
		{name: "no jobs"},
		{name: "one job", jobs: jobs(1), wantBatches: []int{1}},
		{name: "ten jobs in one batch", jobs: jobs(10), wantBatches: []int{10}},
		{name: "chunks of ten", jobs: jobs(23), wantBatches: []int{10, 10, 3}},
		{
			name:        "large bodies split below the batch size limit",
			jobs:        []job.Job{bigJob("1", 1, 100<<10), bigJob("1", 2, 100<<10), bigJob("1", 3, 100<<10), bigJob("2", 4, 10)},
			wantBatches: []int{2, 2},
		},
		{name: "job ID outside the SQS alphabet", jobs: []job.Job{odd}, wantBatches: []int{1}, hashed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inputs []*sqs.SendMessageBatchInput
			q := New(recorder(&inputs, allSent), testURL)
			if err := q.Enqueue(t.Context(), tt.jobs...); err != nil {
				t.Fatalf("Enqueue error = %v, want nil", err)
			}
			var batches []int
			var entries []types.SendMessageBatchRequestEntry
			for _, in := range inputs {
				if got := aws.ToString(in.QueueUrl); got != testURL {
					t.Errorf("QueueUrl = %q, want %q", got, testURL)
				}
				batches = append(batches, len(in.Entries))
				entries = append(entries, in.Entries...)
			}
			if diff := cmp.Diff(tt.wantBatches, batches); diff != "" {
				t.Errorf("batch sizes (-want +got):\n%s", diff)
			}
			if len(entries) != len(tt.jobs) {
				t.Fatalf("sent %d entries, want %d", len(entries), len(tt.jobs))
			}
			for i, e := range entries {
				j := tt.jobs[i]
				if got, want := aws.ToString(e.Id), strconv.Itoa(i); got != want {
					t.Errorf("entry %d Id = %q, want %q", i, got, want)
				}
				if got, want := aws.ToString(e.MessageGroupId), j.Guild; got != want {
					t.Errorf("entry %d MessageGroupId = %q, want %q", i, got, want)
				}
				wantDedup := j.ID
				if tt.hashed {
					sum := sha256.Sum256([]byte(j.ID))
					wantDedup = "sha256:" + hex.EncodeToString(sum[:])
				}
				if got := aws.ToString(e.MessageDeduplicationId); got != wantDedup {
					t.Errorf("entry %d MessageDeduplicationId = %q, want %q", i, got, wantDedup)
				}
				got, err := job.Decode([]byte(aws.ToString(e.MessageBody)))
				if err != nil {
					t.Fatalf("entry %d body: Decode: %v", i, err)
				}
				if diff := cmp.Diff(j, got); diff != "" {
					t.Errorf("entry %d body (-sent +decoded):\n%s", i, diff)
				}
			}
		})
	}
}

func TestEnqueueFailure(t *testing.T) {
	js := jobs(23)
	tests := []struct {
		name   string
		jobs   []job.Job
		answer func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error)
		// wantCalls is how many batches Enqueue tried before it gave up.
		wantCalls int
		wantKind  fault.Kind
		// wantText is part of the error's text.
		wantText string
	}{
		{
			name: "SDK error",
			jobs: js,
			answer: func(*sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				return nil, errors.New("connection reset")
			},
			wantCalls: 1, wantKind: fault.Transient, wantText: "connection reset",
		},
		{
			name:      "entry in the second batch failing every time",
			jobs:      js,
			answer:    sentExcept("12"),
			wantCalls: 2 + maxSendAttempts - 1, wantKind: fault.Transient, wantText: js[12].ID + ": InternalError",
		},
		{
			name: "entry missing from every answer",
			jobs: js[:3],
			answer: func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				out, err := allSent(in)
				out.Successful = slices.DeleteFunc(out.Successful, func(e types.SendMessageBatchResultEntry) bool { return aws.ToString(e.Id) == "2" })
				return out, err
			},
			wantCalls: maxSendAttempts, wantKind: fault.Transient, wantText: js[2].ID + ": not in the answer",
		},
		{
			name: "entry refused as the sender's fault is not sent again",
			jobs: js[:3],
			answer: func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
				out, err := sentExcept("1")(in)
				out.Failed[0].SenderFault = true
				return out, err
			},
			wantCalls: 1, wantKind: fault.Transient, wantText: js[1].ID + ": InternalError",
		},
		{
			name:      "invalid job sends nothing",
			jobs:      append(js[:2:2], job.Job{ID: "x", Kind: job.KindEvent}),
			answer:    allSent,
			wantCalls: 0, wantKind: fault.Invalid,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inputs []*sqs.SendMessageBatchInput
			err := New(recorder(&inputs, tt.answer), testURL).Enqueue(t.Context(), tt.jobs...)
			if got := fault.KindOf(err); err == nil || got != tt.wantKind {
				t.Errorf("Enqueue error = %v (kind %v), want kind %v", err, got, tt.wantKind)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Enqueue error = %q, want it to contain %q", err, tt.wantText)
			}
			if got := len(inputs); got != tt.wantCalls {
				t.Errorf("SendMessageBatch called %d times, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestSQSID(t *testing.T) {
	hashed := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "sha256:" + hex.EncodeToString(sum[:])
	}
	punct := "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
	long := strings.Repeat("a", 128)
	tests := []struct{ in, want string }{
		{"01JQ7ZC4M2T8Y1B5N0P6R3K9A1/1180000000000000001", "01JQ7ZC4M2T8Y1B5N0P6R3K9A1/1180000000000000001"},
		{"1180000000000000001", "1180000000000000001"},
		{punct, punct},
		{long, long},
		{long + "a", hashed(long + "a")},
		{"", hashed("")},
		{"with space", hashed("with space")},
		{"tab\there", hashed("tab\there")},
		{"ünïcode", hashed("ünïcode")},
		{"sha256:" + strings.Repeat("0", 64), hashed("sha256:" + strings.Repeat("0", 64))},
	}
	for _, tt := range tests {
		got := sqsID(tt.in)
		if got != tt.want {
			t.Errorf("sqsID(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if len(got) > 128 || !printable(got) {
			t.Errorf("sqsID(%q) = %q, which SQS refuses", tt.in, got)
		}
	}
}

func TestNewClientEndpoint(t *testing.T) {
	const endpoint = "http://127.0.0.1:5000"
	c, err := NewClient(t.Context(), endpoint)
	if err != nil {
		t.Fatalf("NewClient error = %v", err)
	}
	o := c.Options()
	if got := aws.ToString(o.BaseEndpoint); got != endpoint {
		t.Errorf("BaseEndpoint = %q, want %q", got, endpoint)
	}
	if o.Region != LocalRegion {
		t.Errorf("Region = %q, want %q", o.Region, LocalRegion)
	}
	creds, err := o.Credentials.Retrieve(t.Context())
	if err != nil || creds.AccessKeyID == "" {
		t.Errorf("Credentials.Retrieve() = %+v, %v; want static credentials", creds, err)
	}
}

// TestEnqueueSendsFailedEntriesAgain: entries SQS failed on its side, or
// left out of its answer, are sent again, alone, and the call succeeds.
func TestEnqueueSendsFailedEntriesAgain(t *testing.T) {
	js := jobs(13)
	var inputs []*sqs.SendMessageBatchInput
	offered := map[string]bool{}
	answer := func(in *sqs.SendMessageBatchInput) (*sqs.SendMessageBatchOutput, error) {
		// 3 and 11 fail, and 5 is in neither list, the first time each
		// is offered.
		var fail []string
		for _, e := range in.Entries {
			if id := aws.ToString(e.Id); !offered[id] {
				offered[id] = true
				fail = append(fail, id)
			}
		}
		out, err := sentExcept(slices.DeleteFunc(fail, func(id string) bool { return id != "3" && id != "11" })...)(in)
		out.Successful = slices.DeleteFunc(out.Successful, func(e types.SendMessageBatchResultEntry) bool {
			return aws.ToString(e.Id) == "5" && len(in.Entries) == 10
		})
		return out, err
	}
	if err := New(recorder(&inputs, answer), testURL).Enqueue(t.Context(), js...); err != nil {
		t.Fatalf("Enqueue = %v, want the failed entries sent again", err)
	}
	var got []string
	for _, in := range inputs {
		var ids []string
		for _, e := range in.Entries {
			ids = append(ids, aws.ToString(e.Id))
		}
		got = append(got, strings.Join(ids, ","))
	}
	want := []string{"0,1,2,3,4,5,6,7,8,9", "3,5", "10,11,12", "11"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("batches sent (-want +got):\n%s", diff)
	}
}
