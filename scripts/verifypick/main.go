// Command verifypick checks a verifiable pick (shared/pick) from the
// values /calls verify shows: it checks the seed against the commitment
// and recomputes the index drawn.
//
//	go run ./scripts/verifypick -commitment c57c…24c1 -seed e293…2ffb \
//	    -client 7e67…d492 -nonce 1 -entries 5
//
// With -round and -ids (the entry ids, comma-separated, in the listed
// order) it rebuilds the client seed itself, and checks it against
// -client when both are given. It prints the index (0-based) and the
// entry's position (1-based), and exits 1 when anything does not match.
//
// With -table it checks a ticket-weighted draw (raffles, giveaways) from
// the published ticket table file instead:
//
//	go run ./scripts/verifypick -commitment c57c…24c1 -seed e293…2ffb \
//	    -period 2026-12 -table tickets.csv -winners erin,alice,bob
//
// The table is CSV (lines "id,weight", an optional "id,weight" header)
// or JSON (an array of {"id": "…", "weight": n}). The tool rebuilds the
// table digest (the client seed; checked against -client when given),
// redraws as many winners as -winners lists (or -draw says) and prints
// them; it exits 1 when the seed, the digest or a winner does not match.
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/kickbot/kickbot/shared/pick"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "verifypick:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("verifypick", flag.ContinueOnError)
	fs.SetOutput(out)
	commitment := fs.String("commitment", "", "the commitment published when the round opened (hex SHA-256 of the seed)")
	seedHex := fs.String("seed", "", "the seed revealed after the pick (hex)")
	client := fs.String("client", "", "the client seed (hex)")
	nonce := fs.Uint64("nonce", 0, "the pick's number within the round, from 1")
	entries := fs.Int("entries", 0, "how many entries the pick was among")
	round := fs.String("round", "", "the round id, to rebuild the client seed with -ids")
	ids := fs.String("ids", "", "the entry ids in the listed order, comma-separated, to rebuild the client seed")
	table := fs.String("table", "", "a weighted draw: the published ticket table file (CSV id,weight or JSON)")
	period := fs.String("period", "", "a weighted draw: the period (or giveaway) id")
	winners := fs.String("winners", "", "a weighted draw: the published winners in the order drawn, comma-separated")
	count := fs.Int("draw", 0, "a weighted draw: how many winners to draw when -winners is not given")
	if err := fs.Parse(args); err != nil {
		return err
	}
	seed, err := pick.ParseSeed(*seedHex)
	if err != nil {
		return err
	}
	if !pick.Check(*commitment, seed) {
		return errors.New("the seed does not match the commitment: SHA-256(seed) = " + seed.Commitment())
	}
	fmt.Fprintln(out, "commitment matches the seed")
	if *table != "" {
		return weighted(out, seed, *table, *period, *client, *winners, *count)
	}
	if *round != "" || *ids != "" {
		list := strings.Split(*ids, ",")
		built, err := pick.ClientSeed(*round, list)
		if err != nil {
			return err
		}
		if *client != "" && !strings.EqualFold(*client, built) {
			return fmt.Errorf("the client seed of round %s and those ids is %s, not %s", *round, built, *client)
		}
		*client = built
		if *entries == 0 {
			*entries = len(list)
		}
		fmt.Fprintln(out, "client seed", built, "rebuilt from the round and", len(list), "ids")
	}
	if *client == "" {
		return errors.New("give -client, or -round and -ids")
	}
	i, err := pick.Index(seed, strings.ToLower(*client), *nonce, *entries)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "pick %d of %d entries: index %d (entry #%d)\n", *nonce, *entries, i, i+1)
	return nil
}

// weighted checks a ticket-weighted draw from the table file at path.
func weighted(out io.Writer, seed pick.Seed, path, period, client, published string, count int) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	table, err := readTable(data)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	digest, err := pick.TableDigest(period, table)
	if err != nil {
		return err
	}
	if client != "" && !strings.EqualFold(strings.TrimSpace(client), digest) {
		return fmt.Errorf("the table digest of period %s is %s, not the client seed %s: the table is not the one drawn", period, digest, client)
	}
	fmt.Fprintln(out, "client seed", digest, "rebuilt from the period and", len(table), "entries")
	var want []string
	if published != "" {
		want = strings.Split(published, ",")
		count = len(want)
	}
	p, err := pick.DrawWeighted(seed, period, table, count)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%d entries, %d tickets\n", p.Entries, p.Total)
	for i, w := range p.Winners {
		fmt.Fprintf(out, "winner %d: %s\n", i+1, w)
	}
	for i := range want {
		if strings.TrimSpace(want[i]) != p.Winners[i] {
			return fmt.Errorf("winner %d is %s, not the published %s", i+1, p.Winners[i], want[i])
		}
	}
	if want != nil {
		fmt.Fprintln(out, "the published winners match")
	}
	return nil
}

// readTable reads a ticket table: JSON when it starts with '[', else CSV.
func readTable(data []byte) ([]pick.Weighted, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '[' {
		var rows []struct {
			ID     string `json:"id"`
			Weight int64  `json:"weight"`
		}
		if err := json.Unmarshal(t, &rows); err != nil {
			return nil, err
		}
		table := make([]pick.Weighted, len(rows))
		for i, r := range rows {
			table[i] = pick.Weighted{ID: r.ID, Weight: r.Weight}
		}
		return table, nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 2
	records, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	var table []pick.Weighted
	for i, rec := range records {
		if i == 0 && rec[0] == "id" && rec[1] == "weight" {
			continue
		}
		w, err := strconv.ParseInt(strings.TrimSpace(rec[1]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("line %d: tickets %q are not a whole number", i+1, rec[1])
		}
		table = append(table, pick.Weighted{ID: rec[0], Weight: w})
	}
	return table, nil
}
