// Package pgtest gives each test a fresh, empty PostgreSQL database.
//
// URL finds a server in this order:
//
//  1. OUTREACH_TEST_DATABASE_URL, when set;
//  2. postgres://postgres@127.0.0.1:5432/test?sslmode=disable, when it answers;
//  3. a throwaway cluster started once per test process with initdb and
//     pg_ctl (from PATH or /usr/lib/postgresql/*/bin) in a temporary
//     directory; as root they run as the postgres user.
//
// On that server it creates a database per test, dropped in t.Cleanup, so
// parallel tests (and their advisory locks) never see each other. When no
// server can be found the test is skipped, or fails when CI=true.
//
// Kept instead gives a benchmark a named database that outlives it, to
// reuse a costly generated base between runs (MarkKept says it is filled).
//
// StartBouncer puts a real PgBouncer (transaction pooling) in front of such
// a database, for tests of what runs through a pooler.
//
// A package whose tests may start the throwaway cluster should stop it at
// exit with a TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/lib/pq" // registers the "postgres" driver
)

// EnvURL names the environment variable holding the server URL to test
// against.
const EnvURL = "OUTREACH_TEST_DATABASE_URL"

// DefaultURL is the server tried when EnvURL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
	cluster    *localCluster
)

// URL returns the URL of a fresh PostgreSQL database for this test, dropped
// when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	serverOnce.Do(func() { serverURL, serverErr = findServer() })
	if serverErr != nil {
		msg := fmt.Sprintf("no PostgreSQL for tests: %v; set %s=postgres://USER@HOST:PORT/DB?sslmode=disable", serverErr, EnvURL)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	name := "outreach_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, name) })
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func dropDatabase(t testing.TB, name string) {
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		t.Errorf("pgtest: %v", err)
		return
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		t.Errorf("pgtest: drop database %s: %v", name, err)
	}
}

// Main runs the tests of a package and then stops the throwaway cluster if
// one was started. Use it as the package's TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit: it runs the tests, stops the throwaway
// cluster and returns the exit code, for a TestMain that stops more.
func Run(m *testing.M) int {
	code := m.Run()
	if cluster != nil {
		cluster.stop()
	}
	return code
}

func findServer() (string, error) {
	if u := os.Getenv(EnvURL); u != "" {
		if err := ping(u); err != nil {
			return "", fmt.Errorf("%s does not answer: %w", EnvURL, err)
		}
		return u, nil
	}
	if err := ping(DefaultURL); err == nil {
		return DefaultURL, nil
	}
	c, err := startCluster()
	if err != nil {
		return "", fmt.Errorf("%s unreachable and no throwaway cluster: %w", DefaultURL, err)
	}
	cluster = c
	return c.url, nil
}

func ping(u string) error {
	db, err := sql.Open("postgres", u)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// localCluster is a PostgreSQL cluster in a temporary directory.
type localCluster struct {
	dir, bin, url string
	asPostgres    bool
}

func findBin() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := exec.LookPath("pg_ctl"); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs))) // newest major first
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("initdb and pg_ctl not found in PATH or /usr/lib/postgresql/*/bin")
}

func startCluster() (*localCluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "outreach-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &localCluster{dir: dir, bin: bin, asPostgres: os.Geteuid() == 0}
	if c.asPostgres {
		if err := chownToPostgres(dir); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if out, err := c.run("initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v: %s", err, out)
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off", port, dir)
	if out, err := c.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pg_ctl start: %v: %s", err, out)
	}
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c, nil
}

func (c *localCluster) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(c.bin, name)
	var cmd *exec.Cmd
	if c.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = c.dir
	return cmd.CombinedOutput()
}

func (c *localCluster) stop() {
	c.run("pg_ctl", "-D", filepath.Join(c.dir, "data"), "-m", "immediate", "-w", "stop")
	os.RemoveAll(c.dir)
}

func chownToPostgres(dir string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("running as root needs a postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// keptComment marks a kept database whose filling finished (Kept, MarkKept).
const keptComment = "outreach: kept, filled"

// Kept returns the URL of the database named name on the test server, which
// is not dropped when the test ends, for a benchmark that reuses a costly
// generated base between runs. fresh is true when the base must be filled:
// the database did not exist, or its filling never finished (MarkKept was
// not called), in which case it is dropped and created empty again. name
// is lower-case letters, digits and underscores.
func Kept(t testing.TB, name string) (u string, fresh bool) {
	t.Helper()
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			t.Fatalf("pgtest: kept database name %q: want lower-case letters, digits and underscores", name)
		}
	}
	serverOnce.Do(func() { serverURL, serverErr = findServer() })
	if serverErr != nil {
		t.Skipf("no PostgreSQL for tests: %v", serverErr)
	}
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var comment sql.NullString
	err = admin.QueryRowContext(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	switch {
	case err == nil && comment.String == keptComment:
	case err == nil || errors.Is(err, sql.ErrNoRows):
		fresh = true
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Fatalf("pgtest: drop database %s: %v", name, err)
		}
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			t.Fatalf("pgtest: create database %s: %v", name, err)
		}
	default:
		t.Fatalf("pgtest: look up database %s: %v", name, err)
	}
	p, err := url.Parse(serverURL)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", EnvURL, err)
	}
	p.Path = "/" + name
	return p.String(), fresh
}

// MarkKept records that the kept database name (from Kept) is filled, so
// that the next Kept of it returns it as it is.
func MarkKept(t testing.TB, name string) {
	t.Helper()
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), "COMMENT ON DATABASE "+name+" IS '"+keptComment+"'"); err != nil {
		t.Fatalf("pgtest: mark database %s: %v", name, err)
	}
}
