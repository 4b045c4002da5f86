package kickbot_test

import (
	"go/build"
	"os"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/stack"
)

// TestTemplateFunctionsArePackageMain checks the template against the code:
// every function's CodeUri is a Go package main (what BuildMethod go1.x
// builds into bootstrap), and every functions/ directory but internal/
// (their shared wiring) is deployed.
func TestTemplateFunctionsArePackageMain(t *testing.T) {
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
	deployed := map[string]bool{}
	for _, f := range fs {
		pkg, err := build.ImportDir(f.CodeURI, 0)
		if err != nil {
			t.Errorf("%s: CodeUri %q: %v", f.Name, f.CodeURI, err)
			continue
		}
		if pkg.Name != "main" {
			t.Errorf("%s: CodeUri %q is package %s, want main", f.Name, f.CodeURI, pkg.Name)
		}
		deployed[f.CodeURI] = true
	}
	dirs, err := os.ReadDir("functions")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && d.Name() != "internal" && !deployed["functions/"+d.Name()] {
			t.Errorf("functions/%s is not a CodeUri of any template function", d.Name())
		}
	}
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
