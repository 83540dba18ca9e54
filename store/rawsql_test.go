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
// production file outside store/ imports a database driver, database/sql or
// sqlx, so nothing but the store can reach a database. The store's pool is
// its own (DB has no accessor for it); tests of other packages open a
// second pool with internal/storetest.SQL, and the test-helper packages
// internal/pgtest and internal/storetest are the only other importers.
func TestSQLOnlyInStore(t *testing.T) {
	banned := map[string]bool{
		"database/sql":             true,
		"github.com/jmoiron/sqlx":  true,
		"github.com/lib/pq":        true,
		"modernc.org/sqlite":       true,
		"github.com/pressly/goose": true,
	}
	allowed := map[string]bool{"internal/pgtest": true, "internal/storetest": true}
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			rel, _ := filepath.Rel("..", path)
			if name := d.Name(); name == "store" || name == "testdata" || allowed[filepath.ToSlash(rel)] || (strings.HasPrefix(name, ".") && name != "..") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if banned[p] || banned[strings.TrimSuffix(p, "/v3")] {
				t.Errorf("%s: imports %s: move the query into a store method", fset.Position(imp.Pos()), p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files outside store: the walk missed the tree", checked)
	}
}

// TestDialectInOnePlace holds the store's shape for its two dialects: a
// query whose text differs writes its two forms side by side through
// db.pick, a step PostgreSQL alone has asks db.postgres (sqlhelp.go), and
// no other file compares db.dialect, except db.go, which opens the
// connection.
func TestDialectInOnePlace(t *testing.T) {
	home := map[string]bool{"db.go": true, "sqlhelp.go": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || home[name] {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var uses []token.Pos
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "dialect" {
				uses = append(uses, sel.Pos())
			}
			return true
		})
		for _, p := range uses {
			t.Errorf("%s: compares db.dialect: write the two forms with db.pick, or guard a PostgreSQL-only step with db.postgres", fset.Position(p))
		}
	}
}
