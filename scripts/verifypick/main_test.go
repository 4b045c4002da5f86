package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/pick"
)

// TestReproducesPick draws with shared/pick and has the tool recompute
// the pick from the values /calls verify shows.
func TestReproducesPick(t *testing.T) {
	sum := sha256.Sum256([]byte("verifypick"))
	seed := pick.Seed(sum[:])
	ids := []string{"m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7"}
	p, err := pick.Draw(seed, "round-9", ids, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("index %d (entry #%d)", p.Index, p.Index+1)
	base := []string{"-commitment", p.Commitment, "-seed", p.Seed.String(), "-nonce", "3"}
	tests := []struct {
		name string
		args []string
	}{
		{"from the client seed", append(base, "-client", p.ClientSeed, "-entries", "7")},
		{"from the round and ids", append(base, "-round", "round-9", "-ids", strings.Join(ids, ","))},
		{"both, upper-case hex", append(base, "-client", strings.ToUpper(p.ClientSeed), "-round", "round-9", "-ids", strings.Join(ids, ","))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(tt.args, &out); err != nil {
				t.Fatalf("run(%q) = %v\n%s", tt.args, err, out.String())
			}
			if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "commitment matches") {
				t.Errorf("run(%q) printed %q, want it to say %q and that the commitment matches", tt.args, out.String(), want)
			}
		})
	}
	bad := []struct {
		name, says string
		args       []string
	}{
		{"another seed", "does not match the commitment",
			[]string{"-commitment", p.Commitment, "-seed", strings.Repeat("00", 32), "-client", p.ClientSeed, "-nonce", "3", "-entries", "7"}},
		{"ids in another order", "client seed of round",
			append(base, "-client", p.ClientSeed, "-round", "round-9", "-ids", "m-2,m-1,m-3,m-4,m-5,m-6,m-7")},
		{"no entries", "nothing to pick from", append(base, "-client", p.ClientSeed)},
		{"no client seed", "give -client", base},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("run(%q) = %v, want an error saying %q", tt.args, err, tt.says)
			}
		})
	}
}

// TestReproducesWeightedDraw draws with shared/pick, publishes the table
// as TableCSV (and as JSON), and has the tool recompute the winners from
// those files and the published values alone.
func TestReproducesWeightedDraw(t *testing.T) {
	sum := sha256.Sum256([]byte("verifypick weighted"))
	seed := pick.Seed(sum[:])
	table := make([]pick.Weighted, 50)
	for i := range table {
		table[i] = pick.Weighted{ID: fmt.Sprintf("viewer-%02d", i), Weight: int64(i*7%23 + 1)}
	}
	table[3].ID = `odd, "quoted" name` // CSV quoting round-trips
	p, err := pick.DrawWeighted(seed, "2026-12", table, 3)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	published, err := pick.TableCSV(table)
	if err != nil {
		t.Fatal(err)
	}
	csvPath := write("tickets.csv", published)
	js, err := json.Marshal(func() []map[string]any {
		var rows []map[string]any
		for _, e := range table {
			rows = append(rows, map[string]any{"id": e.ID, "weight": e.Weight})
		}
		return rows
	}())
	if err != nil {
		t.Fatal(err)
	}
	jsonPath := write("tickets.json", string(js))
	changed := slices.Clone(table)
	changed[10].Weight++
	changedCSV, err := pick.TableCSV(changed)
	if err != nil {
		t.Fatal(err)
	}
	changedPath := write("changed.csv", changedCSV)
	badPath := write("bad.csv", "id,weight\nalice,ten\n")
	zeroPath := write("zero.csv", "alice,0\n")

	base := []string{"-commitment", p.Commitment, "-seed", p.Seed, "-period", "2026-12"}
	winners := strings.Join(p.Winners, ",")
	tests := []struct {
		name string
		args []string
	}{
		{"CSV, published winners", append(base, "-table", csvPath, "-client", p.ClientSeed, "-winners", winners)},
		{"JSON, published winners", append(base, "-table", jsonPath, "-winners", winners)},
		{"CSV, draw three", append(base, "-table", csvPath, "-draw", "3")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := run(tt.args, &out); err != nil {
				t.Fatalf("run(%q) = %v\n%s", tt.args, err, out.String())
			}
			for i, w := range p.Winners {
				if want := fmt.Sprintf("winner %d: %s\n", i+1, w); !strings.Contains(out.String(), want) {
					t.Errorf("run(%q) printed %q, want it to say %q", tt.args, out.String(), want)
				}
			}
			if !strings.Contains(out.String(), p.ClientSeed) {
				t.Errorf("run(%q) printed %q, want the client seed %s", tt.args, out.String(), p.ClientSeed)
			}
		})
	}
	wrong := slices.Clone(p.Winners)
	wrong[1], wrong[2] = wrong[2], wrong[1]
	bad := []struct {
		name, says string
		args       []string
	}{
		{"a table changed after the draw", "not the one drawn", append(base, "-table", changedPath, "-client", p.ClientSeed, "-winners", winners)},
		{"another period", "not the one drawn", []string{"-commitment", p.Commitment, "-seed", p.Seed, "-period", "2027-01", "-table", csvPath, "-client", p.ClientSeed, "-winners", winners}},
		{"winners in another order", "winner 2 is", append(base, "-table", csvPath, "-winners", strings.Join(wrong, ","))},
		{"another seed", "does not match the commitment", []string{"-commitment", p.Commitment, "-seed", strings.Repeat("00", 32), "-period", "2026-12", "-table", csvPath}},
		{"tickets not a number", "not a whole number", append(base, "-table", badPath, "-draw", "1")},
		{"zero tickets", "at least 1", append(base, "-table", zeroPath, "-draw", "1")},
		{"no winners asked", "cannot draw 0 winners", append(base, "-table", csvPath)},
		{"no such file", "no such file", append(base, "-table", filepath.Join(dir, "missing.csv"), "-draw", "1")},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(tt.args, &out)
			if err == nil || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("run(%q) = %v, want an error saying %q", tt.args, err, tt.says)
			}
		})
	}
}
