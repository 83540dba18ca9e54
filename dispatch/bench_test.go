package dispatch_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkDispatch dispatches OUTREACH_BENCH_DELIVERIES (default 100,000)
// due deliveries on PostgreSQL through the real SendGrid sender to a local
// fake that answers 202, with the default pack's caps on and then off, and
// measures two raw baselines in the same run: plain HTTP POSTs of the same
// bodies to the same server, and a bare SKIP LOCKED claim-and-mark loop
// over the same rows. It also reports the CPU time per delivery of this
// process (dispatchers, sender and the fake server) and of the database's
// PostgreSQL backends, steadier than throughput on a shared machine. Run
// it once:
//
//	go test ./dispatch -run '^$' -bench Dispatch -benchtime 1x
func BenchmarkDispatch(b *testing.B) {
	n := 100_000
	if v := os.Getenv("OUTREACH_BENCH_DELIVERIES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	const workers = 16
	db := openStore(b, store.Postgres)
	// The store's pool and the claim baseline's (storetest.SQL) both keep
	// as many idle connections as they may open (store.DefaultMaxConns,
	// more than workers): with database/sql's default of 2 idle, the
	// concurrent transactions would open (and PostgreSQL fork) a new
	// connection for most statements.
	seedBench(b, db, n)
	fake, accepted, sample := benchServer()
	// The rate limit is set far above what the machine can reach, so that
	// it never waits (OUTREACH_SEND_RATE defaults to 100/s). Like the HTTP
	// baseline's, the client keeps one idle connection per worker: the
	// default transport keeps 2 and would open a connection per request.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	sender, err := sendgrid.NewSender(sendgrid.Config{APIKey: "SG.bench", APIURL: fake.URL, PostalAddress: "Acme Inc., 1 Main St",
		RatePerSecond: 1e7, HTTPClient: client})
	if err != nil {
		b.Fatal(err)
	}
	cpu := newCPUMeter(b, db)
	for i := 0; i < b.N; i++ {
		on, onGo, onPG := cpu.phase("dispatch-on", n, func() float64 { return dispatchRun(b, ctx, db, sender, capsPolicy, n, workers) })
		sentOn := countState(b, db, "sent")
		resetBench(b, db)
		off, offGo, offPG := cpu.phase("dispatch-off", n, func() float64 { return dispatchRun(b, ctx, db, sender, outreach.Policy{}, n, workers) })
		sentOff := countState(b, db, "sent")
		resetBench(b, db)
		claim, _, claimPG := cpu.phase("claim", n, func() float64 { return claimBaseline(b, ctx, db, n, workers) })
		resetBench(b, db)
		post, postGo, _ := cpu.phase("post", n, func() float64 { return postBaseline(b, fake.URL, sample(), n, workers) })
		resetBench(b, db)
		both, bothGo, bothPG := cpu.phase("pipeline", n, func() float64 { return pipelineBaseline(b, ctx, db, fake.URL, sample(), workers) })
		slower := min(claim, post)
		b.ReportMetric(on, "deliveries/s")
		b.ReportMetric(off, "throttle-off/s")
		b.ReportMetric(post, "http-baseline/s")
		b.ReportMetric(claim, "claim-baseline/s")
		b.ReportMetric(on/slower, "ratio-to-slower-baseline")
		b.ReportMetric(both, "pipeline-baseline/s")
		b.ReportMetric(on/both, "ratio-to-pipeline-baseline")
		b.Logf("pipeline baseline (claim, POST, mark; no decision or rendering) %.0f/s = %.2f of the slower baseline; CPU µs per delivery %.0f, %.0f", both, both/slower, bothGo, bothPG)
		b.ReportMetric(on/off, "throttle-on/off")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(onGo, "go-µs/delivery")
		b.ReportMetric(onPG, "pg-µs/delivery")
		b.Logf("%d deliveries: throttle on %.0f/s (%d sent), off %.0f/s (%d sent); HTTP baseline %.0f/s; claim baseline %.0f/s; ratio %.2f of the slower baseline; on/off %.2f; %d requests accepted; peak RSS %d MiB",
			n, on, sentOn, off, sentOff, post, claim, on/slower, on/off, accepted.Load(), peakRSS()>>20)
		b.Logf("CPU µs per delivery (this process, PostgreSQL): throttle on %.0f, %.0f; off %.0f, %.0f; HTTP baseline %.0f, -; claim baseline -, %.0f",
			onGo, onPG, offGo, offPG, postGo, claimPG)
	}
}

