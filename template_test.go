package kickbot_test

import (
	"fmt"
	"go/build"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/aws/stack"
)

// TestTemplateLambdaBuild checks that every function ships the lean build: sam build
// runs the root Makefile's build-<logical id> target (BuildMethod makefile,
// CodeUri the module root, where the Makefile is), that target and make build
// compile a package main with the Lambda flags, and every functions/
// directory but internal/ (their shared wiring) is deployed. It reads the
// commands make would run (make -n), so a new function that skips the
// shared recipe, or a recipe that drops a flag, fails here.
func TestTemplateLambdaBuild(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := tpl.Functions()
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) == 0 {
		t.Fatal("template declares no functions")
	}
	// make build's commands, by package; each must match sam build's.
	byMake := map[string][]string{}
	for _, cmd := range goBuilds(t, "build") {
		pkg, _, err := lambdaBuild(cmd)
		if err != nil {
			t.Errorf("make build: %v", err)
			continue
		}
		byMake[pkg] = cmd
	}
	deployed := map[string]bool{}
	for _, f := range fs {
		t.Run(f.Name, func(t *testing.T) {
			if f.BuildMethod != "makefile" || f.CodeURI != "." {
				t.Fatalf("Metadata.BuildMethod %q, CodeUri %q; want makefile and . (the root Makefile builds every function)", f.BuildMethod, f.CodeURI)
			}
			const artifacts = "/sam/artifacts"
			cmds := goBuilds(t, "build-"+f.Name, "ARTIFACTS_DIR="+artifacts)
			if len(cmds) != 1 {
				t.Fatalf("make build-%s runs %d go builds %q, want 1", f.Name, len(cmds), cmds)
			}
			pkg, out, err := lambdaBuild(cmds[0])
			if err != nil {
				t.Fatalf("make build-%s: %v", f.Name, err)
			}
			if want := artifacts + "/bootstrap"; out != want {
				t.Errorf("make build-%s writes %s, want %s", f.Name, out, want)
			}
			dir := strings.TrimPrefix(pkg, "./")
			p, err := build.ImportDir(dir, 0)
			if err != nil {
				t.Fatalf("make build-%s builds %s: %v", f.Name, pkg, err)
			}
			if p.Name != "main" {
				t.Errorf("make build-%s builds %s, package %s; want main", f.Name, pkg, p.Name)
			}
			deployed[dir] = true
			mk, ok := byMake[pkg]
			if !ok {
				t.Fatalf("make build does not build %s", pkg)
			}
			if got, want := withoutOutput(mk), withoutOutput(cmds[0]); !slices.Equal(got, want) {
				t.Errorf("make build runs %q,\nsam build runs %q; want the same apart from -o", got, want)
			}
		})
	}
	dirs, err := os.ReadDir("functions")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && d.Name() != "internal" && !deployed["functions/"+d.Name()] {
			t.Errorf("functions/%s is not built by any template function", d.Name())
		}
	}
}

// goBuilds returns, split into words, the go build commands that make
// would run for the target (make -n prints them without running them).
func goBuilds(t *testing.T, args ...string) [][]string {
	t.Helper()
	cmd := exec.Command("make", append([]string{"-n", "--no-print-directory"}, args...)...)
	cmd.Env = append(os.Environ(), "GO=go")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make -n %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	var cmds [][]string
	for line := range strings.Lines(string(out)) {
		w := shellWords(line)
		if i := slices.Index(w, "go"); i >= 0 && i+1 < len(w) && w[i+1] == "build" {
			cmds = append(cmds, w)
		}
	}
	return cmds
}

// lambdaBuild checks one go build command for the Lambda flags and returns
// the package it builds and the binary it writes.
func lambdaBuild(w []string) (pkg, out string, err error) {
	env := map[string]string{}
	i := 0
	for ; i < len(w) && w[i] != "go"; i++ {
		k, v, _ := strings.Cut(w[i], "=")
		env[k] = v
	}
	for k, v := range map[string]string{"CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": "arm64"} {
		if env[k] != v {
			return "", "", fmt.Errorf("%q: %s=%q, want %s", w, k, env[k], v)
		}
	}
	var tags, ldflags []string
	trimpath := false
	var args []string
	for _, a := range w[i+2:] { // -flag=value as -flag value
		if k, v, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
			args = append(args, k, v)
		} else {
			args = append(args, a)
		}
	}
	for len(args) > 1 {
		switch flag := args[0]; flag {
		case "-trimpath":
			trimpath = true
		case "-buildvcs":
			args = args[1:]
		case "-tags", "-ldflags", "-o":
			v := args[1]
			args = args[1:]
			switch flag {
			case "-tags":
				tags = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
			case "-ldflags":
				ldflags = strings.Fields(v)
			default:
				out = v
			}
		}
		args = args[1:]
	}
	if len(args) != 1 {
		return "", "", fmt.Errorf("%q: no package to build", w)
	}
	if !slices.Contains(tags, "lambda.norpc") || !trimpath || !slices.Contains(ldflags, "-s") || !slices.Contains(ldflags, "-w") || out == "" {
		return "", "", fmt.Errorf("%q: want -tags lambda.norpc, -trimpath, -ldflags '-s -w' and -o", w)
	}
	return args[0], out, nil
}

// withoutOutput drops the -o flag and its value from a command.
func withoutOutput(w []string) []string {
	if i := slices.Index(w, "-o"); i >= 0 && i+1 < len(w) {
		return slices.Concat(w[:i], w[i+2:])
	}
	return w
}

// shellWords splits a command line as the shell would, for the quoting make
// prints ('...' and "..."; no escapes or expansions).
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// sqsDedupWindow is SQS FIFO's deduplication interval, fixed by AWS.
const sqsDedupWindow = 5 * time.Minute

// TestTemplateRetriesOutlastDedupWindow checks the rule that keeps an
// accepted job from being lost to deduplication: a message is received
// maxReceiveCount times, a visibility timeout apart, before it moves to
// the dead-letter queue, so it dies no sooner than visibility timeout ×
// (maxReceiveCount-1) after its first receive. That must be at least the
// dedupe window: then a re-send of a job whose copy died (Kick's retry of
// a delivery we failed after queueing its job) is never dropped against
// the dead copy, and a store outage shorter than that span loses nothing.
func TestTemplateRetriesOutlastDedupWindow(t *testing.T) {
	tpl, err := stack.Load()
	if err != nil {
		t.Fatal(err)
	}
	vt, err := tpl.VisibilityTimeout(stack.JobsQueue)
	if err != nil {
		t.Fatal(err)
	}
	n, err := tpl.MaxReceiveCount(stack.JobsQueue)
	if err != nil {
		t.Fatal(err)
	}
	if span := vt * time.Duration(n-1); span < sqsDedupWindow {
		t.Errorf("%s: VisibilityTimeout %v × (maxReceiveCount %d - 1) = %v, want at least the %v dedupe window",
			stack.JobsQueue, vt, n, span, sqsDedupWindow)
	}
}
