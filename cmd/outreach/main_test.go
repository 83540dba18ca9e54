package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// result is what one in-process run of the command printed and returned.
type result struct {
	stdout, stderr string
	err            error
}

// run runs outreach with args and env in-process. A flag error is returned
// like a run error.
func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runCtx(t, context.Background(), env, nil, args...)
}

func runCtx(t *testing.T, ctx context.Context, env map[string]string, onListen func(string), args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(k string) string { return env[k] }
	m.Now = func() time.Time { return testNow }
	m.OnListen = onListen
	err := m.ParseFlags(ctx, args)
	if err == nil {
		err = m.Run(ctx)
	}
	if cerr := m.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return result{out.String(), errb.String(), err}
}

// sqliteEnv returns an environment on a new SQLite file.
func sqliteEnv(t *testing.T) map[string]string {
	return map[string]string{"OUTREACH_DATABASE_URL": storetest.URL(t, store.SQLite)}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func openDB(t *testing.T, env map[string]string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), env["OUTREACH_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eachDatabase runs fn on a fresh SQLite file and on a fresh, migrated
// PostgreSQL database.
func eachDatabase(t *testing.T, fn func(t *testing.T, env map[string]string)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteEnv(t)) })
	t.Run("postgres", func(t *testing.T) {
		env := map[string]string{"OUTREACH_DATABASE_URL": storetest.URL(t, store.Postgres)}
		if r := run(t, env, "migrate"); r.err != nil {
			t.Fatal(r.err)
		}
		fn(t, env)
	})
}

const accountsCSV = "external_id,name,timezone\nacme,Acme,Europe/Paris\n"

func TestImportErrorImportsNothing(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		if r := run(t, env, "import", "accounts", writeFile(t, "accounts.csv", accountsCSV)); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		path := writeFile(t, "contacts.csv", "email,account_external_id,timezone\nana@example.com,acme,\nnot-an-email,acme,Mars/Base\n")
		r := run(t, env, "import", "contacts", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "nothing imported") {
			t.Fatalf("err = %v", r.err)
		}
		for _, want := range []string{path + ":3: column email:", path + ":3: column timezone: unknown timezone"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		if _, err := openDB(t, env).Timeline(context.Background(), "ana@example.com"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("a row of a file with an error was imported: %v", err)
		}
	})
}

func TestImportUnknownAccountImportsNothing(t *testing.T) {
	env := sqliteEnv(t)
	run(t, env, "import", "accounts", writeFile(t, "accounts.csv", accountsCSV))
	path := writeFile(t, "contacts.csv", "email,account_external_id\nana@example.com,acme\nbob@example.com,nope\n")
	r := run(t, env, "import", "contacts", path)
	if r.err == nil || !strings.Contains(r.stderr, path+":3: column account_external_id:") {
		t.Fatalf("err = %v, stderr = %s", r.err, r.stderr)
	}
	if _, err := openDB(t, env).Timeline(context.Background(), "ana@example.com"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
		t.Errorf("imported despite the error: %v", err)
	}
	r = run(t, env, "import", "contacts", path, "--skip-invalid")
	if r.err != nil || !strings.Contains(r.stdout, "1 created, 0 updated, 0 duplicates, 1 row rejected") {
		t.Fatalf("err = %v, stdout = %s", r.err, r.stdout)
	}
}

func TestImportSkipInvalid(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		path := writeFile(t, "suppressions.csv", "email,scope,reason\na@example.com,all,asked\nbad,all,\nc@example.com,sometimes,\nd@example.com,hard,bounce\n")
		r := run(t, env, "import", "suppressions", "--skip-invalid", path)
		if r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		want := "imported " + path + ": 2 created, 0 updated, 0 duplicates, 2 rows rejected\n"
		if r.stdout != want {
			t.Errorf("stdout = %q, want %q", r.stdout, want)
		}
		if !strings.Contains(r.stderr, path+":3: column email:") || !strings.Contains(r.stderr, path+":4: column scope:") {
			t.Errorf("rejected rows not listed: %s", r.stderr)
		}
		r = run(t, env, "import", "suppressions", "--skip-invalid", path)
		if !strings.Contains(r.stdout, "0 created, 0 updated, 2 duplicates") {
			t.Errorf("second import: %q", r.stdout)
		}
	})
}

