package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// LeaderRetry is the least time between two tries to take the lock. serve
// asks every 5 s (scheduler.LeaderPoll), a little more than this, so every
// ask of a follower tries: a dead leader is replaced within about 5 s.
const LeaderRetry = 4 * time.Second

// LeaderIdleTimeout is the idle_session_timeout of the lock's connection.
// A live leader pings that connection every third of it (a keepalive
// goroutine, so a long planning tick does not let the session idle); a
// leader that hangs (SIGSTOP, a frozen VM, a network partition) stops
// pinging, PostgreSQL ends its session and frees the lock, and a follower
// retrying every LeaderRetry takes over within LeaderIdleTimeout +
// LeaderRetry (13 s). Without it a hung leader kept the lock until TCP gave
// up, for hours.
const LeaderIdleTimeout = 9 * time.Second

// leaderCheckTimeout bounds the health check of the lock's connection.
const leaderCheckTimeout = 3 * time.Second

// Leader elects one leader among the replicas sharing a database. On
// PostgreSQL it holds a session advisory lock on a dedicated connection:
// when the leader's process dies, its connection drops and the server frees
// the lock, which another replica takes at its next try. On SQLite the
// process is the leader.
type Leader struct {
	// Now returns the current time; it spaces the tries (default time.Now).
	Now func() time.Time
	// Retry is the least time between two tries to take the lock (default
	// LeaderRetry).
	Retry time.Duration
	// IdleTimeout ends the lock's session when this leader stops checking
	// it for so long (default LeaderIdleTimeout; it must exceed the
	// interval between two IsLeader calls).
	IdleTimeout time.Duration

	db     *DB
	name   string
	holder string

	mu      sync.Mutex
	conn    *sql.Conn     // holds the lock; nil when not leader
	stop    chan struct{} // ends the keepalive of conn
	lastTry time.Time
	err     error
}

// NewLeader returns the election named name (replicas electing one leader
// for the same work use the same name); holderID identifies this replica
// in pg_stat_activity (application_name).
func NewLeader(db *DB, name, holderID string) *Leader {
	return &Leader{Now: time.Now, Retry: LeaderRetry, IdleTimeout: LeaderIdleTimeout, db: db, name: name, holder: holderID}
}

// lockKey is the text hashed into the advisory lock's key. It includes the
// database name so that databases sharing a server never compete.
func (l *Leader) lockKey() string { return "outreach.leader." + l.name }

// IsLeader reports whether this replica is the leader now. When it holds
// the lock it checks that the lock's connection is alive (a terminated
// backend has lost the lock); when it does not, it tries to take the lock
// if Retry has passed since the last try.
func (l *Leader) IsLeader(ctx context.Context) bool {
	if !l.db.postgres() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn != nil {
		cctx, cancel := context.WithTimeout(ctx, leaderCheckTimeout)
		defer cancel()
		_, err := l.conn.ExecContext(cctx, `SELECT 1`)
		if err == nil {
			return true
		}
		l.err = fmt.Errorf("leader %s: lost the lock's connection: %w", l.name, err)
		close(l.stop)
		l.conn.Close()
		l.conn = nil
		l.lastTry = time.Time{} // try again at once: the lock may be free
	}
	now := l.Now()
	if !l.lastTry.IsZero() && now.Sub(l.lastTry) < l.Retry {
		return false
	}
	l.lastTry = now
	ok, err := l.tryLock(ctx)
	if err != nil {
		l.err = fmt.Errorf("leader %s: take the lock: %w", l.name, err)
	}
	return ok
}

// tryLock takes the advisory lock on a new dedicated connection, or
// returns the connection to the pool.
func (l *Leader) tryLock(ctx context.Context) (bool, error) {
	conn, err := l.db.db.Conn(ctx)
	if err != nil {
		return false, err
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = LeaderIdleTimeout
	}
	// Set before taking the lock, so a leader that hangs right after is
	// still bounded (PostgreSQL 14+).
	if _, err := conn.ExecContext(ctx, `SELECT set_config('idle_session_timeout', $1, false)`,
		fmt.Sprintf("%dms", l.IdleTimeout.Milliseconds())); err != nil {
		conn.Close()
		return false, err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtext(current_database() || $1))`, l.lockKey()).Scan(&ok); err != nil {
		conn.Close()
		return false, err
	}
	if !ok {
		// Back to the pool with the server's default idle timeout.
		_, _ = conn.ExecContext(ctx, `RESET idle_session_timeout`)
		conn.Close()
		return false, nil
	}
	// Best effort: name the connection so operators can see who leads.
	_, _ = conn.ExecContext(ctx, `SELECT set_config('application_name', $1, false)`, "outreach leader "+l.holder)
	l.conn = conn
	l.stop = make(chan struct{})
	l.err = nil
	go l.keepAlive(conn, l.stop)
	return true, nil
}

// keepAlive pings the lock's connection so that its session never idles
// into idle_session_timeout while this process is alive. Failures are left
// to IsLeader, which notices the dead connection and steps down.
func (l *Leader) keepAlive(conn *sql.Conn, stop <-chan struct{}) {
	t := time.NewTicker(l.IdleTimeout / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		l.mu.Lock()
		if l.conn == conn {
			ctx, cancel := context.WithTimeout(context.Background(), leaderCheckTimeout)
			_, _ = conn.ExecContext(ctx, `SELECT 1`)
			cancel()
		}
		l.mu.Unlock()
	}
}

// Err returns why the last try failed or the lock was lost, or nil.
func (l *Leader) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// Holds reports whether this replica held the lock at its last check,
// without checking again or trying to take it (for /metrics). On SQLite
// the process is always the leader.
func (l *Leader) Holds() bool {
	if !l.db.postgres() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.conn != nil
}

// Close gives up leadership: it frees the lock and its connection.
func (l *Leader) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaderCheckTimeout)
	defer cancel()
	_, _ = l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(hashtext(current_database() || $1))`, l.lockKey())
	_, _ = l.conn.ExecContext(ctx, `RESET idle_session_timeout`) // it goes back to the pool
	close(l.stop)
	l.conn.Close()
	l.conn = nil
}
