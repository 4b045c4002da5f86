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
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
