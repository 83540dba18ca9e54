package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"

	"modernc.org/sqlite"
)

// SQLite statement cache.
//
// modernc.org/sqlite parses and plans every statement given to Exec or
// Query afresh, and the store sends the same few hundred statements again
// and again (they take their lists as one JSON array, so the text does not
// depend on the batch size): parsing was a third of the time of a
// simulation. Each SQLite connection therefore keeps its most recently
// used statements prepared, in a cache that lives and dies with the
// connection (the store has one SQLite connection per DB, see openSQLite),
// and runs a statement it was given again through its prepared form.
// SQLite re-prepares a cached statement by itself after a schema change.
// PostgreSQL keeps preparing nothing by name (a pooler in transaction mode
// could not run them, see txSelect): this is SQLite's alone.

// stmtCacheSize is how many statements one SQLite connection keeps
// prepared.
const stmtCacheSize = 256

// stmtCacheMaxLen is the longest statement text the cache keeps: longer
// ones are the generated VALUES lists of bulk writes, which rarely repeat.
const stmtCacheMaxLen = 8 << 10

// cachingConnector opens modernc.org/sqlite connections (through the
// driver's own connector, as its documentation suggests for wrapping) that
// cache their prepared statements.
type cachingConnector struct{ driver.Connector }

func newCachingConnector(dsn string) (driver.Connector, error) {
	base, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return cachingConnector{base}, nil
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn)
}

// sqliteConn is the subset of a modernc.org/sqlite connection the cache
// forwards to.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// sqliteStmt is a prepared modernc.org/sqlite statement.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// cachingConn is a SQLite connection with a cache of prepared statements.
// database/sql uses a connection from one goroutine at a time, so the
// cache needs no lock.
type cachingConn struct {
	sqliteConn
	lru   *list.List               // of *cachedStmt, most recently used first
	byKey map[string]*list.Element // query text -> element of lru
}

// cachedStmt is a statement in the cache. A statement whose rows are open
// is busy: the same text queried again meanwhile (a query nested in the
// iteration of another) is prepared apart, and a busy statement evicted is
// closed when its rows are.
type cachedStmt struct {
	query   string
	stmt    sqliteStmt
	busy    bool
	evicted bool
}

func newCachingConn(conn driver.Conn) (driver.Conn, error) {
	c, ok := conn.(sqliteConn)
	if !ok {
		conn.Close()
		return nil, errors.New("sqlite driver connection lacks a context method the store needs")
	}
	return &cachingConn{sqliteConn: c, lru: list.New(), byKey: map[string]*list.Element{}}, nil
}

// cached returns the prepared statement of query, preparing and caching it
// if needed, or nil (and no error) when query is not to be cached or its
// statement is busy.
func (c *cachingConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	if len(query) > stmtCacheMaxLen {
		return nil, nil
	}
	if e, ok := c.byKey[query]; ok {
		cs := e.Value.(*cachedStmt)
		if cs.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return cs, nil
	}
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s, ok := st.(sqliteStmt)
	if !ok {
		st.Close()
		return nil, nil
	}
	cs := &cachedStmt{query: query, stmt: s}
	c.byKey[query] = c.lru.PushFront(cs)
	for c.lru.Len() > stmtCacheSize {
		c.evict(c.lru.Back())
	}
	return cs, nil
}

// evict removes e from the cache and closes its statement unless it is
// busy (its rows close it then).
func (c *cachingConn) evict(e *list.Element) error {
	cs := c.lru.Remove(e).(*cachedStmt)
	delete(c.byKey, cs.query)
	cs.evicted = true
	if cs.busy {
		return nil
	}
	return cs.stmt.Close()
}

// ExecContext runs query through its cached statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	return cs.stmt.ExecContext(ctx, args)
}

// QueryContext runs query through its cached statement, which stays busy
// until the rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.cached(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.sqliteConn.QueryContext(ctx, query, args)
	}
	r, err := cs.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: r, cs: cs}, nil
}

// Close closes every cached statement, then the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for c.lru.Len() > 0 {
		errs = append(errs, c.evict(c.lru.Front()))
	}
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}

// cachedRows are the rows of a cached statement: closing them frees the
// statement for the next use.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	if r.cs == nil {
		return err
	}
	cs := r.cs
	r.cs = nil
	cs.busy = false
	if cs.evicted {
		return errors.Join(err, cs.stmt.Close())
	}
	return err
}

// The column type methods database/sql's ColumnTypes asks for.

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}
