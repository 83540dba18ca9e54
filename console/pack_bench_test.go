package console_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkPackPages times the pack editor's pages over a generated base
// on PostgreSQL (OUTREACH_BENCH_CONTACTS contacts, default 1,000,000, built
// with INSERT … SELECT generate_series) next to the bare SQL each needs,
// in the same run, and reports the ratio. Run it by name:
//
//	go test ./console -run '^$' -bench PackPages -benchtime 1x
func BenchmarkPackPages(b *testing.B) {
	n := 1_000_000
	if v := os.Getenv("OUTREACH_BENCH_CONTACTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	db := storetest.Open(b, store.Postgres, now)
	start := time.Now()
	sqlx := storetest.SQL(b, db)
	for _, q := range []string{
		`INSERT INTO accounts (external_id, name, plan, created_at, updated_at)
			SELECT 'a' || g, 'Account ' || g, 'pro', 0, 0 FROM generate_series(1, ` + strconv.Itoa(n/10+1) + `) g`,
		`INSERT INTO contacts (external_id, account_id, email, name, locale, created_at, updated_at)
			SELECT 'c' || g, 1 + g % ` + strconv.Itoa(n/10+1) + `, 'person' || g || '@customer' || (g % 997) || '.example', 'Person ' || g, 'en', 0, 0
			FROM generate_series(1, ` + strconv.Itoa(n) + `) g`,
		`ANALYZE accounts`, `ANALYZE contacts`,
	} {
		if _, err := sqlx.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("generated %d contacts in %v", n, time.Since(start).Round(time.Millisecond))
	if _, _, err := scheduler.ApplyPack(ctx, db, campaigns.Default(), now()); err != nil {
		b.Fatal(err)
	}
	if _, err := db.UpsertTeam(ctx, team); err != nil {
		b.Fatal(err)
	}
	cons := &console.Server{Store: db, Now: now}
	srv := httptest.NewServer((&httpapi.Server{DB: db, Now: now, Console: cons.Handler()}).Handler())
	defer srv.Close()
	link, err := console.IssueSignIn(ctx, db, srv.URL, "mo@vendor.example", now())
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if res, err := c.PostForm(link, nil); err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v", err)
	}
	pages := []struct {
		name, path string
		sql        func() error
	}{
		{"pack", "/console/pack", func() error {
			if _, err := db.ActivePack(ctx); err != nil {
				return err
			}
			if _, err := db.PackDrafts(ctx, 50); err != nil {
				return err
			}
			_, err := db.PackVersions(ctx, 50)
			return err
		}},
		{"preview-search", "/console/pack/preview?q=person12345", func() error {
			if _, err := db.ActivePack(ctx); err != nil {
				return err
			}
			_, err := db.SearchContacts(ctx, "person12345", 20)
			return err
		}},
	}
	const reps = 20
	for _, p := range pages {
		var sqlT, pageT time.Duration
		for i := 0; i < b.N*reps; i++ {
			t0 := time.Now()
			if err := p.sql(); err != nil {
				b.Fatal(err)
			}
			sqlT += time.Since(t0)
			t0 = time.Now()
			res, err := c.Get(srv.URL + p.path)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("%s: %v", p.path, err)
			}
			res.Body.Close()
			pageT += time.Since(t0)
		}
		k := time.Duration(b.N * reps)
		b.Logf("%-15s page %8v  bare SQL %8v  ratio %.2f", p.name, (pageT / k).Round(time.Microsecond),
			(sqlT / k).Round(time.Microsecond), float64(pageT)/float64(sqlT))
		b.ReportMetric(float64(pageT/k)/1e6, p.name+"-page-ms")
		b.ReportMetric(float64(sqlT/k)/1e6, p.name+"-sql-ms")
	}
}
