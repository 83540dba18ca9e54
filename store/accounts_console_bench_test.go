package store_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkAccountRisks measures the console's accounts page on PostgreSQL
// over OUTREACH_BENCH_CONTACTS contacts (default 20,000; the issue's size
// is 1,000,000) with as many NPS answers, 20 people per account and about
// 200 accounts per owner, generated with INSERT … SELECT generate_series.
// For a CSM's book ("csm": one owner, ~200 accounts) and an admin's first
// page ("admin": everyone's, 300 accounts) it times the page as the server
// serves it (the console handler: session, query, ranking reasons,
// template) next to the bare statement it runs (database/sql, rows read,
// nothing else) in the same run, and reports both and their ratio (the
// issue's target: at most 2x and 150 ms). Run it by name:
//
//	OUTREACH_BENCH_CONTACTS=1000000 go test ./store -run '^$' -bench AccountRisks -benchtime 20x
//
// OUTREACH_BENCH_EXPLAIN=1 prints the statements' EXPLAIN ANALYZE.
func BenchmarkAccountRisks(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("OUTREACH_BENCH_CONTACTS")); err == nil && v > 0 {
		n = v
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db := storetest.Open(b, store.Postgres, clock)
	ctx := context.Background()
	x := db.SQLXForTest()
	accounts := max(n/20, 1)
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
		// An account's people are spread over the table (1 + i % accounts),
		// as people join accounts over time.
		{`INSERT INTO contacts (external_id, account_id, email, role, last_seen_at, created_at, updated_at)
		 SELECT 'c' || i, 1 + i % $1::int, 'c' || i || '@x.example', 'user', $3::bigint - (i % 60) * $4::bigint, $3::bigint, $3::bigint
		 FROM generate_series(1, $2::int) i`, []any{accounts, n, at, day}},
		// The answers' account_id is joined in here, set-based, with the
		// triggers that keep it off for this one statement (row by row
		// they doubled the seeding); TestAccountRisksFollowPeople tests them.
		{`INSERT INTO survey_responses (delivery_id, contact_id, account_id, campaign, score, comment, at, updated_at)
		 SELECT 'r' || i, c.id, c.account_id, 'nps', i % 11, '', $2::bigint - (i % 180) * $3::bigint, $2::bigint
		 FROM generate_series(1, $1::int) i JOIN contacts c ON c.id = 1 + (i * 7) % $1::int`, []any{n, at, day}},
		// What autovacuum does to a table after this many inserts: the
		// statistics, and the visibility map the index-only scans rely on.
		{`VACUUM ANALYZE accounts`, nil}, {`VACUUM ANALYZE contacts`, nil}, {`VACUUM ANALYZE survey_responses`, nil},
	}
	t0 := time.Now()
	for _, s := range seed {
		t := time.Now()
		if strings.HasPrefix(s.q, "VACUUM") {
			if _, err := x.ExecContext(ctx, s.q); err != nil {
				b.Fatalf("%s: %v", s.q, err)
			}
		} else {
			tx := x.MustBeginTx(ctx, nil)
			if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, s.q, s.args...); err != nil {
				b.Fatalf("%s: %v", s.q, err)
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		fmt.Fprintf(os.Stderr, "%5.1fs %.60s\n", time.Since(t).Seconds(), strings.Join(strings.Fields(s.q), " "))
	}
	fmt.Fprintf(os.Stderr, "seeded %d accounts (%d owners), %d contacts, %d answers in %v\n", accounts, owners, n, n, time.Since(t0).Round(time.Second))
	members := []outreach.TeamMember{
		{Email: "csm1@vendor.example", Name: "CSM", ConsoleRole: outreach.RoleCS},
		{Email: "ada@vendor.example", Name: "Admin", ConsoleRole: outreach.RoleAdmin},
	}
	if _, err := db.UpsertTeam(ctx, members); err != nil {
		b.Fatal(err)
	}
	h := (&httpapi.Server{DB: db, Now: clock, Console: (&console.Server{Store: db, Now: clock}).Handler()}).Handler()
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, view := range []struct{ name, member, owner string }{
		{"csm", "csm1@vendor.example", "csm1@vendor.example"},
		{"admin", "ada@vendor.example", ""},
	} {
		b.Run(view.name, func(b *testing.B) {
			cookies := signIn(b, srv.URL, view.member, db, now)
			q := outreach.AccountRiskQuery{Now: now, Owner: view.owner, Limit: outreach.AccountRiskPageMax, ExcludeCampaigns: []string{}}
			query, args := db.AccountRiskStatement(q)
			if os.Getenv("OUTREACH_BENCH_EXPLAIN") != "" {
				var plan []string
				if err := x.SelectContext(ctx, &plan, "EXPLAIN ANALYZE "+query, args...); err != nil {
					b.Fatal(err)
				}
				fmt.Fprintf(os.Stderr, "%s:\n%s\n", view.name, strings.Join(plan, "\n"))
			}
			page := func() {
				req := httptest.NewRequest("GET", "/console/accounts", nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `<tr class="account">`) == 0 {
					b.Fatalf("%s page: %d %.300s", view.name, rec.Code, rec.Body.String())
				}
			}
			bare := func() int {
				rows, err := x.QueryContext(ctx, query, args...)
				if err != nil {
					b.Fatal(err)
				}
				k := 0
				for rows.Next() {
					k++
				}
				if err := rows.Close(); err != nil {
					b.Fatal(err)
				}
				return k
			}
			page() // warm both paths: connections, prepared statements, cache
			rows := bare()
			var pageT, bareT time.Duration
			pages, bares := make([]time.Duration, b.N), make([]time.Duration, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t := time.Now()
				page()
				pages[i] = time.Since(t)
				t = time.Now()
				bare()
				bares[i] = time.Since(t)
				pageT, bareT = pageT+pages[i], bareT+bares[i]
			}
			b.StopTimer()
			// The machine is shared: the medians say what a load spike
			// during a few iterations does to the means.
			slices.Sort(pages)
			slices.Sort(bares)
			ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
			b.Logf("%s: %d accounts on the page; page mean %.1f ms (min %.1f, median %.1f, max %.1f), bare SQL mean %.1f ms (min %.1f, median %.1f, max %.1f)",
				view.name, rows, ms(pageT)/float64(b.N), ms(pages[0]), ms(pages[b.N/2]), ms(pages[b.N-1]),
				ms(bareT)/float64(b.N), ms(bares[0]), ms(bares[b.N/2]), ms(bares[b.N-1]))
			b.ReportMetric(ms(pageT)/float64(b.N), "ms/page")
			b.ReportMetric(ms(bareT)/float64(b.N), "bare-ms/page")
			b.ReportMetric(float64(pages[b.N/2])/float64(bares[b.N/2]), "median-ratio")
			b.ReportMetric(float64(pageT)/float64(bareT), "ratio")
		})
	}
}

// signIn signs member in to the console at base and returns the session's
// cookies.
func signIn(b *testing.B, base, member string, db *store.DB, now time.Time) []*http.Cookie {
	b.Helper()
	link, err := console.IssueSignIn(context.Background(), db, base, member, now)
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(link, nil)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in %s: %v", member, err)
	}
	res.Body.Close()
	u, _ := url.Parse(base + "/console/")
	return jar.Cookies(u)
}
