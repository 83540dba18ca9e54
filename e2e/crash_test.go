package e2e

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid/sgfake"
	"github.com/outreach-dev/outreach/store"
)

// TestCrashSafety kills one serve process with SIGKILL several times while
// it sends, restarting it each time, then lets it finish, on PostgreSQL and
// on SQLite. SendGrid (the fake) posts a signed processed event for every
// accepted message; a relay batches them as SendGrid does (shuffled, up to
// 12 per request, some posted twice at once in opposite orders) and
// retries while serve is down, so webhook transactions run concurrently
// with the dispatcher's heartbeats and send-result writes over the same
// rows. Every due delivery must end sent, accepted by SendGrid exactly
// once: what SendGrid accepted before a kill is settled by its processed
// event, what it never saw is sent again once OUTREACH_SEND_GRACE has
// passed without one. No process may log a deadlock or a failed heartbeat
// (a failed heartbeat lets another process resend after the grace), and
// the webhook never answers 5xx.
func TestCrashSafety(t *testing.T) {
	for _, dialect := range []string{store.Postgres, store.SQLite} {
		t.Run(dialect, func(t *testing.T) { crashSafety(t, dialect) })
	}
}

func crashSafety(t *testing.T, dialect string) {
	total, kills := 400, 4
	if testing.Short() {
		total, kills = 200, 3
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("random seed %d", seed)

	e := newEnvOn(t, dialect, noCaps, 1)
	// The deliveries fall due 3 s after their event, once all are planned,
	// so that each claim reserves a full batch and a worker sends a chunk
	// of them before recording it: a kill then finds messages SendGrid has
	// accepted and nobody has recorded yet (with deliveries due as the
	// planner commits them, claims are small and that window rarely opens).
	writePack(t, e.pack, delayedPackYAML(noCaps, 1, "3s"))
	// Processed events reach serve 0-1 s after SendGrid accepted the
	// message, well within the grace.
	rl := newRelay(t, 750*time.Millisecond)
	fake := sgfake.New(t, sgfake.WithWebhook(rl.url()))
	rl.batching(fake.Sign, 100*time.Millisecond, 12)
	// 100 requests/s makes the sending last a few seconds, so the kills
	// land while HTTP calls are in flight; a lease of 2 s lets the next
	// process find a dead one's sending rows quickly.
	env := e.with(append(sendTo(fake, "100"), "OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY", fake.PublicKey(),
		"OUTREACH_SEND_GRACE", "6s", "OUTREACH_SEND_LEASE", "2s")...)
	p := startServe(t, "serve #1", env)
	procs := []*proc{p}
	rl.setTarget(p.url())
	seedContacts(t, p.url(), "k", total)
	start := time.Now()
	post(t, p.url(), "/api/v1/events", events("k", total, 1, start))

	var done []kill
	for k := range kills {
		base := len(fake.Messages())
		step := total/(2*kills) + rng.IntN(total/(2*kills))
		waitUntil(t, 30*time.Second, fmt.Sprintf("%d more messages before kill %d", step, k+1), func() (bool, string) {
			n := len(fake.Messages())
			return n >= base+step || n >= total, fmt.Sprintf("%d accepted", n)
		})
		p.kill()
		at := time.Now()
		done = append(done, kill{at: at, inflight: idSet(t, e.db, `SELECT id FROM deliveries WHERE state = 'sending' AND claimed_by <> ''`)})
		p = startServe(t, fmt.Sprintf("serve #%d", k+2), env)
		procs = append(procs, p)
		rl.setTarget(p.url())
	}
	lastKill := time.Now()

	waitUntil(t, 60*time.Second, "every delivery settled", func() (bool, string) {
		st := states(t, e.db)
		pending, _, _ := rl.stats()
		return st["sent"]+st["failed"] == total && pending == 0,
			fmt.Sprintf("states %v, %d webhook posts waiting, %d accepted", st, pending, len(fake.Messages()))
	})
	settled := time.Now()

	dups := checkExactlyOnce(t, e, fake, total)
	caught, reconciled, resent := classifyKills(t, fake, done)
	_, forwarded, failures := rl.stats()
	deadlocks := logLinesMatching(procs, func(l string) bool { return strings.Contains(l, "deadlock") })
	heartbeats := logLinesMatching(procs, func(l string) bool { return strings.Contains(l, `"msg":"heartbeat"`) })
	results := logLinesMatching(procs, func(l string) bool { return strings.Contains(l, `"msg":"record send results"`) })
	t.Logf("%s: %d deliveries, %d SIGKILLs: all settled %s after the last kill (%s in all); %d deliveries caught sending by a kill: "+
		"%d already accepted by SendGrid and settled by the processed event, %d never sent and sent after the grace; "+
		"%d duplicates; %d lost; %d webhook requests relayed (%d forward attempts failed while serve was down, %d answered 5xx); "+
		"%d deadlock log lines, %d failed heartbeats, %d failed result writes",
		dialect, total, len(done), settled.Sub(lastKill).Round(time.Millisecond), settled.Sub(start).Round(time.Millisecond),
		caught, reconciled, resent, dups, total-len(acceptedByDelivery(fake)), forwarded, failures, rl.serverErrors(),
		len(deadlocks), len(heartbeats), len(results))
	for _, bad := range [][]string{deadlocks, heartbeats, results} {
		for _, l := range bad[:min(len(bad), 3)] {
			t.Errorf("serve logged: %s", l)
		}
	}
	if n := rl.serverErrors(); n > 0 {
		t.Errorf("the webhook answered 5xx %d times", n)
	}

	p.signal(syscall.SIGTERM)
	if code := p.wait(30 * time.Second); code != 0 {
		t.Errorf("serve exited %d after SIGTERM", code)
	}
}

// logLinesMatching returns the output lines of procs for which match is
// true.
func logLinesMatching(procs []*proc, match func(string) bool) []string {
	var out []string
	for _, p := range procs {
		lines, _ := p.logs.since(0)
		for _, l := range lines {
			if match(l) {
				out = append(out, p.name+": "+l)
			}
		}
	}
	return out
}

// kill is one SIGKILL of the crash test.
type kill struct {
	at       time.Time
	inflight map[string]bool // sending, claimed by a process, right after the kill
}

// checkExactlyOnce checks that every one of total deliveries is sent,
// accepted by SendGrid exactly once with the message id the database
// records, and that none failed. It returns the number of duplicates.
func checkExactlyOnce(t *testing.T, e *testEnv, fake *sgfake.Server, total int) int {
	t.Helper()
	accepted := acceptedByDelivery(fake)
	dups := 0
	for id, n := range accepted {
		if n > 1 {
			dups += n - 1
			t.Errorf("DUPLICATE: delivery %s accepted %d times by SendGrid", id, n)
		}
	}
	if len(accepted) != total {
		t.Errorf("SendGrid accepted %d distinct deliveries, want all %d", len(accepted), total)
	}
	if st := states(t, e.db); st["sent"] != total {
		t.Errorf("states %v, want all %d sent", st, total)
	}
	for f := range idSet(t, e.db, `SELECT id || ': ' || error FROM deliveries WHERE state = 'failed'`) {
		t.Errorf("failed: %s", f)
	}
	if r := fake.Rejections(); len(r) > 0 {
		t.Errorf("SendGrid refused %d requests, first: %+v", len(r), r[0].Errors)
	}
	wrongID := 0
	for id, m := range firstAccepted(fake) {
		var got string
		if err := e.db.QueryRow(e.q(`SELECT message_id FROM deliveries WHERE id = $1`), id).Scan(&got); err != nil || got != m.MessageID {
			wrongID++
			if wrongID <= 3 {
				t.Errorf("delivery %s: message id %q in the database, SendGrid answered %q (%v)", id, got, m.MessageID, err)
			}
		}
	}
	return dups
}

// firstAccepted returns the first message the fake accepted per delivery.
func firstAccepted(fake *sgfake.Server) map[string]sgfake.Message {
	first := map[string]sgfake.Message{}
	for _, m := range fake.Messages() {
		if _, ok := first[m.DeliveryID]; !ok {
			first[m.DeliveryID] = m
		}
	}
	return first
}

// classifyKills logs, per kill, how many sending rows SendGrid had already
// accepted, and returns how many distinct deliveries the kills caught in
// sending, how many of those SendGrid had accepted before (and accepted
// once: settled by the processed event) and how many it had not (sent
// after the grace). A row caught by several kills counts at its first.
func classifyKills(t *testing.T, fake *sgfake.Server, done []kill) (caught, reconciled, resent int) {
	t.Helper()
	first, accepted := firstAccepted(fake), acceptedByDelivery(fake)
	had := func(id string, at time.Time) bool { m, ok := first[id]; return ok && !m.AcceptedAt.After(at) }
	firstCaught := map[string]time.Time{}
	perKill := make([]string, len(done))
	for i, k := range done {
		n := 0
		for id := range k.inflight {
			if had(id, k.at) {
				n++
			}
			if _, ok := firstCaught[id]; !ok {
				firstCaught[id] = k.at
			}
		}
		perKill[i] = fmt.Sprintf("%d/%d", n, len(k.inflight))
	}
	t.Logf("per kill, sending rows SendGrid had already accepted / all sending rows: %v", perKill)
	for id, at := range firstCaught {
		switch {
		case had(id, at) && accepted[id] == 1:
			reconciled++
		case !had(id, at):
			resent++
		}
	}
	return len(firstCaught), reconciled, resent
}
