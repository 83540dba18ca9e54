package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestSQLOnlyInStore holds the rule that all SQL lives in the store: no
// production file outside store/ reaches the connection pool through
// DB.SQLX (tests and benchmarks may, to build fixtures, and so may
// internal/storetest, which only tests import: its Generate fills the
// benchmarks' bases).
func TestSQLOnlyInStore(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "store" || name == "testdata" || path == filepath.Join("..", "internal", "storetest") ||
				(strings.HasPrefix(name, ".") && name != "..") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "SQLX" {
				t.Errorf("%s: calls SQLX: move the query into a store method", fset.Position(sel.Pos()))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
