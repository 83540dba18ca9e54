package console_test

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/benchenv"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkNPSPage times the NPS page over OUTREACH_BENCH_ANSWERS answers
// on PostgreSQL (default 20,000 so that a run stays short; the issue's
// size is 1,000,000) — a year of answers at 500 accounts of 20 owners, one
// in ten with a comment, one in twenty to the CSAT campaign — next to the
// bare SQL of the page's figures computed from the base tables, in the
// same run: the campaign list, the NPS by month (or week) and campaign
// over the answers with the surveys-sent count over the deliveries, the
// CSAT the same way, and a page of the comment feed. (The page reads the
// NPS from the aggregates instead: the bare SQL is the raw baseline.)
// Four pages, over the default period: an admin's (everyone), a cs
// member's (one owner's 25 accounts), an admin's search for a word in one
// comment in a thousand, and an admin's by week. Reported per page:
// page-ms, sql-ms and their ratio, and store-ms, the page's store calls
// made directly (the store's share of the page).
//
//	OUTREACH_BENCH_ANSWERS=1000000 go test ./console -run '^$' -bench NPSPage -benchtime 3x -timeout 60m
//
// The bulk load takes about 45 s at that size, once per b.N round.
// OUTREACH_BENCH_KEEP=NAME keeps the generated base in the database
// NAME_<answers>_<hash of the load's statements> (pgtest.Kept) and reuses
// it in later runs: the data are the same (the generation is
// deterministic; a load that did not finish is thrown away and made
// again), the store's migrations newer than the base run on it as they
// would in production, and the tables are analyzed again. Drop the database
// by hand to start afresh (also after editing a migration it has run).
func BenchmarkNPSPage(b *testing.B) {
	total := benchenv.Int(b, "OUTREACH_BENCH_ANSWERS", 20_000, 1000)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	start := now().AddDate(-1, 0, 0).UnixMilli()
	// The bulk load runs on one connection with triggers off (a row
	// trigger per answer would take minutes), fills in what a trigger
	// would have set (survey_responses.account_id), then rebuilds whatever
	// a trigger would have kept (nps_rebuild, where a migration defines it).
	steps := []string{
		`SET session_replication_role = replica`,
		`INSERT INTO accounts (external_id, name, owner_email, plan, created_at, updated_at)
			SELECT 'a' || g, 'Account ' || g, 'csm' || (g % 20) || '@vendor.example', 'plan' || (g % 3), 0, 0 FROM generate_series(1, 500) g`,
		`INSERT INTO contacts (external_id, account_id, email, role, locale, created_at, updated_at)
			SELECT 'c' || g, (SELECT id FROM accounts WHERE external_id = 'a' || (g % 500 + 1)), 'p' || g || '@example.com',
			(ARRAY['admin', 'champion', 'user', 'billing'])[g % 4 + 1], (ARRAY['en', 'pt', 'fr', 'ru', 'hu', 'id'])[g % 6 + 1], 0, 0
			FROM generate_series(1, 20000) g`,
		`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before, expires_at,
			sent_at, created_at, updated_at)
			SELECT 'd' || g, CASE WHEN g % 20 = 0 THEN 'csat-support' WHEN g % 2 = 0 THEN 'nps-qbr' ELSE 'nps-onboarding' END,
			'survey', c.id, c.account_id, 'o' || g, 'sent', 0, 0, 0, $1::bigint + (g::bigint * 31536000000 / $2), 0, 0
			FROM generate_series(1, $2) g JOIN contacts c ON c.external_id = 'c' || (g % 20000 + 1)`,
		`INSERT INTO survey_responses (delivery_id, contact_id, account_id, campaign, score, comment, at, updated_at)
			SELECT id, contact_id, account_id, campaign, (hashtext(id) & 2147483647) % 11,
			CASE WHEN (hashtext(id) & 2147483647) % 10 = 0 THEN 'The export ' ||
				CASE WHEN (hashtext(id) & 2147483647) % 1000 = 0 THEN 'zeppelin ' ELSE '' END || 'was slow on ' || id ELSE '' END,
			sent_at + 3600000, 0 FROM deliveries`,
		`SET session_replication_role = origin`,
		`DO $$ BEGIN IF to_regproc('nps_rebuild') IS NOT NULL THEN PERFORM nps_rebuild(); END IF; END $$`,
		`ANALYZE`,
	}
	var db *store.DB
	load, kept := true, ""
	if name := os.Getenv("OUTREACH_BENCH_KEEP"); name != "" {
		// The database's name tells the size and the load's statements.
		h := fnv.New32a()
		h.Write([]byte(strings.Join(steps, ";")))
		var u string
		kept = fmt.Sprintf("%s_%d_%08x", name, total, h.Sum32())
		u, load = pgtest.Kept(b, kept)
		db = storetest.OpenURL(b, u, now)
	} else {
		db = storetest.Open(b, store.Postgres, now)
	}
	x := storetest.SQL(b, db)
	t0 := time.Now()
	conn, err := x.Connx(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if !load {
		steps = []string{`ANALYZE`}
	}
	for _, q := range steps {
		var err error
		if strings.HasPrefix(q, `INSERT INTO deliveries`) {
			_, err = conn.ExecContext(ctx, q, start, total)
		} else {
			_, err = conn.ExecContext(ctx, q)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	if kept != "" && load {
		pgtest.MarkKept(b, kept)
	}
	b.Logf("%d answers (loaded now: %v, kept database: %q) in %v", total, load, kept, time.Since(t0).Round(time.Millisecond))
	members := []outreach.TeamMember{{Email: "ada@vendor.example", ConsoleRole: outreach.RoleAdmin},
		{Email: "csm7@vendor.example", ConsoleRole: outreach.RoleCS}}
	if _, err := db.UpsertTeam(ctx, members); err != nil {
		b.Fatal(err)
	}
	pack := campaigns.Default() // loaded once, as serve does
	cons := &console.Server{Store: db, Now: now, Pack: func() *campaigns.Loaded { return pack }}
	srv := httptest.NewServer((&httpapi.Server{DB: db, Now: now, Console: cons.Handler()}).Handler())
	defer srv.Close()
	client := func(email string) *http.Client {
		link, err := console.IssueSignIn(ctx, db, srv.URL, email, now())
		if err != nil {
			b.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if res, err := c.PostForm(link, nil); err != nil || res.StatusCode != http.StatusSeeOther {
			b.Fatalf("sign in: %v", err)
		}
		return c
	}
	admin, cs := client("ada@vendor.example"), client("csm7@vendor.example")
	// The page's default period: the first of the month eleven months
	// back to the end of today.
	from, to := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	csat := []string{"csat-support"}
	month, week := outreach.IntervalMonth, outreach.IntervalWeek
	bare := func(owner, search, interval string) func() error {
		f := outreach.NPSFilter{From: &from, To: &to, Owner: owner, Interval: interval, GroupBy: "campaign",
			ExcludeCampaigns: csat}
		cf := f
		cf.Campaign, cf.Interval, cf.GroupBy, cf.ExcludeCampaigns = "csat-support", "", "", nil
		type stmt struct {
			q    string
			args []any
		}
		var stmts []stmt
		add := func(q string, args []any) { stmts = append(stmts, stmt{q, args}) }
		add(db.NPSCountsQuery(f, 0))
		add(db.NPSCountsQuery(cf, 0))
		sentQ := `SELECT COUNT(*), COUNT(r.delivery_id) FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id`
		if owner != "" {
			sentQ += ` JOIN accounts a ON a.id = d.account_id`
		}
		sentQ += ` WHERE d.category = 'survey' AND d.state = 'sent' AND d.sent_at >= $1 AND d.sent_at < $2 AND d.campaign `
		for _, not := range []string{"<>", "="} {
			q, args := sentQ+not+` 'csat-support'`, []any{from.UnixMilli(), to.UnixMilli()}
			if owner != "" {
				q += ` AND LOWER(a.owner_email) = $3`
				args = append(args, owner)
			}
			add(q, args)
		}
		add(db.CommentFeedQuery(outreach.CommentQuery{NPSFilter: f, Search: search, Limit: 50, ScanLimit: 5000}))
		add(`WITH RECURSIVE
			sent(k) AS (SELECT MIN(campaign) FROM deliveries WHERE state = 'sent'
				UNION ALL SELECT (SELECT MIN(campaign) FROM deliveries WHERE state = 'sent' AND campaign > sent.k) FROM sent WHERE sent.k IS NOT NULL),
			answered(k) AS (SELECT MIN(campaign) FROM survey_responses
				UNION ALL SELECT (SELECT MIN(campaign) FROM survey_responses WHERE campaign > answered.k) FROM answered WHERE answered.k IS NOT NULL)
			SELECT k FROM sent WHERE k IS NOT NULL UNION SELECT k FROM answered WHERE k IS NOT NULL ORDER BY 1`, nil)
		return func() error {
			for _, s := range stmts {
				if out := os.Getenv("OUTREACH_BENCH_EXPLAIN"); out != "" {
					explain(b, x, out, s.q, s.args)
				}
				rows, err := x.QueryContext(ctx, s.q, s.args...)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
			}
			return nil
		}
	}
	// stored makes the page's store calls without HTTP or templates: it
	// tells the store's share of the page's time from the console's.
	stored := func(owner, search, interval string) func() error {
		return func() error {
			if _, err := db.SentCampaigns(ctx); err != nil {
				return err
			}
			f := outreach.NPSFilter{From: &from, To: &to, Owner: owner, Interval: interval, GroupBy: "campaign",
				ExcludeCampaigns: csat}
			if _, err := db.NPS(ctx, f); err != nil {
				return err
			}
			if _, err := db.NPS(ctx, outreach.NPSFilter{From: &from, To: &to, Owner: owner, Campaign: "csat-support"}); err != nil {
				return err
			}
			_, err := db.Comments(ctx, outreach.CommentQuery{NPSFilter: f, Search: search, Limit: 50, ScanLimit: 5000})
			return err
		}
	}
	pages := []struct {
		name       string
		c          *http.Client
		path       string
		sql, store func() error
	}{
		{"admin", admin, "/console/nps", bare("", "", month), stored("", "", month)},
		{"cs", cs, "/console/nps", bare("csm7@vendor.example", "", month), stored("csm7@vendor.example", "", month)},
		{"search", admin, "/console/nps?q=zeppelin", bare("", "zeppelin", month), stored("", "zeppelin", month)},
		{"week", admin, "/console/nps?interval=week", bare("", "", week), stored("", "", week)},
	}
	reps := 3 // each page, its store calls and its SQL, interleaved
	if total < 200_000 {
		reps = 10 // small runs are quick and noisier
	}
	for _, p := range pages {
		var sqlT, storeT, pageT time.Duration
		for i := 0; i < b.N*reps; i++ {
			t0 := time.Now()
			if err := p.sql(); err != nil {
				b.Fatal(err)
			}
			sqlT += time.Since(t0)
			t0 = time.Now()
			if err := p.store(); err != nil {
				b.Fatal(err)
			}
			storeT += time.Since(t0)
			t0 = time.Now()
			res, err := p.c.Get(srv.URL + p.path)
			if err != nil || res.StatusCode != http.StatusOK {
				b.Fatalf("%s: %v %v", p.path, err, res.Status)
			}
			res.Body.Close()
			pageT += time.Since(t0)
		}
		k := time.Duration(b.N * reps)
		b.Logf("%-7s page %8v  store calls %8v  bare SQL %8v  ratio page/SQL %.2f", p.name, (pageT / k).Round(time.Microsecond),
			(storeT / k).Round(time.Microsecond), (sqlT / k).Round(time.Microsecond), float64(pageT)/float64(sqlT))
		b.ReportMetric(float64(pageT/k)/1e6, p.name+"-page-ms")
		b.ReportMetric(float64(sqlT/k)/1e6, p.name+"-sql-ms")
		b.ReportMetric(float64(storeT/k)/1e6, p.name+"-store-ms")
		b.ReportMetric(float64(pageT)/float64(sqlT), p.name+"-ratio")
	}
}

// explain appends the plan of q, run with EXPLAIN ANALYZE, to the file out
// (OUTREACH_BENCH_EXPLAIN=FILE).
func explain(b *testing.B, x *sqlx.DB, out, q string, args []any) {
	var plan []string
	if err := x.SelectContext(context.Background(), &plan, "EXPLAIN (ANALYZE, BUFFERS) "+q, args...); err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fmt.Fprintf(f, "%s\n%s\n\n", q, strings.Join(plan, "\n"))
}
