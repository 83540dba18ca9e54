package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// The daily NPS aggregate (migration 00023): nps_daily holds, per UTC day,
// campaign, account, role and locale, the answers given that day (by class)
// and the survey deliveries sent that day with how many are answered.
// Triggers append every change of an answer, a survey delivery or a contact
// to nps_daily_delta in the writing transaction; FoldNPS moves the deltas
// into nps_daily, and the report sums both, so it is exact at any moment.
// A report over 1,000,000 answers reads one row per day and group instead
// of joining every answer to its contact and account (BenchmarkNPSReport).

// dayMS is a day in epoch milliseconds, the unit of nps_daily.day.
const dayMS = 86_400_000

// npsDailyRows is the aggregate and its pending deltas, as one table x.
const npsDailyRows = `(SELECT day, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered FROM nps_daily
	UNION ALL SELECT day, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered FROM nps_daily_delta) x`

// npsDailyGroupColumns maps NPS groupings to their column over x and the
// accounts a.
var npsDailyGroupColumns = map[string]string{
	"campaign": "x.campaign",
	"plan":     "a.plan",
	"role":     "x.role",
	"locale":   "x.locale",
	"account":  "a.external_id",
	"owner":    "a.owner_email",
}

// FoldNPS moves the pending deltas of the daily NPS aggregate into it, in
// one statement on PostgreSQL (rows upserted in key order, so concurrent
// folds do not deadlock; a delta is deleted by one fold only). NPS calls it
// first, which keeps the deltas to what changed since the last report.
func (db *DB) FoldNPS(ctx context.Context) error {
	const sums = `SELECT day, campaign, account_id, role, locale, SUM(promoters), SUM(passives), SUM(detractors), SUM(sent), SUM(answered)`
	const upsert = ` ON CONFLICT (day, campaign, account_id, role, locale) DO UPDATE SET
		promoters = nps_daily.promoters + excluded.promoters, passives = nps_daily.passives + excluded.passives,
		detractors = nps_daily.detractors + excluded.detractors, sent = nps_daily.sent + excluded.sent,
		answered = nps_daily.answered + excluded.answered`
	const into = `INSERT INTO nps_daily (day, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered) `
	if db.postgres() {
		_, err := db.db.ExecContext(ctx, `WITH moved AS (DELETE FROM nps_daily_delta
				RETURNING day, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered)
			`+into+sums+` FROM moved GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`+upsert)
		if err != nil {
			return fmt.Errorf("fold nps deltas: %w", err)
		}
		return nil
	}
	return db.inTx(ctx, "fold nps deltas", func(tx *sqlx.Tx, _ time.Time) error {
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM nps_daily_delta`); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, into+sums+` FROM nps_daily_delta WHERE true GROUP BY 1, 2, 3, 4, 5`+upsert); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM nps_daily_delta`)
		return err
	})
}

// npsWindow is a report window split into the whole UTC days the
// aggregate answers and the partial days the base tables answer.
type npsWindow struct {
	days     bool   // whether the aggregate answers a part of the window
	from, to *int64 // its days: [from, to); nil is unbounded
	edges    []outreach.NPSFilter
}

// splitNPSWindow splits f's window [From, To).
func splitNPSWindow(f outreach.NPSFilter) npsWindow {
	var w npsWindow
	if f.From != nil {
		d := -floorDiv(-ms(*f.From), dayMS) // the first midnight at or after From
		w.from = &d
	}
	if f.To != nil {
		d := floorDiv(ms(*f.To), dayMS) // the last midnight at or before To
		w.to = &d
	}
	if w.from != nil && w.to != nil && *w.from > *w.to {
		// Within one day: the base tables answer it all.
		return npsWindow{edges: []outreach.NPSFilter{f}}
	}
	w.days = true
	if f.From != nil && *w.from*dayMS != ms(*f.From) {
		e, end := f, time.UnixMilli(*w.from*dayMS).UTC()
		e.To = &end
		w.edges = append(w.edges, e)
	}
	if f.To != nil && *w.to*dayMS != ms(*f.To) {
		e, start := f, time.UnixMilli(*w.to*dayMS).UTC()
		e.From = &start
		w.edges = append(w.edges, e)
	}
	return w
}

