package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// LeaseTTL is how long a lease row holds after the renewal that wrote it:
// a replica whose clock has passed expires_at may take the lease. A dead
// leader is replaced within LeaseTTL plus the followers' poll
// (scheduler.LeaderPoll): 14 s.
const LeaseTTL = 9 * time.Second

// LeaseRenew is how often the leader renews its lease, from a keepalive
// goroutine so that a long planning tick keeps it. The leader stops leader
// work LeaseTTL − LeaseRenew (6 s) after its last successful renewal
// began, LeaseRenew (3 s) before the row expires: that margin covers a
// statement in flight and clock skew between replicas.
const LeaseRenew = 3 * time.Second

// Lease elects one leader among the replicas sharing a database with a row
// of the leases table, for deployments where no session outlives a
// transaction (PgBouncer in transaction mode): acquiring and renewing are
// one statement each, which takes the row when it has expired or is
// already this holder's. Every expiry is computed from Now, passed to SQL
// as a parameter, so the replicas' clocks must agree to well within
// LeaseRenew (NTP). On SQLite the process is the leader.
type Lease struct {
	// Now returns the current time (default time.Now).
	Now func() time.Time
	// TTL is how long a renewal holds (default LeaseTTL).
	TTL time.Duration
	// Renew is the interval between renewals (default LeaseRenew); it must
	// be less than TTL.
	Renew time.Duration
	// Retry is the least time between two tries of a follower (default
	// LeaderRetry).
	Retry time.Duration

	db     *DB
	name   string
	holder string

	mu      sync.Mutex
	leading bool
	renewed time.Time // when the last successful renewal began
	lastTry time.Time
	err     error
	term    context.Context // ends when this term of leadership ends
	endTerm context.CancelFunc
	stop    chan struct{} // ends the keepalive
}

// NewLease returns the lease named name (replicas electing one leader for
// the same work use the same name); holderID must be unique among the live
// replicas (host, pid and a random suffix).
func NewLease(db *DB, name, holderID string) *Lease {
	return &Lease{Now: time.Now, TTL: LeaseTTL, Renew: LeaseRenew, Retry: LeaderRetry, db: db, name: name, holder: holderID}
}

// leaseTake takes the lease row when it is free, expired or already ours,
// and renews it: one statement, so no session state is needed. It returns
// the holder when this replica now holds it, and no row otherwise.
const leaseTake = `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
	ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
	WHERE leases.expires_at < ? OR leases.holder = excluded.holder
	RETURNING holder`

// IsLeader reports whether this replica leads now. A leader renews when a
// renewal is due (the keepalive also does) and steps down once its lease
// is too old to trust; a follower tries to take the lease if Retry has
// passed since its last try.
func (l *Lease) IsLeader(ctx context.Context) bool {
	if !l.db.postgres() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.leading {
		l.renewLocked(ctx)
		return l.leading // after stepping down, try again at the next ask
	}
	now := l.Now()
	if !l.lastTry.IsZero() && now.Sub(l.lastTry) < l.Retry {
		return false
	}
	l.lastTry = now
	ok, err := l.take(ctx, now, l.Renew)
	if err != nil {
		l.err = fmt.Errorf("lease %s: take: %w", l.name, err)
		return false
	}
	if ok {
		l.leading, l.renewed, l.err = true, now, nil
		l.term, l.endTerm = context.WithCancel(context.Background())
		l.stop = make(chan struct{})
		go l.keepAlive(l.stop)
	}
	return ok
}

// Holds reports whether this replica led at its last check, without
// checking again or trying to take the lease (for /metrics). On SQLite the
// process is always the leader.
func (l *Lease) Holds() bool {
	if !l.db.postgres() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.leading
}

// take runs leaseTake at now, for at most timeout.
func (l *Lease) take(ctx context.Context, now time.Time, timeout time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var holders []string
	err := l.db.db.SelectContext(ctx, &holders, l.db.rebind(leaseTake), l.name, l.holder, ms(now.Add(l.TTL)), ms(now))
	return len(holders) == 1, err
}

// renewLocked renews the lease when a renewal is due, and steps down when
// the lease was taken by another replica or when no renewal succeeded for
// TTL − Renew. A renewal may not run past that point. l.mu is held.
func (l *Lease) renewLocked(ctx context.Context) {
	now := l.Now()
	trusted := l.TTL - l.Renew // how long a renewal is trusted
	left := trusted - now.Sub(l.renewed)
	if left > 0 && now.Sub(l.renewed) >= l.Renew {
		ok, err := l.take(ctx, now, min(l.Renew, left))
		switch {
		case err != nil:
			l.err = fmt.Errorf("lease %s: renew: %w", l.name, err)
		case !ok:
			l.stepDownLocked(fmt.Errorf("lease %s: taken by another replica", l.name))
			return
		default:
			l.renewed, l.err = now, nil
		}
	}
	if l.Now().Sub(l.renewed) >= trusted {
		l.stepDownLocked(fmt.Errorf("lease %s: not renewed for %s, stepping down before it expires: %v", l.name, trusted, l.err))
	}
}

// stepDownLocked ends this term: Term's context is cancelled and the
// keepalive stops. l.mu is held.
func (l *Lease) stepDownLocked(why error) {
	l.leading, l.err = false, why
	l.endTerm()
	close(l.stop)
	l.lastTry = time.Time{} // a follower again: try at the next ask
}

// keepAlive renews the lease every Renew while this replica leads, so
// that a long tick keeps it, and ends the term as soon as it lapses.
func (l *Lease) keepAlive(stop <-chan struct{}) {
	t := time.NewTicker(l.Renew / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.leading && l.stop == stop {
			l.renewLocked(context.Background())
		}
		l.mu.Unlock()
	}
}

// Term returns a context that ends when this replica stops leading (or at
// once when it does not lead), or when ctx ends: leader work runs under it,
// so that a leader that cannot renew stops before its lease expires.
func (l *Lease) Term(ctx context.Context) (context.Context, context.CancelFunc) {
	if !l.db.postgres() {
		return context.WithCancel(ctx) // the process leads as long as it runs
	}
	l.mu.Lock()
	term := l.term
	leading := l.leading
	l.mu.Unlock()
	out, cancel := context.WithCancel(ctx)
	if !leading {
		cancel()
		return out, cancel
	}
	stop := context.AfterFunc(term, cancel)
	return out, func() { stop(); cancel() }
}

// Err returns why the last try or renewal failed, or why this replica
// stepped down, or nil.
func (l *Lease) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Close gives up leadership: the lease row expires at once, so that
// another replica takes over at its next try.
func (l *Lease) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.leading {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaderCheckTimeout)
	defer cancel()
	_, _ = l.db.db.ExecContext(ctx, l.db.rebind(`UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ?`), l.name, l.holder)
	l.stepDownLocked(nil)
}
