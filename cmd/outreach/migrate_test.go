package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// TestConcurrentMigrateReportsOwnWork runs two `outreach migrate` at once on
// one PostgreSQL database: both wait on the migration lock (held by the test
// until both wait), then one applies every migration and the other none, and
// each says so. Counting before the lock made both claim every migration.
func TestConcurrentMigrateReportsOwnWork(t *testing.T) {
	env := map[string]string{"OUTREACH_DATABASE_URL": storetest.URL(t, store.Postgres)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db := openDB(t, env)
	total, err := db.PendingMigrations(ctx)
	if err != nil || total == 0 {
		t.Fatalf("fresh database: %d pending, %v", total, err)
	}

	// Hold the lock that store.DB.Migrate takes.
	conn, err := storetest.OpenSQL(t, env["OUTREACH_DATABASE_URL"]).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const lockKey = `hashtext('outreach.migrate.' || current_schema())`
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		t.Fatal(err)
	}
	// On failure, let the runs go before the connection returns to the pool.
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock_all()`)

	results := make(chan result, 2)
	for range 2 {
		go func() { results <- runCtx(t, ctx, env, nil, "migrate") }()
	}
	// Wait (on the database, not the clock) until both runs wait for the lock.
	for waiting := 0; waiting < 2; {
		err := conn.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&waiting)
		if err != nil {
			t.Fatalf("waiting for both migrate runs to wait on the lock: %v", err)
		}
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`); err != nil {
		t.Fatal(err)
	}

	var outs []string
	for range 2 {
		r := <-results
		if r.err != nil {
			t.Fatalf("migrate: %v", r.err)
		}
		outs = append(outs, strings.TrimSpace(r.stdout))
	}
	all := fmt.Sprintf("applied %d migrations", total)
	none := "applied 0 migrations: the database was up to date"
	if !(outs[0] == all && outs[1] == none) && !(outs[0] == none && outs[1] == all) {
		t.Errorf("two concurrent runs printed %q, want one %q and one %q", outs, all, none)
	}
	if n, err := db.PendingMigrations(ctx); err != nil || n != 0 {
		t.Errorf("after both runs: %d pending, %v", n, err)
	}
}

// TestMigrateTwice: a second run applies nothing and says so.
func TestMigrateTwice(t *testing.T) {
	env := map[string]string{"OUTREACH_DATABASE_URL": storetest.URL(t, store.Postgres)}
	if r := run(t, env, "migrate"); r.err != nil || !strings.HasPrefix(r.stdout, "applied ") || strings.HasPrefix(r.stdout, "applied 0") {
		t.Fatalf("first migrate: %q, %v", r.stdout, r.err)
	}
	if r := run(t, env, "migrate"); r.err != nil || strings.TrimSpace(r.stdout) != "applied 0 migrations: the database was up to date" {
		t.Errorf("second migrate: %q, %v", r.stdout, r.err)
	}
}
