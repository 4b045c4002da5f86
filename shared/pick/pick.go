// Package pick draws one entry of a list so that anyone can check the
// draw was fair: the scheme every random choice of the bot uses (slot call
// picks; later raffle draws).
//
// # Scheme
//
//  1. Commit. When a round opens, the bot makes a server seed of 32 random
//     bytes and publishes only its commitment, the lower-case hex SHA-256
//     of the seed bytes. The seed stays secret until the pick.
//  2. Client seed. At the pick, the client seed is built from public data
//     alone: the lower-case hex SHA-256 of the round id followed by the
//     entry ids in their listed order, each followed by a newline
//     ("round\nentry1\nentry2\n"). Anyone who saw the entries can rebuild it.
//  3. Nonce. The number of the pick within the round, from 1.
//  4. Draw. For attempt = 0, 1, 2, …: mac = HMAC-SHA256(key = seed bytes,
//     message = "<client seed>:<nonce>:<attempt>"); x = the first 8 bytes
//     of mac as a big-endian unsigned 64-bit number. With n entries and
//     limit = 2^64 − (2^64 mod n), the first x < limit gives the index
//     x mod n (0-based, into the listed order). An x ≥ limit is rejected
//     and the next attempt taken: every index is exactly equally likely, no
//     modulo bias.
//  5. Reveal. After the pick the seed is published (hex); anyone can check
//     SHA-256(seed) against the commitment and recompute the index
//     (scripts/verifypick). The next pick of the round uses a fresh seed,
//     committed at the same time the old one is revealed, so a revealed
//     seed never tells what a later pick will be.
//
// The bot cannot choose the seed after seeing the entries (it is committed
// first), and viewers cannot aim at a result (the seed is secret until
// the draw). What it does not prove: that the listed entries are all the
// calls that were made; the list is public in /calls list.
//
// # Weighted draws
//
// Raffles and giveaways draw several winners, each entry as likely as its
// tickets (DrawWeighted), with the same commitment and draw:
//
//  1. Table. The ticket table is the list of (id, tickets) pairs, ids
//     unique, tickets at least 1, sorted by id in byte order. Its text is
//     the period id and a newline, then per entry the id, a space, the
//     tickets in decimal and a newline ("period\nalice 30\nbob 5\n").
//  2. Client seed. The lower-case hex SHA-256 of that text (TableDigest):
//     it fixes the period, every entry and every ticket, so a table
//     changed after the draw no longer matches.
//  3. Winner k (nonce k = 1, 2, …). With T tickets left, the ticket index
//     t is the pick index of step 4 above for n = T, client seed and
//     nonce k: exactly uniform over the tickets, no modulo bias. Laying
//     the remaining entries' tickets end to end in table order, the
//     winner is the entry whose range holds t: the first whose running
//     total exceeds t. Its tickets are then removed (T shrinks by them)
//     and the next winner is drawn with nonce k+1, so nobody wins twice.
//
// An entry with w of T tickets wins the first draw with probability
// exactly w/T. Drawing k+1 winners gives the same first k as drawing k,
// so a reroll is the next winner of the same draw. scripts/verifypick
// recomputes the winners from a published table file and the seeds.
package pick

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
)

// SeedSize is the length of a server seed in bytes.
const SeedSize = 32

// maxAttempts bounds the rejection loop. Each attempt is rejected with
// probability below 1/2, so reaching it means a broken hash, not bad luck
// (2^-256).
const maxAttempts = 256

// Seed is a server seed: secret until its pick, then revealed.
type Seed []byte

// NewSeed reads a fresh seed from random, which should be crypto/rand's
// Reader (domain code takes randomness as an input).
func NewSeed(random io.Reader) (Seed, error) {
	s := make(Seed, SeedSize)
	if _, err := io.ReadFull(random, s); err != nil {
		return nil, fault.Wrap(fault.Internal, err, "read a random seed")
	}
	return s, nil
}

// ParseSeed reads a seed written by Seed.String.
func ParseSeed(s string) (Seed, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != SeedSize {
		return nil, fault.E(fault.Invalid, "a seed is %d hex digits", 2*SeedSize)
	}
	return b, nil
}

