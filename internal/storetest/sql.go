package storetest

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"  // registers the "postgres" driver
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/outreach-dev/outreach/store"
)

// stores maps each *store.DB that Open or OpenURL returned to the URL it
// was opened on and the raw pool SQL opened on it, until its test ends.
var stores sync.Map // *store.DB -> *rawPool

type rawPool struct {
	url  string
	once sync.Once
	x    *sqlx.DB
	err  error
}

// remember records db's URL for SQL and closes the raw pool, if SQL opened
// one, when the test that opened db ends (before db itself closes).
func remember(t testing.TB, db *store.DB, dbURL string) {
	p := &rawPool{url: dbURL}
	stores.Store(db, p)
	t.Cleanup(func() {
		stores.Delete(db)
		if p.x != nil {
			p.x.Close()
		}
	})
}

// SQL returns a connection pool of its own on the database of db, which
// Open or OpenURL returned, for tests and benchmarks that build fixtures
// or read rows with raw SQL the store has no method for. The store keeps
// its own pool to itself (all SQL of the program lives in the store), so
// this one is a second pool on the same database: on SQLite a second
// connection to the same file, which waits for the store's writes (busy
// timeout) instead of sharing its transaction. The pool is opened once per
// store and closed when the store's test ends. Queries take '?' or '$N'
// placeholders as the dialect does; Rebind turns '?' into the dialect's.
func SQL(t testing.TB, db *store.DB) *sqlx.DB {
	t.Helper()
	v, ok := stores.Load(db)
	if !ok {
		t.Fatal("storetest.SQL: this store was not opened by storetest.Open or OpenURL; use storetest.OpenSQL with its URL")
	}
	p := v.(*rawPool)
	p.once.Do(func() { p.x, p.err = openRaw(p.url) })
	if p.err != nil {
		t.Fatalf("storetest.SQL: %v", p.err)
	}
	return p.x
}

// OpenSQL is SQL for a database known by its URL (as given to store.Open),
// for tests that open the store themselves; the pool is closed when the
// test ends.
func OpenSQL(t testing.TB, dbURL string) *sqlx.DB {
	t.Helper()
	x, err := openRaw(dbURL)
	if err != nil {
		t.Fatalf("storetest.OpenSQL: %v", err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

// openRaw opens a pool configured like the store's own: on PostgreSQL
// store.DefaultMaxConns connections, as many kept idle, and lib/pq's
// binary_parameters (one round trip per statement); on SQLite one
// connection with foreign keys, a busy timeout and immediate transactions.
func openRaw(dbURL string) (*sqlx.DB, error) {
	switch {
	case strings.HasPrefix(dbURL, "postgres://"), strings.HasPrefix(dbURL, "postgresql://"):
		u, err := url.Parse(dbURL)
		if err != nil {
			return nil, err
		}
		q := u.Query()
		if !q.Has("binary_parameters") {
			q.Set("binary_parameters", "yes")
		}
		u.RawQuery = q.Encode()
		x, err := sqlx.Open("postgres", u.String())
		if err != nil {
			return nil, err
		}
		x.SetMaxOpenConns(store.DefaultMaxConns)
		x.SetMaxIdleConns(store.DefaultMaxConns)
		return x, nil
	case strings.HasPrefix(dbURL, "sqlite:"):
		path := strings.TrimPrefix(dbURL, "sqlite:")
		if path == "" || path == ":memory:" {
			return nil, fmt.Errorf("%q is a private in-memory SQLite database, with no second connection: open a file (storetest.Open does)", dbURL)
		}
		x, err := sqlx.Open("sqlite", "file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate")
		if err != nil {
			return nil, err
		}
		x.SetMaxOpenConns(1)
		return x, nil
	}
	return nil, fmt.Errorf("unsupported database URL %q: want postgres://... or sqlite:PATH", dbURL)
}
