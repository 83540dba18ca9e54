package storetest_test

import (
	"context"
	"testing"
	"time"

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
