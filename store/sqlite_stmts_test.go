package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// cacheLen returns how many statements db's SQLite connection keeps
// prepared.
func cacheLen(t *testing.T, db *DB) int {
	t.Helper()
	conn, err := db.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	n := -1
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("the SQLite connection is a %T, not a caching one", dc)
		}
		n = c.lru.Len()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The SQLite connection runs a statement it was given before through its
// prepared form, keeps at most stmtCacheSize of them, lets the same text be
// queried again while its rows are open, and follows schema changes.
func TestSQLiteStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	x := db.db
	if _, err := x.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	before := cacheLen(t, db)
	for i := range 3 {
		if _, err := x.ExecContext(ctx, `INSERT INTO t (k, v) VALUES (?, ?)`, i, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if got := cacheLen(t, db); got != before+1 {
		t.Fatalf("three runs of one INSERT left %d statements cached, want %d", got, before+1)
	}

	// The same query nested in its own iteration: the inner one is
	// prepared apart, and both read every row.
	const q = `SELECT k, v FROM t WHERE k >= ? ORDER BY k`
	tx, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := tx.QueryContext(ctx, q, 0)
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for outer.Next() {
		var k int
		var v string
		if err := outer.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		var inner []struct {
			K int    `db:"k"`
			V string `db:"v"`
		}
		if err := tx.SelectContext(ctx, &inner, q, k); err != nil {
			t.Fatal(err)
		}
		pairs += len(inner)
		if len(inner) == 0 || inner[0].K != k || inner[0].V != v {
			t.Fatalf("nested query from %d read %+v", k, inner)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if pairs != 3+2+1 {
		t.Fatalf("nested queries read %d rows, want 6", pairs)
	}

	// A cached statement after the table it reads changed shape.
	var n int
	count := `SELECT COUNT(*) FROM t WHERE v <> ''`
	if err := x.GetContext(ctx, &n, count); err != nil || n != 3 {
		t.Fatalf("count: %d, %v", n, err)
	}
	if _, err := x.ExecContext(ctx, `ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'w'`); err != nil {
		t.Fatal(err)
	}
	var w string
	if err := x.GetContext(ctx, &w, `SELECT w FROM t WHERE k = ?`, 1); err != nil || w != "w" {
		t.Fatalf("new column: %q, %v", w, err)
	}
	if err := x.GetContext(ctx, &n, count); err != nil || n != 3 {
		t.Fatalf("count after ALTER TABLE: %d, %v", n, err)
	}

	// More distinct statements than the cache holds: the oldest go, the
	// answers stay right, and an evicted statement whose rows are open is
	// closed with them.
	tx, err = x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	open, err := tx.QueryContext(ctx, `SELECT k FROM t ORDER BY k`)
	if err != nil {
		t.Fatal(err)
	}
	for i := range stmtCacheSize + 10 {
		var got int
		if err := tx.QueryRowContext(ctx, fmt.Sprintf(`SELECT k + %d FROM t WHERE k = ?`, i), 2).Scan(&got); err != nil || got != 2+i {
			t.Fatalf("statement %d: %d, %v", i, got, err)
		}
	}
	var ks []int
	for open.Next() {
		var k int
		if err := open.Scan(&k); err != nil {
			t.Fatal(err)
		}
		ks = append(ks, k)
	}
	if err := open.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(ks) != 3 {
		t.Fatalf("open rows read %v", ks)
	}
	if got := cacheLen(t, db); got != stmtCacheSize {
		t.Fatalf("%d statements cached, want the cap %d", got, stmtCacheSize)
	}
	var rerr error = sql.ErrNoRows
	if err := x.QueryRowContext(ctx, `SELECT v FROM t WHERE k = ?`, 99).Scan(&w); err != rerr {
		t.Fatalf("missing row: %v", err)
	}
}

// A digest's milestones are found through an index, not by reading every
// event (each digest of a forecast did).
func TestMilestonesQueryUsesAnIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var plan []struct {
		ID, Parent, NotUsed int
		Detail              string
	}
	rows, err := db.db.QueryContext(ctx, "EXPLAIN QUERY PLAN "+milestonesQuery, "owner@vendor.example", "milestone.reached", 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var p struct {
			ID, Parent, NotUsed int
			Detail              string
		}
		if err := rows.Scan(&p.ID, &p.Parent, &p.NotUsed, &p.Detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, p)
	}
	found := false
	for _, p := range plan {
		if strings.HasPrefix(p.Detail, "SCAN e") {
			t.Fatalf("the milestones query scans events: %+v", plan)
		}
		found = found || strings.Contains(p.Detail, "events_type_occurred")
	}
	if !found {
		t.Fatalf("the milestones query does not use events_type_occurred: %+v", plan)
	}
}
