// Package metric records an invocation's metrics and writes them as
// CloudWatch embedded metric format (EMF) documents: JSON log lines that
// CloudWatch Logs turns into metrics, so recording costs no API call.
//
// A Recorder is made per invocation, carried in the context (With, From)
// and flushed once at the end. The EMF spec allows one value per dimension
// name in a document, so Flush writes one document per distinct set of
// dimension values (one in the common case) and splits a metric holding
// more than MaxValues values over several.
package metric

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Unit is a CloudWatch unit.
type Unit string

// The units the bot records in.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Seconds      Unit = "Seconds"
)

// MaxValues is the most values one EMF document may hold for a metric.
const MaxValues = 100

// Dim is one dimension: a name and its value.
type Dim struct{ Name, Value string }

// D returns the dimension name=value.
func D(name, value string) Dim { return Dim{name, value} }

// Recorder collects one invocation's metrics. It is safe for concurrent
// use; a nil *Recorder records nothing, so code can record without asking
// whether anyone listens.
type Recorder struct {
	// Level, if set, is written as each document's "level" member. Lambda
	// gives a JSON line without one the level INFO, so that its log-level
	// filter would drop the metrics of a function logging at WARN: the
	// function's own level (AWS_LAMBDA_LOG_LEVEL) always passes it.
	Level string

	namespace string
	base      []Dim

	mu     sync.Mutex
	series map[string]*series
}

// series is the metrics recorded with one set of extra dimensions.
type series struct {
	dims    []Dim
	metrics map[string]*values
}

type values struct {
	unit    Unit
	summed  bool
	sum     float64
	samples []float64
}

// New returns a Recorder whose metrics go to namespace, each with the
// dimensions base (e.g. the function's name).
func New(namespace string, base ...Dim) *Recorder {
	return &Recorder{namespace: namespace, base: base, series: map[string]*series{}}
}

// Count adds n to the count name; counts recorded with the same
// dimensions are summed into one value.
func (r *Recorder) Count(name string, n float64, dims ...Dim) {
	r.add(name, Count, n, true, dims)
}

// Record adds one value of name, kept as its own sample (a latency, a
// duration), so that CloudWatch's statistics see each.
func (r *Recorder) Record(name string, unit Unit, v float64, dims ...Dim) {
	r.add(name, unit, v, false, dims)
}

// Duration records d in milliseconds.
func (r *Recorder) Duration(name string, d time.Duration, dims ...Dim) {
	r.Record(name, Milliseconds, float64(d)/float64(time.Millisecond), dims...)
}

func (r *Recorder) add(name string, unit Unit, v float64, summed bool, dims []Dim) {
	if r == nil {
		return
	}
	dims = slices.Clone(dims)
	slices.SortFunc(dims, func(a, b Dim) int { return strings.Compare(a.Name, b.Name) })
	var key strings.Builder
	for _, d := range dims {
		key.WriteString(d.Name + "\x00" + d.Value + "\x00")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.series[key.String()]
	if s == nil {
		s = &series{dims: dims, metrics: map[string]*values{}}
		r.series[key.String()] = s
	}
	m := s.metrics[name]
	if m == nil {
		m = &values{unit: unit, summed: summed}
		s.metrics[name] = m
	}
	if m.summed {
		m.sum += v
		return
	}
	m.samples = append(m.samples, v)
}

// Flush writes what was recorded as EMF documents, one JSON object a line,
// stamped with now, and forgets it. Nothing recorded writes nothing.
func (r *Recorder) Flush(w io.Writer, now time.Time) error {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	all := r.series
	r.series = map[string]*series{}
	r.mu.Unlock()

	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []byte
	for _, k := range keys {
		for _, doc := range r.documents(all[k], now) {
			b, err := json.Marshal(doc)
			if err != nil {
				return err
			}
			out = append(append(out, b...), '\n')
		}
	}
	if len(out) == 0 {
		return nil
	}
	_, err := w.Write(out) // one write, so that concurrent loggers cannot split a line
	return err
}

type directive struct {
	Namespace  string       `json:"Namespace"`
	Dimensions [][]string   `json:"Dimensions"`
	Metrics    []definition `json:"Metrics"`
}

type definition struct {
	Name string `json:"Name"`
	Unit Unit   `json:"Unit"`
}

// documents returns s's EMF documents: the first holds the counts and the
// first MaxValues samples of each metric, the next ones the rest.
func (r *Recorder) documents(s *series, now time.Time) []map[string]any {
	names := make([]string, 0, len(s.metrics))
	for n := range s.metrics {
		names = append(names, n)
	}
	slices.Sort(names)
	// Each metric is published per base dimensions (the function) and,
	// when it has dimensions of its own, across them too, so that an
	// alarm can watch all functions' Kick API errors at once.
	var set, extra []string
	for _, d := range r.base {
		set = append(set, d.Name)
	}
	for _, d := range s.dims {
		set = append(set, d.Name)
		extra = append(extra, d.Name)
	}
	sets := [][]string{set}
	if len(extra) > 0 && len(r.base) > 0 {
		sets = append(sets, extra)
	}
	var docs []map[string]any
	for part := 0; ; part++ {
		doc := map[string]any{}
		d := directive{Namespace: r.namespace, Dimensions: sets}
		for _, n := range names {
			m := s.metrics[n]
			switch {
			case m.summed && part == 0:
				doc[n] = m.sum
			case !m.summed && part*MaxValues < len(m.samples):
				doc[n] = m.samples[part*MaxValues : min(len(m.samples), (part+1)*MaxValues)]
			default:
				continue
			}
			d.Metrics = append(d.Metrics, definition{Name: n, Unit: m.unit})
		}
		if len(d.Metrics) == 0 {
			return docs
		}
		for _, dim := range append(slices.Clone(r.base), s.dims...) {
			doc[dim.Name] = dim.Value
		}
		if r.Level != "" {
			doc["level"] = r.Level
		}
		doc["_aws"] = map[string]any{"Timestamp": now.UnixMilli(), "CloudWatchMetrics": []directive{d}}
		docs = append(docs, doc)
	}
}

type ctxKey struct{}

// With returns ctx carrying r.
func With(ctx context.Context, r *Recorder) context.Context {
	return context.WithValue(ctx, ctxKey{}, r)
}

// From returns the Recorder ctx carries, or nil (which records nothing).
func From(ctx context.Context) *Recorder {
	r, _ := ctx.Value(ctxKey{}).(*Recorder)
	return r
}

// timeZero stamps documents nobody reads the time of.
var timeZero = time.Unix(0, 0)
