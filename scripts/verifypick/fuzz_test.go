package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/pick"
)

// sorted is table sorted by id, as TableCSV writes it.
func sorted(table []pick.Weighted) []pick.Weighted {
	s := slices.Clone(table)
	slices.SortFunc(s, func(a, b pick.Weighted) int { return strings.Compare(a.ID, b.ID) })
	return s
}

// FuzzReadTable checks the published ticket table both ways. Written:
// any table pick.TableCSV writes (ids from ids, one a line, the first
// entry's tickets first) reads back as exactly that table, sorted, with
// the same digest. Read: any file either is refused with an error or
// reads as a table that, written again and read back, is unchanged, so
// what the tool checks is what the file says.
func FuzzReadTable(f *testing.F) {
	f.Add([]byte("id,weight\nalice,30\nbob,5\n"), "alice\nbob", int64(30))
	f.Add([]byte("id,weight\n\"odd, \"\"quoted\"\" name\",3\nviewer-01,8\n"), "odd, \"quoted\" name\nviewer-01", int64(3))
	f.Add([]byte(`[{"id":"alice","weight":30},{"id":"bob","weight":5}]`), "100\n30", int64(6))
	f.Add([]byte("id,weight\nalice,ten\n"), " lead\ttab", int64(1))
	f.Add([]byte("alice,0\n"), "\\.\n\"", int64(9223372036854775807))
	f.Add([]byte("id,weight\r\n\"a\r\nb\",1\r\n"), "a\rb", int64(-1))
	f.Add([]byte("a,1,2\n"), "dup\ndup", int64(2))
	f.Fuzz(func(t *testing.T, data []byte, ids string, first int64) {
		table := make([]pick.Weighted, 0, 8)
		for i, id := range strings.Split(ids, "\n") {
			table = append(table, pick.Weighted{ID: id, Weight: int64(i + 1)})
		}
		table[0].Weight = first
		if out, err := pick.TableCSV(table); err == nil {
			back, err := readTable([]byte(out))
			if err != nil {
				t.Fatalf("readTable(TableCSV(%+v)) = %v, want the table", table, err)
			}
			if diff := cmp.Diff(sorted(table), back); diff != "" {
				t.Fatalf("readTable(TableCSV(%+v)) (-written +read):\n%s", table, diff)
			}
			want, _ := pick.TableDigest("p", table)
			if got, err := pick.TableDigest("p", back); err != nil || got != want {
				t.Fatalf("TableDigest of %+v read back = %s, %v, want %s", table, got, err, want)
			}
		}

		read, err := readTable(data)
		if err != nil {
			return
		}
		out, err := pick.TableCSV(read)
		if err != nil {
			return // read, but refused as a table: no digest, no draw
		}
		again, err := readTable([]byte(out))
		if err != nil {
			t.Fatalf("readTable(%q) = %+v, written as %q, which reads back as %v", data, read, out, err)
		}
		if diff := cmp.Diff(sorted(read), again); diff != "" {
			t.Fatalf("readTable(%q) = %+v, written and read back (-first +again):\n%s", data, read, diff)
		}
	})
}
