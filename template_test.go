package kickbot_test

import (
	"go/build"
	"os"
	"testing"

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
