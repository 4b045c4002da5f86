package pick

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
)

// seq is the seed 00 01 02 … 1f.
func seq() Seed {
	s := make(Seed, SeedSize)
	for i := range s {
		s[i] = byte(i)
	}
	return s
}

// The vectors were computed independently of this package, with Python's
// hmac and hashlib following the package comment.
const (
	seqCommitment = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
	// seqClient is ClientSeed("r1", {"c1", "c2", "c3"}).
	seqClient = "38278c2024d5e1324af572f6519547aa7c26957f38a39806ca1ce912cca97ad1"
)

func TestVectors(t *testing.T) {
	if got := seq().Commitment(); got != seqCommitment {
		t.Errorf("Commitment() = %s, want %s", got, seqCommitment)
	}
	got, err := ClientSeed("r1", []string{"c1", "c2", "c3"})
	if err != nil || got != seqClient {
		t.Errorf("ClientSeed(r1, c1 c2 c3) = %s, %v, want %s", got, err, seqClient)
	}
	tests := []struct {
		name          string
		nonce         uint64
		n             int
		want, rejects int
	}{
		{"three entries", 1, 3, 2, 0},
		{"three entries, second pick", 2, 3, 2, 0},
		{"one entry", 1, 1, 0, 0},
		{"ten entries", 1, 10, 3, 0},
		{"a thousand entries", 7, 1000, 106, 0},
		// 2^62+1 entries reject about a quarter of draws: nonce 3 is the
		// first whose attempt 0 falls at or above the limit.
		{"huge n, accepted", 1, 1<<62 + 1, 996962474843903383, 0},
		{"huge n, first attempt rejected", 3, 1<<62 + 1, 4487748309015513868, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rejects, err := draw(seq(), seqClient, tt.nonce, tt.n)
			if err != nil || got != tt.want || rejects != tt.rejects {
				t.Errorf("draw(seq, %d, %d) = %d (%d rejected), %v, want %d (%d rejected)", tt.nonce, tt.n, got, rejects, err, tt.want, tt.rejects)
			}
		})
	}
}

func TestDrawAndVerify(t *testing.T) {
	sum := sha256.Sum256([]byte("kickbot"))
	seed := Seed(sum[:])
	entries := []string{"m-100", "m-101", "m-102", "m-103", "m-104"}
	p, err := Draw(seed, "1450000000000000000", entries, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := Proof{
		Commitment: "c57c33c8fad3bf3963a034f0749d7e30eeb664d2629fff3ce7fdde019b8324c1",
		Seed:       seed, ClientSeed: "7e67cf49b41a667433787f7668019a7715fa4be7870bd1ff44a348222420d492",
		Nonce: 1, Entries: 5, Index: 2,
	}
	if p.Commitment != want.Commitment || !bytes.Equal(p.Seed, want.Seed) || p.ClientSeed != want.ClientSeed ||
		p.Nonce != want.Nonce || p.Entries != want.Entries || p.Index != want.Index {
		t.Fatalf("Draw = %+v, want %+v", p, want)
	}
	if err := Verify(p); err != nil {
		t.Errorf("Verify(Draw's proof) = %v, want nil", err)
	}
	bad := []struct {
		name   string
		change func(p *Proof)
	}{
		{"another seed", func(p *Proof) { p.Seed = seq() }},
		{"another commitment", func(p *Proof) { p.Commitment = seqCommitment }},
		{"another index", func(p *Proof) { p.Index = 3 }},
		{"another nonce", func(p *Proof) { p.Nonce = 2 }}, // which draws index 3
		{"another client seed", func(p *Proof) { p.ClientSeed = seqClient }},
		{"no entries", func(p *Proof) { p.Entries = 0 }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			q := p
			tt.change(&q)
			if err := Verify(q); !fault.Is(err, fault.Invalid) {
				t.Errorf("Verify(%+v) = %v, want a fault.Invalid", q, err)
			}
		})
	}
}

func TestClientSeedRejects(t *testing.T) {
	tests := []struct {
		name    string
		round   string
		entries []string
	}{
		{"no round", "", []string{"a"}},
		{"round with a newline", "r\n1", []string{"a"}},
		{"empty entry", "r", []string{"a", ""}},
		// "a\nb" as one id would read as the two ids a and b.
		{"entry with a newline", "r", []string{"a\nb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ClientSeed(tt.round, tt.entries); !fault.Is(err, fault.Invalid) {
				t.Errorf("ClientSeed(%q, %q) = %v, want a fault.Invalid", tt.round, tt.entries, err)
			}
		})
	}
}

func TestSeed(t *testing.T) {
	s, err := NewSeed(bytes.NewReader(bytes.Repeat([]byte{7}, 40)))
	if err != nil || len(s) != SeedSize {
		t.Fatalf("NewSeed = %x, %v, want %d bytes", s, err, SeedSize)
	}
	back, err := ParseSeed(s.String())
	if err != nil || !bytes.Equal(back, s) {
		t.Errorf("ParseSeed(%s) = %x, %v, want the seed back", s, back, err)
	}
	if _, err := NewSeed(bytes.NewReader(make([]byte, 5))); err == nil {
		t.Error("NewSeed(5 bytes) = nil error, want one")
	}
	for _, in := range []string{"", "zz", "00ff"} {
		if _, err := ParseSeed(in); !fault.Is(err, fault.Invalid) {
			t.Errorf("ParseSeed(%q) = %v, want a fault.Invalid", in, err)
		}
	}
	if !Check(" "+strings.ToUpper(seqCommitment), seq()) {
		t.Error("Check(upper-case commitment with a space) = false, want true")
	}
}

// TestUniform draws 100,000 picks among 10 entries (nonces 1…100,000 of
// one seed and client seed) and checks the counts with Pearson's
// chi-square test: 9 degrees of freedom, significance 0.001, so the
// statistic of a uniform draw exceeds the critical value 27.877 with
// probability 0.1%. The draws are fixed, so the test is deterministic;
// a modulo-biased or broken draw far exceeds it.
func TestUniform(t *testing.T) {
	const (
		picks, n = 100_000, 10
		critical = 27.877 // chi-square, 9 df, upper 0.001 point
	)
	var counts [n]int
	for nonce := uint64(1); nonce <= picks; nonce++ {
		i, err := Index(seq(), seqClient, nonce, n)
		if err != nil {
			t.Fatal(err)
		}
		counts[i]++
	}
	want := float64(picks) / n
	var chi float64
	for _, c := range counts {
		d := float64(c) - want
		chi += d * d / want
	}
	if chi > critical {
		t.Errorf("chi-square of %v = %.3f, want at most %.3f (significance 0.001)", counts, chi, critical)
	}
	t.Logf("counts %v, chi-square %.3f", counts, chi)
}

func BenchmarkIndex(b *testing.B) {
	for i := range b.N {
		if _, err := Index(seq(), seqClient, uint64(i), 30); err != nil {
			b.Fatal(err)
		}
	}
}
