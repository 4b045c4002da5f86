package kickbot_test

// Tests of the template's side of the metrics (issue 15, items 1 to 3):
// the alarms on the functions' own metrics, the dashboard (one source,
// infra/dashboard.json) and the HTTP API's access log.

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/metric"
)

var updateDashboard = flag.Bool("update-dashboard", false, "copy infra/dashboard.json into template.yaml's Dashboard")

// metricsNamespace is the namespace the template gives the functions
// (METRICS_NAMESPACE) and its alarms and dashboard read.
const metricsNamespace = "Kickbot/${AWS::StackName}"

func TestTemplateMetricsNamespace(t *testing.T) {
	c := deployed(t, nil)
	ns := c.path(c.root, "Globals", "Function", "Environment", "Variables", "METRICS_NAMESPACE")
	if ns == nil || ns.Tag != "!Sub" || ns.Value != metricsNamespace {
		t.Fatalf("Globals METRICS_NAMESPACE = %v, want !Sub %q", ns, metricsNamespace)
	}
	// A namespace may hold letters, digits and . - _ / # : only.
	if !regexp.MustCompile(`^[A-Za-z0-9.\-_/#:]+$`).MatchString(strings.ReplaceAll(ns.Value, "${AWS::StackName}", "kickbot-prod")) {
		t.Errorf("namespace %q has characters CloudWatch refuses", ns.Value)
	}
}

// TestTemplateMetricAlarms checks the alarms item 1 of issue 15 asks of
// item 2's metrics: credits that fell behind, connections needing
// re-authorisation, and the Kick and Discord API error rates (across the
// functions, by Status, as metric.Calls records them).
func TestTemplateMetricAlarms(t *testing.T) {
	c := deployed(t, map[string]string{"AlertEmail": "ops@example.com"})
	tests := []struct {
		name   string
		metric string
		dims   map[string]string
	}{
		{"credits behind in the sweep", metric.CreditsBehind, map[string]string{"Function": "sweep"}},
		{"credits behind in the worker", metric.CreditsBehind, map[string]string{"Function": "worker"}},
		{"connections needing re-authorisation", metric.ConnectionsNeedingReauth, map[string]string{"Function": "upkeep"}},
		{"Kick API server errors", metric.KickAPICalls, map[string]string{"Status": "5xx"}},
		{"Kick API calls without an answer", metric.KickAPICalls, map[string]string{"Status": "error"}},
		{"Discord API server errors", metric.DiscordAPICalls, map[string]string{"Status": "5xx"}},
		{"Discord API calls without an answer", metric.DiscordAPICalls, map[string]string{"Status": "error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.alarmsOn(metricsNamespace, tt.metric, tt.dims); len(got) == 0 {
				t.Errorf("no alarm on %s %v", tt.metric, tt.dims)
			}
		})
	}
	// An error rate must see every call, whatever its status.
	for _, m := range []string{metric.KickAPICalls, metric.DiscordAPICalls} {
		for _, class := range []string{"2xx", "4xx", "429"} {
			if got := c.alarmsOn(metricsNamespace, m, map[string]string{"Status": class}); len(got) == 0 {
				t.Errorf("the %s error rate does not count Status %s calls", m, class)
			}
		}
	}
}

// TestTemplateDashboard checks that the template's dashboard is
// infra/dashboard.json, that the file is JSON with only the substitutions
// the template can make, and that it shows every metric the functions
// record, per function.
func TestTemplateDashboard(t *testing.T) {
	file, err := os.ReadFile("infra/dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	if *updateDashboard {
		writeDashboard(t, file)
	}
	c := deployed(t, nil)
	dashboards := c.resources("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("dashboards %v, want 1", keys(dashboards))
	}
	for name, d := range dashboards {
		body := c.get(d.Props, "DashboardBody")
		if body == nil || body.Tag != "!Sub" {
			t.Fatalf("%s: DashboardBody is not a !Sub", name)
		}
		if body.Value != string(file) {
			t.Fatalf("%s: DashboardBody differs from infra/dashboard.json; run go test -run TestTemplateDashboard -update-dashboard .", name)
		}
	}
	for _, v := range regexp.MustCompile(`\$\{[^}]*\}`).FindAllString(string(file), -1) {
		if v != "${AWS::Region}" && v != "${AWS::StackName}" && v != "${HttpApi}" {
			t.Errorf("infra/dashboard.json has the substitution %s; want only ${AWS::Region}, ${AWS::StackName} and ${HttpApi}", v)
		}
	}
	var dash struct {
		Widgets []struct {
			Type       string
			X, Y       *int
			Properties struct {
				Region  string
				Metrics [][]map[string]any
			}
		}
	}
	if err := json.Unmarshal(file, &dash); err != nil {
		t.Fatalf("infra/dashboard.json: %v", err)
	}
	shown, aws := map[string]bool{}, map[string]bool{}
	awsSearch := regexp.MustCompile(`^SEARCH\('\{(AWS/[A-Za-z]+),[A-Za-z,]+\} MetricName="([A-Za-z0-9]+)"`)
	search := regexp.MustCompile(`^SEARCH\('\{"([^"]+)",Function(,[A-Za-z]+)*\} MetricName="([A-Za-z]+)"'`)
	for i, w := range dash.Widgets {
		if w.X == nil || w.Y == nil {
			t.Errorf("widget %d has no position", i)
		}
		if w.Type != "metric" {
			continue
		}
		if w.Properties.Region != "${AWS::Region}" {
			t.Errorf("widget %d: region %q, want ${AWS::Region}", i, w.Properties.Region)
		}
		for _, row := range w.Properties.Metrics {
			for _, m := range row {
				e, _ := m["expression"].(string)
				if g := search.FindStringSubmatch(e); g != nil && g[1] == metricsNamespace {
					shown[g[3]] = true
				}
				if g := awsSearch.FindStringSubmatch(e); g != nil {
					aws[g[1]+" "+g[2]] = true
				}
			}
		}
	}
	for _, name := range metric.Names {
		if !shown[name] {
			t.Errorf("the dashboard shows no %s per function", name)
		}
	}
	// What the alarms watch outside the bot's own metrics: the queues
	// (dead letters, the oldest job), the HTTP API's 5xx, the functions.
	for _, want := range []string{"AWS/SQS ApproximateNumberOfMessagesVisible", "AWS/SQS ApproximateAgeOfOldestMessage",
		"AWS/ApiGateway 5xx", "AWS/ApiGateway Count", "AWS/Lambda Errors", "AWS/Lambda Throttles"} {
		if !aws[want] {
			t.Errorf("the dashboard shows no %s", want)
		}
	}
}

