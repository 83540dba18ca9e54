package store_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkAccountRisks measures the console's accounts page query for one
// CSM's book (200 accounts) over OUTREACH_BENCH_CONTACTS contacts (default
// 200,000) with as many NPS answers, on PostgreSQL, against the bare
// statement run through database/sql in the same run, and reports both
// (ms/page, bare-ms/page) and their ratio (target: at most 2x, 150 ms).
func BenchmarkAccountRisks(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("OUTREACH_BENCH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(b, store.Postgres, func() time.Time { return now })
	ctx := context.Background()
	x := db.SQLXForTest()
	accounts := n / 20
	owners := max(accounts/200, 1)
	at, day := now.UnixMilli(), int64(24*time.Hour/time.Millisecond)
	seed := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO accounts (external_id, name, owner_email, plan, renewal_date, created_at, updated_at)
		 SELECT 'a' || i, 'Account ' || i, 'csm' || (i % $2) || '@vendor.example', CASE WHEN i % 3 = 0 THEN 'pro' ELSE 'team' END,
		 to_char(DATE '2026-03-02' + (i % 400), 'YYYY-MM-DD'), $3::bigint, $3::bigint FROM generate_series(1, $1::int) i`,
			[]any{accounts, owners, at}},
		{`INSERT INTO contacts (external_id, account_id, email, role, last_seen_at, created_at, updated_at)
		 SELECT 'c' || i, 1 + i % $1::int, 'c' || i || '@x.example', 'user', $3::bigint - (i % 60) * $4::bigint, $3::bigint, $3::bigint
		 FROM generate_series(1, $2::int) i`, []any{accounts, n, at, day}},
		{`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
		 SELECT 'r' || i, 1 + (i * 7) % $1::int, 'nps', i % 11, '', $2::bigint - (i % 180) * $3::bigint, $2::bigint
		 FROM generate_series(1, $1::int) i`, []any{n, at, day}},
		{`ANALYZE`, nil},
	}
	t0 := time.Now()
	for _, s := range seed {
		if _, err := x.ExecContext(ctx, s.q, s.args...); err != nil {
			b.Fatalf("%s: %v", s.q, err)
		}
	}
	b.Logf("seeded %d accounts, %d contacts, %d answers in %v", accounts, n, n, time.Since(t0).Round(time.Second))
	q := outreach.AccountRiskQuery{Now: now, Owner: "csm1@vendor.example", Limit: 301}
	query, args := db.AccountRiskStatement(q)
	if os.Getenv("OUTREACH_BENCH_EXPLAIN") != "" {
		var plan []string
		if err := x.SelectContext(ctx, &plan, "EXPLAIN ANALYZE "+query, args...); err != nil {
			b.Fatal(err)
		}
		b.Log(strings.Join(plan, "\n"))
	}
	var page, bare time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		list, err := db.AccountRisks(ctx, q)
		if err != nil || len(list) == 0 {
			b.Fatalf("%d accounts, %v", len(list), err)
		}
		page += time.Since(t)
		t = time.Now()
		rows, err := x.QueryContext(ctx, query, args...)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Close(); err != nil {
			b.Fatal(err)
		}
		bare += time.Since(t)
	}
	b.ReportMetric(float64(page.Microseconds())/1000/float64(b.N), "ms/page")
	b.ReportMetric(float64(bare.Microseconds())/1000/float64(b.N), "bare-ms/page")
	b.ReportMetric(float64(page)/float64(bare), "ratio")
}
