package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// t0 is the frozen clock of every test store.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// openRaw opens an unmigrated store for the dialect.
func openRaw(t *testing.T, dialect string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), storetest.URL(t, dialect))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// open returns a migrated store with its clock frozen at t0.
func open(t *testing.T, dialect string) *store.DB {
	t.Helper()
	return storetest.Open(t, dialect, func() time.Time { return t0 })
}

func TestMigrations(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openRaw(t, dialect)
		if got := db.Dialect(); got != dialect {
			t.Errorf("Dialect() = %q, want %q", got, dialect)
		}
		n, err := db.PendingMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n < 1 {
			t.Fatalf("fresh database: %d pending migrations, want at least 1", n)
		}
		again, err := db.PendingMigrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if again != n {
			t.Errorf("PendingMigrations changed its answer from %d to %d", n, again)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := db.PendingMigrations(ctx); err != nil || n != 0 {
			t.Errorf("after Migrate: %d pending (err %v), want 0", n, err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Errorf("second Migrate: %v", err)
		}
		var tables int
		q := `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_name IN ('accounts','contacts','events','deliveries','decisions','leases')`
		if dialect == store.SQLite {
			q = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('accounts','contacts','events','deliveries','decisions','leases')`
		}
		if err := db.SQLXForTest().GetContext(ctx, &tables, q); err != nil {
			t.Fatal(err)
		}
		if tables != 6 {
			t.Errorf("found %d of 6 expected tables after Migrate", tables)
		}
	})
}

func TestPendingMigrationsCreatesNothing(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openRaw(t, dialect)
		if _, err := db.PendingMigrations(ctx); err != nil {
			t.Fatal(err)
		}
		var tables int
		q := `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`
		if dialect == store.SQLite {
			q = `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`
		}
		if err := db.SQLXForTest().GetContext(ctx, &tables, q); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("PendingMigrations created %d tables", tables)
		}
	})
}

func TestOpenMemoryIsPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.PendingMigrations(ctx); n != 0 {
		t.Errorf("migrated memory db: %d pending", n)
	}
	if n, _ := b.PendingMigrations(ctx); n == 0 {
		t.Errorf("second memory db sees the first one's migrations; want private databases")
	}
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	t.Parallel()
	_, err := store.Open(context.Background(), "mysql://root:secret@localhost/x")
	if err == nil {
		t.Fatal("Open accepted a mysql URL")
	}
	if got := err.Error(); strings.Contains(got, "secret") {
		t.Errorf("error leaks the password: %s", got)
	}
}
