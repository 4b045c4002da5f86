package pick

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
)

// five is a small ticket table, deliberately not in id order.
func five() []Weighted {
	return []Weighted{{"erin", 52}, {"alice", 30}, {"bob", 5}, {"carol", 12}, {"dave", 1}}
}

// numbered is a table of n entries v000000… with 1 to 17 tickets each.
func numbered(n int) []Weighted {
	t := make([]Weighted, n)
	for i := range t {
		t[i] = Weighted{ID: fmt.Sprintf("v%06d", i), Weight: int64(i%17 + 1)}
	}
	return t
}

// The vectors were computed independently of this package, with Python's
// hmac and hashlib following the package comment (a linear scan for the
// owner of each ticket).
func TestWeightedVectors(t *testing.T) {
	kick := sha256.Sum256([]byte("kickbot"))
	two := make([]Weighted, 200)
	for i := range two {
		two[i] = Weighted{ID: fmt.Sprintf("v%03d", i), Weight: int64(i%17 + 1)}
	}
	tests := []struct {
		name    string
		seed    Seed
		period  string
		table   []Weighted
		winners int
		client  string
		want    []string
		total   int64
	}{
		{"five entries, three winners", seq(), "2026-12", five(), 3,
			"9c42d0c5ddf39552fa2791751057b4a0df4e2b5dcbbe7ec1abbf2a6f47b2ff09", []string{"carol", "erin", "bob"}, 100},
		{"five entries, all drawn", seq(), "2026-12", five(), 5,
			"9c42d0c5ddf39552fa2791751057b4a0df4e2b5dcbbe7ec1abbf2a6f47b2ff09", []string{"carol", "erin", "bob", "alice", "dave"}, 100},
		{"another seed", Seed(kick[:]), "2026-12", five(), 3,
			"9c42d0c5ddf39552fa2791751057b4a0df4e2b5dcbbe7ec1abbf2a6f47b2ff09", []string{"erin", "alice", "bob"}, 100},
		{"one entry", seq(), "2026-12", []Weighted{{"solo", 7}}, 1,
			"0085aedfa0b1fb0a83fe42a5e9b1e3776c0250f18228399fa1e9a15e6a1ee787", []string{"solo"}, 7},
		{"200 entries, ten winners", seq(), "g-1450", two, 10,
			"ffb30da559398d5186c4b202a8fdca80c9fe55a64e34b4c5617274ab49b19d2a",
			[]string{"v080", "v091", "v168", "v181", "v176", "v135", "v113", "v149", "v083", "v013"}, 1774},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := TableDigest(tt.period, tt.table)
			if err != nil || d != tt.client {
				t.Errorf("TableDigest(%s) = %s, %v, want %s", tt.period, d, err, tt.client)
			}
			p, err := DrawWeighted(tt.seed, tt.period, tt.table, tt.winners)
			if err != nil {
				t.Fatalf("DrawWeighted = %v", err)
			}
			want := WeightedProof{Commitment: tt.seed.Commitment(), Seed: tt.seed.String(), ClientSeed: tt.client,
				Winners: tt.want, Entries: len(tt.table), Total: tt.total}
			if p.Commitment != want.Commitment || p.Seed != want.Seed || p.ClientSeed != want.ClientSeed ||
				!slices.Equal(p.Winners, want.Winners) || p.Entries != want.Entries || p.Total != want.Total {
				t.Errorf("DrawWeighted = %+v, want %+v", p, want)
			}
			if err := VerifyWeighted(p, tt.period, tt.table); err != nil {
				t.Errorf("VerifyWeighted(DrawWeighted's proof) = %v, want nil", err)
			}
		})
	}
}

func TestDrawWeightedDeterministic(t *testing.T) {
	table := numbered(1000)
	before := slices.Clone(table)
	first, err := DrawWeighted(seq(), "p", table, 5)
	if err != nil {
		t.Fatal(err)
	}
	// The same inputs in another order draw the same winners.
	shuffled := slices.Clone(table)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	again, err := DrawWeighted(seq(), "p", shuffled, 5)
	if err != nil || !slices.Equal(again.Winners, first.Winners) || again.ClientSeed != first.ClientSeed {
		t.Errorf("DrawWeighted(shuffled) = %v %s, %v, want %v %s", again.Winners, again.ClientSeed, err, first.Winners, first.ClientSeed)
	}
	// Drawing one more keeps the first five: a reroll is the next winner.
	more, err := DrawWeighted(seq(), "p", table, 6)
	if err != nil || !slices.Equal(more.Winners[:5], first.Winners) {
		t.Errorf("DrawWeighted(6 winners) = %v, %v, want it to start with %v", more.Winners, err, first.Winners)
	}
	if !slices.Equal(table, before) {
		t.Error("DrawWeighted changed the caller's table")
	}
}

