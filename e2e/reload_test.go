package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// packActive matches serve's log record of a pack made active.
func packActive(r record) bool { return r.str("msg") == "campaign pack active" }

// version is the pack version a log record names.
func version(r record) int { v, _ := r["version"].(float64); return int(v) }

// TestReloadAndDrain follows one serve process through its life: it
// refuses to start on a database with pending migrations, applies its pack
// at start, applies a changed pack on SIGHUP, keeps the active pack when
// the new one is invalid (naming the error), and on SIGTERM exits 0 after
// recording the sends in flight and releasing what it had reserved but not
// sent, which the next process sends.
func TestReloadAndDrain(t *testing.T) {
	e := newUnmigratedEnv(t, noCaps, 1)
	fake := sgfake.New(t)

	// Pending migrations (cmd/outreach's TestServePostgresPendingMigrations
	// checks the message in-process; this is the real exit status).
	out, code := runCmd(t, e.env, "serve")
	if code == 0 || !strings.Contains(out, "outreach migrate") {
		t.Fatalf("serve on an unmigrated PostgreSQL exited %d, want non-zero naming `outreach migrate`:\n%s", code, out)
	}
	migrate(t, e.env)

	// 20 requests/s, so that SIGTERM comes while sends are in flight.
	p := startServe(t, "serve", e.with(sendTo(fake, "20")...))
	v1 := version(p.waitLog(10*time.Second, "the pack made active at start", packActive))
	if got := count(t, e.db, `SELECT max(version) FROM packs`); got != v1 {
		t.Fatalf("packs table at version %d, serve logged %d", got, v1)
	}

	checkReload(t, e, p, v1)

	// The kept pack is in force: c2 plans, the refused c3 does not.
	const n = 100
	seedContacts(t, p.url(), "h", n)
	post(t, p.url(), "/api/v1/events", append(events("h", n, 2, time.Now()), events("h", n, 3, time.Now())...))
	waitUntil(t, 30*time.Second, "c2 planned for every contact", func() (bool, string) {
		got := count(t, e.db, `SELECT count(*) FROM deliveries WHERE campaign = 'c2'`)
		return got == n, fmt.Sprintf("%d planned", got)
	})
	if got := count(t, e.db, `SELECT count(*) FROM deliveries WHERE campaign <> 'c2'`); got != 0 {
		t.Errorf("%d deliveries of campaigns other than c2", got)
	}

	checkDrain(t, e, fake, p, n)
}

// checkReload applies a changed pack with SIGHUP (version v1+1), then an
// invalid one, which must be refused with its errors while v1+1 stays.
func checkReload(t *testing.T, e *testEnv, p *proc, v1 int) {
	t.Helper()
	// A new campaign, SIGHUP: a new version.
	writePack(t, e.pack, packYAML(noCaps, 2))
	mark := p.lineCount()
	p.signal(syscall.SIGHUP)
	rec := p.waitLogFrom(mark, 10*time.Second, "the reloaded pack", packActive)
	if v2 := version(rec); v2 != v1+1 || rec["changed"] != true || rec["campaigns"] != float64(2) {
		t.Fatalf("after SIGHUP: %v, want version %d changed with 2 campaigns", rec, v1+1)
	}
	if got := count(t, e.db, `SELECT max(version) FROM packs`); got != v1+1 {
		t.Fatalf("packs table at version %d after SIGHUP, want %d", got, v1+1)
	}

	// An invalid pack (a third campaign with a bad delay and an unknown
	// key), SIGHUP: refused, named, the active one stays.
	writePack(t, e.pack, packYAML(noCaps, 2)+
		"  - key: c3\n    category: lifecycle\n    trigger: {event: e2e.t3, delay: 3 weeks}\n    template: hello\n    colour: red\n")
	mark = p.lineCount()
	p.signal(syscall.SIGHUP)
	rec = p.waitLogFrom(mark, 10*time.Second, "the refusal of the invalid pack", func(r record) bool {
		return strings.Contains(r.str("msg"), "refused")
	})
	msg := rec.str("err")
	if version(rec) != v1+1 || !strings.Contains(msg, "campaigns.yaml:") || !strings.Contains(msg, "delay") || !strings.Contains(msg, "colour") {
		t.Errorf("refusal %v: want the active version %d and both errors with their campaigns.yaml:LINE:COL", rec, v1+1)
	}
	if got := count(t, e.db, `SELECT max(version) FROM packs`); got != v1+1 {
		t.Errorf("packs table at version %d after an invalid pack, want %d kept", got, v1+1)
	}
	if lines, _ := p.logs.since(mark); strings.Contains(strings.Join(lines, "\n"), "campaign pack active") {
		t.Errorf("an invalid pack was made active:\n%s", strings.Join(lines, "\n"))
	}
	t.Logf("pack versions: %d at start, %d after SIGHUP, kept after an invalid pack: %s", v1, v1+1, msg)

}

// checkDrain stops p with SIGTERM while it sends n deliveries: it must
// exit 0 having recorded every message SendGrid accepted and released the
// rest, which a new process then sends, each once.
func checkDrain(t *testing.T, e *testEnv, fake *sgfake.Server, p *proc, n int) {
	t.Helper()
	// SIGTERM while sending: exit 0, what SendGrid accepted is recorded
	// sent, nothing stays claimed by the dead process.
	waitUntil(t, 30*time.Second, "sending under way", func() (bool, string) {
		got := len(fake.Messages())
		return got >= 10, fmt.Sprintf("%d accepted", got)
	})
	p.signal(syscall.SIGTERM)
	if code := p.wait(40 * time.Second); code != 0 {
		t.Fatalf("serve exited %d after SIGTERM", code)
	}
	p.waitLog(time.Second, "stopped", func(r record) bool { return r.str("msg") == "stopped" })
	accepted := acceptedByDelivery(fake)
	sent := idSet(t, e.db, `SELECT id FROM deliveries WHERE state = 'sent'`)
	for id := range accepted {
		if !sent[id] {
			t.Errorf("delivery %s accepted by SendGrid before SIGTERM but not recorded sent", id)
		}
	}
	if len(sent) != len(accepted) {
		t.Errorf("%d sent in the database, %d accepted by SendGrid", len(sent), len(accepted))
	}
	if got := count(t, e.db, `SELECT count(*) FROM deliveries WHERE state = 'sending' AND claimed_by <> ''`); got != 0 {
		t.Errorf("%d deliveries still claimed by the stopped process", got)
	}
	released := count(t, e.db, `SELECT count(*) FROM deliveries WHERE state = 'sending' AND claimed_by = ''`)
	t.Logf("SIGTERM: %d sent and recorded, %d released unsent, %d never claimed", len(sent), released, states(t, e.db)["planned"])

	// The next process (with a valid pack again: an invalid one stops serve
	// at start) sends the rest, each once.
	writePack(t, e.pack, packYAML(noCaps, 2))
	q := startServe(t, "serve after drain", e.with(sendTo(fake, "1000")...))
	waitUntil(t, 30*time.Second, "the rest sent", func() (bool, string) {
		st := states(t, e.db)
		return st["sent"] == n, fmt.Sprintf("states %v", st)
	})
	for id, c := range acceptedByDelivery(fake) {
		if c != 1 {
			t.Errorf("delivery %s accepted %d times", id, c)
		}
	}
	q.signal(syscall.SIGTERM)
	if code := q.wait(30 * time.Second); code != 0 {
		t.Errorf("second serve exited %d after SIGTERM", code)
	}
}
