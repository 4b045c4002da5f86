package kickbot_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFuzzTargetsListed: every fuzz target in the module is in the
// Makefile's FUZZ_TARGETS, so `make test` and `make fuzz` run it, and
// every listed one exists.
func TestFuzzTargetsListed(t *testing.T) {
	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile(`(?m)^FUZZ_TARGETS := \\\n((?:  \S+(?: \\)?\n)+)`).FindSubmatch(mk)
	if block == nil {
		t.Fatal("Makefile has no FUZZ_TARGETS := \\ block")
	}
	listed := map[string]bool{}
	entry := regexp.MustCompile(`^(\./\S+):(Fuzz\w+):[0-9]+x$`)
	for _, line := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		e := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), `\`))
		m := entry.FindStringSubmatch(e)
		if m == nil {
			t.Errorf("FUZZ_TARGETS entry %q is not ./package:FuzzName:<count>x", e)
			continue
		}
		listed[m[1]+":"+m[2]] = true
	}
	found := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllSubmatch(src, -1) {
			found["./"+filepath.ToSlash(filepath.Dir(path))+":"+string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range found {
		if !listed[k] {
			t.Errorf("fuzz target %s is not in the Makefile's FUZZ_TARGETS", k)
		}
	}
	for k := range listed {
		if !found[k] {
			t.Errorf("FUZZ_TARGETS lists %s, which does not exist", k)
		}
	}
	if len(found) == 0 {
		t.Error("found no fuzz targets in the module")
	}
}