// TestDrawWeightedNoRepeats draws every entry of tables of several shapes
// and checks each entry is drawn exactly once.
func TestDrawWeightedNoRepeats(t *testing.T) {
	tests := []struct {
		name  string
		table []Weighted
	}{
		{"five", five()},
		{"one heavy entry", []Weighted{{"a", 1}, {"b", 1_000_000}, {"c", 1}}},
		{"300 numbered", numbered(300)},
		{"all equal", []Weighted{{"a", 3}, {"b", 3}, {"c", 3}, {"d", 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DrawWeighted(seq(), "p", tt.table, len(tt.table))
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, w := range p.Winners {
				if seen[w] {
					t.Fatalf("DrawWeighted winners = %v, %s twice", p.Winners, w)
				}
				seen[w] = true
			}
			if len(seen) != len(tt.table) {
				t.Errorf("DrawWeighted drew %d distinct winners, want %d", len(seen), len(tt.table))
			}
		})
	}
}

// TestFenwickOwner checks the tree against a linear scan of running
// totals, with winners' tickets removed as the draw removes them.
func TestFenwickOwner(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 2, 3, 7, 8, 9, 64, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			w := make([]Weighted, n)
			for i := range w {
				w[i] = Weighted{ID: fmt.Sprint(i), Weight: r.Int64N(5) + 1}
			}
			f := newFenwick(w)
			left := make([]int64, n)
			for i := range w {
				left[i] = w[i].Weight
			}
			for range n {
				var total int64
				for _, x := range left {
					total += x
				}
				for ticket := range total {
					want, run := -1, int64(0)
					for i, x := range left {
						if run += x; run > ticket {
							want = i
							break
						}
					}
					if got := f.owner(ticket); got != want {
						t.Fatalf("owner(%d) with %v left = %d, want %d", ticket, left, got, want)
					}
				}
				drop := f.owner(r.Int64N(total))
				f.add(drop, -left[drop])
				left[drop] = 0
			}
		})
	}
}

// TestDrawWeightedUniform draws with 60,000 different seeds (SHA-256 of
// the draw number) and compares the counts with the exact probabilities
// by Pearson's chi-square test at significance 0.001: the statistic of a
// fair draw exceeds the critical value with probability 0.1%. The seeds
// are fixed, so the test is deterministic; a draw biased by position, by
// modulo or by a wrong removal far exceeds it.
//
//   - first winner: entry i wins with probability w_i/T (4 df, 18.467);
//   - ordered pairs of two winners: (i, j) with probability
//     w_i/T · w_j/(T − w_i) (11 df, 31.264), which checks the removal.
func TestDrawWeightedUniform(t *testing.T) {
	const draws = 60_000
	table := []Weighted{{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 10}}
	pairTable := table[:4]
	seedOf := func(i int) Seed {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		s := sha256.Sum256(b[:])
		return s[:]
	}
	tests := []struct {
		name     string
		table    []Weighted
		winners  int
		critical float64
	}{
		{"first winner by tickets", table, 1, 18.467},
		{"pairs of winners by tickets", pairTable, 2, 31.264},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total float64
			weight := map[string]float64{}
			for _, e := range tt.table {
				total += float64(e.Weight)
				weight[e.ID] = float64(e.Weight)
			}
			counts := map[string]int{}
			for i := range draws {
				p, err := DrawWeighted(seedOf(i), "uniform", tt.table, tt.winners)
				if err != nil {
					t.Fatal(err)
				}
				counts[strings.Join(p.Winners, ",")]++
			}
			var chi float64
			cells := 0
			for _, a := range tt.table {
				for _, b := range tt.table {
					key, prob := a.ID, weight[a.ID]/total
					if tt.winners == 2 {
						if a.ID == b.ID {
							continue
						}
						key, prob = a.ID+","+b.ID, prob*weight[b.ID]/(total-weight[a.ID])
					} else if b.ID != tt.table[0].ID {
						continue // one cell per first winner
					}
					want := prob * draws
					d := float64(counts[key]) - want
					chi += d * d / want
					cells++
				}
			}
			if n := len(counts); n != cells {
				t.Errorf("%d different outcomes, want %d", n, cells)
			}
			if chi > tt.critical || math.IsNaN(chi) {
				t.Errorf("chi-square of %v = %.3f, want at most %.3f (significance 0.001)", counts, chi, tt.critical)
			}
			t.Logf("counts %v, chi-square %.3f over %d cells", counts, chi, cells)
		})
	}
}

