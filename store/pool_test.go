package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/store"
)

// hold takes n connections of db's pool and returns them when the test
// ends.
func hold(t *testing.T, db *store.DB, n int) []*sql.Conn {
	t.Helper()
	var conns []*sql.Conn
	for range n {
		c, err := db.SQLXForTest().Conn(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns = append(conns, c)
	}
	return conns
}

// TestMaxConnsWaitsWithinDeadline: a pool capped at MaxConns opens no more;
// a caller beyond it waits for a free connection and gives up with its
// context's error (not a server error) when its deadline passes first.
// OpenPool's second pool has its own cap, so a full first pool does not
// stop it.
func TestMaxConnsWaitsWithinDeadline(t *testing.T) {
	ctx := context.Background()
	db, err := store.OpenWith(ctx, pgtest.URL(t), store.Options{MaxConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := db.PoolStats().MaxOpenConnections; got != 3 {
		t.Fatalf("MaxOpenConnections %d, want 3", got)
	}
	held := hold(t, db, 3)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := db.Ping(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ping with every connection taken: %v, want the context's deadline", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- db.Ping(ctx) }()
	held[0].Close()
	if err := <-waited; err != nil {
		t.Errorf("ping once a connection is free: %v", err)
	}
	if got := db.PoolStats().OpenConnections; got > 3 {
		t.Errorf("%d connections open, want at most 3", got)
	}

	other, err := db.OpenPool(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Ping(ctx); err != nil {
		t.Errorf("second pool while the first is full: %v", err)
	}
	if got := other.PoolStats().MaxOpenConnections; got != 2 {
		t.Errorf("second pool MaxOpenConnections %d, want 2", got)
	}
}

// TestOpenPoolOnSQLite: SQLite's one connection cannot be split; OpenPool
// returns a view of it, whose Close leaves the database open.
func TestOpenPoolOnSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	view, err := db.OpenPool(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if err := view.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("the database after closing the view: %v", err)
	}
	if got := db.PoolStats().MaxOpenConnections; got != 1 {
		t.Errorf("SQLite MaxOpenConnections %d, want 1", got)
	}
}
