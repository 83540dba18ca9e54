package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/storetest"
)

// OpsStats counts the due backlog (planned, not_before come), its oldest
// not_before and every state, zeros included.
func TestOpsStats(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		db := open(t, dialect)
		seed(t, db)
		plan(t, db, "d1", "survey") // not_before t0
		plan(t, db, "d2", "lifecycle")
		if _, err := db.SQLXForTest().Exec(db.SQLXForTest().Rebind(`UPDATE deliveries SET not_before = ? WHERE id = 'd2'`), t0.Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		plan(t, db, "d3", "marketing")
		if _, err := db.SQLXForTest().Exec(`UPDATE deliveries SET state = 'sent' WHERE id = 'd3'`); err != nil {
			t.Fatal(err)
		}
		st, err := db.OpsStats(context.Background(), t0.Add(30*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if st.Due != 1 || !st.OldestDue.Equal(t0) {
			t.Errorf("due %d, oldest %v; want 1 due since %v", st.Due, st.OldestDue, t0)
		}
		want := map[string]int{"planned": 2, "sending": 0, "sent": 1, "failed": 0, "dropped": 0, "suppressed": 0}
		for s, n := range want {
			if st.ByState[s] != n {
				t.Errorf("by state %v, want %v", st.ByState, want)
				break
			}
		}
	})
}

// Past OpsExactRows, PostgreSQL's final states come from the planner's
// statistics (after ANALYZE), planned and sending still exactly.
func TestOpsStatsEstimatesALargeOutbox(t *testing.T) {
	db := open(t, "postgres")
	seed(t, db)
	for _, id := range []string{"d1", "d2", "d3", "d4"} {
		plan(t, db, id, "survey")
	}
	if _, err := db.SQLXForTest().Exec(`UPDATE deliveries SET state = 'sent' WHERE id IN ('d1', 'd2', 'd3')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQLXForTest().Exec(`ANALYZE deliveries`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQLXForTest().Exec(`UPDATE deliveries SET state = 'sent' WHERE id = 'd4'`); err != nil { // after ANALYZE
		t.Fatal(err)
	}
	db.OpsExactRows = 1
	st, err := db.OpsStats(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	// The estimate is the statistics' 3 of 4 sent; planned is exact (0).
	if st.ByState["sent"] != 3 || st.ByState["planned"] != 0 {
		t.Errorf("by state %v: want sent 3 (estimated at ANALYZE), planned 0 (exact)", st.ByState)
	}
}
