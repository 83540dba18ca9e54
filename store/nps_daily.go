package store

import (
	"context"
	"fmt"
	"strings"
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
//
// The weekly and monthly rollups (migration 00027: nps_weekly,
// nps_monthly) hold the same sums per UTC week (from Monday) and calendar
// month; the fold writes a delta to all three tables in one statement. A
// report by week reads the window's whole weeks from nps_weekly, one by
// month or without an interval its whole months from nps_monthly (a year:
// 80,641 and 19,500 rows instead of nps_daily's 548,641 in
// BenchmarkNPSPage), and the days of the partial periods at the ends from
// nps_daily (splitNPSWindow, npsAggregateRows).

// dayMS is a day in epoch milliseconds, the unit of nps_daily.day.
const dayMS = 86_400_000

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

// npsRollup is a coarser aggregate of nps_daily (migration 00027): the
// same counts and grain but the day, summed per UTC week (from Monday) or
// calendar month, keyed by the day number of the period's first day.
type npsRollup struct {
	table, col string
	// of returns the SQL of the period of the day number in col.
	of func(db *DB, col string) string
	// start returns the first day of the period of a day number; next
	// that of the following period, given a first day.
	start, next func(day int64) int64
}

var (
	npsWeekly = npsRollup{table: "nps_weekly", col: "week",
		// Day 0 (1970-01-01) is a Thursday, 3 days after a Monday.
		of:    func(_ *DB, col string) string { return col + ` - ((` + col + ` + 3) % 7 + 7) % 7` },
		start: func(day int64) int64 { return day - ((day+3)%7+7)%7 },
		next:  func(day int64) int64 { return day + 7 }}
	npsMonthly = npsRollup{table: "nps_monthly", col: "month",
		of: func(db *DB, col string) string {
			return db.pick(`nps_month(`+col+`)`, `CAST(strftime('%s', `+col+` * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400`)
		},
		start: func(day int64) int64 {
			t := time.UnixMilli(day * dayMS).UTC()
			return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).UnixMilli() / dayMS
		},
		next: func(day int64) int64 { return time.UnixMilli(day*dayMS).UTC().AddDate(0, 1, 0).UnixMilli() / dayMS }}
)

// npsRollupFor returns the rollup whose periods a report by interval can
// read: its own, or the months without an interval.
func npsRollupFor(interval string) npsRollup {
	if interval == outreach.IntervalWeek {
		return npsWeekly
	}
	return npsMonthly
}

