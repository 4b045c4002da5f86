package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/pick"
)

// TestReproducesPick draws with shared/pick and has the tool recompute
// the pick from the values /calls verify shows.
func TestReproducesPick(t *testing.T) {
	sum := sha256.Sum256([]byte("verifypick"))
	seed := pick.Seed(sum[:])
	ids := []string{"m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7"}
	p, err := pick.Draw(seed, "round-9", ids, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("index %d (entry #%d)", p.Index, p.Index+1)
	base := []string{"-commitment", p.Commitment, "-seed", p.Seed.String(), "-nonce", "3"}
	tests := []struct {
		name string
		args []string
	}{
		{"from the client seed", append(base, "-client", p.ClientSeed, "-entries", "7")},
		{"from the round and ids", append(base, "-round", "round-9", "-ids", strings.Join(ids, ","))},
		{"both, upper-case hex", append(base, "-client", strings.ToUpper(p.ClientSeed), "-round", "round-9", "-ids", strings.Join(ids, ","))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(tt.args, &out); err != nil {
				t.Fatalf("run(%q) = %v\n%s", tt.args, err, out.String())
			}
			if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "commitment matches") {
				t.Errorf("run(%q) printed %q, want it to say %q and that the commitment matches", tt.args, out.String(), want)
			}
		})
	}
	bad := []struct {
		name, says string
		args       []string
	}{
		{"another seed", "does not match the commitment",
			[]string{"-commitment", p.Commitment, "-seed", strings.Repeat("00", 32), "-client", p.ClientSeed, "-nonce", "3", "-entries", "7"}},
		{"ids in another order", "client seed of round",
			append(base, "-client", p.ClientSeed, "-round", "round-9", "-ids", "m-2,m-1,m-3,m-4,m-5,m-6,m-7")},
		{"no entries", "nothing to pick from", append(base, "-client", p.ClientSeed)},
		{"no client seed", "give -client", base},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("run(%q) = %v, want an error saying %q", tt.args, err, tt.says)
			}
		})
	}
}
