package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/benchenv"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkNPSReport stores OUTREACH_BENCH_ANSWERS answers (default
// 1,000,000) on PostgreSQL over 500 accounts of 20 owners and a year, then
// times the NPS report grouped by month and owner (db.NPS: the grouped
// answers and the surveys-sent count, read from the daily aggregate that
// the triggers maintain) against the raw SQL aggregate of the same grouping
// over the answers, contacts and accounts in the same run, and reports
// both and their ratio.
//
//	go test ./store/ -run '^$' -bench BenchmarkNPSReport -benchtime 1x
func BenchmarkNPSReport(b *testing.B) {
	total := benchenv.Int(b, "OUTREACH_BENCH_ANSWERS", 1_000_000, 1000)
	ctx := context.Background()
	db := storetest.Open(b, store.Postgres, nil)
	// The bulk load runs with the triggers off (session_replication_role,
	// on one connection: a million row triggers take minutes here), then
	// the aggregate is computed as the migration's backfill does.
	x, err := db.SQLXForTest().Connx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer x.Close()
	if _, err := x.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		b.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	for _, q := range []string{
		`INSERT INTO accounts (external_id, owner_email, plan, created_at, updated_at)
			SELECT 'a' || g, 'csm' || (g % 20) || '@vendor.example', 'plan' || (g % 3), 0, 0 FROM generate_series(1, 500) g`,
		`INSERT INTO contacts (external_id, account_id, email, role, created_at, updated_at)
			SELECT 'c' || g, (SELECT id FROM accounts WHERE external_id = 'a' || (g % 500 + 1)), 'p' || g || '@example.com', 'admin', 0, 0
			FROM generate_series(1, 20000) g`,
		`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before, expires_at,
			sent_at, created_at, updated_at)
			SELECT 'd' || g, 'nps', 'survey', c.id, c.account_id, 'o' || g, 'sent', 0, 0, 0, $1::bigint + (g::bigint * 31536000000 / $2), 0, 0
			FROM generate_series(1, $2) g JOIN contacts c ON c.external_id = 'c' || (g % 20000 + 1)`,
		`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
			SELECT id, contact_id, campaign, (hashtext(id) & 2147483647) % 11, '', sent_at + 3600000, 0 FROM deliveries`,
		`ANALYZE`,
	} {
		if q == `ANALYZE` || q[:20] == `INSERT INTO accounts` || q[:20] == `INSERT INTO contacts` || q[:25] == `INSERT INTO survey_respon` {
			_, err = x.ExecContext(ctx, q)
		} else {
			_, err = x.ExecContext(ctx, q, start, total)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	t := time.Now()
	for _, q := range []string{`SET session_replication_role = origin`, `SELECT nps_rebuild()`, `ANALYZE`} {
		if _, err := x.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("the daily aggregate of %d answers and surveys computed (nps_rebuild) in %v", total, time.Since(t))
	f := outreach.NPSFilter{Interval: outreach.IntervalMonth, GroupBy: "owner"}
	raw := `SELECT to_char(to_timestamp(r.at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM') AS m, a.owner_email,
		SUM(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END)
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id JOIN accounts a ON a.id = c.account_id GROUP BY 1, 2`
	var reportDur, rawDur time.Duration
	var groups int
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		rows, err := x.QueryContext(ctx, raw)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		rawDur += time.Since(t)
		t = time.Now()
		rep, err := db.NPS(ctx, f)
		reportDur += time.Since(t)
		if err != nil {
			b.Fatal(err)
		}
		if rep.Overall.Responses != total || len(rep.Groups) != 20 || len(rep.Series) < 12 {
			b.Fatalf("report: %d responses, %d groups, %d months", rep.Overall.Responses, len(rep.Groups), len(rep.Series))
		}
		groups = n
	}
	b.StopTimer()
	b.ReportMetric(reportDur.Seconds()*1000/float64(b.N), "report-ms")
	b.ReportMetric(rawDur.Seconds()*1000/float64(b.N), "raw-ms")
	b.ReportMetric(float64(reportDur)/float64(rawDur), "ratio")
	b.Logf("%d answers, %d (month, owner) rows: report %v, raw aggregate %v, ratio %.2f", total, groups,
		reportDur/time.Duration(b.N), rawDur/time.Duration(b.N), float64(reportDur)/float64(rawDur))
}
