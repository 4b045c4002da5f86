package stack_test

import (
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/stack"
)

func TestTable(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	in, err := tpl.Table("t")
	if err != nil {
		t.Fatal(err)
	}
	if got := len(in.KeySchema); got != 2 {
		t.Errorf("key schema has %d elements, want 2", got)
	}
	names := map[string]bool{}
	for _, g := range in.GlobalSecondaryIndexes {
		names[*g.IndexName] = true
	}
	for _, want := range []string{"live", "byName", "connections"} {
		if !names[want] {
			t.Errorf("table has no GSI %q (have %v)", want, names)
		}
	}
	ttl, err := tpl.TTLAttribute()
	if err != nil || ttl != "expiresAt" {
		t.Errorf("TTLAttribute() = %q, %v, want expiresAt", ttl, err)
	}
}

func TestQueue(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tpl.VisibilityTimeout(stack.JobsQueue); err != nil || got != 360*time.Second {
		t.Errorf("VisibilityTimeout(%s) = %v, %v, want 6m0s", stack.JobsQueue, got, err)
	}
	if got, err := tpl.MaxReceiveCount(stack.JobsQueue); err != nil || got != 5 {
		t.Errorf("MaxReceiveCount(%s) = %v, %v, want 5", stack.JobsQueue, got, err)
	}
	for _, name := range []string{"JobsDeadLetterQueue", "Table", "Nope"} {
		if _, err := tpl.VisibilityTimeout(name); err == nil {
			t.Errorf("VisibilityTimeout(%s) = nil error, want one: it sets none or is no queue", name)
		}
	}
}
