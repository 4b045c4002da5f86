// Command benchratio measures benchmarks against their floor the way
// BENCHMARKS.md reports them: R rounds run back to back, each round one
// run (-count 1) of the floor and of every subject, in a rotating order,
// each in its own process; each round gives a ratio subject/floor for wall
// time (ns/op) and for CPU time (cpu-ns/op, from shared/local/benchcpu), and
// the summary is the median ratio with its min–max spread.
//
//	go run ./scripts/benchratio -pkg ./functions/webhook -floor RSAVerify -subject WebhookChat
//	go run ./scripts/benchratio -procs 1 -pkg ./shared/discord -floor Ed25519Verify -subject HandlePoints
//
// A subject written tags@Name runs from a test binary built with
// -tags tags (several joined by +), so that two builds of the same code
// path compare in the same run: -subject WebhookChat,chathand@WebhookChat.
//
// -procs 1 runs with GOMAXPROCS=1, closest to a Lambda function below
// 1,769 MB, which gets less than one vCPU.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	pkg := flag.String("pkg", "", "package directory holding the benchmarks, e.g. ./functions/webhook")
	floor := flag.String("floor", "", "the floor benchmark's name, with or without the Benchmark prefix")
	subjects := flag.String("subject", "", "comma-separated benchmarks to compare with the floor, each Name or tags@Name")
	rounds := flag.Int("rounds", 7, "rounds to run")
	procs := flag.Int("procs", 0, "GOMAXPROCS for the benchmarks (0: the default)")
	benchtime := flag.String("benchtime", "1s", "-test.benchtime of each run")
	flag.Parse()
	if *pkg == "" || *floor == "" || *subjects == "" || *rounds < 1 {
		flag.Usage()
		os.Exit(2)
	}
	names := []bench{parseBench(*floor)}
	for s := range strings.SplitSeq(*subjects, ",") {
		names = append(names, parseBench(s))
	}
	if err := run(os.Stdout, *pkg, names, *rounds, *procs, *benchtime); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

// bench is one benchmark of the package, from a binary built with tags.
type bench struct {
	tags, name string
}

// parseBench reads [tags@]Name; Name may omit its Benchmark prefix.
func parseBench(s string) bench {
	tags, name, ok := strings.Cut(strings.TrimSpace(s), "@")
	if !ok {
		tags, name = "", tags
	}
	if !strings.HasPrefix(name, "Benchmark") {
		name = "Benchmark" + name
	}
	return bench{tags: strings.ReplaceAll(tags, "+", ","), name: name}
}

// String is the benchmark as the output names it.
func (b bench) String() string {
	short := strings.TrimPrefix(b.name, "Benchmark")
	if b.tags == "" {
		return short
	}
	return short + "[" + b.tags + "]"
}

