package console_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
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
const benchPageReps = 50

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
// needs, in the same run, alternating which goes first, and reports per
// page the medians of its server time (page-ms: from the server's handler entry to its
// return, every middleware included), the bare SQL's time (sql-ms), their
// ratio, and the client's round trip (roundtrip-ms). The issue's figures:
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
	// served is the server time of the last request: from the handler's
	// start to its return, the whole stack of httpapi and the console.
	var served atomic.Int64
	api := (&httpapi.Server{DB: db, Now: now, Console: cons.Handler()}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.Now()
		api.ServeHTTP(w, r)
		served.Store(int64(time.Since(t)))
	}))
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
	statsOne, statsOneArgs := db.CampaignStatsStatement(from30, now(), key)
	drafts := benchStmt{`SELECT id, name, '' AS files, base_version, author, updated_at, revision,
		approved_by, approved_revision, activated_version FROM pack_drafts ORDER BY updated_at DESC, id DESC LIMIT 50`, nil}
	search, searchArgs := db.SearchContactsStatement("person12345", 20)
	pages := []benchPage{
		{"campaigns-30d", "/console/campaigns?days=30", []benchStmt{sess, {stats, statsArgs}, pauses}},
		{"campaign", "/console/campaigns/" + key + "?days=30", []benchStmt{sess, {statsOne, statsOneArgs}, pauses, {decisions, decisionsArgs}}},
		{"pack", "/console/pack", []benchStmt{sess, {`SELECT COALESCE(MAX(version), 0) FROM packs`, nil}, drafts,
			{`SELECT version, hash, '' AS files, activated_at FROM packs ORDER BY version DESC LIMIT 50`, nil}}},
		{"preview-search", "/console/pack/preview?q=person12345", []benchStmt{sess, drafts,
			{`SELECT COALESCE(MAX(version), 0) FROM packs`, nil}, {search, searchArgs}}},
	}
	x := storetest.SQL(b, db)
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
	pageT, sqlT := make([][]time.Duration, len(pages)), make([][]time.Duration, len(pages))
	n := b.N * benchPageReps
	b.ResetTimer()
	runSQL := func(stmts []benchStmt) time.Duration {
		t := time.Now()
		for _, s := range stmts {
			rows, err := x.QueryContext(ctx, s.q, s.args...)
			if err != nil {
				b.Fatalf("%s: %v", s.q, err)
			}
			for rows.Next() {
			}
			if err := rows.Close(); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(t)
	}
	roundT := make([][]time.Duration, len(pages))
	runPage := func(j int, path string) time.Duration {
		t := time.Now()
		res, err := c.Get(srv.URL + path)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%s: %v", path, err)
		}
		for buf := make([]byte, 32<<10); ; {
			if _, err := res.Body.Read(buf); err != nil {
				break
			}
		}
		res.Body.Close()
		roundT[j] = append(roundT[j], time.Since(t))
		return time.Duration(served.Load())
	}
	for i := range n {
		for j, p := range pages {
			if i%2 == 0 { // alternate which goes first
				sqlT[j] = append(sqlT[j], runSQL(p.sql))
				pageT[j] = append(pageT[j], runPage(j, p.path))
			} else {
				pageT[j] = append(pageT[j], runPage(j, p.path))
				sqlT[j] = append(sqlT[j], runSQL(p.sql))
			}
		}
	}
	b.StopTimer()
	// What the campaign list cost before the counters: the set-based
	// counts over the deliveries, decisions and answers of the period, on
	// the indexes of migration 00013.
	f, t := from30.UnixMilli(), now().UnixMilli()
	var scan time.Duration
	for range 3 {
		scan += runSQL([]benchStmt{
			{`SELECT campaign, count(*) FROM deliveries WHERE created_at >= $1 AND created_at < $2 GROUP BY campaign`, []any{f, t}},
			{`SELECT campaign, day, count(*) FROM (SELECT campaign, (sent_at - $1) / 86400000 AS day FROM deliveries
				WHERE state = 'sent' AND sent_at >= $1 AND sent_at < $2) s GROUP BY campaign, day`, []any{f, t}},
			{`SELECT d.campaign, x.decision, count(DISTINCT x.delivery_id) FROM decisions x JOIN deliveries d ON d.id = x.delivery_id
				WHERE x.decision IN ('deferred', 'dropped', 'suppressed') AND x.at >= $1 AND x.at < $2 GROUP BY d.campaign, x.decision`, []any{f, t}},
			{`SELECT campaign, count(*) FROM deliveries WHERE state = 'failed' AND updated_at >= $1 AND updated_at < $2 GROUP BY campaign`, []any{f, t}},
			{`SELECT d.campaign, count(*) FROM deliveries d JOIN survey_responses r ON r.delivery_id = d.id
				WHERE d.state = 'sent' AND d.sent_at >= $1 AND d.sent_at < $2 GROUP BY d.campaign`, []any{f, t}},
			{`SELECT campaign, sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), sum(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
				sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END) FROM survey_responses WHERE at >= $1 AND at < $2 GROUP BY campaign`, []any{f, t}},
		})
	}
	b.Logf("campaigns-30d counted from the rows instead (before migration 00022): %.1f ms", float64(scan.Microseconds())/1000/3)
	b.ReportMetric(float64(scan.Microseconds())/1000/3, "campaigns-30d-rowcount-sql-ms")
	for j, p := range pages {
		pm, sm, rm := median(pageT[j]), median(sqlT[j]), median(roundT[j])
		b.Logf("%-15s page (server) %8.2f ms  bare SQL %8.2f ms  ratio %.2f  (round trip %.2f ms)", p.name, pm, sm, pm/sm, rm)
		b.ReportMetric(pm, p.name+"-page-ms")
		b.ReportMetric(sm, p.name+"-sql-ms")
		b.ReportMetric(pm/sm, p.name+"-ratio")
		b.ReportMetric(rm, p.name+"-roundtrip-ms")
	}
}

// median returns the median of ds in milliseconds: on a shared machine a
// few requests wait for a core far longer than the rest, and the median
// keeps them from deciding the ratio.
func median(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// hashHex is the stored form of a session id (hex SHA-256).
func hashHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
