package simulate_test

import (
	"context"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
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
	contacts := 10000
	if v := os.Getenv("OUTREACH_BENCH_CONTACTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 100 {
			b.Fatalf("OUTREACH_BENCH_CONTACTS=%q: want a number of contacts, at least 100", v)
		}
		contacts = n
	}
	d := sample.Generate(1, sample.Options{Accounts: contacts / 10, Contacts: contacts, Events: contacts * 5, Days: 90})
	opts := simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events, Team: d.Team,
		From: d.From, Days: 90, Out: io.Discard}
	var decisions int
	cpu0 := cpuTime()
	start := time.Now()
	for b.Loop() {
		res, err := simulate.Run(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		decisions = res.Decisions
	}
	elapsed := time.Since(start).Seconds() / float64(b.N)
	cpu := (cpuTime() - cpu0).Seconds() / float64(b.N)
	b.ReportMetric(elapsed, "s/sim")
	b.ReportMetric(cpu, "cpu-s/sim")
	b.ReportMetric(float64(decisions)/elapsed, "decisions/s")
	b.ReportMetric(float64(decisions)/cpu, "decisions/cpu-s")
	b.ReportMetric(float64(decisions), "decisions")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
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