// String is the seed in lower-case hex, as revealed.
func (s Seed) String() string { return hex.EncodeToString(s) }

// Commitment is the lower-case hex SHA-256 of the seed: published before
// the pick.
func (s Seed) Commitment() string {
	sum := sha256.Sum256(s)
	return hex.EncodeToString(sum[:])
}

// Check reports whether seed matches commitment (any case).
func Check(commitment string, seed Seed) bool {
	return hmac.Equal([]byte(strings.ToLower(strings.TrimSpace(commitment))), []byte(seed.Commitment()))
}

// ClientSeed is the client seed of a pick among entries (their ids, in
// the listed order) in round. Ids may not be empty or hold a newline,
// which would make two lists read alike.
func ClientSeed(round string, entries []string) (string, error) {
	if round == "" || strings.Contains(round, "\n") {
		return "", fault.E(fault.Invalid, "a round id must be one line, not empty")
	}
	h := sha256.New()
	io.WriteString(h, round+"\n")
	for _, e := range entries {
		if e == "" || strings.Contains(e, "\n") {
			return "", fault.E(fault.Invalid, "an entry id must be one line, not empty")
		}
		io.WriteString(h, e+"\n")
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Index draws an index in [0, n) from seed, clientSeed and nonce by the
// scheme in the package comment. n < 1 is fault.Invalid.
func Index(seed Seed, clientSeed string, nonce uint64, n int) (int, error) {
	i, _, err := draw(seed, clientSeed, nonce, n)
	return i, err
}

// draw is Index that also says how many attempts were rejected.
func draw(seed Seed, clientSeed string, nonce uint64, n int) (index, rejected int, err error) {
	if n < 1 {
		return 0, 0, fault.E(fault.Invalid, "nothing to pick from")
	}
	if len(seed) == 0 {
		return 0, 0, fault.E(fault.Invalid, "a pick needs a seed")
	}
	un := uint64(n)
	// limit = 2^64 - (2^64 mod n), as 64-bit arithmetic: (2^64 - n) mod n
	// is 2^64 mod n. limit 0 stands for 2^64 (n a power of two).
	limit := -((math.MaxUint64 - un + 1) % un)
	prefix := clientSeed + ":" + strconv.FormatUint(nonce, 10) + ":"
	for attempt := range maxAttempts {
		mac := hmac.New(sha256.New, seed)
		io.WriteString(mac, prefix+strconv.Itoa(attempt))
		x := binary.BigEndian.Uint64(mac.Sum(nil))
		if limit == 0 || x < limit {
			return int(x % un), attempt, nil
		}
	}
	return 0, maxAttempts, fault.E(fault.Internal, "no pick after %d attempts", maxAttempts)
}

// Proof is everything needed to check one pick.
type Proof struct {
	Commitment string
	// Seed is revealed with the result.
	Seed       Seed
	ClientSeed string
	Nonce      uint64
	// Entries is how many entries the pick was among; Index the one drawn.
	Entries, Index int
}

// Draw picks among entries of round with seed as pick number nonce and
// returns the proof, seed revealed.
func Draw(seed Seed, round string, entries []string, nonce uint64) (Proof, error) {
	client, err := ClientSeed(round, entries)
	if err != nil {
		return Proof{}, err
	}
	i, err := Index(seed, client, nonce, len(entries))
	if err != nil {
		return Proof{}, err
	}
	return Proof{Commitment: seed.Commitment(), Seed: seed, ClientSeed: client, Nonce: nonce, Entries: len(entries), Index: i}, nil
}

// Verify checks p: the seed matches the commitment and redrawing gives
// p.Index. It returns fault.Invalid saying what does not match.
func Verify(p Proof) error {
	if !Check(p.Commitment, p.Seed) {
		return fault.E(fault.Invalid, "the seed does not match the commitment")
	}
	i, err := Index(p.Seed, p.ClientSeed, p.Nonce, p.Entries)
	if err != nil {
		return err
	}
	if i != p.Index {
		return fault.E(fault.Invalid, "the pick is index %d, not %d", i, p.Index)
	}
	return nil
}
