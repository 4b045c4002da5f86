package kickbot_test

// The IAM test of issue 15, item 4: each function's role, as the SAM
// transform deploys it, against its grant in shared/aws/access, and a
// policy evaluation showing that the public functions cannot reach a
// stored Kick login.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kickbot/kickbot/shared/aws/access"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
)

// transform runs scripts/sam-transform.py once for the tests that read
// its output.
var transform = sync.OnceValues(func() ([]byte, error) {
	cmd := exec.Command("python3", "scripts/sam-transform.py", "template.yaml")
	cmd.Env = append(os.Environ(), "AWS_DEFAULT_REGION=us-east-1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, stderr.String())
	}
	return out, nil
})

// transformed is template.yaml as CloudFormation deploys it. A missing
// python3 or SAM translator fails the test rather than skipping it (make
// tools installs cfn-lint, which ships the translator).
func transformed(t *testing.T) map[string]any {
	t.Helper()
	out, err := transform()
	if err != nil {
		t.Fatalf("SAM transform (python3 scripts/sam-transform.py): %v", err)
	}
	var tpl map[string]any
	if err := json.Unmarshal(out, &tpl); err != nil {
		t.Fatalf("SAM transform output: %v", err)
	}
	return tpl
}

// statement is one Allow statement of a role, its resources named by
// logical id ("Table", "Table/index/byName", "JobsQueue") or, for other
// ARNs, by their Fn::Sub text.
type statement struct {
	actions, resources []string
	// leadingKeys are the ForAllValues:StringLike dynamodb:LeadingKeys
	// patterns; nil when the statement has no condition.
	leadingKeys []string
}

// allows evaluates s as IAM would for action on resource touching items
// with partition keys pks (ForAllValues: every key must match a pattern).
func (s statement) allows(action, resource string, pks ...string) bool {
	if !slices.Contains(s.actions, action) || !slices.Contains(s.resources, resource) {
		return false
	}
	if s.leadingKeys == nil {
		return true
	}
	for _, pk := range pks {
		if !slices.ContainsFunc(s.leadingKeys, func(p string) bool { return like(p, pk) }) {
			return false
		}
	}
	return true
}

// like is IAM's StringLike for patterns whose only wildcard is a
// trailing *.
func like(pattern, s string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(s, p)
	}
	return pattern == s
}

type role struct {
	managed    []string
	statements []statement
}

func (r role) allows(action, resource string, pks ...string) bool {
	return slices.ContainsFunc(r.statements, func(s statement) bool { return s.allows(action, resource, pks...) })
}

// roleOf reads the role of function fn: its managed policies and the
// statements of its inline policies, both branches of each Fn::If (a
// deploy gets at most what they grant together).
func roleOf(t *testing.T, resources map[string]any, fn string) role {
	t.Helper()
	f, _ := resources[fn].(map[string]any)
	props, _ := f["Properties"].(map[string]any)
	ref, _ := props["Role"].(map[string]any)
	att, _ := ref["Fn::GetAtt"].([]any)
	if len(att) != 2 {
		t.Fatalf("%s: Role %v, want Fn::GetAtt of a role", fn, props["Role"])
	}
	res, _ := resources[att[0].(string)].(map[string]any)
	rp, _ := res["Properties"].(map[string]any)
	var r role
	for _, m := range list(rp["ManagedPolicyArns"]) {
		r.managed = append(r.managed, fmt.Sprint(m))
	}
	for _, p := range branches(list(rp["Policies"])) {
		doc, _ := p.(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range list(doc["Statement"]) {
			r.statements = append(r.statements, parseStatement(t, fn, st.(map[string]any)))
		}
	}
	return r
}

func list(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	default:
		return []any{v}
	}
}

// branches replaces each {"Fn::If": [cond, a, b]} by a and b, dropping
// AWS::NoValue.
func branches(vs []any) []any {
	var out []any
	for _, v := range vs {
		m, ok := v.(map[string]any)
		if !ok {
			out = append(out, v)
			continue
		}
		if ref, _ := m["Ref"].(string); ref == "AWS::NoValue" {
			continue
		}
		if arms, ok := m["Fn::If"].([]any); ok && len(arms) == 3 {
			out = append(out, branches(arms[1:])...)
			continue
		}
		out = append(out, v)
	}
	return out
}

