// Package jobqueue carries jobs through the SQS FIFO queue: Queue sends them
// (the webhook's side) and Handler runs them in the worker Lambda (the
// queue's side).
//
// The guild is the message group, so one guild's jobs run in order while
// guilds run in parallel, and the job ID is the deduplication id, so a job
// enqueued again by a retried delivery is dropped by SQS.
package jobqueue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/job"
)

// API is the part of the SQS client that Queue uses.
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, optFns ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// Queue sends jobs to one SQS FIFO queue. It is safe for concurrent use.
type Queue struct {
	Client API
	URL    string
}

var _ ingest.Queue = (*Queue)(nil)

// New returns a Queue that sends to the queue at url.
func New(client API, url string) *Queue { return &Queue{Client: client, URL: url} }

const (
	// maxBatchEntries is SQS's limit on entries per SendMessageBatch.
	maxBatchEntries = 10
	// maxBatchBytes bounds the bodies of one batch. SQS refuses a batch
	// whose bodies add up to more than the queue's maximum message size;
	// 256 KiB is the smallest maximum a queue may have had by default.
	maxBatchBytes = 256 << 10
	// maxIDLen is SQS's limit on deduplication and group ids.
	maxIDLen = 128
	// hashPrefix marks an id that sqsID replaced by its hash.
	hashPrefix = "sha256:"
)

// Enqueue sends jobs in order, with the guild as message group and the job
// ID as deduplication id. A job that does not validate fails the whole call
// with its Invalid error before anything is sent. Every SQS failure is
// Transient: the caller retries the whole call, and the deduplication ids
// drop the jobs that did get through the first time.
func (q *Queue) Enqueue(ctx context.Context, jobs ...job.Job) error {
	entries := make([]types.SendMessageBatchRequestEntry, len(jobs))
	for i, j := range jobs {
		b, err := j.Encode()
		if err != nil {
			return err
		}
		entries[i] = types.SendMessageBatchRequestEntry{
			// The index in jobs, so a failed entry names its job.
			Id:                     aws.String(strconv.Itoa(i)),
			MessageBody:            aws.String(string(b)),
			MessageGroupId:         aws.String(sqsID(j.Guild)),
			MessageDeduplicationId: aws.String(sqsID(j.ID)),
		}
	}
	for len(entries) > 0 {
		n := batchLen(entries)
		if err := q.send(ctx, jobs, entries[:n]); err != nil {
			return err
		}
		entries = entries[n:]
	}
	return nil
}

// batchLen returns how many of entries, at least one, fit into one batch.
func batchLen(entries []types.SendMessageBatchRequestEntry) int {
	size := 0
	for i, e := range entries {
		size += len(*e.MessageBody)
		if i == maxBatchEntries || i > 0 && size > maxBatchBytes {
			return i
		}
	}
	return len(entries)
}

// maxSendAttempts is how many times send offers an entry that SQS failed
// on its side (throttling, an internal error) before giving up.
const maxSendAttempts = 3

// send sends one batch. Entries SQS failed on its side, or left out of its
// answer, are sent again, up to maxSendAttempts in all, so one throttled
// entry does not fail the whole call; an entry it refused as the
// sender's fault would be refused again, and fails the call at once.
func (q *Queue) send(ctx context.Context, jobs []job.Job, entries []types.SendMessageBatchRequestEntry) error {
	var errs []error
	for attempt := 1; len(entries) > 0; attempt++ {
		out, err := q.Client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.URL), Entries: entries})
		if err != nil {
			return fault.Wrap(fault.Transient, err, "enqueue jobs")
		}
		done := make(map[string]bool, len(out.Successful))
		for _, s := range out.Successful {
			done[aws.ToString(s.Id)] = true
		}
		errs = errs[:0]
		failed := map[string]bool{}
		for _, f := range out.Failed {
			id := aws.ToString(f.Id)
			failed[id] = true
			errs = append(errs, fmt.Errorf("job %s: %s: %s", jobID(jobs, id), aws.ToString(f.Code), aws.ToString(f.Message)))
			if f.SenderFault {
				return fault.Wrap(fault.Transient, errors.Join(errs...), "enqueue jobs")
			}
		}
		// An entry the answer does not mention was not confirmed sent.
		var again []types.SendMessageBatchRequestEntry
		for _, e := range entries {
			id := aws.ToString(e.Id)
			if done[id] {
				continue
			}
			if !failed[id] {
				errs = append(errs, fmt.Errorf("job %s: not in the answer", jobID(jobs, id)))
			}
			again = append(again, e)
		}
		if len(again) > 0 && attempt == maxSendAttempts {
			return fault.Wrap(fault.Transient, errors.Join(errs...), "enqueue jobs")
		}
		entries = again
	}
	return nil
}

// jobID names the job behind a batch entry id.
func jobID(jobs []job.Job, entryID string) string {
	i, err := strconv.Atoi(entryID)
	if err != nil || i < 0 || i >= len(jobs) {
		return strconv.Quote(entryID)
	}
	return jobs[i].ID
}

// sqsID returns s if SQS accepts it as a deduplication or group id: 1 to
// 128 characters, each a letter, digit or ASCII punctuation. Any other
// string (job IDs only promise a length) becomes "sha256:" and the hex
// SHA-256 of s. Strings that already start with that prefix are hashed as
// well, so no valid id can equal another one's hash.
func sqsID(s string) string {
	if s != "" && len(s) <= maxIDLen && !strings.HasPrefix(s, hashPrefix) && printable(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return hashPrefix + hex.EncodeToString(sum[:])
}

// printable reports whether s is only printable ASCII other than space,
// which is exactly the letters, digits and punctuation SQS allows.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}
