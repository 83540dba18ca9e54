package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// leads matches the scheduler's log record of a replica taking the lead.
func leads(r record) bool { return r.str("msg") == "this replica is now the leader: planning" }

// TestServeThroughPgBouncer runs three serve replicas through a real
// PgBouncer in transaction mode (fewer server connections than the
// replicas' pools) with OUTREACH_LEADER=lease: the database is migrated
// through it, exactly one replica leads, events ingested through one
// replica are planned and sent once each, and when the leader is killed
// another takes over within 15 s and plans and sends the next wave.
func TestServeThroughPgBouncer(t *testing.T) {
	const n = 150
	e := newUnmigratedEnv(t, noCaps, 2)
	_, through := pgtest.StartBouncer(t, e.env["OUTREACH_DATABASE_URL"], 8)
	e.env["OUTREACH_DATABASE_URL"] = through
	e.env["OUTREACH_LEADER"] = "lease"
	migrate(t, e.env)
	fake := sgfake.New(t)
	env := e.with(sendTo(fake, "300")...)
	var replicas []*proc
	for i := range 3 {
		replicas = append(replicas, startServe(t, fmt.Sprintf("replica %d", i+1), env))
	}

	seedContacts(t, replicas[1].url(), "b", n)
	post(t, replicas[2].url(), "/api/v1/events", events("b", n, 1, time.Now()))
	waitUntil(t, 60*time.Second, "the first wave planned and sent", func() (bool, string) {
		st := states(t, e.db)
		return st["sent"] == n, fmt.Sprintf("states %v", st)
	})
	leader := onlyLeader(t, replicas)
	if got := count(t, e.db, `SELECT count(*) FROM leases WHERE name = 'planner' AND expires_at > $1`, time.Now().UnixMilli()); got != 1 {
		t.Errorf("%d live planner leases, want 1", got)
	}

	// Kill the leader: another replica takes over and plans the next wave.
	var survivors []*proc
	marks := map[*proc]int{}
	for _, r := range replicas {
		if r != leader {
			survivors = append(survivors, r)
			marks[r] = r.lineCount()
		}
	}
	leader.kill()
	killed := time.Now()
	next, took := waitTakeover(t, survivors, marks, killed, 15*time.Second)
	post(t, next.url(), "/api/v1/events", events("b", n, 2, time.Now()))
	waitUntil(t, 60*time.Second, "the wave after the takeover planned and sent", func() (bool, string) {
		st := states(t, e.db)
		return st["sent"] == 2*n, fmt.Sprintf("states %v", st)
	})
	sent, dups := checkSentOnce(t, e, fake)
	// Through a pooler, a named prepared statement or session state shows
	// up as errors ("prepared statement already exists"), retried until
	// they happen to work: none may be logged.
	for _, r := range replicas {
		lines, _ := r.logs.since(0)
		for _, l := range lines {
			var rec record
			if json.Unmarshal([]byte(l), &rec) == nil && rec.str("level") == "ERROR" {
				t.Errorf("%s logged an error: %s", r.name, l)
				break
			}
		}
	}
	for _, r := range survivors {
		if r != next && logged(r, marks[r], leads) {
			t.Errorf("%s also took the lead after the kill", r.name)
		}
	}
	t.Logf("3 replicas through PgBouncer (transaction mode, 8 server connections), OUTREACH_LEADER=lease: %d sent (%d duplicates), per process %v; "+
		"%s led, killed; %s led %s after the kill (promise: 15 s)", len(sent), dups, sentPerProcess(t, e), leader.name, next.name, took.Round(time.Millisecond))
	for _, r := range survivors {
		r.signal(syscall.SIGTERM)
		if code := r.wait(30 * time.Second); code != 0 {
			t.Errorf("%s exited %d after SIGTERM", r.name, code)
		}
	}
}

// onlyLeader returns the one replica that logged that it leads, failing
// the test when none or several did.
func onlyLeader(t *testing.T, replicas []*proc) *proc {
	t.Helper()
	var leaders []*proc
	var names []string
	for _, r := range replicas {
		if logged(r, 0, leads) {
			leaders = append(leaders, r)
			names = append(names, r.name)
		}
	}
	if len(leaders) != 1 {
		t.Fatalf("%d replicas logged that they lead (%s), want exactly 1", len(leaders), strings.Join(names, ", "))
	}
	return leaders[0]
}

// logged reports whether p has logged a record matching match since line
// mark.
func logged(p *proc, mark int, match func(record) bool) bool {
	lines, _ := p.logs.since(mark)
	for _, l := range lines {
		var r record
		if json.Unmarshal([]byte(l), &r) == nil && match(r) {
			return true
		}
	}
	return false
}

// waitTakeover waits until one of the survivors logs that it leads (after
// its mark), failing the test after timeout. It returns that replica and
// how long after killed its log record says it took the lead.
func waitTakeover(t *testing.T, survivors []*proc, marks map[*proc]int, killed time.Time, timeout time.Duration) (*proc, time.Duration) {
	t.Helper()
	var next *proc
	var at time.Time
	waitUntil(t, timeout, "a survivor taking the lead", func() (bool, string) {
		for _, r := range survivors {
			lines, _ := r.logs.since(marks[r])
			for _, l := range lines {
				var rec record
				if json.Unmarshal([]byte(l), &rec) == nil && leads(rec) {
					next = r
					at, _ = time.Parse(time.RFC3339Nano, rec.str("time"))
					return true, ""
				}
			}
		}
		return false, "no survivor logged that it leads"
	})
	return next, at.Sub(killed)
}
