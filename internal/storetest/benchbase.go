package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach/store"
)

// BenchBase describes a generated base for the console's page benchmarks.
type BenchBase struct {
	Contacts   int       // contacts, one account per ten
	Deliveries int       // deliveries, spread evenly over Days before Now
	Days       int       // how far back the deliveries go (default 180)
	Now        time.Time // the newest delivery is created just before Now
	// Campaigns are the campaign keys and categories the deliveries belong
	// to, round robin; survey campaigns get answers.
	Campaigns []BenchCampaign
}

// BenchCampaign is one campaign of a generated base.
type BenchCampaign struct{ Key, Category string }

// BenchSize reads the base's size from OUTREACH_BENCH_CONTACTS and
// OUTREACH_BENCH_DELIVERIES, with small defaults (10,000 and 100,000) so that
// `go test -bench .` stays quick; the figures are
// OUTREACH_BENCH_CONTACTS=1000000 OUTREACH_BENCH_DELIVERIES=10000000.
func BenchSize(tb testing.TB) (contacts, deliveries int) {
	tb.Helper()
	contacts, deliveries = 10_000, 100_000
	for _, v := range []struct {
		name string
		dst  *int
	}{{"OUTREACH_BENCH_CONTACTS", &contacts}, {"OUTREACH_BENCH_DELIVERIES", &deliveries}} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 100 {
				tb.Fatalf("%s=%q: want an integer >= 100", v.name, s)
			}
			*v.dst = n
		}
	}
	return contacts, deliveries
}

// Generate fills an empty PostgreSQL store with the base, quickly: each
// table is filled by one INSERT … SELECT over generate_series while it is
// unlogged (and stays so: the base is thrown away) and without its indexes
// and user triggers, then the indexes are built again on three connections,
// the tables analyzed, and the campaign counters rebuilt from the rows
// (store.RebuildCampaignCounters).
// It logs how long each step took.
//
// Shape, per delivery: 70 % sent (with a "sent" decision), 8 % dropped,
// 4 % suppressed, 2 % failed, 16 % planned; one in five deferred once
// before; one in five sent survey deliveries answered, scores 0–10.
func Generate(tb testing.TB, db *store.DB, base BenchBase) {
	tb.Helper()
	if db.Dialect() != store.Postgres {
		tb.Fatalf("storetest.Generate: PostgreSQL only, not %s", db.Dialect())
	}
	if base.Days <= 0 {
		base.Days = 180
	}
	if len(base.Campaigns) == 0 {
		tb.Fatal("storetest.Generate: no campaigns")
	}
	ctx := context.Background()
	conn, err := SQL(tb, db).Connx(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close()
	step := func(what string, qs ...string) {
		tb.Helper()
		t0 := time.Now()
		for _, q := range qs {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				tb.Fatalf("generate %s: %v\n%s", what, err, q)
			}
		}
		tb.Logf("generate: %-28s %v", what, time.Since(t0).Round(time.Millisecond))
	}
	tables := []string{"contacts", "deliveries", "decisions", "survey_responses"}
	step("session settings", `SET synchronous_commit = off`, `SET maintenance_work_mem = '512MB'`, `SET work_mem = '64MB'`)
	var rebuild []string
	for _, t := range tables {
		rebuild = append(rebuild, dropIndexes(tb, conn, t)...)
		step("unlogged "+t, `ALTER TABLE `+t+` SET UNLOGGED`, `ALTER TABLE `+t+` DISABLE TRIGGER USER`)
	}
	keys, cats := "ARRAY[", "ARRAY["
	for i, c := range base.Campaigns {
		if i > 0 {
			keys, cats = keys+",", cats+","
		}
		keys += quote(c.Key)
		cats += quote(c.Category)
	}
	keys, cats = keys+"]", cats+"]"
	n, d, k := strconv.Itoa(base.Contacts), strconv.Itoa(base.Deliveries), strconv.Itoa(len(base.Campaigns))
	accounts := strconv.Itoa(base.Contacts/10 + 1)
	now := strconv.FormatInt(base.Now.UnixMilli(), 10)
	span := strconv.FormatInt(int64(base.Days)*24*3600*1000, 10)
	step("accounts", `INSERT INTO accounts (external_id, name, plan, timezone, created_at, updated_at)
		SELECT 'a' || g, 'Account ' || g, CASE WHEN g % 3 = 0 THEN 'pro' ELSE 'team' END, 'UTC', 0, 0
		FROM generate_series(1, `+accounts+`) g`)
	step("contacts", `INSERT INTO contacts (external_id, account_id, email, name, role, locale, created_at, updated_at)
		SELECT 'c' || g, 1 + g % `+accounts+`, 'person' || g || '@customer' || (g % 997) || '.example', 'Person ' || g,
			(ARRAY['admin','champion','billing','user'])[1 + g % 4], (ARRAY['en','pt-BR','fr','ru','hu','id'])[1 + g % 6], 0, 0
		FROM generate_series(1, `+n+`) g`)
	// r decides the state; created spreads the rows over the period
	// (a multiplicative hash, so neighbours in g are far apart in time).
	step("deliveries", `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
			due_at, not_before, expires_at, reserved_at, sent_at, created_at, updated_at, error)
		SELECT md5(g::text)::uuid::text, (`+keys+`)[1 + g % `+k+`], (`+cats+`)[1 + g % `+k+`],
			c, 1 + c % `+accounts+`, 'o' || g,
			CASE WHEN r < 70 THEN 'sent' WHEN r < 78 THEN 'dropped' WHEN r < 82 THEN 'suppressed' WHEN r < 84 THEN 'failed' ELSE 'planned' END,
			created, CASE WHEN r >= 84 THEN created + 3600000 ELSE created END, created + 7 * 86400000,
			CASE WHEN r < 70 OR (r >= 82 AND r < 84) THEN sent END, CASE WHEN r < 70 THEN sent END,
			created, CASE WHEN r < 84 THEN sent ELSE created END,
			CASE WHEN r >= 82 AND r < 84 THEN 'rejected by the provider' ELSE '' END
		FROM (SELECT g, g % 100 AS r, 1 + (g * 7919) % `+n+` AS c,
				`+now+` - 1 - (g * 2654435761) % `+span+` AS created,
				least(`+now+` - 1, `+now+` - 1 - (g * 2654435761) % `+span+` + (g % 7200000)) AS sent
			FROM generate_series(1::bigint, `+d+`) g) s`)
	step("decisions", `INSERT INTO decisions (delivery_id, at, decision, reason, until)
		SELECT id, created_at, 'deferred', 'quiet hours until 09:00 in the recipient''s time zone', created_at + 3600000
		FROM deliveries WHERE ('x' || substr(id, 1, 2))::bit(8)::int % 5 = 0`,
		`INSERT INTO decisions (delivery_id, at, decision, reason)
		SELECT id, updated_at, CASE WHEN state IN ('sent', 'failed') THEN 'sent' ELSE state END,
			CASE state WHEN 'dropped' THEN 'past its ttl' WHEN 'suppressed' THEN 'unsubscribed' ELSE '' END
		FROM deliveries WHERE state <> 'planned'`)
	step("survey answers", `INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
		SELECT id, contact_id, campaign, ('x' || substr(id, 3, 2))::bit(8)::int % 11, '', least(sent_at + 3600000, `+now+` - 1), sent_at
		FROM deliveries WHERE state = 'sent' AND category = 'survey' AND ('x' || substr(id, 5, 2))::bit(8)::int % 5 = 0`)
	t0 := time.Now()
	buildIndexes(tb, db, rebuild)
	tb.Logf("generate: %-28s %v", "indexes", time.Since(t0).Round(time.Millisecond))
	for _, t := range tables {
		step("triggers on "+t, `ALTER TABLE `+t+` ENABLE TRIGGER USER`)
	}
	step("analyze", `ANALYZE`)
	t0 = time.Now()
	if err := db.RebuildCampaignCounters(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `ANALYZE campaign_counters`); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("generate: %-28s %v", "campaign counters", time.Since(t0).Round(time.Millisecond))
}

