package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver

	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// apiToken is the admin token every test process is started with.
const apiToken = "e2e-admin-token-0123456789"

// testEnv is one test's database and the environment shared by its
// processes; add to it before starting them.
type testEnv struct {
	env  map[string]string
	db   *sql.DB
	pack string // the campaign pack directory
	// sqlite: the database is an SQLite file (newEnvOn), else PostgreSQL.
	sqlite bool
}

// newEnv creates a fresh PostgreSQL database, migrates it with the binary
// and writes a pack with campaigns (see packYAML).
func newEnv(t *testing.T, policy string, campaigns int) *testEnv {
	t.Helper()
	e := newUnmigratedEnv(t, policy, campaigns)
	migrate(t, e.env)
	return e
}

// newUnmigratedEnv is newEnv without `outreach migrate`.
func newUnmigratedEnv(t *testing.T, policy string, campaigns int) *testEnv {
	t.Helper()
	url := pgtest.URL(t)
	return newEnvAt(t, url, "postgres", url, policy, campaigns)
}

// newEnvAt is newUnmigratedEnv on the database url, which the test opens
// with the database/sql driver and dsn.
func newEnvAt(t *testing.T, url, driver, dsn, policy string, campaigns int) *testEnv {
	t.Helper()
	e := &testEnv{pack: filepath.Join(t.TempDir(), "pack"), env: map[string]string{
		"OUTREACH_DATABASE_URL": url,
		"OUTREACH_HTTP_ADDR":    "127.0.0.1:0",
		"OUTREACH_PUBLIC_URL":   "http://127.0.0.1:8080",
		"OUTREACH_API_TOKEN":    apiToken,
		"OUTREACH_SECRET":       "e2e-link-secret-0123456789abcdef",
		"OUTREACH_TICK":         "@every 1s",
	}}
	e.env["OUTREACH_CAMPAIGNS"] = e.pack
	writePack(t, e.pack, packYAML(policy, campaigns))
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e.db = db
	return e
}

// with returns a copy of the environment with more variables.
func (e *testEnv) with(kv ...string) map[string]string {
	out := make(map[string]string, len(e.env)+len(kv)/2)
	for k, v := range e.env {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// sendTo returns the variables pointing the SendGrid sender at fake.
func sendTo(fake *sgfake.Server, rate string) []string {
	return []string{"OUTREACH_SENDGRID_API_KEY", fake.Key(), "OUTREACH_SENDGRID_API_URL", fake.URL, "OUTREACH_SEND_RATE", rate}
}

// noCaps is a policy with no rule at all; tightCaps allows one email per
// contact per day. Neither has quiet hours or business days, so deliveries
// are sent as soon as they are due, whatever the wall clock says.
const (
	noCaps    = "policy:\n  timezone: UTC\n"
	tightCaps = "policy:\n  timezone: UTC\n  contact: {max_per_day: 1, min_gap: 20h}\n"
)

// packYAML is a pack of n lifecycle campaigns c1..cn, campaign ci
// triggered at once by events of type e2e.ti with priority 10*i.
func packYAML(policy string, n int) string { return delayedPackYAML(policy, n, "") }

// delayedPackYAML is packYAML with each trigger delayed by delay ("" for
// none).
func delayedPackYAML(policy string, n int, delay string) string {
	var b strings.Builder
	b.WriteString(policy)
	b.WriteString("campaigns:\n")
	for i := 1; i <= n; i++ {
		trigger := fmt.Sprintf("{event: e2e.t%d}", i)
		if delay != "" {
			trigger = fmt.Sprintf("{event: e2e.t%d, delay: %s}", i, delay)
		}
		fmt.Fprintf(&b, "  - key: c%d\n    category: lifecycle\n    priority: %d\n    trigger: %s\n    template: hello\n", i, 10*i, trigger)
	}
	return b.String()
}

// writePack writes campaigns.yaml and the one template of the test packs.
func writePack(t *testing.T, dir, yaml string) {
	t.Helper()
	files := map[string]string{
		"campaigns.yaml":          yaml,
		"templates/hello/en.txt":  "---\nsubject: Hello from the e2e tests\n---\nHello,\n\nthis is a test email.\n",
		"templates/hello/en.html": "<p>Hello,</p>\n<p>this is a test email.</p>\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// post sends body as JSON to the API of base and fails unless it answers
// 200.
func post(t *testing.T, base, path string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, base+path, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+apiToken)
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 30 * time.Second}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, res.StatusCode, answer)
	}
}

// seedContacts creates contacts p0..p(n-1) with the given prefix, ten per
// account, through the API of base.
func seedContacts(t *testing.T, base, prefix string, n int) {
	t.Helper()
	var accounts, contacts []map[string]any
	for i := range n {
		acc := fmt.Sprintf("%s-acc%d", prefix, i/10)
		if i%10 == 0 {
			accounts = append(accounts, map[string]any{"external_id": acc, "name": "Account " + acc, "timezone": "UTC"})
		}
		contacts = append(contacts, map[string]any{"external_id": contactID(prefix, i), "account_external_id": acc,
			"email": contactID(prefix, i) + "@example.com", "name": "Person " + contactID(prefix, i), "role": "admin", "locale": "en"})
	}
	post(t, base, "/api/v1/accounts", accounts)
	post(t, base, "/api/v1/contacts", contacts)
}

func contactID(prefix string, i int) string { return fmt.Sprintf("%s%d", prefix, i) }

// events returns one event of type e2e.t{typ} per contact, occurred at at.
func events(prefix string, n, typ int, at time.Time) []map[string]any {
	out := make([]map[string]any, n)
	for i := range n {
		out[i] = map[string]any{"id": fmt.Sprintf("%s-ev%d-%d", prefix, typ, i), "type": fmt.Sprintf("e2e.t%d", typ),
			"contact_external_id": contactID(prefix, i), "occurred_at": at.UTC().Format(time.RFC3339)}
	}
	return out
}

// count runs a SELECT count(*)-like query returning one integer.
func count(t *testing.T, db *sql.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// states returns the number of deliveries in each state.
func states(t *testing.T, db *sql.DB) map[string]int {
	t.Helper()
	rows, err := db.Query(`SELECT state, count(*) FROM deliveries GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// pendingDue counts the deliveries a dispatcher still has to act on now:
// planned and due, or sending (in flight, or released for a retry).
func pendingDue(t *testing.T, db *sql.DB) int {
	t.Helper()
	return count(t, db, `SELECT count(*) FROM deliveries
		WHERE (state = 'planned' AND not_before <= $1) OR state = 'sending'`, time.Now().UnixMilli())
}

// acceptedByDelivery counts the fake's accepted messages per delivery id.
func acceptedByDelivery(fake *sgfake.Server) map[string]int {
	out := map[string]int{}
	for _, m := range fake.Messages() {
		out[m.DeliveryID]++
	}
	return out
}

// idSet returns the ids a query selects.
func idSet(t *testing.T, db *sql.DB, q string, args ...any) map[string]bool {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
