package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The burst tests start serve with a small OUTREACH_DB_MAX_CONNS on a
// database reached through a role whose CONNECTION LIMIT holds a little
// more than the replicas' caps together: a pool without a cap runs into
// the limit ("too many connections for role") at once, which used to
// answer 500. Environment variables scale a run up for measurements:
// OUTREACH_BURST_REQUESTS, OUTREACH_BURST_CONCURRENCY,
// OUTREACH_BURST_MAX_CONNS (serve's OUTREACH_DB_MAX_CONNS, default 8) and
// OUTREACH_BURST_ROLE_LIMIT (-1: connect as the server's superuser, so the
// server's own max_connections is the only limit, as in production).
const burstMaxConns = 8

// TestBurstWaitsForConnections: one serve, a burst of ingest requests and
// of requests with garbage bearer tokens, more at once than it may open
// connections. Every request is answered 200 or 401 (none 5xx), /healthz
// answers 200 throughout, and serve logs no error.
func TestBurstWaitsForConnections(t *testing.T) {
	runBurst(t, 1)
}

// TestBurstThreeReplicas: the same burst spread over three serve processes
// sharing a database whose connection limit is below what three uncapped
// pools open, but above three times OUTREACH_DB_MAX_CONNS.
func TestBurstThreeReplicas(t *testing.T) {
	runBurst(t, 3)
}

func runBurst(t *testing.T, replicas int) {
	requests, conc := envInt(t, "OUTREACH_BURST_REQUESTS", 200*replicas), envInt(t, "OUTREACH_BURST_CONCURRENCY", 100)
	maxConns := envInt(t, "OUTREACH_BURST_MAX_CONNS", burstMaxConns)
	e := newEnv(t, noCaps, 1)
	dbURL := e.env["OUTREACH_DATABASE_URL"]
	if limit := envInt(t, "OUTREACH_BURST_ROLE_LIMIT", replicas*maxConns+2); limit >= 0 {
		dbURL = limitedRole(t, e, limit)
	}
	env := e.with("OUTREACH_DATABASE_URL", dbURL, "OUTREACH_DB_MAX_CONNS", strconv.Itoa(maxConns))
	var procs []*proc
	var bases []string
	for i := range replicas {
		p := startServe(t, fmt.Sprintf("replica %d", i+1), env)
		procs = append(procs, p)
		bases = append(bases, p.url())
	}
	seedContacts(t, bases[0], "b", 50)
	mark := make([]int, len(procs))
	for i, p := range procs {
		mark[i] = p.lineCount()
	}

	stop := make(chan struct{})
	health := make(chan map[int]int, len(bases))
	for _, base := range bases {
		go func() { health <- pollHealth(base, stop) }()
	}
	res := burst(bases, requests, conc)
	close(stop)
	healthCodes := map[int]int{}
	for range bases {
		for code, n := range <-health {
			healthCodes[code] += n
		}
	}
	t.Logf("%d replicas, OUTREACH_DB_MAX_CONNS=%d, %d requests at concurrency %d (1 in 5 with a garbage token): %s; /healthz during the burst: %v",
		replicas, maxConns, requests, conc, res, healthCodes)
	for code, n := range res.codes {
		if code != http.StatusOK && code != http.StatusUnauthorized {
			t.Errorf("%d answers %d (want only 200 and 401): e.g. %s", n, code, res.sample[code])
		}
	}
	if res.failed > 0 {
		t.Errorf("%d requests failed without an answer: e.g. %s", res.failed, res.sample[0])
	}
	if len(healthCodes) != 1 || healthCodes[http.StatusOK] == 0 {
		t.Errorf("/healthz during the burst answered %v, want only 200", healthCodes)
	}
	for i, p := range procs {
		lines, _ := p.logs.since(mark[i])
		for _, l := range lines {
			if strings.Contains(l, `"level":"ERROR"`) {
				t.Errorf("%s logged an error during the burst: %s", p.name, l)
				break
			}
		}
	}
}

// envInt returns the integer in the environment variable name, or def.
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		t.Fatalf("%s: %q is not an integer", name, v)
	}
	return n
}

