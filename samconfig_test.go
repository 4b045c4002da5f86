package kickbot_test

import (
	"bufio"
	"os"
	"strings"
	"testing"
)

// TestSAMConfigBuildsFromScratch guards against stale deploys: SAM's build
// cache (cached = true) keys each function on its own folder only, so a
// change in shared/ or go.mod would ship the previous binary. No
// samconfig.toml section may turn it on, and make deploy must drop
// .aws-sam before it builds.
func TestSAMConfigBuildsFromScratch(t *testing.T) {
	f, err := os.Open("samconfig.toml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		if strings.TrimSpace(key) == "cached" && strings.TrimSpace(val) != "false" {
			t.Errorf("samconfig.toml:%d: %s cached = %s, want it absent or false", n, section, strings.TrimSpace(val))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	mk, err := os.ReadFile("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(mk), "\ndeploy:")
	if !ok {
		t.Fatal("Makefile has no deploy target")
	}
	recipe, _, _ := strings.Cut(rest, "\n\n")
	clean, build := strings.Index(recipe, "rm -rf .aws-sam"), strings.Index(recipe, "sam build")
	if clean < 0 || build < 0 || clean > build {
		t.Errorf("make deploy recipe %q does not remove .aws-sam before sam build", recipe)
	}
}
