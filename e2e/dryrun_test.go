package e2e

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// TestDryRun runs serve --dry-run with a SendGrid key pointing at the fake:
// every delivery is planned, decided by the throttle and recorded (sent
// with a dry-run message id, or deferred), and SendGrid receives nothing.
func TestDryRun(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 40
	}
	e := newEnv(t, tightCaps, 2)
	fake := sgfake.New(t)
	p := startServe(t, "serve --dry-run", e.with(sendTo(fake, "1000")...), "--dry-run")
	p.waitLog(time.Second, "where mail goes", func(r record) bool {
		return strings.Contains(r.str("msg"), "nowhere (dry run)") && r["dry_run"] == true
	})
	seedContacts(t, p.url(), "d", n)
	post(t, p.url(), "/api/v1/events", append(events("d", n, 1, time.Now()), events("d", n, 2, time.Now())...))
	waitUntil(t, 30*time.Second, "every delivery decided", func() (bool, string) {
		got, pending := count(t, e.db, `SELECT count(*) FROM deliveries`), pendingDue(t, e.db)
		return got == 2*n && pending == 0, fmt.Sprintf("%d of %d planned, %d due or sending", got, 2*n, pending)
	})

	st := states(t, e.db)
	if st["sent"] != n || st["planned"] != n {
		t.Errorf("states %v, want %d sent (dry run) and %d deferred by the cap", st, n, n)
	}
	if got := count(t, e.db, `SELECT count(*) FROM deliveries WHERE state = 'sent' AND message_id LIKE 'dry-run:%'`); got != n {
		t.Errorf("%d of %d sent deliveries have a dry-run message id", got, n)
	}
	decided := count(t, e.db, `SELECT count(*) FROM decisions WHERE decision = 'sent'`)
	deferred := count(t, e.db, `SELECT count(*) FROM decisions WHERE decision = 'deferred'`)
	if decided != n || deferred != n {
		t.Errorf("%d sent and %d deferred decisions recorded, want %d of each", decided, deferred, n)
	}
	if m, r := fake.Messages(), fake.Rejections(); len(m)+len(r) != 0 {
		t.Errorf("SendGrid received %d messages and %d invalid requests in a dry run", len(m), len(r))
	}
	t.Logf("dry run: %d deliveries decided (%d sent decisions, %d deferrals), 0 requests to SendGrid", 2*n, decided, deferred)
	p.signal(syscall.SIGTERM)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Errorf("serve --dry-run exited %d after SIGTERM", code)
	}
}
