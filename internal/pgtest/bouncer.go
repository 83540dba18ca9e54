package pgtest

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bouncer is a PgBouncer process in transaction pooling mode in front of
// the server of a pgtest database, started by StartBouncer.
type Bouncer struct {
	// Port is the loopback port PgBouncer listens on.
	Port int

	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	mu   sync.Mutex
	log  strings.Builder
}

// bouncerPaths are where PgBouncer is looked for besides PATH (Debian
// installs it in /usr/sbin, which is not in every PATH).
var bouncerPaths = []string{"/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer"}

// findBouncer returns the path of the pgbouncer binary.
func findBouncer() (string, error) {
	if p, err := exec.LookPath("pgbouncer"); err == nil {
		return p, nil
	}
	for _, p := range bouncerPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("pgbouncer not found in PATH or /usr/sbin (Debian: apt-get install pgbouncer)")
}

// StartBouncer starts PgBouncer with pool_mode = transaction on a free
// loopback port, forwarding every database name to the server of dbURL (a
// URL from URL), and returns dbURL rewritten to go through it. The process
// is stopped in t.Cleanup. As root it runs as the postgres user
// (PgBouncer refuses to run as root). The test is skipped when pgbouncer
// cannot be found, and fails when CI=true.
//
// poolSize is PgBouncer's default_pool_size: the server connections per
// database and user that all clients share.
func StartBouncer(t testing.TB, dbURL string, poolSize int) (*Bouncer, string) {
	t.Helper()
	bin, err := findBouncer()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatalf("pgtest: parse %s: %v", redactURL(dbURL), err)
	}
	b, err := startBouncer(bin, u, poolSize)
	if err != nil {
		t.Fatalf("pgtest: start pgbouncer: %v", err)
	}
	t.Cleanup(func() {
		b.Stop()
		if t.Failed() {
			t.Logf("pgbouncer output:\n%s", b.Log())
		}
	})
	through := *u
	through.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Port))
	return b, through.String()
}

// bouncerINI is PgBouncer's configuration. Every database name ("*") goes
// to the server; lib/pq's extra_float_digits startup parameter is ignored
// (PgBouncer refuses unknown ones). Clients are trusted: the server
// behind it authenticates the server connections.
const bouncerINI = `[databases]
* = host=%s port=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 1000
ignore_startup_parameters = extra_float_digits
server_reset_query =
logfile =
pidfile =
`

func startBouncer(bin string, server *url.URL, poolSize int) (*Bouncer, error) {
	dir, err := os.MkdirTemp("", "outreach-pgbouncer-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Bouncer, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	userName := server.User.Username()
	if userName == "" {
		userName = "postgres"
	}
	pw, _ := server.User.Password()
	users := filepath.Join(dir, "userlist.txt")
	if err := os.WriteFile(users, []byte(strconv.Quote(userName)+" "+strconv.Quote(pw)+"\n"), 0o600); err != nil {
		return fail(err)
	}
	host, sport := server.Hostname(), server.Port()
	if sport == "" {
		sport = "5432"
	}
	if pw != "" {
		// The server connections authenticate with the password kept in
		// the userlist (auth_file).
		host += " user=" + userName
	}
	ini := filepath.Join(dir, "pgbouncer.ini")
	conf := fmt.Sprintf(bouncerINI, host, sport, port, users, poolSize)
	if err := os.WriteFile(ini, []byte(conf), 0o600); err != nil {
		return fail(err)
	}
	b := &Bouncer{Port: port, dir: dir, done: make(chan struct{})}
	b.cmd = exec.Command(bin, ini)
	b.cmd.Stdout, b.cmd.Stderr = b, b
	if os.Geteuid() == 0 {
		cred, err := postgresCredential(dir, users, ini)
		if err != nil {
			return fail(err)
		}
		b.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	}
	if err := b.cmd.Start(); err != nil {
		return fail(err)
	}
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	if err := b.waitListening(10 * time.Second); err != nil {
		b.Stop()
		return nil, fmt.Errorf("%w\n%s", err, b.Log())
	}
	return b, nil
}

// postgresCredential gives the postgres user the files PgBouncer reads and
// writes, and returns its credential to run PgBouncer as.
func postgresCredential(files ...string) (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgbouncer refuses to run as root and there is no postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, f := range files {
		if err := os.Chown(f, uid, gid); err != nil {
			return nil, err
		}
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// waitListening polls PgBouncer's port until it accepts connections.
func (b *Bouncer) waitListening(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(b.Port))
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-b.done:
			return fmt.Errorf("pgbouncer exited before listening on %s", addr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgbouncer not listening on %s after %s", addr, timeout)
		}
	}
}

// Write collects PgBouncer's own output (io.Writer for the process).
func (b *Bouncer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log.Write(p)
}

// Log returns PgBouncer's output so far (it logs to stderr).
func (b *Bouncer) Log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.log.String()
}

// Stop ends PgBouncer (SIGINT: immediate shutdown), waits for it and
// removes its directory. It may be called more than once.
func (b *Bouncer) Stop() {
	select {
	case <-b.done:
	default:
		_ = b.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-b.done:
		case <-time.After(5 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
		}
	}
	os.RemoveAll(b.dir)
}

// redactURL hides a password in a URL for messages.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