func TestImportEventsNoTrigger(t *testing.T) {
	env := sqliteEnv(t)
	run(t, env, "import", "accounts", writeFile(t, "accounts.csv", accountsCSV))
	path := writeFile(t, "events.csv", "id,type,account_external_id,occurred_at\ne1,qbr.completed,acme,2025-01-01T00:00:00Z\n")
	if r := run(t, env, "import", "events", path, "--no-trigger"); r.err != nil || !strings.Contains(r.stdout, "1 created") {
		t.Fatalf("%v %s %s", r.err, r.stdout, r.stderr)
	}
	if r := run(t, env, "import", "contacts", path, "--no-trigger"); r.err == nil || !strings.Contains(r.err.Error(), "events only") {
		t.Errorf("--no-trigger on contacts: %v", r.err)
	}
	// explain says why such history planned nothing.
	contacts := "external_id,account_external_id,email\nc1,acme,ana@example.com\n"
	if r := run(t, env, "import", "contacts", writeFile(t, "contacts.csv", contacts)); r.err != nil {
		t.Fatal(r.err)
	}
	hist := writeFile(t, "hist.csv", "id,type,contact_external_id,occurred_at\nh1,onboarding.completed,c1,2026-01-01T00:00:00Z\n")
	if r := run(t, env, "import", "events", hist, "--no-trigger"); r.err != nil {
		t.Fatal(r.err)
	}
	r := run(t, env, "explain", "--contact", "ana@example.com")
	if r.err != nil || !strings.Contains(r.stdout, "h1 (onboarding.completed)\n    no trigger — imported with --no-trigger") {
		t.Errorf("explain after a --no-trigger import: %v\n%s", r.err, r.stdout)
	}
}

func TestImportUsage(t *testing.T) {
	env := sqliteEnv(t)
	if r := run(t, env, "import", "people", "x.csv"); r.err == nil || !strings.Contains(r.err.Error(), "unknown kind") {
		t.Errorf("unknown kind: %v", r.err)
	}
	if r := run(t, env, "import", "contacts"); r.err == nil || !strings.Contains(r.err.Error(), "usage") {
		t.Errorf("missing file: %v", r.err)
	}
	if r := run(t, env, "import", "contacts", filepath.Join(t.TempDir(), "missing.csv")); r.err == nil {
		t.Errorf("missing file imported")
	}
}

func TestTokenLifecycle(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		r := run(t, env, "token", "create", "--name", "crm")
		if r.err != nil {
			t.Fatal(r.err)
		}
		secret := strings.TrimSpace(r.stdout)
		if !strings.HasPrefix(secret, "otk_") || len(secret) < 40 {
			t.Fatalf("token %q", secret)
		}
		if r := run(t, env, "token", "create", "--name", "crm"); r.err == nil || !strings.Contains(r.err.Error(), "already exists") {
			t.Errorf("duplicate name: %v", r.err)
		}
		if r := run(t, env, "token", "create", "--name", "ops", "--scope", "root"); r.err == nil {
			t.Errorf("bad scope accepted")
		}
		r = run(t, env, "token", "list")
		if !strings.Contains(r.stdout, "crm") || !strings.Contains(r.stdout, "ingest") || strings.Contains(r.stdout, secret) ||
			!strings.Contains(r.stdout, "LAST USED") || !strings.Contains(r.stdout, testNow.Format(time.RFC3339)+"  never") {
			t.Errorf("list: %s", r.stdout)
		}
		// The API records a use (httpapi: at most once a minute).
		used := testNow.Add(90 * time.Minute)
		db := openDB(t, env)
		if err := db.TouchToken(context.Background(), "crm", used); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchToken(context.Background(), "crm", used.Add(30*time.Second)); err != nil { // within the minute: kept
			t.Fatal(err)
		}
		db.Close()
		if r := run(t, env, "token", "revoke", "crm"); r.err != nil {
			t.Fatal(r.err)
		}
		if r := run(t, env, "token", "revoke", "nobody"); outreach.ErrorCode(r.err) != outreach.ENOTFOUND {
			t.Errorf("revoke unknown: %v", r.err)
		}
		r = run(t, env, "token", "list")
		if !strings.Contains(r.stdout, testNow.Format(time.RFC3339)+"  "+used.Format(time.RFC3339)+"  "+testNow.Format(time.RFC3339)) {
			t.Errorf("last use or revoked time missing: %s", r.stdout)
		}
		// A revoked token's name stays taken, and the error says why.
		r = run(t, env, "token", "create", "--name", "crm")
		if r.err == nil || !strings.Contains(r.err.Error(), `"crm" existed and was revoked on `+testNow.Format(time.RFC3339)) {
			t.Errorf("reusing a revoked name: %v", r.err)
		}
	})
}