// writeDashboard replaces the template's DashboardBody block with file.
func writeDashboard(t *testing.T, file []byte) {
	t.Helper()
	tpl, err := os.ReadFile("template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const head = "      DashboardBody: !Sub |\n"
	start := bytes.Index(tpl, []byte(head))
	if start < 0 {
		t.Fatal("template.yaml has no DashboardBody: !Sub | block")
	}
	start += len(head)
	end := start
	for end < len(tpl) {
		next := bytes.IndexByte(tpl[end:], '\n') + end + 1
		line := tpl[end:next]
		if len(bytes.TrimSpace(line)) > 0 && !bytes.HasPrefix(line, []byte("        ")) {
			break
		}
		end = next
	}
	var block bytes.Buffer
	for _, line := range bytes.SplitAfter(file, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			block.WriteString("        ")
		}
		block.Write(line)
	}
	out := append(append(append([]byte{}, tpl[:start]...), block.Bytes()...), tpl[end:]...)
	if err := os.WriteFile("template.yaml", out, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Fatal("template.yaml rewritten from infra/dashboard.json: run the test again (the template is embedded at build time)")
}

// TestTemplateAccessLog checks that the HTTP API writes an access log to
// a log group of the stack (its retention is TestTemplateLogRetention's),
// with the request id, route and status, and nothing from the request
// that could be a secret.
func TestTemplateAccessLog(t *testing.T) {
	c := deployed(t, nil)
	api := c.resources("AWS::Serverless::HttpApi")["HttpApi"]
	s := c.get(api.Props, "AccessLogSettings")
	group, attr := getAtt(c.get(s, "DestinationArn"))
	if g := c.resources("AWS::Logs::LogGroup")[group]; g.Name == "" || attr != "Arn" {
		t.Fatalf("AccessLogSettings.DestinationArn = GetAtt %s.%s, want a log group of the stack's Arn", group, attr)
	}
	format := c.value(c.get(s, "Format"))
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Fatalf("access log Format is not a JSON object: %v", err)
	}
	for _, want := range []string{"$context.requestId", "$context.routeKey", "$context.status", "$context.responseLatency"} {
		if !strings.Contains(format, want) {
			t.Errorf("access log Format lacks %s", want)
		}
	}
	for _, secret := range []string{"$context.authorizer", "header", "$input", "$request"} {
		if strings.Contains(strings.ToLower(format), strings.ToLower(secret)) {
			t.Errorf("access log Format logs %s, which may carry a signature or token", secret)
		}
	}
}

// TestTemplateMaxReceiveCount checks that the jobs queue dead-letters
// after the receives the worker counts as the last (jobqueue's
// JobsDeadLettered metric).
func TestTemplateMaxReceiveCount(t *testing.T) {
	c := deployed(t, nil)
	q := c.resources("AWS::SQS::Queue")["JobsQueue"]
	n, err := strconv.Atoi(c.value(c.path(q.Props, "RedrivePolicy", "maxReceiveCount")))
	if err != nil || n != jobqueue.DefaultMaxReceiveCount {
		t.Errorf("JobsQueue maxReceiveCount = %d (%v), want jobqueue.DefaultMaxReceiveCount %d", n, err, jobqueue.DefaultMaxReceiveCount)
	}
}
