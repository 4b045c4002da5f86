package pick_test

import (
	"crypto/sha256"
	"fmt"

	"github.com/kickbot/kickbot/shared/pick"
)

func Example() {
	// When the round opens: a seed (from crypto/rand in the bot) and its
	// published commitment.
	sum := sha256.Sum256([]byte("kickbot"))
	seed := pick.Seed(sum[:])
	fmt.Println("commitment:", seed.Commitment())

	// At the pick: the pending calls in order, the first pick of the round.
	calls := []string{"m-100", "m-101", "m-102", "m-103", "m-104"}
	p, err := pick.Draw(seed, "1450000000000000000", calls, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println("seed:", p.Seed)
	fmt.Println("client seed:", p.ClientSeed)
	fmt.Println("picked:", calls[p.Index])
	fmt.Println("verified:", pick.Verify(p) == nil)
	// Output:
	// commitment: c57c33c8fad3bf3963a034f0749d7e30eeb664d2629fff3ce7fdde019b8324c1
	// seed: e2937722d20c0c6e36205131ed5ea96033bee3b996e693397c844213eaa52ffb
	// client seed: 7e67cf49b41a667433787f7668019a7715fa4be7870bd1ff44a348222420d492
	// picked: m-102
	// verified: true
}

func ExampleDrawWeighted() {
	// When the period opens: the seed's commitment is published.
	sum := sha256.Sum256([]byte("kickbot"))
	seed := pick.Seed(sum[:])
	fmt.Println("commitment:", seed.Commitment())

	// At the draw: the final ticket table (any order; it is sorted by id).
	table := []pick.Weighted{{ID: "erin", Weight: 52}, {ID: "alice", Weight: 30}, {ID: "bob", Weight: 5}, {ID: "carol", Weight: 12}, {ID: "dave", Weight: 1}}
	p, err := pick.DrawWeighted(seed, "2026-12", table, 3)
	if err != nil {
		panic(err)
	}
	fmt.Println("client seed (table digest):", p.ClientSeed)
	fmt.Println("winners:", p.Winners, "of", p.Entries, "entries and", p.Total, "tickets")
	fmt.Println("verified:", pick.VerifyWeighted(p, "2026-12", table) == nil)
	table[0].Weight++ // erin's tickets changed after the draw
	fmt.Println("changed table verified:", pick.VerifyWeighted(p, "2026-12", table) == nil)
	// Output:
	// commitment: c57c33c8fad3bf3963a034f0749d7e30eeb664d2629fff3ce7fdde019b8324c1
	// client seed (table digest): 9c42d0c5ddf39552fa2791751057b4a0df4e2b5dcbbe7ec1abbf2a6f47b2ff09
	// winners: [erin alice bob] of 5 entries and 100 tickets
	// verified: true
	// changed table verified: false
}
