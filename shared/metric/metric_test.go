package metric_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/metric"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var at = time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC)

// TestGolden pins the document layout the EMF specification asks for:
// _aws.Timestamp in epoch milliseconds, one MetricDirective with the
// namespace, dimension sets naming root members, metric definitions with
// units, and the values at the root.
func TestGolden(t *testing.T) {
	r := metric.New("Kickbot/prod", metric.D("Function", "webhook"))
	r.Level = "WARN"
	r.Count("DeliveriesAccepted", 1)
	r.Count("DeliveriesAccepted", 2)
	r.Duration("DeliveryLagSigned", 1500*time.Millisecond)
	r.Duration("DeliveryLagSigned", 250*time.Millisecond)
	r.Count("DeliveriesRejected", 1, metric.D("Reason", "signature"))
	var buf bytes.Buffer
	if err := r.Flush(&buf, at); err != nil {
		t.Fatal(err)
	}
	golden := "testdata/flush.golden"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != string(want) {
		t.Errorf("Flush wrote\n%s\nwant\n%s", got, want)
	}
	for _, doc := range parse(t, &buf) {
		checkSpec(t, doc)
	}
}

// checkSpec checks one document against the rules of the EMF
// specification that a typo could break.
func checkSpec(t *testing.T, doc map[string]any) {
	t.Helper()
	aws, ok := doc["_aws"].(map[string]any)
	if !ok {
		t.Fatalf("document %v has no _aws object", doc)
	}
	if _, ok := aws["Timestamp"].(float64); !ok {
		t.Errorf("_aws.Timestamp = %v, want a number", aws["Timestamp"])
	}
	dirs, _ := aws["CloudWatchMetrics"].([]any)
	if len(dirs) == 0 {
		t.Fatalf("_aws.CloudWatchMetrics = %v, want directives", aws["CloudWatchMetrics"])
	}
	for _, d := range dirs {
		d := d.(map[string]any)
		if ns, _ := d["Namespace"].(string); ns == "" {
			t.Errorf("directive %v has no Namespace", d)
		}
		for _, set := range d["Dimensions"].([]any) {
			set := set.([]any)
			if len(set) == 0 || len(set) > 30 {
				t.Errorf("dimension set %v has %d names, want 1 to 30", set, len(set))
			}
			for _, name := range set {
				if _, ok := doc[name.(string)].(string); !ok {
					t.Errorf("dimension %v is not a string member of the root", name)
				}
			}
		}
		metrics := d["Metrics"].([]any)
		if len(metrics) == 0 || len(metrics) > 100 {
			t.Errorf("directive has %d metrics, want 1 to 100", len(metrics))
		}
		for _, m := range metrics {
			m := m.(map[string]any)
			switch v := doc[m["Name"].(string)].(type) {
			case float64:
			case []any:
				if len(v) > metric.MaxValues {
					t.Errorf("metric %v has %d values, want at most %d", m["Name"], len(v), metric.MaxValues)
				}
			default:
				t.Errorf("metric %v = %v at the root, want a number or an array", m["Name"], v)
			}
		}
	}
}

func parse(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var docs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var doc map[string]any
		if err := json.Unmarshal([]byte(line), &doc); err != nil {
			t.Fatalf("line %q is not JSON: %v", line, err)
		}
		docs = append(docs, doc)
	}
	return docs
}

func TestFlush(t *testing.T) {
	tests := []struct {
		name     string
		record   func(r *metric.Recorder)
		wantDocs int
	}{
		{"nothing", func(*metric.Recorder) {}, 0},
		{"one set of dimensions", func(r *metric.Recorder) {
			r.Count("A", 1)
			r.Record("B", metric.Seconds, 2)
		}, 1},
		{"two statuses", func(r *metric.Recorder) {
			r.Count("KickAPICalls", 1, metric.D("Status", "2xx"))
			r.Count("KickAPICalls", 1, metric.D("Status", "5xx"))
		}, 2},
		{"values over the limit", func(r *metric.Recorder) {
			for range 2*metric.MaxValues + 1 {
				r.Record("Lag", metric.Milliseconds, 1)
			}
			r.Count("A", 1)
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := metric.New("NS", metric.D("Function", "f"))
			tt.record(r)
			var buf bytes.Buffer
			if err := r.Flush(&buf, at); err != nil {
				t.Fatal(err)
			}
			if tt.wantDocs == 0 {
				if buf.Len() != 0 {
					t.Errorf("Flush wrote %q, want nothing", buf.String())
				}
				return
			}
			docs := parse(t, &buf)
			if len(docs) != tt.wantDocs {
				t.Errorf("Flush wrote %d documents, want %d", len(docs), tt.wantDocs)
			}
			for _, d := range docs {
				checkSpec(t, d)
			}
			buf.Reset()
			if err := r.Flush(&buf, at); err != nil || buf.Len() != 0 {
				t.Errorf("second Flush wrote %q, %v; want nothing", buf.String(), err)
			}
		})
	}
}

