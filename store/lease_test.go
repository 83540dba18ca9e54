package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// leaseClock is a settable clock shared by the replicas of a lease test.
type leaseClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *leaseClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *leaseClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// newLeases returns n leases named "planner" on one PostgreSQL database,
// each with its own pool, on clock c.
func newLeases(t *testing.T, c *leaseClock, n int) ([]*store.Lease, []*store.DB) {
	t.Helper()
	url := storetest.URL(t, store.Postgres)
	var ls []*store.Lease
	var dbs []*store.DB
	for i := range n {
		db := storetest.OpenURL(t, url, c.Now)
		l := store.NewLease(db, "planner", string(rune('a'+i)))
		l.Now = c.Now
		t.Cleanup(l.Close)
		ls, dbs = append(ls, l), append(dbs, db)
	}
	return ls, dbs
}

// TestLeaseOneLeaderAndExpiry: one replica takes the lease, the other
// cannot while it is renewed, takes it once it has expired, and the old
// leader, renewing late, finds it taken and steps down.
func TestLeaseOneLeaderAndExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &leaseClock{t: t0}
	ls, _ := newLeases(t, c, 2)
	a, b := ls[0], ls[1]
	if !a.IsLeader(ctx) {
		t.Fatalf("a does not lead: %v", a.Err())
	}
	if b.IsLeader(ctx) {
		t.Fatal("b leads too")
	}
	// a renews every LeaseRenew: b, retrying, never gets in.
	for range 5 {
		c.Add(store.LeaseRenew)
		if !a.IsLeader(ctx) {
			t.Fatalf("a lost a lease it renews: %v", a.Err())
		}
		if b.IsLeader(ctx) {
			t.Fatal("b took a renewed lease")
		}
	}
	// a falls silent (a hung process): once the row has expired b takes
	// it. When a's clock has moved so far it would not trust its lease
	// anyway; a renewal at the very edge finds it taken.
	c.Add(store.LeaseTTL + time.Millisecond)
	if !b.IsLeader(ctx) {
		t.Fatalf("b did not take an expired lease: %v", b.Err())
	}
	if a.IsLeader(ctx) {
		t.Error("a still leads after b took the lease")
	}
	if a.Err() == nil {
		t.Error("a.Err() = nil, want why it stepped down")
	}
}

// TestLeaseStepsDownBeforeExpiry: a leader that cannot renew (its
// database is gone) stops leading, and ends its term's context, before its
// lease row expires, so another replica never leads at the same time.
func TestLeaseStepsDownBeforeExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &leaseClock{t: t0}
	ls, dbs := newLeases(t, c, 2)
	a, b := ls[0], ls[1]
	b.Retry = 0
	if !a.IsLeader(ctx) {
		t.Fatalf("a does not lead: %v", a.Err())
	}
	term, cancel := a.Term(ctx)
	defer cancel()
	dbs[0].Close() // every renewal of a fails from now on
	c.Add(store.LeaseRenew)
	if !a.IsLeader(ctx) {
		t.Fatal("a stepped down after one failed renewal, well before expiry")
	}
	if term.Err() != nil {
		t.Fatal("a's term ended after one failed renewal")
	}
	c.Add(store.LeaseTTL - 2*store.LeaseRenew)
	if a.IsLeader(ctx) {
		t.Fatalf("a still leads %s after its last renewal, LeaseRenew before its lease expires", store.LeaseTTL-store.LeaseRenew)
	}
	select {
	case <-term.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a's term did not end when it stepped down")
	}
	if err := a.Err(); err == nil || !strings.Contains(err.Error(), "stepping down") {
		t.Errorf("a.Err() = %v, want why it stepped down", err)
	}
	// Its row is still valid: b must wait for the expiry.
	if b.IsLeader(ctx) {
		t.Fatal("b took the lease before it expired")
	}
	c.Add(store.LeaseRenew + time.Millisecond)
	if !b.IsLeader(ctx) {
		t.Fatalf("b did not take the expired lease: %v", b.Err())
	}
}

// TestLeaseCloseHandsOver: a leader that shuts down expires its row, so
// the next replica takes over at its next try, not after LeaseTTL.
func TestLeaseCloseHandsOver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := &leaseClock{t: t0}
	ls, _ := newLeases(t, c, 2)
	a, b := ls[0], ls[1]
	b.Retry = 0
	if !a.IsLeader(ctx) || b.IsLeader(ctx) {
		t.Fatalf("want a alone leading: %v %v", a.Err(), b.Err())
	}
	term, cancel := a.Term(ctx)
	defer cancel()
	a.Close()
	select {
	case <-term.Done():
	case <-time.After(10 * time.Second):
		t.Error("a's term still open after Close")
	}
	if !b.IsLeader(ctx) {
		t.Fatalf("b did not take over after a closed: %v", b.Err())
	}
	after, cancelAfter := a.Term(ctx)
	defer cancelAfter()
	if after.Err() == nil {
		t.Error("a closed lease gives an open term")
	}
}

func TestLeaseOnSQLiteAlwaysLeads(t *testing.T) {
	db := open(t, store.SQLite)
	l := store.NewLease(db, "planner", "test")
	defer l.Close()
	if !l.IsLeader(context.Background()) {
		t.Error("SQLite process is not the leader")
	}
	term, cancel := l.Term(context.Background())
	defer cancel()
	if term.Err() != nil {
		t.Error("the SQLite process's term is over: its ticks would be cancelled")
	}
}
