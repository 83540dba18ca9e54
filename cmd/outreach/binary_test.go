package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// TestBinaryServeSIGTERM builds the binary, starts serve on a free port
// with a fresh SQLite file, checks /healthz and stops it with SIGTERM.
func TestBinaryServeSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "outreach")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "OUTREACH_HTTP_ADDR=127.0.0.1:0", "OUTREACH_DATABASE_URL=sqlite:"+filepath.Join(dir, "outreach.db"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// The "serving" log line names the address.
	lines := bufio.NewScanner(stderr)
	addr := ""
	var logs []string
	for addr == "" && lines.Scan() {
		logs = append(logs, lines.Text())
		var rec struct{ Msg, Addr string }
		if json.Unmarshal(lines.Bytes(), &rec) == nil && rec.Msg == "serving" {
			addr = rec.Addr
		}
	}
	if addr == "" {
		t.Fatalf("serve did not report its address: %v", logs)
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "{\"status\":\"ok\"}\n" {
		t.Fatalf("healthz: %d %s", res.StatusCode, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(stderr)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve did not exit cleanly after SIGTERM: %v\n%s", err, rest)
	}
	if _, err := os.Stat(filepath.Join(dir, "outreach.db")); err != nil {
		t.Errorf("the SQLite database was not created: %v", err)
	}
}
