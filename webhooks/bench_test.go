package webhooks_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
	"github.com/outreach-dev/outreach/webhooks"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// BenchmarkWebhookThroughput queues 5,000 messages for one endpoint on
// PostgreSQL and times the Sender draining them to a local receiver
// (signing, posting 8 at a time, or OUTREACH_BENCH_PARALLEL, recording the
// attempts); it reports messages per second and the CPU time of the
// process per message (sender, receiver and driver together).
//
//	go test ./webhooks/ -run '^$' -bench BenchmarkWebhookThroughput -benchtime 1x
func BenchmarkWebhookThroughput(b *testing.B) {
	const n = 5000
	ctx := context.Background()
	db := storetest.Open(b, store.Postgres, nil)
	var got atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got.Add(1); w.WriteHeader(204) }))
	defer srv.Close()
	secret, _ := webhooks.NewSecret()
	if err := db.CreateWebhook(ctx, outreach.WebhookEndpoint{ID: "ep", URL: srv.URL, Events: []string{"response.created"}, Secret: secret}); err != nil {
		b.Fatal(err)
	}
	if _, err := storetest.SQL(b, db).ExecContext(ctx, `INSERT INTO webhook_messages (id, endpoint_id, type, body, state, next_at, created_at)
		SELECT 'msg_' || g, 'ep', 'response.created', '{"type":"response.created","timestamp":"2026-03-01T00:00:00Z","data":{"score":9}}', 'pending', 0, 0
		FROM generate_series(1, $1) g`, n); err != nil {
		b.Fatal(err)
	}
	s := &webhooks.Sender{Store: db, AllowPrivate: true}
	if v, err := strconv.Atoi(os.Getenv("OUTREACH_BENCH_PARALLEL")); err == nil && v > 0 {
		s.Parallel = v
	}
	b.ResetTimer()
	cpu0 := cpuTime()
	start := time.Now()
	for got.Load() < n {
		if _, err := s.Tick(ctx, time.UnixMilli(1)); err != nil {
			b.Fatal(err)
		}
	}
	d, cpu := time.Since(start), cpuTime()-cpu0
	b.StopTimer()
	b.ReportMetric(float64(n)/d.Seconds(), "msgs/s")
	b.ReportMetric(float64(cpu.Microseconds())/n, "cpu-us/msg")
	b.Logf("%d messages delivered in %v: %.0f/s, %v of CPU per message in this process (parallel %d)", n, d, float64(n)/d.Seconds(),
		cpu/n, max(s.Parallel, 8))
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
