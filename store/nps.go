package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// npsGroupColumns maps NPS groupings to their column.
var npsGroupColumns = map[string]string{
	"campaign": "r.campaign",
	"plan":     "a.plan",
	"role":     "c.role",
	"locale":   "c.locale",
	"account":  "a.external_id",
	"owner":    "a.owner_email",
}

// npsPeriod returns the SQL of the start (YYYY-MM-DD, UTC) of the week or
// month of the epoch-millisecond column col.
func (db *DB) npsPeriod(interval, col string) string {
	switch {
	case interval == outreach.IntervalMonth && db.dialect == Postgres:
		return `to_char(to_timestamp(` + col + ` / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-01')`
	case interval == outreach.IntervalMonth:
		return `strftime('%Y-%m-01', ` + col + ` / 1000, 'unixepoch')`
	case interval == outreach.IntervalWeek && db.dialect == Postgres:
		return `to_char(date_trunc('week', to_timestamp(` + col + ` / 1000.0) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`
	case interval == outreach.IntervalWeek:
		// The next Sunday (or the day itself), then back to its Monday.
		return `date(` + col + ` / 1000, 'unixepoch', 'weekday 0', '-6 days')`
	}
	return `''`
}

// NPSCountsQuery returns the grouped count of the answers f selects, one
// row per period and group (the query the report runs, exposed for the
// benchmark's raw baseline).
func (db *DB) NPSCountsQuery(f outreach.NPSFilter, accountID int64) (string, []any) {
	group := `''`
	if col, ok := npsGroupColumns[f.GroupBy]; ok {
		group = col
	}
	q := `SELECT ` + db.npsPeriod(f.Interval, "r.at") + ` AS period, ` + group + ` AS grp,
		COALESCE(SUM(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), 0) AS promoters,
		COALESCE(SUM(CASE WHEN r.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0) AS passives,
		COALESCE(SUM(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END), 0) AS detractors
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id JOIN accounts a ON a.id = c.account_id WHERE 1 = 1`
	q, args := db.npsWhere(q, "r.campaign", "r.at", "c.account_id", f, accountID)
	return db.rebind(q + ` GROUP BY 1, 2`), args
}

// npsCounts runs NPSCountsQuery.
func (db *DB) npsCounts(ctx context.Context, tx *sqlx.Tx, f outreach.NPSFilter, accountID int64) ([]outreach.NPSCount, error) {
	q, args := db.NPSCountsQuery(f, accountID)
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []outreach.NPSCount
	for rows.Next() {
		var c outreach.NPSCount
		if err := rows.Scan(&c.Period, &c.Group, &c.Promoters, &c.Passives, &c.Detractors); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
