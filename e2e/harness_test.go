package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds ./cmd/outreach once per test process. It goes next to the
// test binary, in the work directory `go test` removes afterwards (or in a
// new temporary directory when the test binary lives elsewhere).
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir := ""
		if exe, err := os.Executable(); err == nil && strings.Contains(exe, "go-build") {
			dir = filepath.Dir(exe)
		} else if dir, buildErr = os.MkdirTemp("", "outreach-e2e-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(dir, "outreach-e2e")
		if buildErr = trackSources(".."); buildErr != nil {
			return
		}
		start := time.Now()
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/outreach-dev/outreach/cmd/outreach").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/outreach: %v\n%s", err, out)
			return
		}
		t.Logf("built %s in %s", binPath, time.Since(start).Round(time.Millisecond))
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// trackSources opens every file of the module below root (hidden folders
// aside). go test caches a package's passing result until a file its test
// opened changes, and cannot know that these tests run a binary built from
// the whole module: without this, `go test ./...` after a change to the
// store answered "ok (cached)" for e2e without running it.
func trackSources(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		return f.Close()
	})
}

// environ is the test process's environment without any OUTREACH_*
// variable, plus env.
func environ(env map[string]string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OUTREACH_") {
			out = append(out, kv)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// runCmd runs one outreach command to its end (at most a minute) and
// returns its combined output and exit code.
func runCmd(t *testing.T, env map[string]string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	cmd.Env = environ(env)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	case err != nil:
		t.Fatalf("outreach %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), 0
}

// migrate runs `outreach migrate` on the database of env.
func migrate(t *testing.T, env map[string]string) {
	t.Helper()
	if out, code := runCmd(t, env, "migrate"); code != 0 {
		t.Fatalf("outreach migrate exited %d:\n%s", code, out)
	}
}

// logLines collects a process's output line by line and lets waiters know
// when a line arrives.
type logLines struct {
	mu      sync.Mutex
	partial []byte
	lines   []string
	changed chan struct{}
}

func newLogLines() *logLines { return &logLines{changed: make(chan struct{})} }

// Write implements io.Writer for exec.Cmd's Stdout and Stderr.
func (l *logLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(b), nil
}

// since returns the lines from index i on and a channel closed when more
// arrive.
func (l *logLines) since(i int) ([]string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines[min(i, len(l.lines)):]...), l.changed
}

// record is one JSON log line of serve.
type record map[string]any

func (r record) str(key string) string { s, _ := r[key].(string); return s }

// proc is a running outreach process.
type proc struct {
	t      *testing.T
	name   string
	cmd    *exec.Cmd
	logs   *logLines
	addr   string        // serve's listen address, from its "serving" log line
	exited chan struct{} // closed when the process has exited
	err    error         // cmd.Wait's result, once exited is closed
}

// startServe starts `outreach serve` with env (plus extra arguments) and
// waits until it listens. It is killed at the end of the test if still
// running; its output is logged when the test failed.
func startServe(t *testing.T, name string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, logs: newLogLines(), exited: make(chan struct{})}
	p.cmd = exec.Command(binary(t), append([]string{"serve"}, args...)...)
	p.cmd.Env = environ(env)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			lines, _ := p.logs.since(0)
			t.Logf("%s (pid %d) output, last %d lines:\n%s", name, p.cmd.Process.Pid, min(len(lines), 60),
				strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	rec := p.waitLog(30*time.Second, "the serving log line", func(r record) bool { return r.str("msg") == "serving" })
	p.addr = rec.str("addr")
	return p
}

// url returns the base URL of the process's HTTP server.
func (p *proc) url() string { return "http://" + p.addr }

// waitLog returns the first log record (from the start) for which match is
// true, failing the test after timeout or when the process exits first.
func (p *proc) waitLog(timeout time.Duration, what string, match func(record) bool) record {
	p.t.Helper()
	return p.waitLogFrom(0, timeout, what, match)
}

// waitLogFrom is waitLog over the lines from index i on.
func (p *proc) waitLogFrom(i int, timeout time.Duration, what string, match func(record) bool) record {
	p.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		lines, changed := p.logs.since(i)
		for _, l := range lines {
			var r record
			if json.Unmarshal([]byte(l), &r) == nil && match(r) {
				return r
			}
		}
		i += len(lines)
		select {
		case <-changed:
		case <-p.exited:
			if more, _ := p.logs.since(i); len(more) > 0 {
				continue
			}
			p.t.Fatalf("%s exited (%v) before logging %s", p.name, p.err, what)
		case <-deadline.C:
			p.t.Fatalf("%s did not log %s within %s", p.name, what, timeout)
		}
	}
}

// lineCount is the number of output lines so far (a mark for waitLogFrom).
func (p *proc) lineCount() int {
	p.logs.mu.Lock()
	defer p.logs.mu.Unlock()
	return len(p.logs.lines)
}

// signal sends sig to the process.
func (p *proc) signal(sig syscall.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatalf("signal %s to %s: %v", sig, p.name, err)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// exitedNow reports whether the process has exited.
func (p *proc) exitedNow() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(timeout):
		p.t.Fatalf("%s did not exit within %s", p.name, timeout)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		p.t.Fatalf("%s: %v", p.name, p.err)
	}
	return 0
}

// waitUntil polls cond every 50 ms until it holds, failing the test after
// timeout with the last status cond gave.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, status := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s (%s)", what, timeout, status)
		}
		<-tick.C
	}
}
