package store_test

import (
	"context"
	"testing"

	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestApplyMigrationsCountsOwnWork: the first call applies every pending
// migration and says how many; the next applies none and says 0.
func TestApplyMigrationsCountsOwnWork(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openRaw(t, dialect)
		pending, err := db.PendingMigrations(ctx)
		if err != nil || pending == 0 {
			t.Fatalf("fresh database: %d pending, %v", pending, err)
		}
		if n, err := db.ApplyMigrations(ctx); err != nil || n != pending {
			t.Errorf("first ApplyMigrations = %d, %v; want %d", n, err, pending)
		}
		if n, err := db.ApplyMigrations(ctx); err != nil || n != 0 {
			t.Errorf("second ApplyMigrations = %d, %v; want 0", n, err)
		}
	})
}
