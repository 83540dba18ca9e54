package storetest_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestOpenMigratesWithClock(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db := storetest.Open(t, dialect, func() time.Time { return at })
		if got := db.Dialect(); got != dialect {
			t.Errorf("Dialect() = %q, want %q", got, dialect)
		}
		if got := db.Now(); !got.Equal(at) {
			t.Errorf("Now() = %v, want %v", got, at)
		}
		n, err := db.PendingMigrations(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%d pending migrations after Open, want 0", n)
		}
	})
}

func TestURLIsFresh(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		if a, b := storetest.URL(t, dialect), storetest.URL(t, dialect); a == b {
			t.Errorf("two URLs for %s are both %q, want distinct databases", dialect, a)
		}
	})
}

// TestSQLReadsAndWritesTheStoresDatabase: the second pool of SQL sees what
// the store wrote and the store sees what it writes, on both dialects (on
// SQLite a second connection to the same file), and it is the same pool
// for every call on one store.
func TestSQLReadsAndWritesTheStoresDatabase(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := storetest.Open(t, dialect, nil)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "acme", Name: "Acme"}}); err != nil {
			t.Fatal(err)
		}
		x := storetest.SQL(t, db)
		if again := storetest.SQL(t, db); again != x {
			t.Error("SQL opened a second pool for the same store")
		}
		var name string
		if err := x.Get(&name, x.Rebind(`SELECT name FROM accounts WHERE external_id = ?`), "acme"); err != nil || name != "Acme" {
			t.Fatalf("name read through SQL = %q, %v; want Acme", name, err)
		}
		if _, err := x.Exec(`UPDATE accounts SET name = 'Acme Corp'`); err != nil {
			t.Fatal(err)
		}
		accs, _, err := db.ListAccounts(ctx, outreach.AccountFilter{})
		if err != nil || len(accs) != 1 || accs[0].Name != "Acme Corp" {
			t.Fatalf("accounts read by the store = %+v, %v; want Acme Corp", accs, err)
		}
	})
}
