package kickbot_test

// Tests of the template's operations side (issue 15, items 1 and 5): who
// hears about failures, what survives a stack deletion, what a deploy
// rejects. They evaluate the template's conditions for given parameter
// values (cfn below), so each claim is checked as CloudFormation would
// deploy it, not as the YAML happens to read.

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	kickbot "github.com/kickbot/kickbot"
	"github.com/kickbot/kickbot/shared/aws/stack"
)

// cfn is the template with parameter values: enough of CloudFormation's
// evaluation (conditions, Fn::If, AWS::NoValue, rules) to see which
// resources and property values a deploy with those values would get.
type cfn struct {
	t      *testing.T
	root   *yaml.Node // the template's top-level mapping
	params map[string]string
}

// required are values for the parameters without a default.
var required = map[string]string{
	"DiscordApplicationId":     "123456789012345678",
	"DiscordPublicKey":         strings.Repeat("ab", 32),
	"DiscordBotTokenParameter": "/kickbot/discord-bot-token",
}

// deployed returns the template as deployed with the given parameter
// values; the others take their defaults.
func deployed(t *testing.T, values map[string]string) *cfn {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(kickbot.Template, &doc); err != nil {
		t.Fatal(err)
	}
	c := &cfn{t: t, root: doc.Content[0], params: map[string]string{}}
	for name, p := range c.mapping(c.get(c.root, "Parameters")) {
		if d := c.get(p, "Default"); d != nil {
			c.params[name] = d.Value
		}
	}
	for k, v := range required {
		c.params[k] = v
	}
	for k, v := range values {
		if c.get(c.get(c.root, "Parameters"), k) == nil {
			t.Fatalf("template has no parameter %s", k)
		}
		c.params[k] = v
	}
	return c
}

// get returns the value of key in mapping n, or nil.
func (c *cfn) get(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// path follows keys from n.
func (c *cfn) path(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = c.get(n, k)
	}
	return n
}

// mapping returns mapping n as a Go map (nil n gives an empty map).
func (c *cfn) mapping(n *yaml.Node) map[string]*yaml.Node {
	m := map[string]*yaml.Node{}
	if n == nil {
		return m
	}
	if n.Kind != yaml.MappingNode {
		c.t.Fatalf("line %d: want a mapping, got %v", n.Line, n.Kind)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

// intrinsic reports the function n calls, short form (!If [...]) or long
// ({Fn::If: [...]}), and its argument.
func intrinsic(n *yaml.Node) (name string, arg *yaml.Node, ok bool) {
	if n == nil {
		return "", nil, false
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		a := *n
		a.Tag = ""
		name = "Fn::" + n.Tag[1:]
		if n.Tag == "!Ref" || n.Tag == "!Condition" {
			name = n.Tag[1:]
		}
		return name, &a, true
	}
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		k := n.Content[0].Value
		if k == "Ref" || k == "Condition" || strings.HasPrefix(k, "Fn::") {
			return k, n.Content[1], true
		}
	}
	return "", nil, false
}

// ref returns the name n refers to (Ref name), or "".
func ref(n *yaml.Node) string {
	if f, a, ok := intrinsic(n); ok && f == "Ref" {
		return a.Value
	}
	return ""
}

// getAtt returns the resource and attribute of a Fn::GetAtt, or "".
func getAtt(n *yaml.Node) (resource, attr string) {
	f, a, ok := intrinsic(n)
	if !ok || f != "Fn::GetAtt" {
		return "", ""
	}
	if a.Kind == yaml.SequenceNode && len(a.Content) == 2 {
		return a.Content[0].Value, a.Content[1].Value
	}
	resource, attr, _ = strings.Cut(a.Value, ".")
	return resource, attr
}

// value evaluates a string operand of a condition: a literal or a
// parameter's Ref.
func (c *cfn) value(n *yaml.Node) string {
	if name := ref(n); name != "" {
		v, ok := c.params[name]
		if !ok {
			c.t.Fatalf("line %d: Ref %s is not a parameter with a value", n.Line, name)
		}
		return v
	}
	if n.Kind != yaml.ScalarNode {
		c.t.Fatalf("line %d: cannot evaluate %v as a value", n.Line, n.Kind)
	}
	return n.Value
}

// truth evaluates a condition or rule expression.
func (c *cfn) truth(n *yaml.Node) bool {
	f, a, ok := intrinsic(n)
	if !ok {
		c.t.Fatalf("line %d: %q is not a condition function", n.Line, n.Value)
	}
	switch f {
	case "Condition":
		return c.cond(a.Value)
	case "Fn::Not":
		return !c.truth(a.Content[0])
	case "Fn::Equals":
		return c.value(a.Content[0]) == c.value(a.Content[1])
	case "Fn::And", "Fn::Or":
		for _, x := range a.Content {
			if c.truth(x) == (f == "Fn::Or") {
				return f == "Fn::Or"
			}
		}
		return f == "Fn::And"
	}
	c.t.Fatalf("line %d: condition function %s not evaluated here", n.Line, f)
	return false
}

// cond evaluates the named condition.
func (c *cfn) cond(name string) bool {
	n := c.get(c.get(c.root, "Conditions"), name)
	if n == nil {
		c.t.Fatalf("template has no condition %s", name)
	}
	return c.truth(n)
}

// resolve returns n with every Fn::If decided and AWS::NoValue removed
// (nil when n itself is NoValue); other functions stay as they are.
func (c *cfn) resolve(n *yaml.Node) *yaml.Node {
	if n == nil {
		return nil
	}
	if f, a, ok := intrinsic(n); ok {
		switch {
		case f == "Fn::If":
			if c.cond(a.Content[0].Value) {
				return c.resolve(a.Content[1])
			}
			return c.resolve(a.Content[2])
		case f == "Ref" && a.Value == "AWS::NoValue":
			return nil
		}
	}
	out := *n
	out.Content = nil
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if v := c.resolve(n.Content[i+1]); v != nil {
				out.Content = append(out.Content, n.Content[i], v)
			}
		}
	case yaml.SequenceNode:
		for _, x := range n.Content {
			if v := c.resolve(x); v != nil {
				out.Content = append(out.Content, v)
			}
		}
	default:
		out.Content = n.Content
	}
	return &out
}

