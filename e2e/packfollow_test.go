package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// TestReplicasFollowStoredPack: the stored active pack is the one truth.
// Two replicas start with pack directories of their own (one campaign).
// A SIGHUP on replica A activates a pack with a new campaign; replica B,
// never signalled, reports the new version within 10 s. A then stops, so
// B alone decides the new campaign's deliveries: every one is sent, none
// is dropped as "campaign removed". A third replica started later from a
// directory with the old pack follows the stored pack instead of rolling
// everyone back.
func TestReplicasFollowStoredPack(t *testing.T) {
	const n = 100
	e := newEnv(t, noCaps, 1)
	fake := sgfake.New(t)
	env := e.with(sendTo(fake, "1000")...)
	a := startServe(t, "replica A", env)
	v1 := version(a.waitLog(10*time.Second, "the pack made active at start", packActive))
	dirB := filepath.Join(t.TempDir(), "pack")
	writePack(t, dirB, packYAML(noCaps, 1))
	b := startServe(t, "replica B", e.with(append(sendTo(fake, "1000"), "OUTREACH_CAMPAIGNS", dirB)...))
	if v := version(b.waitLog(10*time.Second, "the pack made active at start", packActive)); v != v1 {
		t.Fatalf("replica B started with pack version %d, A with %d: the same content must be the same version", v, v1)
	}

	// A new campaign c2 (every trigger delayed, so that its deliveries
	// are planned well before they are due), activated through A only.
	writePack(t, e.pack, delayedPackYAML(noCaps, 2, "8s"))
	markA, markB := a.lineCount(), b.lineCount()
	a.signal(syscall.SIGHUP)
	v2 := version(a.waitLogFrom(markA, 10*time.Second, "the reloaded pack", packActive))
	if v2 != v1+1 {
		t.Fatalf("SIGHUP on A made version %d active, want %d", v2, v1+1)
	}
	activated := time.Now()
	b.waitLogFrom(markB, 10*time.Second, fmt.Sprintf("that it follows the stored pack version %d", v2), func(r record) bool {
		return packActive(r) && version(r) == v2
	})
	followed := time.Since(activated)

	seedContacts(t, b.url(), "f", n)
	post(t, b.url(), "/api/v1/events", events("f", n, 2, time.Now()))
	waitUntil(t, 30*time.Second, "c2 planned for every contact", func() (bool, string) {
		got := count(t, e.db, `SELECT count(*) FROM deliveries WHERE campaign = 'c2'`)
		return got == n, fmt.Sprintf("%d of %d planned", got, n)
	})
	a.signal(syscall.SIGTERM)
	if code := a.wait(30 * time.Second); code != 0 {
		t.Fatalf("replica A exited %d after SIGTERM", code)
	}
	waitUntil(t, 60*time.Second, "every c2 delivery decided and sent", func() (bool, string) {
		st := states(t, e.db)
		return st["sent"] == n, fmt.Sprintf("states %v", st)
	})
	if got := count(t, e.db, `SELECT count(*) FROM decisions WHERE reason = 'campaign removed'`); got != 0 {
		t.Errorf("%d deliveries dropped as \"campaign removed\"", got)
	}
	checkSentOnce(t, e, fake)

	// A replica started from a directory that still holds the first pack
	// follows the stored version; the packs table does not move.
	dirC := filepath.Join(t.TempDir(), "pack")
	writePack(t, dirC, packYAML(noCaps, 1))
	c := startServe(t, "replica C", e.with(append(sendTo(fake, "1000"), "OUTREACH_CAMPAIGNS", dirC)...))
	warn := c.waitLog(10*time.Second, "that its directory is older than the stored pack", func(r record) bool {
		return strings.Contains(r.str("msg"), "older version than the stored active pack")
	})
	if v := version(c.waitLog(10*time.Second, "the pack made active at start", packActive)); v != v2 {
		t.Errorf("replica C started from the old directory with version %d active, want the stored %d", v, v2)
	}
	if got := count(t, e.db, `SELECT max(version) FROM packs`); got != v2 {
		t.Errorf("packs table at version %d after replica C started, want %d: an old directory rolled the pack back", got, v2)
	}
	t.Logf("replica B followed pack version %d %s after A activated it (promise: 10 s); %d c2 deliveries sent per process %v, none dropped; "+
		"replica C from the old directory: %v", v2, followed.Round(time.Millisecond), n, sentPerProcess(t, e), warn)
	for _, p := range []*proc{b, c} {
		p.signal(syscall.SIGTERM)
		if code := p.wait(30 * time.Second); code != 0 {
			t.Errorf("%s exited %d after SIGTERM", p.name, code)
		}
	}
}
