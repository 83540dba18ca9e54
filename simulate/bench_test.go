package simulate_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/internal/benchenv"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"

	_ "modernc.org/sqlite"
)

// BenchmarkSimulate runs the forecast size: 10,000 contacts in
// 1,000 accounts with 50,000 events over 90 simulated days, with the
// built-in pack, writing the JSONL log to io.Discard. It reports the
// seconds per simulation and the decisions per second, in wall time and
// in CPU time (user+sys).
//
//	go test -run '^$' -bench Simulate -benchtime 1x ./simulate
//
// OUTREACH_BENCH_CONTACTS scales it (accounts and events in proportion:
// 100000 runs 100,000 contacts in 10,000 accounts with 500,000 events).
// It also reports the process's peak RSS.
func BenchmarkSimulate(b *testing.B) {
	contacts := benchenv.Int(b, "OUTREACH_BENCH_CONTACTS", 10000, 100)
	d := sample.Generate(1, sample.Options{Accounts: contacts / 10, Contacts: contacts, Events: contacts * 5, Days: 90})
	opts := simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events, Team: d.Team,
		From: d.From, Days: 90, Out: io.Discard}
	var decisions, instants int
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		res, err := simulate.Run(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		decisions, instants = res.Decisions, res.Instants
	}
	elapsed := time.Since(start).Seconds() / float64(b.N)
	cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(elapsed, "s/sim")
	b.ReportMetric(cpu, "cpu-s/sim")
	b.ReportMetric(float64(decisions)/elapsed, "decisions/s")
	b.ReportMetric(float64(decisions)/cpu, "decisions/cpu-s")
	b.ReportMetric(float64(decisions), "decisions")
	b.ReportMetric(float64(instants), "instants")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
	b.StopTimer()
	raw := rawDecisionWrites(b, decisions, instants)
	b.ReportMetric(raw, "raw-decisions/s")
	b.ReportMetric(float64(decisions)/elapsed/raw, "ratio-to-raw")
}

// BenchmarkForecastPacks is the console's forecast at the same size: the
// active pack and a draft (here the built-in pack twice) over the same
// base, run at once (simulate.RunAll, as ForecastPacks does). decisions/s counts the
// decisions of both: on two cores about 1.25 times BenchmarkSimulate's
// (one simulation keeps 1.2 cores busy).
//
//	go test -run '^$' -bench ForecastPacks -benchtime 1x ./simulate
func BenchmarkForecastPacks(b *testing.B) {
	d := sample.Generate(1, sample.Options{Accounts: 1000, Contacts: 10000, Events: 50000, Days: 90})
	base := simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events, Team: d.Team,
		From: d.From, Days: 90}
	var decisions int
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		active, draft := base, base
		active.Pack, draft.Pack = campaigns.Default(), campaigns.Default()
		res, err := simulate.RunAll(context.Background(), active, draft)
		if err != nil {
			b.Fatal(err)
		}
		decisions = res[0].Decisions + res[1].Decisions
	}
	elapsed := time.Since(start).Seconds() / float64(b.N)
	cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(elapsed, "s/forecast")
	b.ReportMetric(cpu, "cpu-s/forecast")
	b.ReportMetric(float64(decisions)/elapsed, "decisions/s")
	b.ReportMetric(float64(decisions), "decisions")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}

// rawDecisionWrites is the forecast's floor, measured in the same run: the
// bare SQL that storing n decisions takes, on an in-memory SQLite database
// of its own through database/sql, grouped as the forecast groups them
// (one transaction per instant of its clock). Per decision it reads the
// contact's sends of the last 24 hours (the throttle's question), inserts
// a planned delivery, inserts the decision and marks the delivery sent,
// with the four indexes those need. It returns decisions per second. Even
// this, with no planner, throttle, template or log, is a ceiling the real
// engine cannot pass.
func rawDecisionWrites(b *testing.B, n, instants int) float64 {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE deliveries (id TEXT PRIMARY KEY, campaign TEXT NOT NULL, contact_id INTEGER NOT NULL,
			account_id INTEGER NOT NULL, state TEXT NOT NULL, not_before INTEGER NOT NULL, reserved_at INTEGER, sent_at INTEGER)`,
		`CREATE INDEX deliveries_contact_reserved ON deliveries (contact_id, reserved_at)`,
		`CREATE INDEX deliveries_account_reserved ON deliveries (account_id, reserved_at)`,
		`CREATE INDEX deliveries_planned ON deliveries (not_before) WHERE state = 'planned'`,
		`CREATE TABLE decisions (id INTEGER PRIMARY KEY, delivery_id TEXT NOT NULL, at INTEGER NOT NULL, decision TEXT NOT NULL)`,
		`CREATE INDEX decisions_delivery_id ON decisions (delivery_id)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	per := max(1, (n+instants-1)/max(instants, 1))
	start := time.Now()
	for i := 0; i < n; {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < per && i < n; i, j = i+1, j+1 {
			id, at := fmt.Sprintf("d%08d", i), int64(i)*60_000
			contact := int64(i % 10_000)
			var recent int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM deliveries WHERE contact_id = ? AND reserved_at >= ?`,
				contact, at-86_400_000).Scan(&recent); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO deliveries (id, campaign, contact_id, account_id, state, not_before)
				VALUES (?, 'nps-onboarding', ?, ?, 'planned', ?)`, id, contact, contact/10, at); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO decisions (delivery_id, at, decision) VALUES (?, ?, 'sent')`, id, at); err != nil {
				b.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET state = 'sent', reserved_at = ?, sent_at = ? WHERE id = ?`,
				at, at, id); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// peakRSS is the process's peak resident set size in bytes.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // kilobytes on Linux
}

// cpuTime is the process's user+sys CPU time so far: on a shared, busy
// machine it says more about the work done than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