// benchServer is a fake SendGrid that reads each body and answers 202; it
// keeps the first bodies as the HTTP baseline's sample.
func benchServer() (*httptest.Server, *atomic.Int64, func() [][]byte) {
	var accepted atomic.Int64
	var mu sync.Mutex
	var bodies [][]byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		k := accepted.Add(1)
		if k <= 1000 {
			mu.Lock()
			bodies = append(bodies, body)
			mu.Unlock()
		}
		w.Header().Set("X-Message-Id", "m"+strconv.FormatInt(k, 10))
		w.WriteHeader(http.StatusAccepted)
	}))
	return srv, &accepted, func() [][]byte { mu.Lock(); defer mu.Unlock(); return bodies }
}

// seedBench creates n contacts (10 per account), each with one due
// delivery (lifecycle, or a survey for every OUTREACH_BENCH_SURVEY_EVERY-th
// contact), in a few set-based statements.
func seedBench(b *testing.B, db *store.DB, n int) {
	due := t0.UnixMilli()
	stmts := []string{
		fmt.Sprintf(`INSERT INTO accounts (external_id, name, plan, timezone, created_at, updated_at)
			SELECT 'acc-' || g, 'Account ' || g, 'Business', 'Europe/Paris', %d, %d FROM generate_series(1, %d) g`, due, due, (n+9)/10),
		fmt.Sprintf(`INSERT INTO contacts (external_id, account_id, email, name, role, locale, timezone, created_at, updated_at)
			SELECT 'c-' || g, a.id, 'person' || g || '@example.com', 'Jane Cooper', 'admin', 'en', 'UTC', %d, %d
			FROM generate_series(1, %d) g JOIN accounts a ON a.external_id = 'acc-' || ((g - 1) / 10 + 1)`, due, due, n),
		fmt.Sprintf(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state, due_at, not_before, expires_at, created_at, updated_at)
			SELECT 'd-' || c.id, 'milestone-congrats', 'lifecycle', c.id, c.account_id, 'o', '', 'planned', %d, %d, %d, %d, %d FROM contacts c`,
			due, due, due+int64(outreach.DefaultTTL/time.Millisecond), due, due),
	}
	if every := surveyEvery(b); every > 0 {
		stmts = append(stmts, fmt.Sprintf(`UPDATE deliveries SET campaign = 'nps-onboarding', category = 'survey' WHERE contact_id %% %d = 0`, every))
	}
	stmts = append(stmts, `VACUUM ANALYZE`) // as resetBench leaves it, so that every run starts alike
	for _, q := range stmts {
		if _, err := storetest.SQL(b, db).Exec(q); err != nil {
			b.Fatal(err)
		}
	}
}

// surveyEvery reads OUTREACH_BENCH_SURVEY_EVERY: every k-th contact's
// delivery is an NPS survey (subject to the account cap, so the claim locks
// its account) instead of a lifecycle email; 0 (default) for none.
func surveyEvery(b *testing.B) int {
	v := os.Getenv("OUTREACH_BENCH_SURVEY_EVERY")
	if v == "" {
		return 0
	}
	k, err := strconv.Atoi(v)
	if err != nil || k < 0 {
		b.Fatalf("OUTREACH_BENCH_SURVEY_EVERY=%q: want a whole number of contacts, e.g. 10", v)
	}
	return k
}

func resetBench(b *testing.B, db *store.DB) {
	for _, q := range []string{
		`UPDATE deliveries SET state = 'planned', reserved_at = NULL, sent_at = NULL, claimed_by = '', heartbeat_at = NULL, message_id = '', error = '', attempts = 0, not_before = due_at`,
		`DELETE FROM decisions`, `VACUUM ANALYZE deliveries`,
	} {
		if _, err := storetest.SQL(b, db).Exec(q); err != nil {
			b.Fatal(err)
		}
	}
}

func countState(b *testing.B, db *store.DB, st string) int {
	var k int
	if err := storetest.SQL(b, db).Get(&k, `SELECT COUNT(*) FROM deliveries WHERE state = $1`, st); err != nil {
		b.Fatal(err)
	}
	return k
}

// dispatchRun dispatches everything due with one Dispatcher per worker
// group and returns deliveries decided per second.
func dispatchRun(b *testing.B, ctx context.Context, db *store.DB, s outreach.Sender, p outreach.Policy, n, workers int) float64 {
	const procs = 4
	start := time.Now()
	var wg sync.WaitGroup
	for i := range procs {
		d := newDispatcher(b, db, s, p, fmt.Sprintf("bench-%d", i))
		d.Config.Workers, d.Config.Batch = workers/procs, 200
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := d.Step(ctx, t0); err != nil {
				b.Error(err)
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// claimBaseline marks the rows sending then sent in batches claimed with
// SKIP LOCKED, with no decision, rendering or sending.
func claimBaseline(b *testing.B, ctx context.Context, db *store.DB, n, workers int) float64 {
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ids, err := claimRaw(ctx, storetest.SQL(b, db))
				if err != nil || len(ids) == 0 {
					report(b, err)
					return
				}
				if err := markSentRaw(ctx, storetest.SQL(b, db), ids); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// claimRaw claims up to 200 planned rows with a bare SKIP LOCKED update.
func claimRaw(ctx context.Context, x *sqlx.DB) ([]string, error) {
	var ids []string
	err := x.SelectContext(ctx, &ids, `UPDATE deliveries SET state = 'sending', reserved_at = $1
		WHERE id IN (SELECT id FROM deliveries WHERE state = 'planned' AND not_before <= $1 LIMIT 200 FOR UPDATE SKIP LOCKED) RETURNING id`, t0.UnixMilli())
	return ids, err
}

// markSentRaw marks claimed rows sent in one statement.
func markSentRaw(ctx context.Context, x *sqlx.DB, ids []string) error {
	q := `UPDATE deliveries SET state = 'sent', sent_at = $1 WHERE id IN (SELECT jsonb_array_elements_text(CAST($2 AS jsonb)))`
	_, err := x.ExecContext(ctx, q, t0.UnixMilli(), `["`+strings.Join(ids, `","`)+`"]`)
	return err
}

// postRaw POSTs one body to the fake with plain net/http.
func postRaw(client *http.Client, url string, body []byte) error {
	req, _ := http.NewRequest(http.MethodPost, url+sendgrid.MailSendPath, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer SG.bench")
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// report fails the benchmark with err, if any.
func report(b *testing.B, err error) {
	if err != nil {
		b.Error(err)
	}
}

// pipelineBaseline is the two baselines' work in one loop: each worker
// claims a batch with SKIP LOCKED, POSTs one sample body per row and marks
// the batch sent, with no decision, rendering or recording of results. It
// is the least a dispatcher has to do for each delivery.
func pipelineBaseline(b *testing.B, ctx context.Context, db *store.DB, url string, bodies [][]byte, workers int) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	var done atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := 0; ; {
				ids, err := claimRaw(ctx, storetest.SQL(b, db))
				if err != nil || len(ids) == 0 {
					report(b, err)
					return
				}
				for range ids {
					k++
					if err := postRaw(client, url, bodies[k%len(bodies)]); err != nil {
						b.Error(err)
						return
					}
				}
				if err := markSentRaw(ctx, storetest.SQL(b, db), ids); err != nil {
					b.Error(err)
					return
				}
				done.Add(int64(len(ids)))
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds()
}

// postBaseline POSTs n bodies (cycling through the sample) to the fake
// with plain net/http from workers goroutines.
func postBaseline(b *testing.B, url string, bodies [][]byte, n, workers int) float64 {
	if len(bodies) == 0 {
		b.Fatal("no sample bodies: the dispatch run sent nothing")
	}
	var next atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := next.Add(1)
				if k > int64(n) {
					return
				}
				if err := postRaw(client, url, bodies[int(k)%len(bodies)]); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// peakRSS returns the process's peak resident set size in bytes (Linux).
func peakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}
