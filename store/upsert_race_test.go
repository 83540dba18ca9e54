package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// Concurrent batches over the same rows, as clients retrying after a
// timeout or several replicas send them: every batch succeeds, each new
// row is reported created by exactly one of them, and batches that list
// the same rows in opposite orders do not deadlock. On SQLite writers
// serialise; on PostgreSQL the batches really run at once.

const (
	raceBatches = 8   // concurrent batches
	raceRows    = 200 // rows per batch
	// rows per batch of events and suppressions, which are inserted in
	// one statement: more, so that the batches overlap as often.
	raceInserts = 1000
)

// race runs batch(i) for i < raceBatches at once on db and returns the
// results; every batch must succeed.
func race(t *testing.T, db *store.DB, batch func(i int) (outreach.BatchResult, error)) []outreach.BatchResult {
	t.Helper()
	if db.Dialect() == store.Postgres {
		// Open the connections first, so that the batches start together
		// rather than each after its own connection set-up.
		conns := make([]*sql.Conn, raceBatches)
		for i := range conns {
			c, err := db.SQLXForTest().Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		for _, c := range conns {
			c.Close()
		}
	}
	results := make([]outreach.BatchResult, raceBatches)
	errs := make([]error, raceBatches)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range raceBatches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = batch(i)
		}()
	}
	close(start)
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			t.Errorf("batch %d: %v", i, err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d concurrent batches failed", failed, raceBatches)
	}
	return results
}

// wantCreatedOnce checks identical batches of n new rows: the rows were
// created once in all, every other item of every batch was an update.
func wantCreatedOnce(t *testing.T, results []outreach.BatchResult, n int) {
	t.Helper()
	created := 0
	for i, r := range results {
		created += r.Created
		if r.Created+r.Updated != n || r.Duplicates != 0 {
			t.Errorf("batch %d: %+v, want %d items created or updated", i, r, n)
		}
	}
	if created != n {
		t.Errorf("%d rows reported created across %d identical batches of %d new rows, want %d (each once): %+v", created, len(results), n, n, results)
	}
}

// maybeReversed returns items, reversed for odd i.
func maybeReversed[T any](items []T, i int) []T {
	if i%2 == 0 {
		return items
	}
	r := slices.Clone(items)
	slices.Reverse(r)
	return r
}

func raceAccounts(suffix string) []outreach.Account {
	out := make([]outreach.Account, raceRows)
	for k := range out {
		out[k] = outreach.Account{ExternalID: fmt.Sprintf("acc-%03d", k), Name: "Account " + suffix}
	}
	return out
}

func raceContacts(suffix string) []outreach.Contact {
	out := make([]outreach.Contact, raceRows)
	for k := range out {
		out[k] = outreach.Contact{ExternalID: fmt.Sprintf("con-%03d", k), AccountExternalID: "a1",
			Email: fmt.Sprintf("person%03d@example.com", k), Name: "Person " + suffix}
	}
	return out
}

func raceTeam(suffix string) []outreach.TeamMember {
	out := make([]outreach.TeamMember, raceRows)
	for k := range out {
		out[k] = outreach.TeamMember{Email: fmt.Sprintf("csm%03d@vendor.example", k), Name: "CSM " + suffix}
	}
	return out
}

func raceSuppressions() []outreach.Suppression {
	out := make([]outreach.Suppression, raceInserts)
	for k := range out {
		out[k] = outreach.Suppression{Email: fmt.Sprintf("person%03d@example.com", k), Scope: outreach.ScopeAll}
	}
	return out
}

func raceEvents() []outreach.Event {
	out := make([]outreach.Event, raceInserts)
	for k := range out {
		out[k] = outreach.Event{ID: fmt.Sprintf("ev-%03d", k), Type: "milestone.reached", AccountExternalID: "a1", OccurredAt: t0}
	}
	return out
}

// raceActivity is batch i's contact.active events, one per contact of
// raceContacts.
func raceActivity(i int) []outreach.Event {
	out := make([]outreach.Event, raceRows)
	for k := range out {
		out[k] = outreach.Event{ID: fmt.Sprintf("active-%d-%03d", i, k), Type: outreach.EventContactActive,
			ContactExternalID: fmt.Sprintf("con-%03d", k), OccurredAt: t0.Add(time.Duration(i) * time.Minute)}
	}
	return out
}