// limitedRole creates a login role allowed limit connections, with every
// privilege on the test database's tables, and returns the database URL
// with that role. The role is dropped after the database.
func limitedRole(t *testing.T, e *testEnv, limit int) string {
	t.Helper()
	u, err := url.Parse(e.env["OUTREACH_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	role := "outreach_burst_" + strings.TrimPrefix(strings.TrimPrefix(u.Path, "/"), "outreach_test_")
	ctx := context.Background()
	for _, q := range []string{
		fmt.Sprintf(`CREATE ROLE %s LOGIN CONNECTION LIMIT %d`, role, limit),
		fmt.Sprintf(`GRANT USAGE ON SCHEMA public TO %s`, role),
		fmt.Sprintf(`GRANT ALL ON ALL TABLES IN SCHEMA public TO %s`, role),
		fmt.Sprintf(`GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO %s`, role),
	} {
		if _, err := e.db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Registered after pgtest's drop of the database, so it runs before
	// it: end the role's sessions and revoke, then drop the role.
	t.Cleanup(func() {
		for _, q := range []string{
			fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '%s'`, role),
			fmt.Sprintf(`REASSIGN OWNED BY %s TO CURRENT_USER`, role),
			fmt.Sprintf(`DROP OWNED BY %s`, role),
			fmt.Sprintf(`DROP ROLE %s`, role),
		} {
			if _, err := e.db.ExecContext(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	u.User = url.User(role)
	return u.String()
}

// burstResult counts the answers of a burst.
type burstResult struct {
	codes  map[int]int    // answers by status
	sample map[int]string // one body per status (0: a transport error)
	failed int            // requests without an answer
	p50    time.Duration
	p99    time.Duration
	wall   time.Duration
}

func (r burstResult) String() string {
	codes := make([]int, 0, len(r.codes))
	for c := range r.codes {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "%d×%d ", r.codes[c], c)
	}
	fmt.Fprintf(&b, "(no answer: %d), p50 %s, p99 %s, in %s", r.failed, r.p50.Round(time.Millisecond), r.p99.Round(time.Millisecond), r.wall.Round(time.Millisecond))
	return b.String()
}

// burst sends n requests, conc at a time, spread over the bases: every
// fifth has a garbage bearer token, the others ingest one event for one of
// the contacts seeded by seedContacts(…, "b", 50).
func burst(bases []string, n, conc int) burstResult {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	defer client.CloseIdleConnections()
	res := burstResult{codes: map[int]int{}, sample: map[int]string{}}
	var mu sync.Mutex
	var next atomic.Int64
	lat := make([]time.Duration, 0, n)
	start := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				req := burstRequest(bases[i%len(bases)], i)
				t0 := time.Now()
				code, body := send(client, req)
				d := time.Since(t0)
				mu.Lock()
				lat = append(lat, d)
				if code == 0 {
					res.failed++
				} else {
					res.codes[code]++
				}
				if _, ok := res.sample[code]; !ok {
					res.sample[code] = body
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	slices.Sort(lat)
	if len(lat) > 0 {
		res.p50 = lat[len(lat)/2]
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return res
}

func burstRequest(base string, i int) *http.Request {
	ev := []map[string]any{{"id": fmt.Sprintf("burst-%d", i), "type": "e2e.t1", "contact_external_id": contactID("b", i%50),
		"occurred_at": time.Now().UTC().Format(time.RFC3339)}}
	b, _ := json.Marshal(ev)
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/events", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	token := apiToken
	if i%5 == 4 {
		token = fmt.Sprintf("garbage-%d-%x", i, i*7919)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// send returns the status and body of req, or 0 and the error.
func send(client *http.Client, req *http.Request) (int, string) {
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, string(body)
}

// pollHealth asks base's /healthz every 20 ms (as a load balancer would,
// only more often) until stop is closed and counts the answers by status
// (0: no answer).
func pollHealth(base string, stop <-chan struct{}) map[int]int {
	client := &http.Client{Timeout: 10 * time.Second}
	codes := map[int]int{}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return codes
		case <-tick.C:
		}
		req, _ := http.NewRequest(http.MethodGet, base+"/healthz", nil)
		code, _ := send(client, req)
		codes[code]++
	}
}
