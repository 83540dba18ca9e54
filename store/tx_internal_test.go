package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/outreach-dev/outreach"
)

// A batch transaction that loses a race to a concurrent one runs again,
// a few times at most; any other failure is returned at once.
func TestInBatchTxRetriesConflictsOnly(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite::memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range []struct {
		err      error
		failures int // the runs that fail before one succeeds
		runs     int
		ok       bool
	}{
		{err: &pq.Error{Code: "40P01"}, failures: 2, runs: 3, ok: true},                           // deadlock
		{err: &pq.Error{Code: "40001"}, failures: 1, runs: 2, ok: true},                           // serialization failure
		{err: fmt.Errorf("insert: %w", &pq.Error{Code: "23505"}), failures: 1, runs: 2, ok: true}, // unique violation
		{err: errRaced, failures: batchTxAttempts - 1, runs: batchTxAttempts, ok: true},
		{err: errRaced, failures: batchTxAttempts, runs: batchTxAttempts},
		{err: &pq.Error{Code: "23503"}, failures: 1, runs: 1}, // foreign key: a bug, not a race
		{err: errors.New("boom"), failures: 1, runs: 1},
		{err: outreach.Errorf(outreach.EINVALID, "bad"), failures: 1, runs: 1},
	} {
		runs := 0
		err := db.inBatchTx(ctx, "test", func(*sqlx.Tx, time.Time) error {
			runs++
			if runs <= tt.failures {
				return tt.err
			}
			return nil
		})
		if runs != tt.runs || (err == nil) != tt.ok {
			t.Errorf("%v failing %d times: %d runs, err %v; want %d runs, success %v", tt.err, tt.failures, runs, err, tt.runs, tt.ok)
		}
		runs = 0
		if err := db.inTx(ctx, "test", func(*sqlx.Tx, time.Time) error { runs++; return tt.err }); err == nil || runs != 1 {
			t.Errorf("inTx with %v: %d runs, err %v; want one run and the error", tt.err, runs, err)
		}
	}
}