func parseStatement(t *testing.T, fn string, st map[string]any) statement {
	t.Helper()
	if st["Effect"] != "Allow" || st["NotAction"] != nil || st["NotResource"] != nil {
		t.Errorf("%s: statement %v: want Effect Allow with Action and Resource", fn, st)
	}
	var s statement
	for _, a := range list(st["Action"]) {
		s.actions = append(s.actions, fmt.Sprint(a))
	}
	for _, r := range list(st["Resource"]) {
		s.resources = append(s.resources, resourceName(r))
	}
	if c, ok := st["Condition"].(map[string]any); ok {
		like, _ := c["ForAllValues:StringLike"].(map[string]any)
		keys := list(like["dynamodb:LeadingKeys"])
		if len(c) != 1 || len(like) != 1 || len(keys) == 0 {
			t.Errorf("%s: condition %v: want only ForAllValues:StringLike dynamodb:LeadingKeys", fn, c)
		}
		s.leadingKeys = []string{}
		for _, k := range keys {
			s.leadingKeys = append(s.leadingKeys, fmt.Sprint(k))
		}
	}
	return s
}

// resourceName names a resource by logical id where it is one
// ("Table", "Table/index/live"), else by its text.
func resourceName(r any) string {
	m, ok := r.(map[string]any)
	if !ok {
		return fmt.Sprint(r)
	}
	if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) == 2 && att[1] == "Arn" {
		return fmt.Sprint(att[0])
	}
	if sub, ok := m["Fn::Sub"].(string); ok {
		if ix, ok := strings.CutPrefix(sub, "${Table.Arn}/index/"); ok {
			return "Table/index/" + ix
		}
		return sub
	}
	return fmt.Sprint(r)
}

const basicExecution = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"

// TestTemplateIAM checks every function's role against its grant: the
// table actions exactly the grant's, each limited to its key prefixes; the
// indexes and queues exactly its own; no wildcard action or resource; no
// managed policy but the basic logging one.
func TestTemplateIAM(t *testing.T) {
	tpl := transformed(t)
	resources, _ := tpl["Resources"].(map[string]any)
	var fns []string
	for id, r := range resources {
		if r.(map[string]any)["Type"] == "AWS::Lambda::Function" {
			fns = append(fns, id)
		}
	}
	slices.Sort(fns)
	if got, want := fns, slices.Sorted(maps.Keys(access.Functions)); !slices.Equal(got, want) {
		t.Fatalf("template functions %q, access.Functions %q; want the same", got, want)
	}
	for _, fn := range fns {
		t.Run(fn, func(t *testing.T) {
			g := access.Functions[fn]
			r := roleOf(t, resources, fn)
			for _, m := range r.managed {
				if m != basicExecution {
					t.Errorf("managed policy %s, want none but %s (its grants are not scoped)", m, basicExecution)
				}
			}
			var tableActions, indexes []string
			queues := map[string][]string{}
			for _, s := range r.statements {
				for _, a := range s.actions {
					if strings.Contains(a, "*") {
						t.Errorf("action %q: want no wildcards", a)
					}
				}
				for _, res := range s.resources {
					switch {
					case res == "Table":
						if s.leadingKeys == nil {
							t.Errorf("%v on the whole table, want a dynamodb:LeadingKeys condition", s.actions)
						} else if got, want := slices.Sorted(slices.Values(s.leadingKeys)), withStar(g.Prefixes); !slices.Equal(got, want) {
							t.Errorf("LeadingKeys of %v = %q, want %q", s.actions, got, want)
						}
						tableActions = append(tableActions, s.actions...)
					case strings.HasPrefix(res, "Table/index/"):
						if !slices.Equal(s.actions, []string{access.Query}) {
							t.Errorf("%v on %s, want only %s", s.actions, res, access.Query)
						}
						indexes = append(indexes, strings.TrimPrefix(res, "Table/index/"))
					case res == access.JobsQueue || res == access.ScheduledFailureQueue:
						queues[res] = append(queues[res], s.actions...)
					case strings.Contains(res, ":ssm:") && strings.Contains(res, ":parameter"):
						if !slices.Equal(s.actions, []string{"ssm:GetParameter"}) {
							t.Errorf("%v on %s, want only ssm:GetParameter", s.actions, res)
						}
					case strings.HasSuffix(res, "Logs") && resources[res] != nil:
						if !slices.Equal(s.actions, []string{"logs:CreateLogStream", "logs:PutLogEvents"}) {
							t.Errorf("%v on %s, want only logs:CreateLogStream and logs:PutLogEvents", s.actions, res)
						}
					default:
						t.Errorf("%v on %s: not a resource a function's grant names", s.actions, res)
					}
				}
			}
			if got, want := sorted(tableActions), sorted(g.Actions); !slices.Equal(got, want) {
				t.Errorf("table actions %q, want %q (access.Functions)", got, want)
			}
			if got, want := sorted(indexes), sorted(g.Indexes); !slices.Equal(got, want) {
				t.Errorf("indexes %q, want %q (access.Functions)", got, want)
			}
			for _, q := range []string{access.JobsQueue, access.ScheduledFailureQueue} {
				if got, want := sorted(queues[q]), sorted(g.Queues[q]); !slices.Equal(got, want) {
					t.Errorf("%s actions %q, want %q (access.Functions)", q, got, want)
				}
			}
		})
	}
}

