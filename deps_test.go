package kickbot_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/kickbot/kickbot"

// domain packages may import only the standard library and each other.
var domain = []string{"announce", "audience", "chat", "clip", "clock", "calls", "command", "connect", "consent", "credential", "custom", "feature", "money", "event", "fault", "giveaway", "golive", "gtb", "hunt", "ingest", "interact", "job", "logattr", "metric", "notice", "pick", "points", "raffle", "redact", "reply", "response", "rewards", "roles", "rolesync", "settings", "stream", "subscription", "sweep", "timer", "upkeep", "watchtime", "wording", "work"}

// families are the folders adapters are grouped in, one per outside system,
// so `ls shared` shows the features and these few folders.
var families = []string{"aws", "clipsvc", "discord", "kick", "local"}

// adapters may import the domain, the standard library, and the outside
// modules (or sibling adapters) listed for them.
var adapters = map[string][]string{
	"local/benchcpu":        {},
	"kick":                  {"github.com/goccy/go-json"},
	"aws/lambdahttp":        {"github.com/aws/aws-lambda-go/"},
	"aws/stack":             {"go.yaml.in/yaml/", "github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go", module + "@root"},
	"aws/dynamo":            {"github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go", module + "/shared/aws/awsfault"},
	"aws/dynamo/dynamotest": {"github.com/aws/aws-sdk-go-v2/", module + "/shared/aws/dynamo", module + "/shared/local/localdb", module + "/shared/aws/stack", module + "/shared/aws/access"},
	"aws/access":            {module + "/shared/aws/dynamo"},
	"aws/awsfault":          {"github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go"},
	"local/localdb":         {"github.com/truora/minidyn/"},
	"aws/jobqueue":          {"github.com/aws/aws-lambda-go/", "github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go"},
	"local/localqueue":      {"github.com/aws/aws-lambda-go/"},
	"kick/kickapi":          {module + "/shared/redact"},
	"kick/kickfake":         {},
	"clipsvc":               {module + "/shared/redact"},
	"kick/oauthweb":         {},
	"discord":               {"github.com/bwmarrin/discordgo", "github.com/goccy/go-json", module + "/shared/redact"},
	"aws/secret":            {"github.com/aws/aws-sdk-go-v2/", "github.com/aws/smithy-go", module + "/shared/aws/awsfault"},
}

// TestDependencyRule enforces design.md's layering with `go list`: domain
// code is pure Go, adapters reach only their own outside dependency, and
// nothing under shared/ imports functions/ or scripts/.
func TestDependencyRule(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "./shared/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"/shared/")
		seen[pkg] = true
		isDomain := slices.Contains(domain, pkg)
		allowed, isAdapter := adapters[pkg]
		if family, _, _ := strings.Cut(pkg, "/"); isAdapter && !slices.Contains(families, family) {
			t.Errorf("adapter shared/%s is outside the adapter families %v: move it into the one for the system it speaks to", pkg, families)
		}
		if !isDomain && !isAdapter {
			t.Errorf("shared/%s is neither a domain package nor a known adapter: add it to deps_test.go", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if ok, why := importAllowed(imp, isDomain, allowed); !ok {
				t.Errorf("shared/%s imports %s: %s", pkg, imp, why)
			}
		}
	}
	for _, p := range domain {
		if !seen[p] {
			t.Errorf("domain package shared/%s listed here does not exist", p)
		}
	}
}

func importAllowed(imp string, isDomain bool, allowed []string) (bool, string) {
	first, _, _ := strings.Cut(imp, "/")
	if !strings.Contains(first, ".") {
		return true, "" // standard library
	}
	if rest, ok := strings.CutPrefix(imp, module+"/shared/"); ok && slices.Contains(domain, rest) {
		return true, ""
	}
	if isDomain {
		return false, "domain packages import only the standard library and other domain packages"
	}
	for _, a := range allowed {
		if a == module+"@root" && imp == module {
			return true, ""
		}
		if imp == a || strings.HasPrefix(imp, a) {
			return true, ""
		}
	}
	return false, "not among this adapter's allowed dependencies"
}
