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
