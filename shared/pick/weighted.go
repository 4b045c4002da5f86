package pick

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
)

// Weighted is one entry of a weighted draw: its id and its tickets.
type Weighted struct {
	ID string
	// Weight is the entry's ticket count, at least 1.
	Weight int64
}

// WeightedProof is everything needed to check a weighted draw besides
// the ticket table itself, which is published alongside.
type WeightedProof struct {
	Commitment string
	// Seed is the revealed server seed in hex.
	Seed string
	// ClientSeed is TableDigest of the period and the table.
	ClientSeed string
	// Winners are the entry ids drawn, in the order drawn (nonce 1, 2, …).
	Winners []string
	// Entries is how many entries the table holds, Total their tickets.
	Entries int
	Total   int64
}

// sortedTable checks table and returns a copy sorted by id (byte order).
// Ids must be one line and not empty, unique, weights at least 1, and
// the total must fit in an int64.
func sortedTable(table []Weighted) ([]Weighted, int64, error) {
	if len(table) == 0 {
		return nil, 0, fault.E(fault.Invalid, "the ticket table is empty")
	}
	s := slices.Clone(table)
	slices.SortFunc(s, func(a, b Weighted) int { return strings.Compare(a.ID, b.ID) })
	var total int64
	for i, e := range s {
		if e.ID == "" || strings.ContainsAny(e.ID, "\r\n") {
			return nil, 0, fault.E(fault.Invalid, "an entry id must be one line, not empty")
		}
		if i > 0 && s[i-1].ID == e.ID {
			return nil, 0, fault.E(fault.Invalid, "entry %q is in the table twice", e.ID)
		}
		if e.Weight < 1 {
			return nil, 0, fault.E(fault.Invalid, "entry %q has %d tickets, want at least 1", e.ID, e.Weight)
		}
		if total > math.MaxInt64-e.Weight {
			return nil, 0, fault.E(fault.Invalid, "the table holds more than %d tickets", int64(math.MaxInt64))
		}
		total += e.Weight
	}
	return s, total, nil
}