// resource is a resource a deploy creates.
type resource struct {
	Name, Type string
	Props      *yaml.Node // resolved Properties
	Node       *yaml.Node // the whole definition (DeletionPolicy, ...)
}

// resources lists the resources of the given type (all when typ is "")
// whose condition holds, by logical id.
func (c *cfn) resources(typ string) map[string]resource {
	out := map[string]resource{}
	for name, r := range c.mapping(c.get(c.root, "Resources")) {
		rt := c.get(r, "Type").Value
		if typ != "" && rt != typ {
			continue
		}
		if cn := c.get(r, "Condition"); cn != nil && !c.cond(cn.Value) {
			continue
		}
		out[name] = resource{Name: name, Type: rt, Props: c.resolve(c.get(r, "Properties")), Node: r}
	}
	return out
}

// alarmsOn returns the present alarms on the metric (namespace, name)
// whose dimensions include want, as single-metric alarms or as a metric of
// a metric-math alarm.
func (c *cfn) alarmsOn(namespace, metric string, want map[string]string) []string {
	var names []string
	for name, a := range c.resources("AWS::CloudWatch::Alarm") {
		metrics := []*yaml.Node{a.Props}
		if ms := c.get(a.Props, "Metrics"); ms != nil {
			metrics = nil
			for _, m := range ms.Content {
				metrics = append(metrics, c.path(m, "MetricStat", "Metric"))
			}
		}
		for _, m := range metrics {
			if m == nil || c.value(c.get(m, "Namespace")) != namespace || c.value(c.get(m, "MetricName")) != metric {
				continue
			}
			dims := map[string]string{}
			if ds := c.get(m, "Dimensions"); ds != nil {
				for _, d := range ds.Content {
					v := c.get(d, "Value")
					s := v.Value
					if r := ref(v); r != "" {
						s = "Ref " + r
					} else if res, attr := getAtt(v); res != "" {
						s = "GetAtt " + res + "." + attr
					}
					dims[c.get(d, "Name").Value] = s
				}
			}
			match := true
			for k, v := range want {
				match = match && dims[k] == v
			}
			if match {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

var alertCases = []struct {
	name  string
	email string
}{
	{"without AlertEmail", ""},
	{"with AlertEmail", "ops@example.com"},
}

// TestTemplateAlarmsNotifyAlertEmail checks that every alarm notifies the
// SNS topic, and the topic has the email subscription, when AlertEmail is
// set; and that neither topic, subscription nor any alarm action exists
// when it is not (an action naming a topic the deploy did not create
// would fail it).
func TestTemplateAlarmsNotifyAlertEmail(t *testing.T) {
	for _, tc := range alertCases {
		t.Run(tc.name, func(t *testing.T) {
			c := deployed(t, map[string]string{"AlertEmail": tc.email})
			topics := c.resources("AWS::SNS::Topic")
			subs := c.resources("AWS::SNS::Subscription")
			alarms := c.resources("AWS::CloudWatch::Alarm")
			if len(alarms) == 0 {
				t.Fatal("template has no alarms")
			}
			if tc.email == "" {
				if len(topics)+len(subs) != 0 {
					t.Errorf("topics %v, subscriptions %v without AlertEmail; want none", keys(topics), keys(subs))
				}
			} else {
				if len(subs) != 1 {
					t.Fatalf("subscriptions %v, want 1", keys(subs))
				}
				for _, s := range subs {
					if p, e, topic := c.get(s.Props, "Protocol").Value, ref(c.get(s.Props, "Endpoint")), ref(c.get(s.Props, "TopicArn")); p != "email" || e != "AlertEmail" || topics[topic].Name == "" {
						t.Errorf("%s: Protocol %q, Endpoint Ref %q, TopicArn Ref %q; want email to AlertEmail on a topic of the stack", s.Name, p, e, topic)
					}
				}
			}
			for name, a := range alarms {
				actions := c.get(a.Props, "AlarmActions")
				for _, other := range []string{"OKActions", "InsufficientDataActions"} {
					if n := c.get(a.Props, other); n != nil && len(n.Content) > 0 {
						t.Errorf("%s has %s; want AlarmActions only", name, other)
					}
				}
				if tc.email == "" {
					if actions != nil && len(actions.Content) > 0 {
						t.Errorf("%s has AlarmActions without AlertEmail; want none", name)
					}
					continue
				}
				if actions == nil || len(actions.Content) == 0 {
					t.Errorf("%s has no AlarmActions with AlertEmail set; want the alert topic", name)
					continue
				}
				for _, act := range actions.Content {
					if r := ref(act); topics[r].Name == "" {
						t.Errorf("%s: action at line %d is not a Ref to the stack's topic", name, act.Line)
					}
				}
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestTemplateAlarmsCoverFailures checks that the failures item 1 of issue
// 15 names each have an alarm: errors and throttles of every function
// (a function added later without them fails here), dead-lettered jobs,
// failed scheduled runs, the age of the oldest job, the 5xx rate of the
// webhook and interactions routes (whose route metrics exist only with
// detailed metrics on), and a sweep close to its minute.
func TestTemplateAlarmsCoverFailures(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	c := deployed(t, map[string]string{"AlertEmail": "ops@example.com"})
	for _, f := range fs {
		for _, metric := range []string{"Errors", "Throttles"} {
			t.Run(f.Name+"/"+metric, func(t *testing.T) {
				if got := c.alarmsOn("AWS/Lambda", metric, map[string]string{"FunctionName": "Ref " + f.Name}); len(got) == 0 {
					t.Errorf("no alarm on AWS/Lambda %s of %s", metric, f.Name)
				}
			})
		}
	}
	queues := c.resources("AWS::SQS::Queue")
	for name, q := range queues {
		dlq, _ := getAtt(c.path(q.Props, "RedrivePolicy", "deadLetterTargetArn"))
		if dlq == "" {
			continue
		}
		t.Run(name+"/dead letters and oldest job", func(t *testing.T) {
			if got := c.alarmsOn("AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": "GetAtt " + dlq + ".QueueName"}); len(got) == 0 {
				t.Errorf("no alarm on the depth of %s, %s's dead-letter queue", dlq, name)
			}
			if got := c.alarmsOn("AWS/SQS", "ApproximateAgeOfOldestMessage", map[string]string{"QueueName": "GetAtt " + name + ".QueueName"}); len(got) == 0 {
				t.Errorf("no alarm on the age of %s's oldest job", name)
			}
		})
	}
	stage := c.path(c.resources("AWS::Serverless::HttpApi")["HttpApi"].Props, "RouteSettings")
	for _, route := range []stack.Route{{Method: "POST", Path: "/webhooks/kick"}, {Method: "POST", Path: "/interactions"}} {
		t.Run(route.String()+"/5xx", func(t *testing.T) {
			got := c.alarmsOn("AWS/ApiGateway", "5xx", map[string]string{"ApiId": "Ref HttpApi", "Stage": "$default", "Method": route.Method, "Resource": route.Path})
			if len(got) == 0 {
				t.Errorf("no alarm on the 5xx of %s", route)
			}
			if d := c.path(stage, route.String(), "DetailedMetricsEnabled"); d == nil || d.Value != "true" {
				t.Errorf("HttpApi RouteSettings[%q].DetailedMetricsEnabled = %v, want true (the route's metrics exist only then)", route, d)
			}
		})
	}
	t.Run("sweep duration", func(t *testing.T) {
		got := c.alarmsOn("AWS/Lambda", "Duration", map[string]string{"FunctionName": "Ref SweepFunction"})
		if len(got) != 1 {
			t.Fatalf("alarms on the sweep's duration %v, want 1", got)
		}
		a := c.resources("AWS::CloudWatch::Alarm")[got[0]]
		timeout := c.value(c.get(c.resources("AWS::Serverless::Function")["SweepFunction"].Props, "Timeout"))
		thr, stat := c.get(a.Props, "Threshold").Value, c.get(a.Props, "Statistic").Value
		var ms, to int
		fmt.Sscan(thr, &ms)
		fmt.Sscan(timeout, &to)
		if stat != "Maximum" || ms <= 0 || ms >= to*1000 || ms >= 60000 {
			t.Errorf("%s: %s >= %s ms; want Maximum with a threshold under the %s s timeout and the minute", got[0], stat, thr, timeout)
		}
	})
}

// TestTemplateScheduledFailuresAreKept checks that every scheduled
// function sends the runs that failed after Lambda's retries to a queue of
// the stack that is retained and has a depth alarm, instead of losing them.
func TestTemplateScheduledFailuresAreKept(t *testing.T) {
	c := deployed(t, map[string]string{"AlertEmail": "ops@example.com"})
	queues := c.resources("AWS::SQS::Queue")
	scheduled := 0
	for name, f := range c.resources("AWS::Serverless::Function") {
		isScheduled := false
		for _, e := range c.mapping(c.get(f.Props, "Events")) {
			typ := c.get(e, "Type").Value
			isScheduled = isScheduled || typ == "Schedule" || typ == "ScheduleV2"
		}
		if !isScheduled {
			continue
		}
		scheduled++
		t.Run(name, func(t *testing.T) {
			onFailure := c.path(f.Props, "EventInvokeConfig", "DestinationConfig", "OnFailure")
			q, attr := getAtt(c.get(onFailure, "Destination"))
			if typ := c.get(onFailure, "Type"); typ == nil || typ.Value != "SQS" || attr != "Arn" || queues[q].Name == "" {
				t.Fatalf("EventInvokeConfig.DestinationConfig.OnFailure is not an SQS queue of the stack")
			}
			if got := c.alarmsOn("AWS/SQS", "ApproximateNumberOfMessagesVisible", map[string]string{"QueueName": "GetAtt " + q + ".QueueName"}); len(got) == 0 {
				t.Errorf("no depth alarm on %s, where %s's failures go", q, name)
			}
		})
	}
	if scheduled == 0 {
		t.Fatal("template has no scheduled functions")
	}
}

// TestTemplateRulesRejectIncompleteKick checks that CloudFormation's Rules
// refuse, before changing anything, a Kick client id without the client
// secret or the state-signing key, and accept a complete or absent Kick
// configuration.
func TestTemplateRulesRejectIncompleteKick(t *testing.T) {
	const id, secret, key = "01ABCDEF", "/kickbot/kick-client-secret", "/kickbot/state-signing-key"
	cases := []struct {
		name            string
		id, secret, key string
		rejected        bool
	}{
		{"no Kick", "", "", "", false},
		{"complete", id, secret, key, false},
		{"client id alone", id, "", "", true},
		{"no secret", id, "", key, true},
		{"no signing key", id, secret, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := deployed(t, map[string]string{"KickClientId": tc.id, "KickClientSecretParameter": tc.secret, "StateSigningKeyParameter": tc.key})
			rules := c.mapping(c.get(c.root, "Rules"))
			if len(rules) == 0 {
				t.Fatal("template has no Rules")
			}
			var failed []string
			for name, r := range rules {
				if rc := c.get(r, "RuleCondition"); rc != nil && !c.truth(rc) {
					continue
				}
				for _, a := range c.get(r, "Assertions").Content {
					if !c.truth(c.get(a, "Assert")) {
						if d := c.get(a, "AssertDescription"); d == nil || d.Value == "" {
							t.Errorf("rule %s: assertion at line %d has no AssertDescription", name, a.Line)
						}
						failed = append(failed, name)
					}
				}
			}
			if got := len(failed) > 0; got != tc.rejected {
				t.Errorf("deploy rejected = %v (failed %v), want %v", got, failed, tc.rejected)
			}
		})
	}
}

// TestTemplateLogRetention checks that every function logs to a log group
// of the stack of its own, and every log group expires after
// LogRetentionDays, 30 by default.
func TestTemplateLogRetention(t *testing.T) {
	c := deployed(t, nil)
	if got := c.params["LogRetentionDays"]; got != "30" {
		t.Errorf("LogRetentionDays default = %q, want 30", got)
	}
	groups := c.resources("AWS::Logs::LogGroup")
	for name, g := range groups {
		if r := ref(c.get(g.Props, "RetentionInDays")); r != "LogRetentionDays" {
			t.Errorf("%s: RetentionInDays is not Ref LogRetentionDays", name)
		}
	}
	// Globals are merged into each function by the SAM transform.
	global := c.resolve(c.path(c.root, "Globals", "Function", "LoggingConfig", "LogGroup"))
	used := map[string]string{}
	for name, f := range c.resources("AWS::Serverless::Function") {
		lg := c.resolve(c.path(f.Props, "LoggingConfig", "LogGroup"))
		if lg == nil {
			lg = global
		}
		g := ref(lg)
		if groups[g].Name == "" {
			t.Errorf("%s: LoggingConfig.LogGroup is not Ref to a log group of the stack (Lambda's own group never expires)", name)
			continue
		}
		if other, ok := used[g]; ok {
			t.Errorf("%s and %s share log group %s", name, other, g)
		}
		used[g] = name
	}
}

// TestTemplateDataSurvivesStackDeletion checks that the table and every
// queue are kept when the stack is deleted or they are replaced, and that
// the table cannot be deleted by accident outside CloudFormation either.
func TestTemplateDataSurvivesStackDeletion(t *testing.T) {
	c := deployed(t, nil)
	kept := c.resources("AWS::SQS::Queue")
	for name, r := range c.resources("AWS::DynamoDB::Table") {
		kept[name] = r
		if p := c.get(r.Props, "DeletionProtectionEnabled"); p == nil || p.Value != "true" {
			t.Errorf("%s: DeletionProtectionEnabled is not true", name)
		}
		if p := c.path(r.Props, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"); p == nil || p.Value != "true" {
			t.Errorf("%s: point-in-time recovery is not on", name)
		}
	}
	if len(kept) < 2 {
		t.Fatalf("found %v, want the table and the queues", keys(kept))
	}
	for name, r := range kept {
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if p := c.get(r.Node, policy); p == nil || p.Value != "Retain" {
				t.Errorf("%s: %s is not Retain", name, policy)
			}
		}
	}
}

// TestTemplateTableKey checks the table's encryption: DynamoDB's AWS-owned
// key (no KMS charges) unless TableKmsKeyArn names a key, then that key.
func TestTemplateTableKey(t *testing.T) {
	const arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	for _, tc := range []struct {
		name, key string
		enabled   string
		keyRef    string
	}{
		{"AWS-owned", "", "false", ""},
		{"customer managed", arn, "true", "TableKmsKeyArn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := deployed(t, map[string]string{"TableKmsKeyArn": tc.key})
			sse := c.get(c.resources("AWS::DynamoDB::Table")[stack.TableResource].Props, "SSESpecification")
			if got := c.get(sse, "SSEEnabled"); got == nil || got.Value != tc.enabled {
				t.Errorf("SSEEnabled = %v, want %s", got, tc.enabled)
			}
			if got := ref(c.get(sse, "KMSMasterKeyId")); got != tc.keyRef {
				t.Errorf("KMSMasterKeyId = Ref %q, want %q", got, tc.keyRef)
			}
			if tc.keyRef != "" {
				if got := c.get(sse, "SSEType"); got == nil || got.Value != "KMS" {
					t.Errorf("SSEType = %v, want KMS", got)
				}
			}
		})
	}
}

// TestTemplateOutputsFollowPublicBaseUrl checks that every URL output is
// built on PublicBaseUrl when it is set and on the HTTP API's own URL
// when not, and names a route of the template.
func TestTemplateOutputsFollowPublicBaseUrl(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	const apiURL = "https://${HttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
	for _, tc := range []struct{ name, base, want string }{
		{"without PublicBaseUrl", "", apiURL},
		{"with PublicBaseUrl", "https://bot.example.com", "${PublicBaseUrl}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := deployed(t, map[string]string{"PublicBaseUrl": tc.base})
			n := 0
			for name, o := range c.mapping(c.get(c.root, "Outputs")) {
				if !strings.HasSuffix(name, "Url") {
					continue
				}
				f, a, ok := intrinsic(c.resolve(c.get(o, "Value")))
				if !ok || f != "Fn::Sub" || !strings.Contains(a.Value, "${HttpApi}") && !strings.Contains(a.Value, "${PublicBaseUrl}") {
					continue // not a public URL (a queue's, say)
				}
				n++
				path, ok := strings.CutPrefix(a.Value, tc.want)
				if !ok {
					t.Errorf("output %s = %q, want it to start with %s", name, a.Value, tc.want)
					continue
				}
				if !slices.ContainsFunc(routes, func(r stack.Route) bool { return r.Path == path }) {
					t.Errorf("output %s names %q, not a route of the template", name, path)
				}
			}
			if n < 3 {
				t.Errorf("found %d public URL outputs, want the webhook, interactions and redirect URLs", n)
			}
		})
	}
}

// TestTemplateRouteThrottles checks that every route of the HTTP API has
// a throttle (the default or its own) and that route settings name only
// routes of the template (a misspelt key would leave the route on the
// default throttle and without its 5xx metrics).
func TestTemplateRouteThrottles(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	routes, err := tpl.Routes()
	if err != nil {
		t.Fatal(err)
	}
	c := deployed(t, nil)
	api := c.resources("AWS::Serverless::HttpApi")["HttpApi"].Props
	def := c.get(api, "DefaultRouteSettings")
	if c.get(def, "ThrottlingRateLimit") == nil || c.get(def, "ThrottlingBurstLimit") == nil {
		t.Errorf("HttpApi DefaultRouteSettings has no rate and burst limits")
	}
	for key, s := range c.mapping(c.get(api, "RouteSettings")) {
		if !slices.ContainsFunc(routes, func(r stack.Route) bool { return r.String() == key }) {
			t.Errorf("RouteSettings names %q, not a route of the template %v", key, routes)
		}
		if c.get(s, "ThrottlingRateLimit") == nil || c.get(s, "ThrottlingBurstLimit") == nil {
			t.Errorf("RouteSettings[%q] has no rate and burst limits", key)
		}
	}
}
