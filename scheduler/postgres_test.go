package scheduler_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

func TestOutOfOrderCommitIsPlanned(t *testing.T) {
	t.Parallel()
	b := setup(t, store.Postgres)
	ctx := context.Background()
	var account int64
	if err := storetest.SQL(t, b.db).Get(&account, `SELECT account_id FROM contacts WHERE id = $1`, b.ids["ann"]); err != nil {
		t.Fatal(err)
	}
	// "slow" takes its seq first but commits after "fast".
	slow, err := storetest.SQL(t, b.db).BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback()
	if _, err := slow.Exec(`INSERT INTO events (id, type, contact_id, account_id, occurred_at, ingested_at)
		VALUES ('slow', $1, $2, $3, $4, $4)`, outreach.EventOnboardingCompleted, b.ids["ann"], account, t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	b.events(t, outreach.Event{ID: "fast", Type: outreach.EventOnboardingCompleted, ContactExternalID: "cid", OccurredAt: t0})
	if rep := b.tick(t); rep.EventsPlanned != 1 {
		t.Fatalf("tick with slow uncommitted = %+v, want fast planned", rep)
	}
	if err := slow.Commit(); err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	if err := storetest.SQL(t, b.db).Select(&seqs, `SELECT seq FROM events ORDER BY id DESC`); err != nil || len(seqs) != 2 || seqs[0] > seqs[1] {
		t.Fatalf("seqs (slow, fast) = %v, %v: want slow first", seqs, err)
	}
	b.clock.Add(time.Minute)
	if rep := b.tick(t); rep.EventsPlanned != 1 || rep.DeliveriesPlanned != 1 {
		t.Errorf("tick after slow committed = %+v, want it planned", rep)
	}
	if got := b.contactsOf(b.deliveries(t, "nps-onboarding")); len(got) != 2 {
		t.Errorf("nps-onboarding for %v, want ann and cid", got)
	}
}

func TestConcurrentSchedulersPlanOnce(t *testing.T) {
	t.Parallel()
	b := setup(t, store.Postgres)
	const n = 2500 // several batches
	evs := make([]outreach.Event, n)
	for i := range evs {
		evs[i] = outreach.Event{ID: fmt.Sprintf("qbr-%d", i), Type: outreach.EventQBRCompleted, AccountExternalID: "acme", OccurredAt: t0.Add(7 * day)}
	}
	b.events(t, evs...)
	db2 := storetest.OpenURL(t, b.url, b.clock.Now)
	s2 := &scheduler.Scheduler{Store: db2, Pack: func() *outreach.Pack { return b.pack.Pack }}
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC) // every schedule due
	start := make(chan struct{})
	reps := make([]scheduler.TickReport, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, s := range []*scheduler.Scheduler{b.s, s2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			reps[i], errs[i] = s.Tick(context.Background(), now)
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var total int
	if err := storetest.SQL(t, b.db).Get(&total, `SELECT COUNT(*) FROM deliveries`); err != nil {
		t.Fatal(err)
	}
	// 2 per QBR (bob, cid) + anniversary nothing on 9 March + renewal (ann)
	// + re-engagement (ann, eve).
	if want := 2*n + 1 + 2; total != want {
		t.Errorf("deliveries = %d, want %d", total, want)
	}
	sum := func(f func(scheduler.TickReport) int) int { return f(reps[0]) + f(reps[1]) }
	if got := sum(func(r scheduler.TickReport) int { return r.DeliveriesPlanned }); got != total {
		t.Errorf("reported planned %d (%+v), stored %d: some delivery counted twice", got, reps, total)
	}
	if got := sum(func(r scheduler.TickReport) int { return r.EventsPlanned }); got != n {
		t.Errorf("events planned %d times in all, want %d", got, n)
	}
	if got := sum(func(r scheduler.TickReport) int { return r.SchedulesFired }); got != 3 {
		t.Errorf("schedules fired %d times in all, want 3", got)
	}
}

// advisoryHolder returns the backend pid holding the leader lock.
func advisoryHolder(t *testing.T, db *store.DB) int {
	t.Helper()
	var pid int
	err := storetest.SQL(t, db).Get(&pid, `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		t.Fatalf("find the leader's backend: %v", err)
	}
	return pid
}

// waitGone terminates backend pid and waits (in the server) until it has
// exited, so its locks are free.
func waitGone(t *testing.T, db *store.DB, pid int) {
	t.Helper()
	var ok bool
	if err := storetest.SQL(t, db).Get(&ok, `SELECT pg_terminate_backend($1, 10000)`, pid); err != nil {
		// A backend already gone is a warning, not an error; anything else fails.
		t.Fatalf("terminate backend %d: %v", pid, err)
	}
}

func TestLeaderFailoverOnTerminatedBackend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: t0}
	url := storetest.URL(t, store.Postgres)
	dbA, dbB := storetest.OpenURL(t, url, c.Now), storetest.OpenURL(t, url, c.Now)
	a, bl := store.NewLeader(dbA, "planner", "a"), store.NewLeader(dbB, "planner", "b")
	a.Now, bl.Now = c.Now, c.Now
	defer a.Close()
	defer bl.Close()
	if !a.IsLeader(ctx) {
		t.Fatalf("a is not leader: %v", a.Err())
	}
	if bl.IsLeader(ctx) {
		t.Fatal("b is leader too")
	}
	waitGone(t, dbB, advisoryHolder(t, dbB))
	c.Add(time.Second)
	if bl.IsLeader(ctx) {
		t.Error("b retried before LeaderRetry")
	}
	c.Add(store.LeaderRetry)
	if !bl.IsLeader(ctx) {
		t.Fatalf("b did not take over %v after a's backend died: %v", store.LeaderRetry, bl.Err())
	}
	if a.IsLeader(ctx) {
		t.Error("a still thinks it leads after its backend was terminated")
	}
	if a.Err() == nil {
		t.Error("a.Err() = nil, want why it lost the lock")
	}
	if store.LeaderRetry+scheduler.LeaderPoll > 15*time.Second {
		t.Errorf("retry %v + poll %v exceed the 15 s takeover promise", store.LeaderRetry, scheduler.LeaderPoll)
	}
}

// TestLeaderChildProcess is the helper process of TestLeaderFailoverOnKill:
// it takes the lock, says so, and waits to be killed.
func TestLeaderChildProcess(t *testing.T) {
	url := os.Getenv("OUTREACH_TEST_LEADER_CHILD")
	if url == "" {
		return // only runs as TestLeaderFailoverOnKill's child process
	}
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	l := store.NewLeader(db, "planner", "child")
	if v, _ := strconv.ParseInt(os.Getenv("OUTREACH_TEST_LEADER_IDLE"), 10, 64); v > 0 {
		l.IdleTimeout = time.Duration(v)
	}
	if !l.IsLeader(context.Background()) {
		t.Fatalf("child is not leader: %v", l.Err())
	}
	fmt.Println("leader")
	select {} // until SIGKILL
}

func TestLeaderFailoverOnKill(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &clock{t: t0}
	url := storetest.URL(t, store.Postgres)
	db := storetest.OpenURL(t, url, c.Now)
	child, pid := startLeaderChild(t, url, 0)
	l := store.NewLeader(db, "planner", "survivor")
	l.Now = c.Now
	defer l.Close()
	if l.IsLeader(ctx) {
		t.Fatal("two leaders while the child lives")
	}
	if err := child.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	child.Wait()
	waitGone(t, db, pid) // the server notices the dropped connection
	c.Add(store.LeaderRetry)
	if !l.IsLeader(ctx) {
		t.Fatalf("no takeover after the leader was killed: %v", l.Err())
	}
}

// TestLeaderFailoverOnHungLeader: a live leader keeps its lock even while
// it does not check it (a long tick), but a hung one (SIGSTOP, a frozen VM)
// loses it: PostgreSQL ends its idle session and another replica takes over.
func TestLeaderFailoverOnHungLeader(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := storetest.URL(t, store.Postgres)
	db := storetest.OpenURL(t, url, nil)
	idle := 600 * time.Millisecond // the real default is store.LeaderIdleTimeout
	child, pid := startLeaderChild(t, url, idle)
	l := store.NewLeader(db, "planner", "survivor")
	l.Retry = 0
	defer l.Close()
	// Alive but never asked (its keepalive runs): three idle timeouts later
	// the child still leads.
	time.Sleep(3 * idle)
	if l.IsLeader(ctx) {
		t.Fatal("took the lock from a live leader that was only busy")
	}
	if err := child.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !l.IsLeader(ctx) {
		if time.Now().After(deadline) {
			t.Fatalf("no takeover from a hung leader (backend %d still holds the lock): %v", pid, l.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if store.LeaderIdleTimeout+store.LeaderRetry > 15*time.Second {
		t.Errorf("idle timeout %v + retry %v exceed the 15 s takeover promise", store.LeaderIdleTimeout, store.LeaderRetry)
	}
}

// startLeaderChild runs TestLeaderChildProcess as a leader on url (with
// the lock session's idle timeout idle, 0 = default), waits until it leads
// and returns it with its backend's pid; it is killed at cleanup.
func startLeaderChild(t *testing.T, url string, idle time.Duration) (*exec.Cmd, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLeaderChildProcess$")
	cmd.Env = append(os.Environ(), "OUTREACH_TEST_LEADER_CHILD="+url, fmt.Sprintf("OUTREACH_TEST_LEADER_IDLE=%d", idle))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "leader\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	db := storetest.OpenURL(t, url, nil)
	return cmd, advisoryHolder(t, db)
}
