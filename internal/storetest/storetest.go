// Package storetest opens fresh, migrated stores for tests, on SQLite and
// on PostgreSQL, so that every package runs its store-backed tests against
// both dialects the same way:
//
//	func TestX(t *testing.T) {
//		storetest.EachDialect(t, func(t *testing.T, dialect string) {
//			db := storetest.Open(t, dialect, func() time.Time { return t0 })
//			...
//		})
//	}
//
// PostgreSQL databases come from pgtest, so a package using this one keeps
// its TestMain calling pgtest.Main.
//
// The store keeps its connection pool to itself (all SQL of the program
// lives in package store). A test that builds fixtures or reads rows with
// raw SQL takes a second pool on the same database with SQL(t, db) (or
// OpenSQL(t, url) for a store it opened itself).
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/store"
)

// Dialects returns the dialects every store-backed test runs on.
func Dialects() []string { return []string{store.SQLite, store.Postgres} }

// URL returns the URL of a fresh, empty database of the dialect: a file in
// t.TempDir() for SQLite, a database from pgtest.URL for PostgreSQL (the
// test is skipped when no server can be found). Both go when the test ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case store.SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "outreach.db")
	case store.Postgres:
		return pgtest.URL(t)
	}
	t.Fatalf("storetest: unknown dialect %q: want %q or %q", dialect, store.SQLite, store.Postgres)
	return ""
}

// Open returns a migrated store on a fresh database of the dialect, closed
// when the test ends. A non-nil now becomes the store's clock (db.Now).
func Open(t testing.TB, dialect string, now func() time.Time) *store.DB {
	t.Helper()
	return OpenURL(t, URL(t, dialect), now)
}

// OpenURL is Open on the database at url, for tests that open several
// stores on one database (replicas) or need the URL themselves.
func OpenURL(t testing.TB, url string, now func() time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if now != nil {
		db.Now = now
	}
	remember(t, db, url)
	return db
}

// EachDialect marks t parallel and runs fn as a parallel subtest per
// dialect, named after it.
func EachDialect(t *testing.T, fn func(t *testing.T, dialect string)) {
	t.Helper()
	t.Parallel()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			fn(t, d)
		})
	}
}
