package e2e

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
	"github.com/outreach-dev/outreach/store"
)

// TestOutboxCrashSafety kills a serve process that writes the .eml outbox
// (no SendGrid key) with SIGKILL several times while it writes, restarting
// it each time, on PostgreSQL and SQLite, without and with a webhook key.
// The outbox is local, so it is exactly-once: at the end every due
// delivery is sent with exactly one file, named by its id, carrying the
// Message-ID the database records; no row failed ("outcome unknown" is for
// remote providers); a file that existed at a kill was never written again;
// and no temporary file is left.
func TestOutboxCrashSafety(t *testing.T) {
	for _, dialect := range []string{store.Postgres, store.SQLite} {
		for _, webhook := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/webhook=%v", dialect, webhook), func(t *testing.T) { outboxCrashSafety(t, dialect, webhook) })
		}
	}
}

func outboxCrashSafety(t *testing.T, dialect string, webhook bool) {
	total, kills := 600, 3
	if testing.Short() {
		total, kills = 300, 2
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("random seed %d", seed)

	e := newEnvOn(t, dialect, noCaps, 1)
	writePack(t, e.pack, delayedPackYAML(noCaps, 1, "3s")) // full claims, as in TestCrashSafety
	outbox := filepath.Join(t.TempDir(), "outbox")
	vars := []string{"OUTREACH_OUTBOX_DIR", outbox, "OUTREACH_SEND_GRACE", "1h", "OUTREACH_SEND_LEASE", "2s"}
	if webhook {
		// A webhook key with no SendGrid behind it: no processed event ever
		// comes, and the outbox must not wait for one (the grace is 1 h).
		vars = append(vars, "OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY", sgfake.New(t).PublicKey())
	}
	env := e.with(vars...)
	p := startServe(t, "serve #1", env)
	seedContacts(t, p.url(), "o", total)
	post(t, p.url(), "/api/v1/events", events("o", total, 1, time.Now()))

	seen := map[string]os.FileInfo{} // files that existed at a kill
	caught := make([]int, 0, kills)
	for k := range kills {
		base := len(emlFiles(t, outbox))
		step := total/(2*kills) + rng.IntN(total/(2*kills))
		waitFast(t, 60*time.Second, fmt.Sprintf("%d more files before kill %d", step, k+1), func() bool {
			n := len(emlFiles(t, outbox))
			return n >= base+step || n >= total
		})
		p.kill()
		caught = append(caught, len(idSet(t, e.db, `SELECT id FROM deliveries WHERE state = 'sending' AND claimed_by <> ''`)))
		for name, fi := range emlFiles(t, outbox) {
			if _, ok := seen[name]; !ok {
				seen[name] = fi
			}
		}
		p = startServe(t, fmt.Sprintf("serve #%d", k+2), env)
	}
	waitUntil(t, 60*time.Second, "every delivery settled", func() (bool, string) {
		st := states(t, e.db)
		return st["sent"]+st["failed"] == total, fmt.Sprintf("states %v, %d files", st, len(emlFiles(t, outbox)))
	})
	t.Logf("%s, webhook %v: %d deliveries, %d SIGKILLs; deliveries caught sending per kill %v", dialect, webhook, total, kills, caught)
	checkOutbox(t, e, outbox, total, seen)

	p.signal(syscall.SIGTERM)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM", code)
	}
}

// checkOutbox checks the outbox after every delivery settled: all sent,
// one file each with the recorded Message-ID, none failed, no other file,
// and every file seen at a kill unchanged.
func checkOutbox(t *testing.T, e *testEnv, outbox string, total int, seen map[string]os.FileInfo) {
	t.Helper()
	if st := states(t, e.db); st["sent"] != total {
		t.Errorf("states %v, want all %d sent", st, total)
	}
	for f := range idSet(t, e.db, `SELECT id || ': ' || error FROM deliveries WHERE state = 'failed'`) {
		t.Errorf("failed: %s", f)
	}
	entries, err := os.ReadDir(outbox)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]bool{}
	for _, en := range entries {
		if !strings.HasSuffix(en.Name(), ".eml") || strings.HasPrefix(en.Name(), ".") {
			t.Errorf("outbox holds %s, not a message", en.Name())
			continue
		}
		files[en.Name()] = true
	}
	wrong := 0
	for id := range idSet(t, e.db, `SELECT id FROM deliveries`) {
		path := filepath.Join(outbox, id+".eml")
		if !files[id+".eml"] {
			t.Errorf("LOST: delivery %s has no file", id)
			continue
		}
		var recorded string
		if err := e.db.QueryRow(e.q(`SELECT message_id FROM deliveries WHERE id = $1`), id).Scan(&recorded); err != nil {
			t.Fatal(err)
		}
		if got := messageIDHeader(t, path); got != recorded {
			if wrong++; wrong <= 3 {
				t.Errorf("delivery %s: Message-ID %q in its file, %q in the database", id, got, recorded)
			}
		}
		if before, ok := seen[id+".eml"]; ok {
			if after, err := os.Stat(path); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
				t.Errorf("DUPLICATE: %s.eml existed at a kill and was written again", id)
			}
		}
	}
	if len(files) != total {
		t.Errorf("%d files for %d deliveries", len(files), total)
	}
}

// emlFiles returns the messages in the outbox (not temporary files) by
// name.
func emlFiles(t *testing.T, dir string) map[string]os.FileInfo {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]os.FileInfo, len(entries))
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), ".") || !strings.HasSuffix(en.Name(), ".eml") {
			continue
		}
		if fi, err := en.Info(); err == nil {
			out[en.Name()] = fi
		}
	}
	return out
}

// messageIDHeader reads the Message-ID header of an .eml file.
func messageIDHeader(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := textproto.NewReader(bufio.NewReader(f)).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return h.Get("Message-Id")
}

// waitFast is waitUntil polling every 2 ms, for a kill that must land
// while a fast local sender is writing.
func waitFast(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s", what, timeout)
		}
		<-tick.C
	}
}
