package pick

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
)

// naiveWinners is the weighted scheme of the package comment read
// literally: per winner, the ticket index, then a walk over the
// remaining entries in table order to the one whose running total
// exceeds it. FuzzDrawWeighted holds the Fenwick tree to it.
func naiveWinners(seed Seed, client string, sorted []Weighted, winners int) []string {
	left := slices.Clone(sorted)
	var total int64
	for _, e := range left {
		total += e.Weight
	}
	var won []string
	for nonce := uint64(1); nonce <= uint64(winners); nonce++ {
		t, err := Index(seed, client, nonce, int(total))
		if err != nil {
			return nil
		}
		ticket := int64(t)
		for i, e := range left {
			if ticket < e.Weight {
				won = append(won, e.ID)
				total -= e.Weight
				left = slices.Delete(left, i, i+1)
				break
			}
			ticket -= e.Weight
		}
	}
	return won
}

// FuzzDrawWeighted draws from any table (ids one a line, weights from
// the bytes of weights, 8 bytes each with wide set, else 1 each) and
// checks what the scheme promises: a refused table is fault.Invalid;
// else the winners are distinct entries of the table, as many as asked,
// the same as the naive walk's and whatever the table's order, and
// VerifyWeighted accepts the proof; one winner fewer is the same draw
// less its last winner.
func FuzzDrawWeighted(f *testing.F) {
	f.Add("erin\nalice\nbob\ncarol\ndave", []byte{52, 30, 5, 12, 1}, false, 3, []byte("seed"))
	f.Add("a\nb", []byte{0, 1}, false, 1, []byte{})
	f.Add("a\nb\na", []byte{1, 1, 1}, false, 2, []byte{1})
	f.Add("big\nsmall", []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 1}, true, 2, []byte{2})
	f.Add("x\ny", []byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1}, true, 1, []byte{3})
	f.Add("one", []byte{9}, false, 2, []byte{4})
	f.Fuzz(func(t *testing.T, ids string, weights []byte, wide bool, winners int, seedText []byte) {
		if winners < 0 || winners > 64 {
			winners = 1 + winners&63
		}
		var table []Weighted
		for i, id := range strings.Split(ids, "\n") {
			w := int64(1)
			switch {
			case wide && len(weights) >= 8*(i+1):
				w = int64(binary.BigEndian.Uint64(weights[8*i:]))
			case !wide && len(weights) > i:
				w = int64(weights[i])
			}
			table = append(table, Weighted{ID: id, Weight: w})
		}
		sum := sha256.Sum256(seedText)
		seed := Seed(sum[:])
		p, err := DrawWeighted(seed, "period", table, winners)
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("DrawWeighted(%v, %d) = %v, want fault.Invalid", table, winners, err)
			}
			return
		}
		s, total, _ := sortedTable(table)
		if len(p.Winners) != winners || p.Entries != len(table) || p.Total != total {
			t.Fatalf("DrawWeighted(%v, %d) = %+v, want %d winners of %d entries and %d tickets", table, winners, p, winners, len(table), total)
		}
		seen := map[string]bool{}
		for _, w := range p.Winners {
			if seen[w] || !slices.ContainsFunc(table, func(e Weighted) bool { return e.ID == w }) {
				t.Fatalf("DrawWeighted(%v, %d) winners %q: %q is drawn twice or not in the table", table, winners, p.Winners, w)
			}
			seen[w] = true
		}
		if naive := naiveWinners(seed, p.ClientSeed, s, winners); !slices.Equal(naive, p.Winners) {
			t.Fatalf("DrawWeighted(%v, %d) winners %q, the naive walk %q", table, winners, p.Winners, naive)
		}
		reversed := slices.Clone(table)
		slices.Reverse(reversed)
		if err := VerifyWeighted(p, "period", reversed); err != nil {
			t.Fatalf("VerifyWeighted(DrawWeighted(%v, %d)) with the table reversed = %v", table, winners, err)
		}
		if winners > 1 {
			q, err := DrawWeighted(seed, "period", table, winners-1)
			if err != nil || !slices.Equal(q.Winners, p.Winners[:winners-1]) {
				t.Fatalf("DrawWeighted(%v, %d) = %q, %v; want the first %d of %q", table, winners-1, q.Winners, err, winners-1, p.Winners)
			}
		}
	})
}