// FoldNPS moves the pending deltas of the daily NPS aggregate into it and
// into its weekly and monthly rollups, in one statement on PostgreSQL
// (each table's rows upserted in key order, the tables in the same order in
// every fold, so concurrent folds do not deadlock; a delta is deleted by
// one fold only). NPS calls it first, which keeps the deltas to what
// changed since the last report.
func (db *DB) FoldNPS(ctx context.Context) error {
	const cols = `campaign, account_id, role, locale, promoters, passives, detractors, sent, answered`
	const sums = `campaign, account_id, role, locale, SUM(promoters), SUM(passives), SUM(detractors), SUM(sent), SUM(answered)`
	// fold returns the statement adding the deltas of the table from into
	// table, keyed by key (the SQL of the period of the delta's day).
	fold := func(from, table, col, key string) string {
		return `INSERT INTO ` + table + ` (` + col + `, ` + cols + `) SELECT ` + key + `, ` + sums + ` FROM ` + from +
			` WHERE true GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
			ON CONFLICT (` + col + `, campaign, account_id, role, locale) DO UPDATE SET
			promoters = ` + table + `.promoters + excluded.promoters, passives = ` + table + `.passives + excluded.passives,
			detractors = ` + table + `.detractors + excluded.detractors, sent = ` + table + `.sent + excluded.sent,
			answered = ` + table + `.answered + excluded.answered`
	}
	folds := func(from string) []string {
		return []string{fold(from, "nps_daily", "day", "day"),
			fold(from, npsWeekly.table, npsWeekly.col, npsWeekly.of(db, "day")),
			fold(from, npsMonthly.table, npsMonthly.col, npsMonthly.of(db, "day"))}
	}
	if db.postgres() {
		f := folds("moved")
		_, err := db.db.ExecContext(ctx, `WITH moved AS (DELETE FROM nps_daily_delta RETURNING day, `+cols+`),
			days AS (`+f[0]+` RETURNING 1), weeks AS (`+f[1]+` RETURNING 1) `+f[2])
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
		for _, q := range append(folds("nps_daily_delta"), `DELETE FROM nps_daily_delta`) {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// npsWindow is a report window split into the whole periods (weeks or
// months, as the report's interval) a rollup answers, the whole UTC days
// around them the daily aggregate answers, and the partial days the base
// tables answer.
type npsWindow struct {
	days     bool   // whether the aggregates answer a part of the window
	from, to *int64 // its days: [from, to); nil is unbounded
	rollup   npsRollup
	// periods: whether the rollup answers [periodFrom, periodTo) (first
	// days of its periods; nil is unbounded), within the days.
	periods              bool
	periodFrom, periodTo *int64
	edges                []outreach.NPSFilter
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
	w.rollup = npsRollupFor(f.Interval)
	if w.from != nil {
		p := w.rollup.start(*w.from) // the first period starting on or after from
		if p < *w.from {
			p = w.rollup.next(p)
		}
		w.periodFrom = &p
	}
	if w.to != nil {
		p := w.rollup.start(*w.to) // the last period starting on or before to
		w.periodTo = &p
	}
	w.periods = w.periodFrom == nil || w.periodTo == nil || *w.periodFrom < *w.periodTo
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

// npsRange returns the condition that col is in [from, to) (nil bounds
// are unbounded) and its arguments.
func npsRange(col string, from, to *int64) (string, []any) {
	cond, args := "1 = 1", []any{}
	if from != nil {
		cond += " AND " + col + " >= ?"
		args = append(args, *from)
	}
	if to != nil {
		cond += " AND " + col + " < ?"
		args = append(args, *to)
	}
	return cond, args
}

// npsAggregateRows returns the rows of the aggregates that answer w, as
// one table x (its day column is a period's first day for the rollup's
// rows): the whole periods from the rollup, the other whole days from
// nps_daily, and the pending deltas of every whole day (FoldNPS folds
// them into all three).
func npsAggregateRows(w npsWindow) (string, []any) {
	const cols = `campaign, account_id, role, locale, promoters, passives, detractors, sent, answered`
	days, args := npsRange("day", w.from, w.to)
	deltas := `SELECT day, ` + cols + ` FROM nps_daily_delta WHERE ` + days
	if !w.periods {
		return `(SELECT day, ` + cols + ` FROM nps_daily WHERE ` + days + ` UNION ALL ` + deltas + `) x`, append(args, args...)
	}
	cond, all := npsRange(w.rollup.col, w.periodFrom, w.periodTo)
	q := `(SELECT ` + w.rollup.col + ` AS day, ` + cols + ` FROM ` + w.rollup.table + ` WHERE ` + cond
	// The days before and after the whole periods, if any.
	for _, r := range [][2]*int64{{w.from, w.periodFrom}, {w.periodTo, w.to}} {
		if r[0] == nil || r[1] == nil || *r[0] >= *r[1] {
			continue
		}
		cond, a := npsRange("day", r[0], r[1])
		q += ` UNION ALL SELECT day, ` + cols + ` FROM nps_daily WHERE ` + cond
		all = append(all, a...)
	}
	return q + ` UNION ALL ` + deltas + `) x`, append(all, args...)
}

// npsDaily reads the counts of w's whole days from the aggregates: the
// answers per period and group, and the surveys sent and answered.
func (db *DB) npsDaily(ctx context.Context, tx *sqlx.Tx, f outreach.NPSFilter, accountID int64, w npsWindow) ([]outreach.NPSCount, npsSent, error) {
	group := `''`
	if col, ok := npsDailyGroupColumns[f.GroupBy]; ok {
		group = col
	}
	rows, rargs := npsAggregateRows(w)
	// The accounts are joined for their owner, plan or external id only.
	if f.Owner != "" || f.Plan != "" || strings.HasPrefix(group, "a.") {
		rows += ` JOIN accounts a ON a.id = x.account_id`
	}
	// One pass: the answers per period and group, and the surveys sent
	// and answered, summed over every row.
	f.From, f.To = nil, nil
	q, args := db.npsWhere(`SELECT x.day, `+group+` AS grp, CAST(SUM(x.promoters) AS BIGINT), CAST(SUM(x.passives) AS BIGINT),
		CAST(SUM(x.detractors) AS BIGINT), CAST(SUM(x.sent) AS BIGINT), CAST(SUM(x.answered) AS BIGINT)
		FROM `+rows+` WHERE 1 = 1`, npsCols{campaign: "x.campaign", account: "x.account_id", role: "x.role", locale: "x.locale"}, f, accountID)
	args = append(rargs, args...)
	res, err := tx.QueryContext(ctx, db.rebind(q+` GROUP BY 1, 2`), args...)
	if err != nil {
		return nil, npsSent{}, err
	}
	defer res.Close()
	type key struct{ period, group string }
	merged := map[key]*outreach.NPSCount{}
	var order []key
	var sent npsSent
	for res.Next() {
		var day int64
		var c outreach.NPSCount
		var s npsSent
		if err := res.Scan(&day, &c.Group, &c.Promoters, &c.Passives, &c.Detractors, &s.Sent, &s.Answered); err != nil {
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
	if err := res.Err(); err != nil {
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
	if interval != outreach.IntervalMonth && interval != outreach.IntervalWeek {
		return ""
	}
	return time.UnixMilli(npsRollupFor(interval).start(day) * dayMS).UTC().Format(time.DateOnly)
}