// run builds pkg's test binary once, then runs the rounds; names[0] is
// the floor.
func run(out io.Writer, pkg string, names []bench, rounds, procs int, benchtime string) error {
	tmp, err := os.MkdirTemp("", "benchratio")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bins := map[string]string{} // tags → test binary
	for _, n := range names {
		if _, ok := bins[n.tags]; ok {
			continue
		}
		bin := filepath.Join(tmp, fmt.Sprintf("bench%d.test", len(bins)))
		build := exec.Command("go", "test", "-c", "-tags", n.tags, "-o", bin, pkg)
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building %s with tags %q: %w", pkg, n.tags, err)
		}
		bins[n.tags] = bin
	}
	fmt.Fprintf(out, "%s, %d rounds, GOMAXPROCS=%s, benchtime %s; floor %s\n", pkg, rounds, procsText(procs), benchtime, names[0])
	results := make([][]result, len(names)) // [benchmark][round]
	for r := range rounds {
		order := make([]int, len(names))
		for i := range order {
			order[i] = (i + r) % len(names)
		}
		for _, i := range order {
			res, err := runOne(bins[names[i].tags], pkg, names[i].name, procs, benchtime)
			if err != nil {
				return fmt.Errorf("round %d: %w", r+1, err)
			}
			results[i] = append(results[i], res)
		}
		fmt.Fprintf(out, "round %d:", r+1)
		for i, name := range names {
			fmt.Fprintf(out, " %s %.1fµs wall %.1fµs cpu %g allocs;", name,
				results[i][r].wall/1e3, results[i][r].cpu/1e3, results[i][r].allocs)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprint(out, summary(names, results))
	return nil
}

func procsText(procs int) string {
	if procs <= 0 {
		return "default"
	}
	return strconv.Itoa(procs)
}

// runOne runs one benchmark once in its own process, from the package's
// directory (where go test runs it, so testdata resolves).
func runOne(bin, pkg, name string, procs int, benchtime string) (result, error) {
	cmd := exec.Command(bin, "-test.run", "^$", "-test.bench", "^"+name+"$", "-test.count", "1",
		"-test.benchmem", "-test.benchtime", benchtime)
	cmd.Dir = pkg
	cmd.Env = os.Environ()
	if procs > 0 {
		cmd.Env = append(cmd.Env, "GOMAXPROCS="+strconv.Itoa(procs))
	}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("%s: %w\n%s", name, err, stdout.Bytes())
	}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if res, ok := parseLine(sc.Text(), name); ok {
			if res.cpu == 0 {
				return result{}, fmt.Errorf("%s reports no cpu-ns/op (see shared/local/benchcpu)", name)
			}
			return res, nil
		}
	}
	return result{}, fmt.Errorf("%s: no result in\n%s", name, stdout.Bytes())
}

// result is one run of one benchmark.
type result struct {
	wall, cpu, allocs float64
}

// parseLine reads a line of go test -bench output for benchmark name: the
// name (with a -GOMAXPROCS suffix unless it is 1), the iterations, then
// value-unit pairs.
func parseLine(line, name string) (result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || (f[0] != name && !strings.HasPrefix(f[0], name+"-")) {
		return result{}, false
	}
	var res result
	seen := false
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return result{}, false
		}
		switch f[i+1] {
		case "ns/op":
			res.wall, seen = v, true
		case "cpu-ns/op":
			res.cpu = v
		case "allocs/op":
			res.allocs = v
		}
	}
	if !seen {
		return result{}, false
	}
	return res, true
}

// summary is the per-benchmark medians and, for each subject, its ratios
// to the floor: median [min–max] over the rounds.
func summary(names []bench, results [][]result) string {
	var b strings.Builder
	for i, name := range names {
		var wall, cpu, allocs []float64
		for _, r := range results[i] {
			wall, cpu, allocs = append(wall, r.wall), append(cpu, r.cpu), append(allocs, r.allocs)
		}
		fmt.Fprintf(&b, "%-30s wall %s µs   cpu %s µs   allocs/op %s\n", name,
			spread(wall, 1e3, "%.1f"), spread(cpu, 1e3, "%.1f"), spread(allocs, 1, "%.0f"))
	}
	for i := 1; i < len(names); i++ {
		var wall, cpu []float64
		for r := range results[i] {
			f, s := results[0][r], results[i][r]
			wall, cpu = append(wall, s.wall/f.wall), append(cpu, s.cpu/f.cpu)
		}
		fmt.Fprintf(&b, "ratio %s/%s: wall %s×   cpu %s×\n", names[i], names[0], spread(wall, 1, "%.2f"), spread(cpu, 1, "%.2f"))
	}
	return b.String()
}

// spread formats the median of xs, and their range, divided by unit.
func spread(xs []float64, unit float64, format string) string {
	m, lo, hi := stats(xs)
	return fmt.Sprintf(format+" ["+format+"–"+format+"]", m/unit, lo/unit, hi/unit)
}

// stats returns the median (the mean of the middle two for an even count),
// the minimum and the maximum of xs.
func stats(xs []float64) (median, lo, hi float64) {
	if len(xs) == 0 {
		return 0, 0, 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	median = s[n/2]
	if n%2 == 0 {
		median = (s[n/2-1] + s[n/2]) / 2
	}
	return median, s[0], s[n-1]
}