func TestServePostgresPendingMigrations(t *testing.T) {
	env := map[string]string{"OUTREACH_DATABASE_URL": storetest.URL(t, store.Postgres), "OUTREACH_HTTP_ADDR": "127.0.0.1:0"}
	r := run(t, env, "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "pending migrations: run `outreach migrate`") {
		t.Fatalf("serve on an unmigrated database: %v", r.err)
	}
	n, err := openDB(t, env).PendingMigrations(context.Background())
	if err != nil || n == 0 {
		t.Fatalf("serve changed the database: %d pending, %v", n, err)
	}
	if r := run(t, env, "migrate"); r.err != nil || !strings.Contains(r.stdout, "applied") {
		t.Fatal(r.err, r.stdout)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r = runCtx(t, ctx, env, func(string) { cancel() }, "serve")
	if r.err != nil {
		t.Fatalf("serve after migrate: %v", r.err)
	}
}

func TestConfig(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OUTREACH_DATABASE_URL": "mysql://x"}, "OUTREACH_DATABASE_URL"},
		{map[string]string{"OUTREACH_HTTP_ADDR": "8080"}, "OUTREACH_HTTP_ADDR"},
		{map[string]string{"OUTREACH_PUBLIC_URL": "example.com"}, "OUTREACH_PUBLIC_URL"},
		{map[string]string{"OUTREACH_SECRET": "short"}, "OUTREACH_SECRET"},
		{map[string]string{"OUTREACH_TICK": "sometimes"}, "OUTREACH_TICK"},
		{map[string]string{"OUTREACH_TICK": "0 0 31 2 *"}, "OUTREACH_TICK"}, // never fires
		{map[string]string{"OUTREACH_TICK": "@every 0s"}, "OUTREACH_TICK"},
		{map[string]string{"OUTREACH_SEND_RATE": "fast"}, "OUTREACH_SEND_RATE"},
		{map[string]string{"OUTREACH_SEND_RATE": "0"}, "OUTREACH_SEND_RATE"},
		{map[string]string{"OUTREACH_SEND_GRACE": "soon"}, "OUTREACH_SEND_GRACE"},
		{map[string]string{"OUTREACH_MAIL_FROM": "nobody"}, "OUTREACH_MAIL_FROM"},
		{map[string]string{"OUTREACH_UNSUBSCRIBE_MAILTO": "Unsub <u@acme.example>"}, "OUTREACH_UNSUBSCRIBE_MAILTO"},
		{map[string]string{"OUTREACH_UNSUBSCRIBE_MAILTO": "nowhere"}, "OUTREACH_UNSUBSCRIBE_MAILTO"},
		{map[string]string{"OUTREACH_DB_MAX_CONNS": "lots"}, "OUTREACH_DB_MAX_CONNS"},
		{map[string]string{"OUTREACH_DB_MAX_CONNS": "3"}, "OUTREACH_DB_MAX_CONNS"},
		{map[string]string{"OUTREACH_DB_MAX_CONNS": "-1"}, "OUTREACH_DB_MAX_CONNS"},
		{map[string]string{"OUTREACH_PUBLIC_BYTES_IN_FLIGHT": "64MB"}, "OUTREACH_PUBLIC_BYTES_IN_FLIGHT"},
		{map[string]string{"OUTREACH_PUBLIC_BYTES_IN_FLIGHT": "1000"}, "OUTREACH_PUBLIC_BYTES_IN_FLIGHT"},
		{map[string]string{"OUTREACH_LEADER": "leases"}, "OUTREACH_LEADER"},
	}
	for _, tc := range cases {
		c := DefaultConfig()
		err := c.LoadEnv(func(k string) string { return tc.env[k] })
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v does not name %s", tc.env, err, tc.want)
		}
	}
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	if c.DatabaseURL != "sqlite:outreach.db" || c.HTTPAddr != "127.0.0.1:8080" || c.Leader != "advisory" {
		t.Errorf("defaults = %+v", c)
	}
	if c.DBMaxConns != 20 || c.PublicBytesInFlight != 32<<20 {
		t.Errorf("defaults: DBMaxConns %d, PublicBytesInFlight %d; want 20 and 32 MiB", c.DBMaxConns, c.PublicBytesInFlight)
	}
	c.LoadEnv(func(k string) string {
		return map[string]string{"OUTREACH_SECRET": "0123456789abcdef, fedcba9876543210", "OUTREACH_SEND_GRACE": "5m",
			"OUTREACH_DB_MAX_CONNS": "4", "OUTREACH_PUBLIC_BYTES_IN_FLIGHT": "96MiB", "OUTREACH_LEADER": "lease"}[k]
	})
	if len(c.Secrets) != 2 || c.Secrets[1] != "fedcba9876543210" || c.SendGrace != 5*time.Minute ||
		c.DBMaxConns != 4 || c.PublicBytesInFlight != 96<<20 || c.Leader != "lease" {
		t.Errorf("loaded = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("loaded: %v", err)
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	env := map[string]string{"OUTREACH_DATABASE_URL": "mysql://ignored"}
	dir := t.TempDir()
	r := run(t, env, "migrate", "--database-url", "sqlite:"+filepath.Join(dir, "x.db"))
	if r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.db")); err != nil {
		t.Errorf("the flag's database was not created: %v", err)
	}
	if r := run(t, env, "nope"); r.err == nil || !strings.Contains(r.stderr, "usage: outreach COMMAND") {
		t.Errorf("unknown command: %v %s", r.err, r.stderr)
	}
}

