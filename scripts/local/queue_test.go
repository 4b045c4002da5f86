package main

import (
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/local/localqueue"
)

// TestQueueRetriesAreTheTemplates holds `make dev`'s queue to the deployed
// one: the template's redrive limit and visibility timeout, so that its
// retries outlast the dedupe window (and a store outage of that length)
// as in AWS. One-second retries sent accepted jobs to the dead-letter
// queue within a 9 s outage.
func TestQueueRetriesAreTheTemplates(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	vt, err := tpl.VisibilityTimeout(stack.JobsQueue)
	if err != nil {
		t.Fatal(err)
	}
	n, delay, err := queueRetries(tpl, configFromEnv().RetryDelay)
	if err != nil {
		t.Fatal(err)
	}
	if delay != vt {
		t.Errorf("retry delay = %v, want the template's visibility timeout %v", delay, vt)
	}
	if span := delay * time.Duration(n-1); span < localqueue.DefaultDedupWindow {
		t.Errorf("retries span %v × (%d-1) = %v, want at least the %v dedupe window", delay, n, span, localqueue.DefaultDedupWindow)
	}
	if _, delay, err := queueRetries(tpl, 0); err != nil || delay != 0 {
		t.Errorf("queueRetries(tpl, 0) delay = %v, %v, want 0 (tests redeliver at once)", delay, err)
	}
}
