package stack_test

import (
	"testing"

	"github.com/kickbot/kickbot/shared/stack"
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
	for _, want := range []string{"watchtime", "points", "live"} {
		if !names[want] {
			t.Errorf("table has no GSI %q (have %v)", want, names)
		}
	}
	ttl, err := tpl.TTLAttribute()
	if err != nil || ttl != "expiresAt" {
		t.Errorf("TTLAttribute() = %q, %v, want expiresAt", ttl, err)
	}
}
