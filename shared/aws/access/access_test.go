package access_test

import (
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/aws/access"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
)

// TestGrants checks the declarations themselves: every prefix a grant
// names is one of the table's, no prefix starts another (a grant of one
// would reach the other's items through LeadingKeys' "prefix*"), and
// the indexes are the table's.
func TestGrants(t *testing.T) {
	for i, p := range access.Prefixes {
		for j, q := range access.Prefixes {
			if i != j && strings.HasPrefix(q, p) {
				t.Errorf("prefix %q starts prefix %q: %q* would reach both", p, q, p)
			}
		}
	}
	for fn, g := range access.Functions {
		t.Run(fn, func(t *testing.T) {
			for _, p := range g.Prefixes {
				if !slices.Contains(access.Prefixes, p) {
					t.Errorf("prefix %q is not in access.Prefixes", p)
				}
			}
			for _, ix := range g.Indexes {
				if !slices.Contains([]string{access.ByName, access.Live, access.Connections}, ix) {
					t.Errorf("index %q is not one of the table's", ix)
				}
			}
			if len(g.Indexes) > 0 && !slices.Contains(g.Actions, access.Query) {
				t.Errorf("indexes %q without %s", g.Indexes, access.Query)
			}
		})
	}
}

// TestPrefixesMatchKeyTable checks access.Prefixes against the key table
// in dynamo.go's package comment (its pk column starts 16 columns in, 17
// after the one 16-character item name): a new kind of partition must be
// declared here, and granted, before a function may touch it.
func TestPrefixesMatchKeyTable(t *testing.T) {
	src, err := os.ReadFile("../dynamo/dynamo.go")
	if err != nil {
		t.Fatal(err)
	}
	_, table, _ := strings.Cut(string(src), "// All item keys")
	table, _, _ = strings.Cut(table, "\n// The connection items")
	pk := regexp.MustCompile(`^([A-Z]+#)`)
	documented := map[string]bool{}
	for line := range strings.Lines(table) {
		row, ok := strings.CutPrefix(line, "//\t")
		if !ok || len(row) < 18 {
			continue
		}
		if m := pk.FindString(row[16:]); m != "" {
			documented[m] = true
		} else if row[16] == ' ' {
			if m := pk.FindString(row[17:]); m != "" {
				documented[m] = true
			}
		}
	}
	if got, want := slices.Sorted(slices.Values(access.Prefixes)), slices.Sorted(maps.Keys(documented)); !slices.Equal(got, want) {
		t.Errorf("access.Prefixes = %q, dynamo.go's key table has %q; want the same", got, want)
	}
}

func TestItem(t *testing.T) {
	login := dynamo.LoginPrefix + "4402117"
	for _, tc := range []struct {
		fn, action, pk string
		want           bool
	}{
		{"WebhookFunction", access.GetItem, login, false},
		{"WebhookFunction", access.Query, login, false},
		{"WebhookFunction", access.GetItem, "KICK#4402117", true},
		{"WebhookFunction", access.DeleteItem, "GUILD#g1", false},
		{"InteractionsFunction", access.GetItem, login, false},
		{"InteractionsFunction", access.UpdateItem, login, false},
		{"InteractionsFunction", access.DeleteItem, "GUILD#g1", true},
		{"SweepFunction", access.GetItem, login, false},
		{"WorkerFunction", access.GetItem, login, true},
		{"UpkeepFunction", access.UpdateItem, login, true},
		{"OauthFunction", access.UpdateItem, login, true},
		{"OauthFunction", access.PutItem, "NONCE#n1", true},
		{"WorkerFunction", access.PutItem, "NONCE#n1", false},
		{"WorkerFunction", access.GetItem, "", false},
	} {
		t.Run(fmt.Sprintf("%s %s %s", tc.fn, tc.action, tc.pk), func(t *testing.T) {
			if got := access.Functions[tc.fn].Item(tc.action, tc.pk); got != tc.want {
				t.Errorf("Functions[%s].Item(%s, %q) = %v, want %v", tc.fn, tc.action, tc.pk, got, tc.want)
			}
		})
	}
}

func TestIndex(t *testing.T) {
	for _, tc := range []struct {
		fn, index string
		want      bool
	}{
		{"WebhookFunction", access.ByName, false},
		{"InteractionsFunction", access.ByName, true},
		{"InteractionsFunction", access.Live, false},
		{"SweepFunction", access.Live, true},
		{"UpkeepFunction", access.Connections, true},
		{"WorkerFunction", access.Connections, false},
	} {
		t.Run(tc.fn+" "+tc.index, func(t *testing.T) {
			if got := access.Functions[tc.fn].Index(tc.index); got != tc.want {
				t.Errorf("Functions[%s].Index(%s) = %v, want %v", tc.fn, tc.index, got, tc.want)
			}
		})
	}
}

func ExampleGrant_Item() {
	login := dynamo.LoginPrefix + "4402117"
	for _, fn := range []string{"WebhookFunction", "InteractionsFunction", "WorkerFunction"} {
		fmt.Println(fn, access.Functions[fn].Item(access.GetItem, login))
	}
	// Output:
	// WebhookFunction false
	// InteractionsFunction false
	// WorkerFunction true
}
