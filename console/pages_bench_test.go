package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

// benchPageReps is how many times each b.N round requests each page.
const benchPageReps = 20

// benchPage is one console page and the bare SQL it needs: the statements
// its store calls run, given as text and arguments and run through
// database/sql with no store code in between.
type benchPage struct {
	name, path string
	sql        []benchStmt
}

type benchStmt struct {
	q    string
	args []any
}

// BenchmarkConsolePages times the marketing pages of the console over a
// generated base on PostgreSQL (storetest.Generate: OUTREACH_BENCH_CONTACTS
// contacts, OUTREACH_BENCH_DELIVERIES deliveries over 180 days with their
// decisions and answers; small by default), each next to the bare SQL it
// needs, in the same run, alternating request and SQL, and reports
// page-ms, sql-ms and their ratio per page. The issue's figures:
//
//	OUTREACH_BENCH_CONTACTS=1000000 OUTREACH_BENCH_DELIVERIES=10000000 \
//	  go test ./console -run '^$' -bench ConsolePages -benchtime 1x -timeout 60m
//
// Each b.N round requests every page benchPageReps times (use -benchtime
// 1x: the testing package runs a benchmark once with b.N = 1 before any
// larger b.N, and each run generates its base). Targets: every page at most
// 2x its SQL, the campaign list over 30 days at most 150 ms.
// OUTREACH_BENCH_EXPLAIN=1 logs each statement's plan.
func BenchmarkConsolePages(b *testing.B) {
	contacts, deliveries := storetest.BenchSize(b)
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	db := storetest.Open(b, store.Postgres, now)
	loaded := campaigns.Default()
	base := storetest.BenchBase{Contacts: contacts, Deliveries: deliveries, Now: now()}
	for _, c := range loaded.Pack.Campaigns {
		base.Campaigns = append(base.Campaigns, storetest.BenchCampaign{Key: c.Key, Category: c.Category})
	}
	t0 := time.Now()
	storetest.Generate(b, db, base)
	b.Logf("generated %d contacts and %d deliveries in %v", contacts, deliveries, time.Since(t0).Round(time.Second))
	if _, _, err := scheduler.ApplyPack(ctx, db, loaded, now()); err != nil {
		b.Fatal(err)
	}
	if _, err := db.UpsertTeam(ctx, team); err != nil {
		b.Fatal(err)
	}
	cons := &console.Server{Store: db, Now: now, Pack: func() *campaigns.Loaded { return loaded }}
	srv := httptest.NewServer((&httpapi.Server{DB: db, Now: now, Console: cons.Handler()}).Handler())
	defer srv.Close()
	link, err := console.IssueSignIn(ctx, db, srv.URL, "mo@vendor.example", now())
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(link, nil)
	if err != nil || res.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %v", err)
	}
	var session string
	for _, ck := range res.Cookies() {
		session = ck.Value
	}
	sess := benchStmt{`SELECT s.email, s.csrf, s.created_at, s.last_seen_at, m.name, m.timezone, m.console_role, m.locale
		FROM console_sessions s JOIN team_members m ON m.email = s.email WHERE s.id_hash = $1`, []any{hashHex(session)}}
	day := 24 * time.Hour
	from30 := now().Truncate(day).AddDate(0, 0, -29)
	stats, statsArgs := db.CampaignStatsStatement(from30, now())
	pauses := benchStmt{`SELECT campaign, paused_by, paused_at FROM campaign_pauses`, nil}
	key := loaded.Pack.Campaigns[0].Key
	decisions, decisionsArgs := db.CampaignDecisionsStatement(key, 50)
	drafts := benchStmt{`SELECT id, name, '' AS files, base_version, author, updated_at, revision,
		approved_by, approved_revision, activated_version FROM pack_drafts ORDER BY updated_at DESC, id DESC LIMIT 50`, nil}
	search, searchArgs := db.SearchContactsStatement("person12345", 20)
	pages := []benchPage{
		{"campaigns-30d", "/console/campaigns?days=30", []benchStmt{sess, {stats, statsArgs}, pauses}},
		{"campaign", "/console/campaigns/" + key + "?days=30", []benchStmt{sess, {stats, statsArgs}, pauses, {decisions, decisionsArgs}}},
		{"pack", "/console/pack", []benchStmt{sess, {`SELECT COALESCE(MAX(version), 0) FROM packs`, nil}, drafts,
			{`SELECT version, hash, '' AS files, activated_at FROM packs ORDER BY version DESC LIMIT 50`, nil}}},
		{"preview-search", "/console/pack/preview?q=person12345", []benchStmt{sess, drafts,
			{`SELECT COALESCE(MAX(version), 0) FROM packs`, nil}, {search, searchArgs}}},
	}
	x := db.SQLX()
	if os.Getenv("OUTREACH_BENCH_EXPLAIN") != "" {
		for _, p := range pages {
			for _, s := range p.sql {
				var plan []string
				if err := x.SelectContext(ctx, &plan, "EXPLAIN (ANALYZE, BUFFERS) "+s.q, s.args...); err != nil {
					b.Fatal(err)
				}
				b.Logf("%s:\n%s\n%s", p.name, s.q, strings.Join(plan, "\n"))
			}
		}
	}
	for _, p := range pages { // warm both paths once
		if res, err := c.Get(srv.URL + p.path); err != nil || res.StatusCode != 200 {
			b.Fatalf("%s: %v %v", p.path, res.Status, err)
		} else {
			res.Body.Close()
		}
	}
	pageT, sqlT := make([]time.Duration, len(pages)), make([]time.Duration, len(pages))
	n := b.N * benchPageReps
	b.ResetTimer()
	for range n {
		for j, p := range pages {
			t := time.Now()
			for _, s := range p.sql {
				rows, err := x.QueryContext(ctx, s.q, s.args...)
				if err != nil {
					b.Fatalf("%s: %v", p.name, err)
				}
				for rows.Next() {
				}
				if err := rows.Close(); err != nil {
					b.Fatal(err)
				}
			}
			sqlT[j] += time.Since(t)
			t = time.Now()
			res, err := c.Get(srv.URL + p.path)
			if err != nil || res.StatusCode != 200 {
				b.Fatalf("%s: %v", p.path, err)
			}
			for buf := make([]byte, 32<<10); ; {
				if _, err := res.Body.Read(buf); err != nil {
					break
				}
			}
			res.Body.Close()
			pageT[j] += time.Since(t)
		}
	}
	b.StopTimer()
	for j, p := range pages {
		pm, sm := float64(pageT[j].Microseconds())/1000/float64(n), float64(sqlT[j].Microseconds())/1000/float64(n)
		b.Logf("%-15s page %8.2f ms  bare SQL %8.2f ms  ratio %.2f", p.name, pm, sm, pm/sm)
		b.ReportMetric(pm, p.name+"-page-ms")
		b.ReportMetric(sm, p.name+"-sql-ms")
		b.ReportMetric(pm/sm, p.name+"-ratio")
	}
}

// hashHex is the stored form of a session id (hex SHA-256).
func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