// Commands without a database neither need nor take one: a stray
// OUTREACH_DATABASE_URL does not stop them, and --database-url is refused
// rather than silently ignored.
func TestCommandsWithoutDatabase(t *testing.T) {
	env := map[string]string{"OUTREACH_DATABASE_URL": "mysql://elsewhere"}
	if r := run(t, env, "validate"); r.err != nil {
		t.Errorf("validate with an unrelated OUTREACH_DATABASE_URL: %v", r.err)
	}
	if r := run(t, nil, "simulate", "--database-url", "sqlite:x.db"); r.err == nil ||
		!strings.Contains(r.stderr, "flag provided but not defined: -database-url") {
		t.Errorf("simulate --database-url = %v (%s), want the flag refused", r.err, r.stderr)
	}
	if r := run(t, env, "explain", "--contact", "a@b.co"); r.err == nil || !strings.Contains(r.err.Error(), "OUTREACH_DATABASE_URL") {
		t.Errorf("explain with a bad OUTREACH_DATABASE_URL = %v, want an error naming it", r.err)
	}
}

// Reading commands do not create an empty SQLite database by accident.
func TestReadingCommandsNeedAnExistingDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing.db")
	env := map[string]string{"OUTREACH_DATABASE_URL": "sqlite:" + path}
	for _, args := range [][]string{
		{"explain", "--contact", "a@b.co"},
		{"preview", "--campaign", "nps-qbr", "--contact", "a@b.co"},
		{"digest", "--owner", "csm@b.co"},
	} {
		if r := run(t, env, args...); r.err == nil || !strings.Contains(r.err.Error(), "no database at") {
			t.Errorf("%s on a missing file = %v, want an error saying there is no database", args[0], r.err)
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a reading command created %s", path)
	}
}

// Log lines write durations as people read them, not in nanoseconds.
func TestLoggerWritesReadableDurations(t *testing.T) {
	var b strings.Builder
	newLogger(&b).Info("shutting down", "timeout", 90*time.Second, "duration", 1818764*time.Nanosecond)
	for _, want := range []string{`"timeout":"1m30s"`, `"duration":"1.818764ms"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("log line lacks %s: %s", want, b.String())
		}
	}
}

// serve on a port another process holds fails before it creates a
// database: no freshly migrated file is left behind.
func TestServeBusyPortLeavesNoDatabase(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	path := filepath.Join(t.TempDir(), "fresh.db")
	r := run(t, map[string]string{"OUTREACH_DATABASE_URL": "sqlite:" + path, "OUTREACH_HTTP_ADDR": busy.Addr().String()}, "serve")
	if r.err == nil || !strings.Contains(r.err.Error(), "listen on OUTREACH_HTTP_ADDR") {
		t.Fatalf("serve on a busy port: err = %v, want a listen error", r.err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed start left %s behind (stat: %v)", path, err)
	}
}
