package pick

// draw engineer replaces this: a minimal stand-in with the agreed
// signatures so that the raffle compiles before the weighted draw lands.

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
)

// Weighted is one entry of a weighted draw: an id and its tickets.
type Weighted struct {
	ID     string
	Weight int64
}

// WeightedProof is everything needed to check a weighted draw.
type WeightedProof struct {
	Commitment, Seed, ClientSeed string
	Winners                      []string
	Entries                      int
	Total                        int64
}

// TableDigest is the client seed of a draw of table in period.
func TableDigest(period string, table []Weighted) (string, error) {
	if period == "" || strings.Contains(period, "\n") {
		return "", fault.E(fault.Invalid, "a period id must be one line, not empty")
	}
	table = slices.Clone(table)
	slices.SortFunc(table, func(a, b Weighted) int { return strings.Compare(a.ID, b.ID) })
	h := sha256.New()
	io.WriteString(h, period+"\n")
	for _, w := range table {
		if w.ID == "" || strings.ContainsAny(w.ID, "\n ") || w.Weight < 1 {
			return "", fault.E(fault.Invalid, "a table line needs an id and a weight of at least 1")
		}
		io.WriteString(h, w.ID+" "+strconv.FormatInt(w.Weight, 10)+"\n")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// DrawWeighted draws winners entries of table, weighted, without repeats.
func DrawWeighted(seed Seed, period string, table []Weighted, winners int) (WeightedProof, error) {
	client, err := TableDigest(period, table)
	if err != nil {
		return WeightedProof{}, err
	}
	if winners < 1 || winners > len(table) {
		return WeightedProof{}, fault.E(fault.Invalid, "winners must be from 1 to the entries")
	}
	left := slices.Clone(table)
	slices.SortFunc(left, func(a, b Weighted) int { return strings.Compare(a.ID, b.ID) })
	var total int64
	for _, w := range table {
		total += w.Weight
	}
	p := WeightedProof{Commitment: seed.Commitment(), Seed: seed.String(), ClientSeed: client, Entries: len(table), Total: total}
	remaining := total
	for nonce := uint64(1); len(p.Winners) < winners && len(left) > 0; nonce++ {
		x, err := Index(seed, client, nonce, int(remaining))
		if err != nil {
			return WeightedProof{}, err
		}
		for i, w := range left {
			if int64(x) < w.Weight {
				p.Winners = append(p.Winners, w.ID)
				remaining -= w.Weight
				left = append(left[:i], left[i+1:]...)
				break
			}
			x -= int(w.Weight)
		}
	}
	return p, nil
}

// VerifyWeighted redraws p from table.
func VerifyWeighted(p WeightedProof, period string, table []Weighted) error {
	seed, err := ParseSeed(p.Seed)
	if err != nil {
		return err
	}
	if !Check(p.Commitment, seed) {
		return fault.E(fault.Invalid, "the seed does not match the commitment")
	}
	q, err := DrawWeighted(seed, period, table, len(p.Winners))
	if err != nil {
		return err
	}
	if q.ClientSeed != p.ClientSeed || strings.Join(q.Winners, ",") != strings.Join(p.Winners, ",") {
		return fault.E(fault.Invalid, "the draw does not match the table")
	}
	return nil
}
