package e2e

import (
	"fmt"
	"strings"
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
// Then the leader is killed: the survivor takes over planning, and a last
// wave ingested through it is planned (and deferred by the cap).
func TestReplicasShareCaps(t *testing.T) {
	contacts, waves := 600, 3
	if testing.Short() {
		contacts = 80
	}
	e := newEnv(t, tightCaps, 2*waves+1) // c7 is for the wave after the failover
	fake := sgfake.New(t)
	// 200 requests/s per process: sending lasts long enough for the
	// second replica to join in.
	env := e.with(sendTo(fake, "200")...)
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
	failover := killLeader(t, e, replicas, contacts, 2*waves+1)
	total := contacts * (2*waves + 1)

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
	if st["sent"] != contacts || st["planned"] != total-contacts || len(st) != 2 {
		t.Errorf("states %v, want %d sent and %d planned (deferred)", st, contacts, total-contacts)
	}
	if n := count(t, e.db, `SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM decisions x WHERE x.delivery_id = d.id)`); n != 0 {
		t.Errorf("%d deliveries without any decision", n)
	}

	sent, dups := checkSentOnce(t, e, fake)
	byProcess := sentPerProcess(t, e)
	deferred := count(t, e.db, `SELECT count(*) FROM decisions WHERE decision = 'deferred'`)
	t.Logf("%d contacts x %d competing deliveries in %d waves (+1 after the failover), 2 replicas: %d sent (%d duplicates), %d deferrals, in %s; sent per process: %v; "+
		"leader killed, survivor leading after %s (promise: 15 s)",
		contacts, 2*waves, waves, len(sent), dups, deferred, elapsed.Round(time.Millisecond), byProcess, failover.Round(time.Millisecond))
	if len(byProcess) < 2 {
		t.Logf("only %d replica claimed work: the load was too small to spread", len(byProcess))
	}

	survivor := replicas[0]
	if survivor.exitedNow() {
		survivor = replicas[1]
	}
	survivor.signal(syscall.SIGTERM)
	if code := survivor.wait(30 * time.Second); code != 0 {
		t.Errorf("%s exited %d after SIGTERM", survivor.name, code)
	}
}

// killLeader kills the replica that leads with SIGKILL, ingests events of
// type typ for every contact through the other one and waits until they
// are planned and decided. It returns how long after the kill the survivor
// logged that it leads.
func killLeader(t *testing.T, e *testEnv, replicas []*proc, contacts, typ int) time.Duration {
	t.Helper()
	leads := func(r record) bool { return r.str("msg") == "this replica is now the leader: planning" }
	var leader, survivor *proc
	for i, r := range replicas {
		if lines, _ := r.logs.since(0); strings.Contains(strings.Join(lines, "\n"), "this replica is now the leader") {
			leader, survivor = r, replicas[1-i]
		}
	}
	if leader == nil {
		t.Fatal("no replica logged that it leads")
	}
	mark := survivor.lineCount()
	leader.kill()
	killed := time.Now()
	before := count(t, e.db, `SELECT count(*) FROM deliveries`)
	post(t, survivor.url(), "/api/v1/events", events("r", contacts, typ, time.Now()))
	survivor.waitLogFrom(mark, 30*time.Second, "that it took over the leadership", leads)
	took := time.Since(killed)
	waitUntil(t, 30*time.Second, "the wave after the failover planned and decided", func() (bool, string) {
		n, p := count(t, e.db, `SELECT count(*) FROM deliveries`), pendingDue(t, e.db)
		return n == before+contacts && p == 0, fmt.Sprintf("%d of %d deliveries planned, %d due or sending", n, before+contacts, p)
	})
	return took
}

// checkSentOnce checks that SendGrid accepted each sent delivery once,
// only those, with the message id the database records. It returns the
// sent ids and the number of duplicated deliveries.
func checkSentOnce(t *testing.T, e *testEnv, fake *sgfake.Server) (map[string]bool, int) {
	t.Helper()
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
	return sent, dups
}

// sentPerProcess counts the sent deliveries per claiming process. Both
// replicas dispatch if the load lets them; that is logged, not required,
// since one replica may legitimately claim everything.
func sentPerProcess(t *testing.T, e *testEnv) map[string]int {
	t.Helper()
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
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	return byProcess
}