func TestConcurrentIdenticalNewBatches(t *testing.T) {
	ctx := context.Background()
	kinds := []struct {
		name  string
		table string
		run   func(db *store.DB, i int) (outreach.BatchResult, error)
	}{
		{"accounts", "accounts", func(db *store.DB, i int) (outreach.BatchResult, error) {
			return db.UpsertAccounts(ctx, raceAccounts("x"))
		}},
		{"contacts", "contacts", func(db *store.DB, i int) (outreach.BatchResult, error) {
			return db.UpsertContacts(ctx, raceContacts("x"))
		}},
		{"team", "team_members", func(db *store.DB, i int) (outreach.BatchResult, error) {
			return db.UpsertTeam(ctx, raceTeam("x"))
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			storetest.EachDialect(t, func(t *testing.T, dialect string) {
				db := open(t, dialect)
				if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1"}}); err != nil {
					t.Fatal(err)
				}
				before := count(t, db, `SELECT COUNT(*) FROM `+k.table)
				results := race(t, db, func(i int) (outreach.BatchResult, error) { return k.run(db, i) })
				wantCreatedOnce(t, results, raceRows)
				if n := count(t, db, `SELECT COUNT(*) FROM `+k.table) - before; n != raceRows {
					t.Errorf("%d %s stored, want %d", n, k.table, raceRows)
				}
			})
		})
	}
}

func TestConcurrentOverlappingBatchesInOppositeOrders(t *testing.T) {
	ctx := context.Background()
	kinds := []struct {
		name  string
		check string // a query counting the rows one batch's value won on
		seed  func(db *store.DB) error
		run   func(db *store.DB, i int) (outreach.BatchResult, error)
		want  outreach.BatchResult
	}{
		{"accounts", `SELECT COUNT(*) FROM accounts WHERE name = (SELECT name FROM accounts WHERE external_id = 'acc-000')`,
			func(db *store.DB) error { _, err := db.UpsertAccounts(ctx, raceAccounts("seed")); return err },
			func(db *store.DB, i int) (outreach.BatchResult, error) {
				return db.UpsertAccounts(ctx, maybeReversed(raceAccounts(fmt.Sprint(i)), i))
			},
			outreach.BatchResult{Updated: raceRows}},
		{"contacts", `SELECT COUNT(*) FROM contacts WHERE name = (SELECT name FROM contacts WHERE external_id = 'con-000')`,
			func(db *store.DB) error { _, err := db.UpsertContacts(ctx, raceContacts("seed")); return err },
			func(db *store.DB, i int) (outreach.BatchResult, error) {
				return db.UpsertContacts(ctx, maybeReversed(raceContacts(fmt.Sprint(i)), i))
			},
			outreach.BatchResult{Updated: raceRows}},
		{"team", `SELECT COUNT(*) FROM team_members WHERE name = (SELECT name FROM team_members WHERE email = 'csm000@vendor.example')`,
			func(db *store.DB) error { _, err := db.UpsertTeam(ctx, raceTeam("seed")); return err },
			func(db *store.DB, i int) (outreach.BatchResult, error) {
				return db.UpsertTeam(ctx, maybeReversed(raceTeam(fmt.Sprint(i)), i))
			},
			outreach.BatchResult{Updated: raceRows}},
		{"events", "",
			func(db *store.DB) error { return nil },
			func(db *store.DB, i int) (outreach.BatchResult, error) {
				return db.InsertEvents(ctx, maybeReversed(raceEvents(), i))
			},
			outreach.BatchResult{}},
		{"contact.active events", `SELECT COUNT(*) FROM contacts WHERE last_seen_at = (SELECT MAX(last_seen_at) FROM contacts)`,
			func(db *store.DB) error { _, err := db.UpsertContacts(ctx, raceContacts("seed")); return err },
			func(db *store.DB, i int) (outreach.BatchResult, error) {
				return db.InsertEvents(ctx, maybeReversed(raceActivity(i), i))
			},
			outreach.BatchResult{Created: raceRows}},
		{"suppressions", "",
			func(db *store.DB) error { return nil },
			func(db *store.DB, i int) (outreach.BatchResult, error) {
				return db.AddSuppressions(ctx, maybeReversed(raceSuppressions(), i))
			},
			outreach.BatchResult{}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			storetest.EachDialect(t, func(t *testing.T, dialect string) {
				db := open(t, dialect)
				if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1"}}); err != nil {
					t.Fatal(err)
				}
				if err := k.seed(db); err != nil {
					t.Fatal(err)
				}
				results := race(t, db, func(i int) (outreach.BatchResult, error) { return k.run(db, i) })
				if k.check == "" {
					// New rows: each is created by exactly one batch.
					var all outreach.BatchResult
					for _, r := range results {
						all = all.Add(r)
					}
					if want := (outreach.BatchResult{Created: raceInserts, Duplicates: (raceBatches - 1) * raceInserts}); all != want {
						t.Errorf("results add up to %+v, want %+v: %+v", all, want, results)
					}
					return
				}
				for i, r := range results {
					if r != k.want {
						t.Errorf("batch %d: %+v, want %+v", i, r, k.want)
					}
				}
				// Batches are atomic: one batch's value is on every row.
				if n := count(t, db, k.check); n != raceRows {
					t.Errorf("%d of %d rows carry the final value: batches interleaved", n, raceRows)
				}
			})
		})
	}
}
