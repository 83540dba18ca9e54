package e2e

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// TestReplicasShareCaps runs two serve processes on one database, sending
// to one fake SendGrid, with a policy of one email per contact per day.
// Every contact gets competing deliveries in three waves (two campaigns
// each), ingested alternately through either replica; the first wave is
// due at once, later waves find the slot taken, possibly by the other
// replica. Whatever replica claims a contact, no contact may have two
// reserved slots within 24 hours and no delivery may reach SendGrid twice.
func TestReplicasShareCaps(t *testing.T) {
	contacts, waves := 600, 3
	if testing.Short() {
		contacts = 80
	}
	e := newEnv(t, tightCaps, 2*waves)
	fake := sgfake.New(t)
	env := e.with(sendTo(fake, "1000")...)
	replicas := []*proc{startServe(t, "replica A", env), startServe(t, "replica B", env)}
	seedContacts(t, replicas[0].url(), "r", contacts)

	start := time.Now()
	for w := range waves {
		api := replicas[w%2].url()
		post(t, api, "/api/v1/events", append(events("r", contacts, 2*w+1, time.Now()), events("r", contacts, 2*w+2, time.Now())...))
		want := contacts * 2 * (w + 1)
		waitUntil(t, 60*time.Second, fmt.Sprintf("wave %d planned and dispatched", w+1), func() (bool, string) {
			n, p := count(t, e.db, `SELECT count(*) FROM deliveries`), pendingDue(t, e.db)
			return n == want && p == 0, fmt.Sprintf("%d of %d deliveries planned, %d due or sending; states %v", n, want, p, states(t, e.db))
		})
	}
	elapsed := time.Since(start)

	// Zero cap violations: no two reserved slots of one contact within 24 h
	// (max_per_day 1; min_gap 20 h is implied).
	if v := count(t, e.db, `SELECT count(*) FROM deliveries a JOIN deliveries b
		ON a.contact_id = b.contact_id AND a.id < b.id
		WHERE a.state IN ('sending', 'sent') AND b.state IN ('sending', 'sent')
		AND abs(a.reserved_at - b.reserved_at) < 86400000`); v != 0 {
		t.Errorf("%d pairs of deliveries to one contact reserved within 24 h", v)
	}
	// Every contact had something due at once: exactly one email each, the
	// rest deferred by a day.
	st := states(t, e.db)
	if st["sent"] != contacts || st["planned"] != contacts*(2*waves-1) || len(st) != 2 {
		t.Errorf("states %v, want %d sent and %d planned (deferred)", st, contacts, contacts*(2*waves-1))
	}
	if n := count(t, e.db, `SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM decisions x WHERE x.delivery_id = d.id)`); n != 0 {
		t.Errorf("%d deliveries without any decision", n)
	}

	// SendGrid saw each sent delivery once, and only those.
	sent := idSet(t, e.db, `SELECT id FROM deliveries WHERE state = 'sent'`)
	accepted := acceptedByDelivery(fake)
	dups := 0
	for id, n := range accepted {
		if n > 1 {
			dups++
			t.Errorf("delivery %s accepted %d times by SendGrid", id, n)
		}
		if !sent[id] {
			t.Errorf("delivery %s accepted by SendGrid but not sent in the database", id)
		}
	}
	if len(accepted) != len(sent) {
		t.Errorf("SendGrid accepted %d deliveries, the database has %d sent", len(accepted), len(sent))
	}
	if r := fake.Rejections(); len(r) > 0 {
		t.Errorf("SendGrid refused %d requests, first: %+v", len(r), r[0].Errors)
	}
	for _, m := range fake.Messages() {
		var id string
		if err := e.db.QueryRow(`SELECT message_id FROM deliveries WHERE id = $1`, m.DeliveryID).Scan(&id); err != nil || id != m.MessageID {
			t.Errorf("delivery %s: message id %q in the database, %q from SendGrid (%v)", m.DeliveryID, id, m.MessageID, err)
			break
		}
	}

	// Both replicas dispatched, if the load let them (logged, not required:
	// one replica may legitimately claim everything).
	byProcess := map[string]int{}
	rows, err := e.db.Query(`SELECT claimed_by, count(*) FROM deliveries WHERE state = 'sent' GROUP BY claimed_by`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		var n int
		if err := rows.Scan(&p, &n); err != nil {
			t.Fatal(err)
		}
		byProcess[p] = n
	}
	rows.Close()
	deferred := count(t, e.db, `SELECT count(*) FROM decisions WHERE decision = 'deferred'`)
	t.Logf("%d contacts x %d competing deliveries in %d waves, 2 replicas: %d sent (%d duplicates), %d deferrals, in %s; sent per process: %v",
		contacts, 2*waves, waves, len(sent), dups, deferred, elapsed.Round(time.Millisecond), byProcess)
	if len(byProcess) < 2 {
		t.Logf("only %d replica claimed work: the load was too small to spread", len(byProcess))
	}

	for _, r := range replicas {
		r.signal(syscall.SIGTERM)
	}
	for _, r := range replicas {
		if code := r.wait(30 * time.Second); code != 0 {
			t.Errorf("%s exited %d after SIGTERM", r.name, code)
		}
	}
}