// TestVerifyWeightedRejects changes the proof or the table after the draw.
func TestVerifyWeightedRejects(t *testing.T) {
	p, err := DrawWeighted(seq(), "2026-12", five(), 3)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		period string
		table  []Weighted
		change func(p *WeightedProof)
		says   string
	}{
		{"a ticket added", "2026-12", append(five()[:4], Weighted{"dave", 2}), nil, "the table changed"},
		{"an entry added", "2026-12", append(five(), Weighted{"zed", 1}), nil, "the table changed"},
		{"an entry removed", "2026-12", five()[1:], nil, "the table changed"},
		{"another period", "2027-01", five(), nil, "the table changed"},
		{"another seed", "2026-12", five(), func(p *WeightedProof) { p.Seed = Seed(make([]byte, SeedSize)).String() }, "commitment"},
		{"a bad seed", "2026-12", five(), func(p *WeightedProof) { p.Seed = "zz" }, "hex digits"},
		{"another winner", "2026-12", five(), func(p *WeightedProof) { p.Winners = []string{"carol", "alice", "bob"} }, "winner 2 is erin"},
		{"winners swapped", "2026-12", five(), func(p *WeightedProof) { p.Winners = []string{"erin", "carol", "bob"} }, "winner 1 is carol"},
		{"another total", "2026-12", five(), func(p *WeightedProof) { p.Total = 99 }, "100 tickets"},
		{"no winners", "2026-12", five(), func(p *WeightedProof) { p.Winners = nil }, "0 winners"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := p
			q.Winners = slices.Clone(p.Winners)
			if tt.change != nil {
				tt.change(&q)
			}
			err := VerifyWeighted(q, tt.period, tt.table)
			if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("VerifyWeighted(%+v, %s) = %v, want a fault.Invalid saying %q", q, tt.period, err, tt.says)
			}
		})
	}
}

func TestDrawWeightedBadInput(t *testing.T) {
	tests := []struct {
		name    string
		seed    Seed
		period  string
		table   []Weighted
		winners int
	}{
		{"empty table", seq(), "p", nil, 1},
		{"zero tickets", seq(), "p", []Weighted{{"a", 1}, {"b", 0}}, 1},
		{"negative tickets", seq(), "p", []Weighted{{"a", -3}}, 1},
		{"duplicate id", seq(), "p", []Weighted{{"a", 1}, {"b", 2}, {"a", 3}}, 1},
		{"empty id", seq(), "p", []Weighted{{"", 1}}, 1},
		{"id with a newline", seq(), "p", []Weighted{{"a\nb", 1}}, 1},
		{"winners above entries", seq(), "p", five(), 6},
		{"no winners", seq(), "p", five(), 0},
		{"no period", seq(), "", five(), 1},
		{"period with a newline", seq(), "p\n1", five(), 1},
		{"no seed", nil, "p", five(), 1},
		{"total beyond int64", seq(), "p", []Weighted{{"a", math.MaxInt64}, {"b", 1}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := DrawWeighted(tt.seed, tt.period, tt.table, tt.winners); !fault.Is(err, fault.Invalid) {
				t.Errorf("DrawWeighted(%q, %v, %d) = %+v, %v, want a fault.Invalid", tt.period, tt.table, tt.winners, p, err)
			}
		})
	}
}

// BenchmarkDrawWeighted draws 3 winners from tables of 10,000 and 100,000
// participants with 1 to 17 tickets each: the sort, the digest and the
// draw, as a raffle draw does it.
func BenchmarkDrawWeighted(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		table := numbered(n)
		b.Run(fmt.Sprintf("participants=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DrawWeighted(seq(), "2026-12", table, 3); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
