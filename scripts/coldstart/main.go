// Command coldstart measures what each Lambda function costs before its
// first request, against the smallest aws-lambda-go function
// (scripts/minimal-lambda) measured in the same run:
//
//	go run ./scripts/coldstart [-n 20] [-top 5] [-rpc]
//
// It builds every function with the Makefile's Lambda recipe (make
// build-<logical id>, the command sam build runs) and reports the size of
// each linux/arm64 bootstrap and of its zip (as SAM zips it, with python3).
// Then it builds the same packages for this machine's architecture and runs
// each binary n times, round-robin, with GODEBUG=inittrace=1 and no Lambda
// environment: the runtime prints one line per package init (clock and
// allocations), then main stops for want of configuration. It sums those
// lines per run and reports the median and range of each sum, and of its
// ratio to the minimal function's sum in the same round; -top names the
// slowest package inits. -rpc builds without -tags lambda.norpc, for
// comparison. Run it from the module root.
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
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

// targets are the Makefile's Lambda targets, the floor first.
var targets = []string{"MinimalFunction", "WebhookFunction", "InteractionsFunction", "OauthFunction",
	"WorkerFunction", "SweepFunction", "UpkeepFunction"}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("coldstart", flag.ContinueOnError)
	n := fs.Int("n", 20, "runs of each binary")
	top := fs.Int("top", 5, "slowest package inits to name per function")
	rpc := fs.Bool("rpc", false, "build without -tags lambda.norpc (the build before it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("-n %d: want at least 1", *n)
	}
	if _, err := os.Stat("Makefile"); err != nil {
		return fmt.Errorf("run from the module root: %w", err)
	}
	tmp, err := os.MkdirTemp("", "coldstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var extra []string
	if *rpc {
		extra = append(extra, "LAMBDA_TAGS=")
	}
	fmt.Fprintf(out, "# %d runs per binary, %s/%s, %s\n", *n, runtime.GOOS, runtime.GOARCH, runtime.Version())
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tarm64 bootstrap\tzip\t")
	hostBins := map[string]string{}
	for _, t := range targets {
		arm := filepath.Join(tmp, "arm64", t)
		if err := makeTarget(t, arm, append(extra, "LAMBDA_ARCH=arm64")); err != nil {
			return err
		}
		size, zipped, err := sizes(filepath.Join(arm, "bootstrap"))
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t\n", t, size, zipped)
		host := filepath.Join(tmp, runtime.GOARCH, t)
		if runtime.GOARCH != "arm64" {
			if err := makeTarget(t, host, append(extra, "LAMBDA_ARCH="+runtime.GOARCH)); err != nil {
				return err
			}
		}
		hostBins[t] = filepath.Join(host, "bootstrap")
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	// runs[t][i] is binary t's i-th run; round-robin, so drift in the
	// machine's load falls on every binary alike.
	runs := map[string][]trace{}
	for range *n {
		for _, t := range targets {
			tr, err := initTrace(hostBins[t])
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			runs[t] = append(runs[t], tr)
		}
	}

	floor := runs[targets[0]]
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "function\tinits\tclock ms (median, range)\tallocs\tbytes\tclock ÷ minimal (median, range)\tallocs ÷ minimal\t")
	for _, t := range targets {
		rs := runs[t]
		clock := stat(rs, func(i int) float64 { return rs[i].clockMs })
		allocs := stat(rs, func(i int) float64 { return float64(rs[i].allocs) })
		mem := stat(rs, func(i int) float64 { return float64(rs[i].bytes) })
		ratio := stat(rs, func(i int) float64 { return rs[i].clockMs / floor[i].clockMs })
		allocRatio := stat(rs, func(i int) float64 { return float64(rs[i].allocs) / float64(floor[i].allocs) })
		fmt.Fprintf(tw, "%s\t%d\t%.3f (%.3f–%.3f)\t%.0f\t%.0f\t%.2f (%.2f–%.2f)\t%.2f\t\n", t, len(rs[0].pkgs),
			clock.median, clock.min, clock.max, allocs.median, mem.median, ratio.median, ratio.min, ratio.max, allocRatio.median)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *top > 0 {
		fmt.Fprintf(out, "\nslowest package inits (median clock ms, allocs):\n")
		for _, t := range targets {
			fmt.Fprintf(out, "%s: %s\n", t, slowest(runs[t], *top))
		}
	}
	return nil
}

// makeTarget runs the Makefile's Lambda recipe for a target into dir.
func makeTarget(target, dir string, vars []string) error {
	args := append([]string{"-s", "--no-print-directory", "build-" + target, "ARTIFACTS_DIR=" + dir}, vars...)
	cmd := exec.Command("make", args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("make %s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// zipScript zips a file as bootstrap the way sam deploy packages a built
// function (make_zip in samcli/lib/package/utils.py): Python's zipfile with
// ZIP_DEFLATED, zlib's default level. Go's own deflate comes out about 3%
// larger, so it would misstate the upload.
const zipScript = `import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", compression=zipfile.ZIP_DEFLATED) as z:
    z.write(sys.argv[1], "bootstrap")
`

// sizes returns the size of a binary and of its zip as SAM makes it.
func sizes(path string) (size, zipped int64, err error) {
	zipPath := path + ".zip"
	if out, err := exec.Command("python3", "-c", zipScript, path, zipPath).CombinedOutput(); err != nil {
		return 0, 0, fmt.Errorf("zip %s with python3: %w\n%s", path, err, out)
	}
	bin, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	zip, err := os.Stat(zipPath)
	if err != nil {
		return 0, 0, err
	}
	return bin.Size(), zip.Size(), nil
}

// trace is one run's package inits, summed.
type trace struct {
	clockMs       float64
	bytes, allocs int64
	pkgs          []pkgInit
}

type pkgInit struct {
	name    string
	clockMs float64
	allocs  int64
}

// initTrace runs a binary once with GODEBUG=inittrace=1 and no other
// environment, and sums its init lines. The binary is expected to exit
// non-zero: without Lambda's environment, main gives up.
func initTrace(bin string) (trace, error) {
	cmd := exec.Command(bin)
	cmd.Env = []string{"GODEBUG=inittrace=1"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	_ = cmd.Run()
	tr, err := parseInitTrace(&stderr)
	if err != nil {
		return trace{}, err
	}
	if len(tr.pkgs) == 0 {
		return trace{}, fmt.Errorf("no inittrace lines in %q", stderr.String())
	}
	return tr, nil
}

// parseInitTrace reads the runtime's inittrace lines, of the form
//
//	init net/http @1.2 ms, 0.31 ms clock, 12345 bytes, 67 allocs
func parseInitTrace(r io.Reader) (trace, error) {
	var tr trace
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 11 || f[0] != "init" || f[6] != "clock," || f[8] != "bytes," || f[10] != "allocs" {
			continue
		}
		clock, err1 := strconv.ParseFloat(f[4], 64)
		mem, err2 := strconv.ParseInt(f[7], 10, 64)
		allocs, err3 := strconv.ParseInt(f[9], 10, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return trace{}, fmt.Errorf("bad inittrace line %q", sc.Text())
		}
		tr.clockMs += clock
		tr.bytes += mem
		tr.allocs += allocs
		tr.pkgs = append(tr.pkgs, pkgInit{name: f[1], clockMs: clock, allocs: allocs})
	}
	return tr, sc.Err()
}

type summary struct{ median, min, max float64 }

// stat summarises f over the runs: median, minimum and maximum.
func stat(rs []trace, f func(i int) float64) summary {
	v := make([]float64, len(rs))
	for i := range rs {
		v[i] = f(i)
	}
	slices.Sort(v)
	return summary{median: median(v), min: v[0], max: v[len(v)-1]}
}

func median(sorted []float64) float64 {
	m := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[m]
	}
	return (sorted[m-1] + sorted[m]) / 2
}

// slowest names the k package inits with the highest median clock.
func slowest(rs []trace, k int) string {
	clocks := map[string][]float64{}
	allocs := map[string]int64{}
	for _, r := range rs {
		for _, p := range r.pkgs {
			clocks[p.name] = append(clocks[p.name], p.clockMs)
			allocs[p.name] = p.allocs
		}
	}
	type row struct {
		name   string
		clock  float64
		allocs int64
	}
	var rows []row
	for name, c := range clocks {
		slices.Sort(c)
		rows = append(rows, row{name, median(c), allocs[name]})
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.clock != b.clock {
			if a.clock > b.clock {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	var parts []string
	for _, r := range rows[:min(k, len(rows))] {
		parts = append(parts, fmt.Sprintf("%s %.3f/%d", r.name, r.clock, r.allocs))
	}
	return strings.Join(parts, ", ")
}