// buildIndexes runs the statements on three connections at once: index
// builds are CPU-bound sorts, and one connection uses at most one core
// beyond PostgreSQL's own parallel workers.
func buildIndexes(tb testing.TB, db *store.DB, stmts []string) {
	tb.Helper()
	ctx := context.Background()
	work := make(chan string, len(stmts))
	for _, q := range stmts {
		work <- q
	}
	close(work)
	errs := make(chan error, 3)
	pool := SQL(tb, db)
	for range 3 {
		go func() {
			conn, err := pool.Connx(ctx)
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
				errs <- err
				return
			}
			for q := range work {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					errs <- fmt.Errorf("%s: %w", q, err)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			tb.Fatalf("generate indexes: %v", err)
		}
	}
}

// dropIndexes drops the table's indexes (and its primary key) and returns
// the statements that build them again.
func dropIndexes(tb testing.TB, conn *sqlx.Conn, table string) []string {
	tb.Helper()
	ctx := context.Background()
	var cons []struct {
		Name string `db:"conname"`
		Def  string `db:"def"`
	}
	if err := conn.SelectContext(ctx, &cons, `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype IN ('p', 'u')`, table); err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, c := range cons {
		if _, err := conn.ExecContext(ctx, `ALTER TABLE `+table+` DROP CONSTRAINT `+c.Name); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprintf(`ALTER TABLE %s ADD CONSTRAINT %s %s`, table, c.Name, c.Def))
	}
	var idx []struct {
		Name string `db:"indexname"`
		Def  string `db:"indexdef"`
	}
	if err := conn.SelectContext(ctx, &idx, `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1`, table); err != nil {
		tb.Fatal(err)
	}
	for _, i := range idx {
		if _, err := conn.ExecContext(ctx, `DROP INDEX `+i.Name); err != nil {
			tb.Fatal(err)
		}
		out = append(out, i.Def)
	}
	return out
}

// quote is a SQL string literal of s (the campaign keys of a test pack).
func quote(s string) string {
	q := "'"
	for _, r := range s {
		if r == '\'' {
			q += "'"
		}
		q += string(r)
	}
	return q + "'"
}
