package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/pick"
	"github.com/kickbot/kickbot/shared/raffle"
)

// drawnRaffle is a raffle.AdminStore holding one drawn period and its
// table; /raffle verify reads nothing else.
type drawnRaffle struct {
	raffle.AdminStore
	p     raffle.Period
	table []pick.Weighted
}

func (s *drawnRaffle) Raffle(context.Context, string) (raffle.Period, bool, error) {
	return s.p, true, nil
}

func (s *drawnRaffle) RaffleTable(_ context.Context, _, period, digest string) ([]pick.Weighted, error) {
	if period != s.p.ID || digest != s.p.Result.Proof.ClientSeed {
		return nil, fmt.Errorf("no table %s %s", period, digest)
	}
	return s.table, nil
}

// TestVerifiesRaffleFromAttachment draws a raffle of 5,000 viewers and
// has the tool redraw it from /raffle verify's answer alone: the seeds
// and winners in its embed, the table in its attached CSV.
func TestVerifiesRaffleFromAttachment(t *testing.T) {
	const viewers = 5000
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	sum := sha256.Sum256([]byte("raffle"))
	seed := pick.Seed(sum[:])
	p, err := raffle.New(now, 30, 3, "a PS5", seed.Commitment(), raffle.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	table := make([]pick.Weighted, viewers)
	for i := range table {
		table[i] = pick.Weighted{ID: fmt.Sprint(70_000_000 + i), Weight: int64(i%50 + 1)}
	}
	if err := p.Draw(seed, table, nil, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	a := &raffle.Admin{Store: &drawnRaffle{p: p, table: table}}
	resp, err := a.Handle(context.Background(), interact.Request{ID: "1", Guild: "g", CanManage: true, Command: "raffle", Sub: "verify", At: now})
	if err != nil {
		t.Fatalf("/raffle verify = %v", err)
	}
	if len(resp.Files) != 1 || len(resp.Embeds) != 1 {
		t.Fatalf("/raffle verify = %d files, %d embeds; want the table attached to the proof", len(resp.Files), len(resp.Embeds))
	}
	if n := len(resp.Embeds[0].Description); n > 4096 {
		t.Errorf("the embed's description takes %d characters, more than Discord's 4,096", n)
	}
	fields := map[string]string{}
	for _, f := range resp.Embeds[0].Fields {
		fields[f.Name] = strings.Trim(f.Value, "`")
	}
	file := filepath.Join(t.TempDir(), resp.Files[0].Name)
	if err := os.WriteFile(file, resp.Files[0].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-commitment", fields["Commitment (SHA-256 of the seed)"], "-seed", fields["Seed (revealed)"],
		"-client", fields["Client seed (table digest)"], "-period", fields["Period"], "-table", file,
		"-winners", strings.ReplaceAll(fields["Winners (ids)"], " ", "")}
	var out bytes.Buffer
	if err := run(args, &out); err != nil {
		t.Fatalf("verifypick %q = %v\n%s", args, err, out.String())
	}

	// A table changed after the draw fails.
	changed := bytes.Replace(resp.Files[0].Data, []byte("\n70000000,1\n"), []byte("\n70000000,2\n"), 1)
	if bytes.Equal(changed, resp.Files[0].Data) {
		t.Fatal("the attached table has no line 70000000,1")
	}
	if err := os.WriteFile(file, changed, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(args, &out); err == nil {
		t.Errorf("verifypick on a changed table = nil, want an error")
	}
}
