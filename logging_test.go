package kickbot_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNoErrorLoggedAtInfo checks, across the functions and shared code,
// that no Info or InfoContext call logs an error (an "err" or "error"
// attribute): a failure is logged at WARN or ERROR, so that LogLevel=WARN
// still shows it (issue 15, item 1). Code whose outcome may be either
// logs with log.Log and a level it chose.
func TestNoErrorLoggedAtInfo(t *testing.T) {
	fset := token.NewFileSet()
	for _, root := range []string{"shared", "functions", "scripts"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "Info" && sel.Sel.Name != "InfoContext") {
					return true
				}
				for _, a := range call.Args {
					if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if k, _ := strconv.Unquote(lit.Value); k == "err" || k == "error" {
							t.Errorf("%s: %s logs an error at INFO; log it at WARN or ERROR", fset.Position(call.Pos()), sel.Sel.Name)
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
