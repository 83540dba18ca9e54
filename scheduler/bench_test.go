package scheduler_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/internal/benchenv"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkPlanningTick measures, on PostgreSQL, one planning tick of the
// default pack over OUTREACH_BENCH_CONTACTS contacts (default 1,000,000)
// in contacts/10 accounts with 3 events per contact, where ~30% of the
// contacts are due for re-engagement (inactive for more than 30 days), and
// in the same run the raw set-based baseline: one INSERT ... SELECT ... ON
// CONFLICT DO NOTHING of the same rows (same ids, same columns) into a
// copy of the deliveries table. It reports both times, their ratio and the
// peak RSS of the process. The data is made with generate_series.
//
//	go test ./scheduler/ -run '^$' -bench BenchmarkPlanningTick -benchtime 1x
func BenchmarkPlanningTick(b *testing.B) {
	contacts := benchenv.Int(b, "OUTREACH_BENCH_CONTACTS", 1_000_000, 100)
	ctx := context.Background()
	c := &clock{t: t0}
	db := storetest.Open(b, store.Postgres, c.Now)
	pack := campaigns.Default()
	if _, _, err := scheduler.ApplyPack(ctx, db, pack, t0); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC) // Monday 10:00: re-engagement fires
	start := time.Now()
	benchData(b, db, contacts, now)
	b.Logf("generated %d contacts, %d accounts, %d events in %v", contacts, contacts/10, 3*contacts, time.Since(start).Round(time.Millisecond))
	s := &scheduler.Scheduler{Store: db, Pack: func() *outreach.Pack { return pack.Pack }}
	var baseDur, tickDur time.Duration
	var planned int
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, q := range []string{`TRUNCATE deliveries, deliveries_baseline`, `DELETE FROM schedule_fires`} {
			if _, err := storetest.SQL(b, db).Exec(q); err != nil {
				b.Fatal(err)
			}
		}
		checkpoint(b, db)
		b.StartTimer()
		t := time.Now()
		n := benchBaseline(b, db, now)
		baseDur += time.Since(t)
		b.StopTimer()
		checkpoint(b, db) // neither statement pays for the other's dirty pages
		b.StartTimer()
		t = time.Now()
		rep, err := s.Tick(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		tickDur += time.Since(t)
		if rep.DeliveriesPlanned != n {
			b.Fatalf("tick planned %d deliveries, baseline %d", rep.DeliveriesPlanned, n)
		}
		planned = n
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	rss := float64(ru.Maxrss) / 1024 // KiB on Linux
	per := float64(b.N)
	b.ReportMetric(baseDur.Seconds()/per, "baseline-s")
	b.ReportMetric(tickDur.Seconds()/per, "tick-s")
	b.ReportMetric(tickDur.Seconds()/baseDur.Seconds(), "ratio")
	b.ReportMetric(rss, "peak-rss-MiB")
	b.ReportMetric(float64(planned), "deliveries")
	b.Logf("re-engagement audience %d: baseline %v, tick %v, ratio %.2f, peak RSS %.0f MiB",
		planned, (baseDur / time.Duration(b.N)).Round(time.Millisecond), (tickDur / time.Duration(b.N)).Round(time.Millisecond),
		tickDur.Seconds()/baseDur.Seconds(), rss)
}

// checkpoint flushes dirty pages so that the next measured statement does
// not pay for the writes of the previous one.
func checkpoint(b *testing.B, db *store.DB) {
	if _, err := storetest.SQL(b, db).Exec(`CHECKPOINT`); err != nil {
		b.Fatal(err)
	}
}

// benchData fills accounts, contacts and (already planned) events with
// generate_series: 30% of the contacts were last seen 31 to 330 days
// before now, the others within the last 29 days.
func benchData(b *testing.B, db *store.DB, contacts int, now time.Time) {
	accounts := max(contacts/10, 1)
	nowMs, dayMs := now.UnixMilli(), (24 * time.Hour).Milliseconds()
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO accounts (external_id, name, plan, created_at, updated_at)
			SELECT 'acc-' || g, 'Account ' || g, (ARRAY['starter', 'growth', 'enterprise'])[1 + g %% 3], %d, %d
			FROM generate_series(CAST(1 AS bigint), %d) g`, nowMs, nowMs, accounts),
		fmt.Sprintf(`INSERT INTO contacts (external_id, account_id, email, role, locale, last_seen_at, created_at, updated_at)
			SELECT 'c-' || g, 1 + g %% %d, 'c' || g || '@bench.test',
				(ARRAY['admin', 'champion', 'billing', 'user'])[1 + g %% 4], (ARRAY['en', 'pt-BR', 'fr', 'ru', 'hu'])[1 + g %% 5],
				CASE WHEN g %% 10 < 3 THEN %d - (31 + g %% 300) * %d ELSE %d - (g %% 29) * %d END, %d, %d
			FROM generate_series(CAST(1 AS bigint), %d) g`, accounts, nowMs, dayMs, nowMs, dayMs, nowMs, nowMs, contacts),
		fmt.Sprintf(`INSERT INTO events (id, type, contact_id, account_id, occurred_at, properties, ingested_at, planned_at)
			SELECT 'ev-' || g, (ARRAY['contact.active', 'support.ticket_closed', 'milestone.reached'])[1 + g %% 3],
				1 + g %% %d, 1 + (g %% %d) %% %d, %d - (g %% 400) * %d, '{"ticket_id": "' || g || '", "priority": "p1"}',
				%d, %d
			FROM generate_series(CAST(1 AS bigint), %d) g`, contacts, contacts, accounts, nowMs, dayMs, nowMs, nowMs, 3*contacts),
		`CREATE TABLE deliveries_baseline (LIKE deliveries INCLUDING ALL)`,
		`ANALYZE`,
	} {
		if _, err := storetest.SQL(b, db).Exec(q); err != nil {
			b.Fatalf("generate data: %v\n%s", err, q)
		}
	}
}

// benchBaseline is the raw set-based statement: the re-engagement rows,
// with the same ids, written by one INSERT ... SELECT ... ON CONFLICT DO
// NOTHING. It returns how many rows it inserted.
func benchBaseline(b *testing.B, db *store.DB, now time.Time) int {
	q := `INSERT INTO deliveries_baseline (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
			due_at, not_before, expires_at, created_at, updated_at)
		SELECT CAST(uuid_generate_v5(CAST($1 AS uuid), 'reengagement:' || c.id || ':' || o.occ) AS text), 'reengagement', 'lifecycle',
			c.id, c.account_id, o.occ, '', 'planned', $2, $2, $3, $2, $2
		FROM contacts c,
			LATERAL (SELECT to_char(to_timestamp(c.last_seen_at / 1000) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS occ) o
		WHERE c.status = 'active' AND c.last_seen_at < $4
		ON CONFLICT (id) DO NOTHING`
	res, err := storetest.SQL(b, db).Exec(q, outreach.DeliveryNamespace.String(), now.UnixMilli(), now.Add(outreach.DefaultTTL).UnixMilli(),
		now.Add(-30*24*time.Hour).UnixMilli())
	if err != nil {
		b.Fatal(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		b.Fatal(err)
	}
	return int(n)
}
