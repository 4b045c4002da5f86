package metric

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Point is one metric as an EMF document states it: what tests and the
// local runner read back.
type Point struct {
	Namespace string
	Name      string
	Unit      Unit
	// Dims holds the document's values of the metric's dimensions.
	Dims map[string]string
	// Sets are the dimension sets it is published under.
	Sets   [][]string
	Values []float64
}

// Read parses the EMF documents in r, one a line, into points; lines that
// are not EMF documents (other log lines) are skipped.
func Read(r io.Reader) ([]Point, error) {
	var points []Point
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var doc map[string]json.RawMessage
		if json.Unmarshal(sc.Bytes(), &doc) != nil || doc["_aws"] == nil {
			continue
		}
		var meta struct {
			CloudWatchMetrics []directive
		}
		if err := json.Unmarshal(doc["_aws"], &meta); err != nil {
			return nil, fmt.Errorf("_aws: %w", err)
		}
		for _, d := range meta.CloudWatchMetrics {
			dims := map[string]string{}
			for _, set := range d.Dimensions {
				for _, name := range set {
					var v string
					if err := json.Unmarshal(doc[name], &v); err != nil {
						return nil, fmt.Errorf("dimension %s: %w", name, err)
					}
					dims[name] = v
				}
			}
			for _, m := range d.Metrics {
				p := Point{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit, Dims: dims, Sets: d.Dimensions}
				var one float64
				if err := json.Unmarshal(doc[m.Name], &one); err == nil {
					p.Values = []float64{one}
				} else if err := json.Unmarshal(doc[m.Name], &p.Values); err != nil {
					return nil, fmt.Errorf("metric %s: %w", m.Name, err)
				}
				points = append(points, p)
			}
		}
	}
	return points, sc.Err()
}

// Sum adds up the values of the points named name that have every
// dimension in dims, and says whether there was any.
func Sum(points []Point, name string, dims ...Dim) (sum float64, found bool) {
next:
	for _, p := range points {
		if p.Name != name {
			continue
		}
		for _, d := range dims {
			if p.Dims[d.Name] != d.Value {
				continue next
			}
		}
		for _, v := range p.Values {
			sum += v
		}
		found = true
	}
	return sum, found
}

// Flushed flushes r and reads its documents back: for tests of code that
// records.
func Flushed(r *Recorder) ([]Point, error) {
	var buf bytes.Buffer
	if err := r.Flush(&buf, timeZero); err != nil {
		return nil, err
	}
	return Read(&buf)
}