func TestConcurrent(t *testing.T) {
	r := metric.New("NS")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				r.Count("Credited", 1)
			}
		}()
	}
	wg.Wait()
	var buf bytes.Buffer
	if err := r.Flush(&buf, at); err != nil {
		t.Fatal(err)
	}
	if got := parse(t, &buf)[0]["Credited"]; got != 800.0 {
		t.Errorf("Credited = %v, want 800", got)
	}
}

func TestNilRecorder(t *testing.T) {
	var r *metric.Recorder
	r.Count("A", 1)
	r.Record("B", metric.Count, 1)
	if err := r.Flush(nil, at); err != nil {
		t.Errorf("nil Flush = %v, want nil", err)
	}
	metric.From(context.Background()).Count("A", 1) // no recorder: no panic
}

func TestHandle(t *testing.T) {
	var buf bytes.Buffer
	sink := metric.Sink{Namespace: "NS", Base: []metric.Dim{metric.D("Function", "sweep")}, Out: &buf, Now: func() time.Time { return at }}
	boom := errors.New("boom")
	h := metric.HandleErr(sink, func(ctx context.Context, n int) error {
		metric.From(ctx).Count("Guilds", float64(n))
		return boom
	})
	for i := range 2 {
		if err := h(context.Background(), i+1); err != boom {
			t.Fatalf("handler = %v, want %v", err, boom)
		}
	}
	docs := parse(t, &buf)
	if len(docs) != 2 || docs[0]["Guilds"] != 1.0 || docs[1]["Guilds"] != 2.0 {
		t.Errorf("two invocations wrote %v, want one document each with Guilds 1 then 2", docs)
	}
}

func Example() {
	r := metric.New("Kickbot/prod", metric.D("Function", "sweep"))
	r.Count("Guilds", 3)
	r.Count("ViewerMinutesCredited", 120)
	r.Duration("SweepDuration", 2*time.Second)
	var buf bytes.Buffer
	r.Flush(&buf, time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC))
	fmt.Print(buf.String())
	// Output:
	// {"Function":"sweep","Guilds":3,"SweepDuration":[2000],"ViewerMinutesCredited":120,"_aws":{"CloudWatchMetrics":[{"Namespace":"Kickbot/prod","Dimensions":[["Function"]],"Metrics":[{"Name":"Guilds","Unit":"Count"},{"Name":"SweepDuration","Unit":"Milliseconds"},{"Name":"ViewerMinutesCredited","Unit":"Count"}]}],"Timestamp":1796293800000}}
}

func TestRead(t *testing.T) {
	r := metric.New("NS", metric.D("Function", "worker"))
	r.Count("DiscordAPICalls", 2, metric.D("Status", "2xx"))
	r.Count("DiscordAPICalls", 1, metric.D("Status", "429"))
	r.Duration("Lag", time.Second)
	points, err := metric.Flushed(r)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		dims []metric.Dim
		want float64
	}{
		{"DiscordAPICalls", nil, 3},
		{"DiscordAPICalls", []metric.Dim{metric.D("Status", "429")}, 1},
		{"DiscordAPICalls", []metric.Dim{metric.D("Function", "worker"), metric.D("Status", "2xx")}, 2},
		{"Lag", nil, 1000},
	}
	for _, tt := range tests {
		if got, ok := metric.Sum(points, tt.name, tt.dims...); !ok || got != tt.want {
			t.Errorf("Sum(%s, %v) = %v, %v; want %v", tt.name, tt.dims, got, ok, tt.want)
		}
	}
}

func TestCalls(t *testing.T) {
	tests := []struct {
		name   string
		answer func(*http.Request) (*http.Response, error)
		want   string
	}{
		{"ok", answerStatus(200), "2xx"},
		{"not found", answerStatus(404), "4xx"},
		{"rate limited", answerStatus(429), "429"},
		{"server error", answerStatus(503), "5xx"},
		{"no answer", func(*http.Request) (*http.Response, error) { return nil, errors.New("dial tcp: refused") }, "error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := metric.New("NS", metric.D("Function", "worker"))
			client := &http.Client{Transport: metric.Calls(metric.KickAPICalls, roundTripFunc(tt.answer))}
			req, _ := http.NewRequestWithContext(metric.With(context.Background(), rec), http.MethodGet, "https://api.kick.com/public/v1/channels", nil)
			if resp, err := client.Do(req); err == nil {
				resp.Body.Close()
			}
			points, err := metric.Flushed(rec)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := metric.Sum(points, metric.KickAPICalls, metric.D("Function", "worker"), metric.D("Status", tt.want)); got != 1 {
				t.Errorf("%s{Status=%s} = %v, want 1 (points %v)", metric.KickAPICalls, tt.want, got, points)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func answerStatus(code int) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: code, Body: http.NoBody, Request: r}, nil
	}
}
