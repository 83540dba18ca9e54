package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
)

// exactStateRows is the default of DB.OpsExactRows: the outbox size up to
// which OpsStats counts every state exactly on PostgreSQL; above it, the
// final states are estimated. Measured on this machine (docs/api.md): the
// index-only count of 2M rows takes 1.4 s under load, so 1M keeps a
// refresh well inside its timeout.
const exactStateRows = 1_000_000

// OpsStats reads what /metrics reports about the outbox at now, with
// indexed queries only, so that a scrape never reads the deliveries table:
//
//   - the due backlog and its oldest not_before: a range scan of the
//     partial index of planned deliveries by not_before (the backlog
//     alone, however large the table);
//   - planned and sending counts: exact, from their partial indexes;
//   - sent, failed, dropped and suppressed: exact (an index-only scan of
//     deliveries_state) while the table holds up to OpsExactRows rows or
//     on SQLite; above that on PostgreSQL, estimated from the planner's
//     statistics (pg_class.reltuples × the state's frequency in pg_stats,
//     refreshed by autovacuum's ANALYZE) in constant time.
//
// The caller (httpapi's collector) caches the answer and bounds it with a
// timeout.
func (db *DB) OpsStats(ctx context.Context, now time.Time) (outreach.OpsStats, error) {
	st := outreach.OpsStats{ByState: make(map[string]int, len(outreach.DeliveryStates))}
	for _, s := range outreach.DeliveryStates {
		st.ByState[s] = 0
	}
	var oldest sql.NullInt64
	// SQLite's planner would take deliveries_state and read every planned
	// row; the partial index holds just what is asked.
	from := db.pick(`deliveries`, `deliveries INDEXED BY deliveries_planned`)
	row := db.db.QueryRowContext(ctx, db.rebind(`SELECT COUNT(*), MIN(not_before) FROM `+from+`
		WHERE state = 'planned' AND not_before <= ?`), ms(now))
	if err := row.Scan(&st.Due, &oldest); err != nil {
		return st, fmt.Errorf("ops stats: due backlog: %w", err)
	}
	if oldest.Valid {
		st.OldestDue = fromMs(oldest.Int64)
	}
	rows := -1.0 // SQLite keeps no row estimate: count exactly
	if db.postgres() {
		if err := db.db.GetContext(ctx, &rows, `SELECT reltuples FROM pg_class WHERE oid = CAST('deliveries' AS regclass)`); err != nil {
			return st, fmt.Errorf("ops stats: table size: %w", err)
		}
	}
	limit := db.OpsExactRows
	if limit <= 0 {
		limit = exactStateRows
	}
	if rows > limit {
		return st, db.estimateStates(ctx, &st, rows)
	}
	var counts []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := db.db.SelectContext(ctx, &counts, `SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state`); err != nil {
		return st, fmt.Errorf("ops stats: deliveries by state: %w", err)
	}
	for _, c := range counts {
		st.ByState[c.State] = c.N
	}
	return st, nil
}

// estimateStates fills st.ByState on a large PostgreSQL outbox: planned
// and sending exactly (their partial indexes), the final states from the
// planner's statistics.
func (db *DB) estimateStates(ctx context.Context, st *outreach.OpsStats, rows float64) error {
	for _, s := range []string{outreach.DeliveryPlanned, outreach.DeliverySending} {
		var n int
		if err := db.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM deliveries WHERE state = $1`, s); err != nil {
			return fmt.Errorf("ops stats: %s deliveries: %w", s, err)
		}
		st.ByState[s] = n
	}
	var stats []struct {
		State string  `db:"state"`
		Freq  float64 `db:"freq"`
	}
	err := db.db.SelectContext(ctx, &stats, `SELECT v AS state, f AS freq FROM pg_stats,
		unnest(CAST(CAST(most_common_vals AS text) AS text[]), most_common_freqs) AS m(v, f)
		WHERE schemaname = current_schema() AND tablename = 'deliveries' AND attname = 'state'`)
	if err != nil {
		return fmt.Errorf("ops stats: state statistics: %w", err)
	}
	for _, s := range stats {
		if s.State != outreach.DeliveryPlanned && s.State != outreach.DeliverySending {
			st.ByState[s.State] = int(s.Freq * rows)
		}
	}
	return nil
}
