package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// NPS computes the NPS report for f. Responses (and the score) are those
// given in the window; SurveysSent counts the survey deliveries sent in the
// window, and Answered those of them with a response, so ResponseRate never
// exceeds 1; the campaigns in f.ExcludeCampaigns count in neither. An
// unknown account is ENOTFOUND (a typo would otherwise read as "no
// answers").
//
// The whole UTC days of the window are read from the daily aggregate and
// its rollups (nps_daily.go: whole weeks or months from the rollup of the
// interval, the other days from nps_daily), joined to the accounts as they
// are now (owner, plan) when the filter or the grouping needs them;
// the parts of a day at either end of a window that does not start or end
// at midnight UTC are read from the answers and deliveries themselves.
func (db *DB) NPS(ctx context.Context, f outreach.NPSFilter) (*outreach.NPSReport, error) {
	if err := db.FoldNPS(ctx); err != nil {
		return nil, err
	}
	rep := &outreach.NPSReport{}
	err := db.inTx(ctx, "nps", func(tx *sqlx.Tx, _ time.Time) error {
		var accountID int64
		if f.Account != "" {
			err := tx.GetContext(ctx, &accountID, db.rebind(`SELECT id FROM accounts WHERE external_id = ?`), f.Account)
			if errors.Is(err, sql.ErrNoRows) {
				return outreach.Errorf(outreach.ENOTFOUND, "no account with external_id %q", f.Account)
			}
			if err != nil {
				return err
			}
		}
		w := splitNPSWindow(f)
		var counts []outreach.NPSCount
		var sent npsSent
		if w.days {
			c, s, err := db.npsDaily(ctx, tx, f, accountID, w)
			if err != nil {
				return err
			}
			counts, sent = c, s
		}
		for _, e := range w.edges {
			c, err := db.npsCounts(ctx, tx, e, accountID)
			if err != nil {
				return err
			}
			s, err := db.npsSentRaw(ctx, tx, e, accountID)
			if err != nil {
				return err
			}
			counts = append(counts, c...)
			sent.Sent, sent.Answered = sent.Sent+s.Sent, sent.Answered+s.Answered
		}
		rep.Overall, rep.Series, rep.Groups = outreach.Breakdown(counts)
		if rep.Series == nil {
			rep.Series = []outreach.NPSPoint{}
		}
		if f.GroupBy == "" || rep.Groups == nil {
			rep.Groups = []outreach.NPSGroup{}
		}
		rep.Responses, rep.Promoters, rep.Detractors = rep.Overall.Responses, rep.Overall.Promoters, rep.Overall.Detractors
		rep.Passives = rep.Overall.Passives
		rep.SurveysSent, rep.Answered = sent.Sent, sent.Answered
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rep.Responses > 0 {
		nps := round(float64(rep.Promoters-rep.Detractors)*100/float64(rep.Responses), 1)
		rep.NPS = &nps
	}
	if rep.SurveysSent > 0 {
		rep.ResponseRate = round(float64(rep.Answered)/float64(rep.SurveysSent), 4)
	}
	return rep, nil
}

// npsSent counts survey deliveries sent in a window and those of them
// answered.
type npsSent struct {
	Sent     int `db:"sent"`
	Answered int `db:"answered"`
}

// npsGroupColumns maps NPS groupings to their column in the queries over
// the answers r, their contacts c and accounts a.
var npsGroupColumns = map[string]string{
	"campaign": "r.campaign",
	"plan":     "a.plan",
	"role":     "c.role",
	"locale":   "c.locale",
	"account":  "a.external_id",
	"owner":    "a.owner_email",
}

// npsPeriod returns the SQL of the start (YYYY-MM-DD, UTC) of the week or
// month of the epoch-millisecond column col (npsDayPeriod is its Go twin
// for the daily aggregate).
func (db *DB) npsPeriod(interval, col string) string {
	// SQLite: the seconds rounded down (its / rounds toward zero, which put
	// the last second before a midnight before 1970 in the next day).
	secs := `(` + col + ` - (` + col + ` % 1000 + 1000) % 1000) / 1000`
	switch interval {
	case outreach.IntervalMonth:
		return db.pick(`to_char(to_timestamp(`+col+` / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-01')`,
			`strftime('%Y-%m-01', `+secs+`, 'unixepoch')`)
	case outreach.IntervalWeek:
		// SQLite: the next Sunday (or the day itself), then back to its Monday.
		return db.pick(`to_char(date_trunc('week', to_timestamp(`+col+` / 1000.0) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')`,
			`date(`+secs+`, 'unixepoch', 'weekday 0', '-6 days')`)
	}
	return `''`
}

// npsRawCols are the columns the filters apply to in the queries over the
// base tables.
var npsRawCols = npsCols{role: "c.role", locale: "c.locale"}

// NPSCountsQuery returns the grouped count of the answers f selects, one
// row per period and group, computed from the answers themselves (the
// report reads whole days from the daily aggregate; this is the raw
// computation it must agree with, exposed for tests and the benchmark).
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
	cols := npsRawCols
	cols.campaign, cols.time, cols.account = "r.campaign", "r.at", "c.account_id"
	q, args := db.npsWhere(q, cols, f, accountID)
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

// npsSentRaw counts the survey deliveries sent in f's window, and those of
// them answered, from the deliveries themselves.
func (db *DB) npsSentRaw(ctx context.Context, tx *sqlx.Tx, f outreach.NPSFilter, accountID int64) (npsSent, error) {
	people := "" // the owner, plan, role and locale filters need the contact and the account
	if f.Owner != "" || f.Plan != "" || f.Role != "" || f.Locale != "" {
		people = ` JOIN contacts c ON c.id = d.contact_id JOIN accounts a ON a.id = d.account_id`
	}
	cols := npsRawCols
	cols.campaign, cols.time, cols.account = "d.campaign", "d.sent_at", "d.account_id"
	q, args := db.npsWhere(`SELECT COUNT(*) AS sent, COUNT(r.delivery_id) AS answered
		FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id`+people+`
		WHERE d.category = 'survey' AND d.state = 'sent'`, cols, f, accountID)
	var sent npsSent
	err := tx.GetContext(ctx, &sent, db.rebind(q), args...)
	return sent, err
}

// npsCols names the columns a query's NPS filters apply to: the campaign
// (and the excluded campaigns), the window (none: the caller bounds it),
// the account, and the contact's role and locale. Owner and plan always
// apply to the accounts a that the query joins.
type npsCols struct{ campaign, time, account, role, locale string }

// npsWhere appends the filter's conditions to q.
func (db *DB) npsWhere(q string, cols npsCols, f outreach.NPSFilter, accountID int64) (string, []any) {
	var args []any
	if f.Campaign != "" {
		q += " AND " + cols.campaign + " = ?"
		args = append(args, f.Campaign)
	}
	if len(f.ExcludeCampaigns) > 0 {
		q += " AND NOT (" + db.inText(cols.campaign) + ")"
		args = append(args, jsonArray(f.ExcludeCampaigns))
	}
	if f.Account != "" {
		q += " AND " + cols.account + " = ?"
		args = append(args, accountID)
	}
	for _, c := range []struct{ col, v string }{{"LOWER(a.owner_email)", strings.ToLower(f.Owner)}, {"a.plan", f.Plan}, {cols.role, f.Role}, {cols.locale, f.Locale}} {
		if c.v != "" {
			q += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if f.From != nil && cols.time != "" {
		q += " AND " + cols.time + " >= ?"
		args = append(args, ms(*f.From))
	}
	if f.To != nil && cols.time != "" {
		q += " AND " + cols.time + " < ?"
		args = append(args, ms(*f.To))
	}
	return q, args
}