// floorDiv is a / b rounded down (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// npsDailyWhere appends f's conditions (but its window) and the days of w
// to a query over x and the accounts a.
func (db *DB) npsDailyWhere(q string, f outreach.NPSFilter, accountID int64, w npsWindow) (string, []any) {
	f.From, f.To = nil, nil
	q, args := db.npsWhere(q, npsCols{campaign: "x.campaign", account: "x.account_id", role: "x.role", locale: "x.locale"}, f, accountID)
	if w.from != nil {
		q += " AND x.day >= ?"
		args = append(args, *w.from)
	}
	if w.to != nil {
		q += " AND x.day < ?"
		args = append(args, *w.to)
	}
	return q, args
}

// npsDaily reads the counts of w's whole days from the aggregate: the
// answers per period and group, and the surveys sent and answered.
func (db *DB) npsDaily(ctx context.Context, tx *sqlx.Tx, f outreach.NPSFilter, accountID int64, w npsWindow) ([]outreach.NPSCount, npsSent, error) {
	group := `''`
	if col, ok := npsDailyGroupColumns[f.GroupBy]; ok {
		group = col
	}
	// One pass: the answers per day and group, and the surveys sent and
	// answered, summed over every row.
	q, args := db.npsDailyWhere(`SELECT x.day, `+group+` AS grp, CAST(SUM(x.promoters) AS BIGINT), CAST(SUM(x.passives) AS BIGINT),
		CAST(SUM(x.detractors) AS BIGINT), CAST(SUM(x.sent) AS BIGINT), CAST(SUM(x.answered) AS BIGINT)
		FROM `+npsDailyRows+` JOIN accounts a ON a.id = x.account_id WHERE 1 = 1`, f, accountID, w)
	rows, err := tx.QueryContext(ctx, db.rebind(q+` GROUP BY 1, 2`), args...)
	if err != nil {
		return nil, npsSent{}, err
	}
	defer rows.Close()
	type key struct{ period, group string }
	merged := map[key]*outreach.NPSCount{}
	var order []key
	var sent npsSent
	for rows.Next() {
		var day int64
		var c outreach.NPSCount
		var s npsSent
		if err := rows.Scan(&day, &c.Group, &c.Promoters, &c.Passives, &c.Detractors, &s.Sent, &s.Answered); err != nil {
			return nil, npsSent{}, err
		}
		sent.Sent, sent.Answered = sent.Sent+s.Sent, sent.Answered+s.Answered
		if c.Promoters == 0 && c.Passives == 0 && c.Detractors == 0 {
			continue // surveys sent that day, no answer given
		}
		c.Period = npsDayPeriod(f.Interval, day)
		k := key{c.Period, c.Group}
		if m := merged[k]; m != nil {
			m.Promoters, m.Passives, m.Detractors = m.Promoters+c.Promoters, m.Passives+c.Passives, m.Detractors+c.Detractors
			continue
		}
		merged[k] = &c
		order = append(order, k)
	}
	if err := rows.Err(); err != nil {
		return nil, npsSent{}, err
	}
	out := make([]outreach.NPSCount, 0, len(order))
	for _, k := range order {
		out = append(out, *merged[k])
	}
	return out, sent, nil
}

// npsDayPeriod returns the start (YYYY-MM-DD) of the week (from Monday) or
// month of a UTC day of the aggregate, as npsPeriod does in SQL; "" without
// an interval.
func npsDayPeriod(interval string, day int64) string {
	t := time.UnixMilli(day * dayMS).UTC()
	switch interval {
	case outreach.IntervalMonth:
		return t.Format("2006-01") + "-01"
	case outreach.IntervalWeek:
		return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7)).Format(time.DateOnly)
	}
	return ""
}