// digest is TableDigest of an already sorted and checked table.
func digest(period string, sorted []Weighted) (string, error) {
	if period == "" || strings.ContainsAny(period, "\r\n") {
		return "", fault.E(fault.Invalid, "a period id must be one line, not empty")
	}
	h := sha256.New()
	io.WriteString(h, period+"\n")
	buf := make([]byte, 0, 64)
	for _, e := range sorted {
		buf = append(buf[:0], e.ID...)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, e.Weight, 10)
		buf = append(buf, '\n')
		h.Write(buf)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// TableDigest is the lower-case hex SHA-256 of the ticket table of
// period: the period id and a newline, then per entry, sorted by id in
// byte order, the id, a space, the tickets in decimal and a newline
// ("period\nid weight\n…"). The order of table does not matter. A bad
// table (see DrawWeighted) is fault.Invalid.
func TableDigest(period string, table []Weighted) (string, error) {
	s, _, err := sortedTable(table)
	if err != nil {
		return "", err
	}
	return digest(period, s)
}

// DrawWeighted draws winners distinct entries of table, each by its
// tickets, with seed in period, by the weighted scheme of the package
// comment. Bad input is fault.Invalid: an empty table, an id empty,
// holding a newline or listed twice, tickets below 1, a total beyond
// int64, a period that is not one non-empty line, winners below 1 or
// above the entries.
func DrawWeighted(seed Seed, period string, table []Weighted, winners int) (WeightedProof, error) {
	s, total, err := sortedTable(table)
	if err != nil {
		return WeightedProof{}, err
	}
	client, err := digest(period, s)
	if err != nil {
		return WeightedProof{}, err
	}
	if winners < 1 || winners > len(s) {
		return WeightedProof{}, fault.E(fault.Invalid, "cannot draw %d winners from %d entries", winners, len(s))
	}
	if len(seed) == 0 {
		return WeightedProof{}, fault.E(fault.Invalid, "a draw needs a seed")
	}
	won, err := drawSorted(seed, client, s, total, winners)
	if err != nil {
		return WeightedProof{}, err
	}
	return WeightedProof{
		Commitment: seed.Commitment(), Seed: seed.String(), ClientSeed: client,
		Winners: won, Entries: len(s), Total: total,
	}, nil
}

// drawSorted draws winners from the sorted table s holding total tickets.
func drawSorted(seed Seed, client string, s []Weighted, total int64, winners int) ([]string, error) {
	tree := newFenwick(s)
	won := make([]string, 0, winners)
	for nonce := uint64(1); nonce <= uint64(winners); nonce++ {
		ticket, err := Index(seed, client, nonce, int(total))
		if err != nil {
			return nil, err
		}
		i := tree.owner(int64(ticket))
		won = append(won, s[i].ID)
		tree.add(i, -s[i].Weight)
		total -= s[i].Weight
	}
	return won, nil
}

// VerifyWeighted checks p against the published period and table: the
// seed matches the commitment, the client seed is the table's digest,
// the entry and ticket counts agree, and redrawing gives p.Winners in
// order. Any mismatch is fault.Invalid saying what differs.
func VerifyWeighted(p WeightedProof, period string, table []Weighted) error {
	seed, err := ParseSeed(p.Seed)
	if err != nil {
		return err
	}
	if !Check(p.Commitment, seed) {
		return fault.E(fault.Invalid, "the seed does not match the commitment")
	}
	s, total, err := sortedTable(table)
	if err != nil {
		return err
	}
	client, err := digest(period, s)
	if err != nil {
		return err
	}
	if !strings.EqualFold(strings.TrimSpace(p.ClientSeed), client) {
		return fault.E(fault.Invalid, "the table's digest is %s, not the client seed %s: the table changed", client, p.ClientSeed)
	}
	if p.Entries != len(s) || p.Total != total {
		return fault.E(fault.Invalid, "the table holds %d entries and %d tickets, not %d and %d", len(s), total, p.Entries, p.Total)
	}
	if len(p.Winners) < 1 || len(p.Winners) > len(s) {
		return fault.E(fault.Invalid, "cannot draw %d winners from %d entries", len(p.Winners), len(s))
	}
	won, err := drawSorted(seed, client, s, total, len(p.Winners))
	if err != nil {
		return err
	}
	for i := range won {
		if won[i] != p.Winners[i] {
			return fault.E(fault.Invalid, "winner %d is %s, not %s", i+1, won[i], p.Winners[i])
		}
	}
	return nil
}

// fenwick is a binary indexed tree over the tickets of the sorted
// entries: it finds the owner of a ticket and removes a winner's tickets
// in O(log n) each, so drawing k winners costs O(n + k log n) after the
// sort, not O(k n).
type fenwick struct {
	tree []int64 // 1-based; tree[i] sums the entries (i - lowbit(i), i]
	top  int     // the largest power of two ≤ n
}

func newFenwick(s []Weighted) fenwick {
	n := len(s)
	t := make([]int64, n+1)
	for i, e := range s {
		t[i+1] += e.Weight
		if j := (i + 1) + (i+1)&-(i+1); j <= n {
			t[j] += t[i+1]
		}
	}
	return fenwick{tree: t, top: 1 << (bits.Len(uint(n)) - 1)}
}

// add adds d to entry i's tickets (0-based).
func (f fenwick) add(i int, d int64) {
	for j := i + 1; j < len(f.tree); j += j & -j {
		f.tree[j] += d
	}
}

// owner is the 0-based entry holding ticket t (0-based) when the
// remaining entries' tickets are laid end to end in sorted order: the
// first entry whose running total exceeds t. t must be below the
// remaining total.
func (f fenwick) owner(t int64) int {
	pos := 0
	for step := f.top; step > 0; step >>= 1 {
		if next := pos + step; next < len(f.tree) && f.tree[next] <= t {
			pos = next
			t -= f.tree[next]
		}
	}
	return pos // the entry at 1-based pos+1
}

// TableCSV is the ticket table as the CSV file scripts/verifypick reads:
// a header line "id,weight", then one line per entry sorted by id. Publish
// it with the draw so anyone can recompute the winners. A bad table is
// fault.Invalid.
func TableCSV(table []Weighted) (string, error) {
	s, _, err := sortedTable(table)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "weight"})
	for _, e := range s {
		w.Write([]string{e.ID, strconv.FormatInt(e.Weight, 10)})
	}
	w.Flush()
	return b.String(), w.Error()
}