// TestTemplateIAMLogins evaluates the roles as IAM would: the public
// functions can neither read nor change a stored Kick login, by any
// action, alone or in a batch, while the functions that use logins can;
// and the indexes, which the roles reach without a key condition, project
// keys only, so they reveal no token.
func TestTemplateIAMLogins(t *testing.T) {
	tpl := transformed(t)
	resources, _ := tpl["Resources"].(map[string]any)
	login := dynamo.LoginPrefix + "4402117"
	reads := []string{access.GetItem, access.Query, access.BatchGetItem}
	writes := []string{access.PutItem, access.UpdateItem, access.DeleteItem}
	tests := []struct {
		fn        string
		usesLogin bool
	}{
		{"WebhookFunction", false},
		{"InteractionsFunction", false},
		{"SweepFunction", false},
		{"WorkerFunction", true},
		{"UpkeepFunction", true},
		{"OauthFunction", true},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			r := roleOf(t, resources, tt.fn)
			for _, a := range append(slices.Clone(reads), writes...) {
				if r.allows(a, "Table", login) && !tt.usesLogin {
					t.Errorf("allows(%s, %s) = true, want false", a, login)
				}
				if r.allows(a, "Table", "GUILD#g1", login) && !tt.usesLogin {
					t.Errorf("allows(%s, [GUILD#g1 %s]) = true, want false", a, login)
				}
			}
			if got := r.allows(access.GetItem, "Table", login); got != tt.usesLogin {
				t.Errorf("allows(GetItem, %s) = %v, want %v", login, got, tt.usesLogin)
			}
			if !r.allows(access.GetItem, "Table", "GUILD#g1") {
				t.Errorf("allows(GetItem, GUILD#g1) = false, want true")
			}
		})
	}
	table, _ := resources["Table"].(map[string]any)
	props, _ := table["Properties"].(map[string]any)
	for _, ix := range list(props["GlobalSecondaryIndexes"]) {
		m := ix.(map[string]any)
		if p, _ := m["Projection"].(map[string]any); p["ProjectionType"] != "KEYS_ONLY" {
			t.Errorf("index %v projects %v, want KEYS_ONLY (roles query indexes without a key condition)", m["IndexName"], p["ProjectionType"])
		}
	}
}

func withStar(prefixes []string) []string {
	var out []string
	for _, p := range prefixes {
		out = append(out, p+"*")
	}
	return sorted(out)
}

func sorted(s []string) []string { return slices.Compact(slices.Sorted(slices.Values(s))) }
