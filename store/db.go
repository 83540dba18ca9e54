package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	neturl "net/url"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq" // also registers the "postgres" driver
	"github.com/pressly/goose/v3"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/migrations"
)

// Dialect names returned by DB.Dialect.
const (
	Postgres = "postgres"
	SQLite   = "sqlite"
)

// gooseTable is the table in which goose records applied migrations.
const gooseTable = "goose_db_version"

// DB is the outreach store over PostgreSQL or SQLite.
type DB struct {
	// Now returns the current time; every timestamp the store writes comes
	// from it (tests and simulate freeze or advance it). Default time.Now.
	Now func() time.Time
	// OpsExactRows is the outbox size up to which OpsStats counts every
	// delivery state exactly on PostgreSQL; 0 means 1,000,000.
	OpsExactRows float64

	db      *sqlx.DB
	dialect string
	url     string // what Open was given, for OpenPool
	shared  bool   // an OpenPool view of db's own pool (SQLite): Close leaves it open
	// answered receives (coalesced) after each answer this process records:
	// the alert worker wakes on it (AnswerRecorded).
	answered chan struct{}
}

// DefaultMaxConns is the default cap on a process's PostgreSQL connections
// (OUTREACH_DB_MAX_CONNS).
const DefaultMaxConns = 20

// Connection lifetimes of a PostgreSQL pool: connections are recycled
// now and then (so a failover, a PgBouncer restart or a server-side
// memory creep does not live forever) and idle ones are closed after a
// while (so a burst does not keep its connections open on the server).
const (
	connMaxLifetime = 30 * time.Minute
	connMaxIdleTime = 5 * time.Minute
)

// Options configure the connection pool of OpenWith.
type Options struct {
	// MaxConns caps the PostgreSQL connections the pool opens; callers
	// beyond it wait for a free connection until their context ends,
	// instead of failing with "sorry, too many clients already". 0 means
	// DefaultMaxConns. SQLite always uses one connection.
	MaxConns int
}

// Open connects to url: "postgres://..." (or "postgresql://...") for
// PostgreSQL, "sqlite:PATH" for an SQLite file and "sqlite::memory:" for a
// private in-memory database. It checks the connection but does not
// migrate; call Migrate.
//
// SQLite runs with WAL, a busy timeout and foreign keys, on a single
// connection so that writers serialise; a transaction must therefore not
// query through the DB while it is open.
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with pool options.
func OpenWith(ctx context.Context, url string, opt Options) (*DB, error) {
	if opt.MaxConns < 0 {
		return nil, fmt.Errorf("open database: MaxConns %d must not be negative", opt.MaxConns)
	}
	var (
		x   *sqlx.DB
		err error
		d   string
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		d = Postgres
		x, err = sqlx.Open("postgres", pgDSN(url))
	case strings.HasPrefix(url, "sqlite:"):
		d = SQLite
		x, err = openSQLite(strings.TrimPrefix(url, "sqlite:"))
	default:
		return nil, fmt.Errorf("open database: unsupported URL %q: use postgres://USER@HOST/DB or sqlite:PATH", redact(url))
	}
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := &DB{Now: time.Now, db: x, dialect: d, url: url, answered: make(chan struct{}, 1)}
	if d == Postgres {
		db.SetMaxConns(opt.MaxConns)
		x.SetConnMaxLifetime(connMaxLifetime)
		x.SetConnMaxIdleTime(connMaxIdleTime)
	}
	if err := db.Ping(ctx); err != nil {
		x.Close()
		return nil, err
	}
	return db, nil
}

// pgDSN adds binary_parameters=yes to a PostgreSQL URL that does not set
// it. lib/pq then sends a statement with parameters as one message
// sequence (Parse, Bind, Describe, Execute, Sync): one round trip, and
// nothing left on the server between two Syncs. Without it lib/pq parses
// the unnamed statement, syncs, then binds it, and a pooler in transaction
// mode (PgBouncer) may hand the Bind, outside a transaction, to another
// server connection, which runs another client's unnamed statement with
// these parameters. The store prepares no named statement for the same
// reason (see txSelect).
func pgDSN(raw string) string {
	u, err := neturl.Parse(raw)
	if err != nil {
		return raw // lib/pq reports the error
	}
	q := u.Query()
	if q.Has("binary_parameters") {
		return raw
	}
	q.Set("binary_parameters", "yes")
	u.RawQuery = q.Encode()
	return u.String()
}

func openSQLite(path string) (*sqlx.DB, error) {
	if path == "" {
		return nil, errors.New(`empty SQLite path: use sqlite:PATH, or sqlite::memory: for a throwaway database`)
	}
	pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_txlock=immediate"
	var dsn string
	if path == ":memory:" {
		dsn = "file::memory:?" + pragmas
	} else {
		dsn = "file:" + path + "?" + pragmas + "&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
	}
	conn, err := newCachingConnector(dsn)
	if err != nil {
		return nil, err
	}
	x := sqlx.NewDb(sql.OpenDB(conn), "sqlite")
	// One connection: writers serialise, and an in-memory database lives
	// exactly as long as its single connection, which must never be
	// recycled.
	x.SetMaxOpenConns(1)
	x.SetMaxIdleConns(1)
	x.SetConnMaxLifetime(0)
	x.SetConnMaxIdleTime(0)
	return x, nil
}

// redact hides a password in a database URL for error messages.
func redact(url string) string {
	at := strings.LastIndexByte(url, '@')
	scheme := strings.Index(url, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return url
	}
	userinfo := url[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return url[:scheme+3] + userinfo[:i] + ":xxxxx" + url[at:]
	}
	return url
}

// Dialect returns "postgres" or "sqlite".
func (db *DB) Dialect() string { return db.dialect }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close closes the connection pool (not the pool OpenPool shared).
func (db *DB) Close() error {
	if db.shared {
		return nil
	}
	return db.db.Close()
}

// SetMaxConns caps the PostgreSQL connections of db's pool at n (0 means
// DefaultMaxConns) and keeps as many idle, so that concurrent dispatch
// workers and requests reuse connections instead of reconnecting. It has
// no effect on SQLite, which uses one connection.
func (db *DB) SetMaxConns(n int) {
	if !db.postgres() {
		return
	}
	if n <= 0 {
		n = DefaultMaxConns
	}
	db.db.SetMaxOpenConns(n)
	db.db.SetMaxIdleConns(n)
}

// OpenPool opens a second pool of at most maxConns connections to db's
// PostgreSQL database, with db's clock, so that two kinds of work (serve's
// API requests and its background work) cannot take each other's
// connections. On SQLite, whose single connection cannot be split, it
// returns a view of db's own pool, which its Close leaves open.
func (db *DB) OpenPool(ctx context.Context, maxConns int) (*DB, error) {
	if !db.postgres() {
		return &DB{Now: db.Now, db: db.db, dialect: db.dialect, url: db.url, shared: true, answered: db.answered}, nil
	}
	if maxConns <= 0 {
		return nil, fmt.Errorf("open pool: maxConns %d must be at least 1", maxConns)
	}
	p, err := OpenWith(ctx, db.url, Options{MaxConns: maxConns})
	if err != nil {
		return nil, err
	}
	p.Now = func() time.Time { return db.Now() } // follows db's clock
	p.answered = db.answered                     // answers recorded through either pool wake db's alert worker
	return p, nil
}

// PoolStats returns the statistics of db's connection pool (open, in use,
// waits), for metrics and tests.
func (db *DB) PoolStats() sql.DBStats { return db.db.Stats() }

func (db *DB) migrationsFS() (fs.FS, goose.Dialect) {
	if db.postgres() {
		return migrations.Postgres, goose.DialectPostgres
	}
	return migrations.SQLite, goose.DialectSQLite3
}

// Migrate applies every pending migration. On PostgreSQL a session advisory
// lock makes concurrent replicas migrate one at a time.
func (db *DB) Migrate(ctx context.Context) error {
	_, err := db.ApplyMigrations(ctx)
	return err
}

// ApplyMigrations is Migrate, and returns how many migrations this call
// applied. goose reads the applied versions after taking the lock, so when
// processes migrate at once the first applies them all and the others
// return 0: a count read before (PendingMigrations) would claim them all
// for every process.
func (db *DB) ApplyMigrations(ctx context.Context) (int, error) {
	fsys, dialect := db.migrationsFS()
	var opts []goose.ProviderOption
	if db.postgres() {
		opts = append(opts, goose.WithSessionLocker(&pgMigrateLock{db: db.db}))
	}
	p, err := goose.NewProvider(dialect, db.db.DB, fsys, opts...)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// pgMigrateLock is a goose session locker that blocks on a PostgreSQL
// advisory lock (goose's own locker polls every second). The lock is held
// by a transaction of its own, open from SessionLock to SessionUnlock, not
// by the session of goose's connection: behind a pooler in transaction
// mode (PgBouncer) the statements of one session outside a transaction go
// to different server connections, so a session lock would be taken on
// one and never released. A transaction keeps its server connection, and
// its lock ends with it, also when the process dies. The key depends on
// the current schema so that databases sharing a server by schema do not
// wait for each other.
type pgMigrateLock struct {
	db *sqlx.DB
	tx *sql.Tx
}

func (l *pgMigrateLock) SessionLock(ctx context.Context, _ *sql.Conn) error {
	tx, err := l.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('outreach.migrate.' || current_schema()))`); err != nil {
		tx.Rollback()
		return err
	}
	l.tx = tx
	return nil
}

func (l *pgMigrateLock) SessionUnlock(context.Context, *sql.Conn) error {
	if l.tx == nil {
		return nil
	}
	err := l.tx.Commit()
	l.tx = nil
	return err
}

// PendingMigrations returns how many migrations Migrate would apply. It
// changes nothing (not even goose's version table).
func (db *DB) PendingMigrations(ctx context.Context) (int, error) {
	fsys, dialect := db.migrationsFS()
	p, err := goose.NewProvider(dialect, db.db.DB, fsys)
	if err != nil {
		return 0, fmt.Errorf("pending migrations: %w", err)
	}
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return 0, fmt.Errorf("pending migrations: %w", err)
	}
	n := 0
	for _, s := range p.ListSources() {
		if !applied[s.Version] {
			n++
		}
	}
	return n, nil
}

// appliedVersions reads goose's version table, which may not exist yet.
func (db *DB) appliedVersions(ctx context.Context) (map[int64]bool, error) {
	var exists bool
	err := db.db.GetContext(ctx, &exists, db.pick(`SELECT to_regclass($1) IS NOT NULL`,
		`SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?`), gooseTable)
	if err != nil {
		return nil, err
	}
	applied := map[int64]bool{}
	if !exists {
		return applied, nil
	}
	// goose appends a row per apply and per rollback; the latest row of a
	// version says whether it is applied.
	rows, err := db.db.QueryContext(ctx, `SELECT version_id, is_applied FROM `+gooseTable+` ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v int64
		var ok bool
		if err := rows.Scan(&v, &ok); err != nil {
			return nil, err
		}
		applied[v] = ok
	}
	return applied, rows.Err()
}

// inTx runs fn in one transaction with the time frozen at db.Now(), and
// commits when fn returns nil.
func (db *DB) inTx(ctx context.Context, what string, fn func(tx *sqlx.Tx, now time.Time) error) error {
	return db.runTx(ctx, what, 1, fn)
}

// batchTxAttempts is how many times inBatchTx runs a transaction that
// failed on a conflict with a concurrent one.
const batchTxAttempts = 5

// inBatchTx is inTx for the ingestion batches, which replicas and clients
// retrying after a timeout may run at once over the same rows: a
// transaction that fails on a conflict with a concurrent one (see
// retryable) is rolled back and run again from the start, up to
// batchTxAttempts times in all. The batch is atomic, so running it again is
// safe, but fn must start afresh on every run: reset whatever it fills.
//
// Retrying is the last resort. The batches take their row locks in one
// order (sorted by key, or by id) so that they do not deadlock each other,
// and count created rows from what they insert, not from what an earlier
// read saw.
func (db *DB) inBatchTx(ctx context.Context, what string, fn func(tx *sqlx.Tx, now time.Time) error) error {
	return db.runTx(ctx, what, batchTxAttempts, fn)
}

// runTx runs fn in a transaction up to attempts times while it fails on a
// retryable conflict.
func (db *DB) runTx(ctx context.Context, what string, attempts int, fn func(tx *sqlx.Tx, now time.Time) error) error {
	for attempt := 1; ; attempt++ {
		err := db.tryTx(ctx, what, fn)
		if err == nil || attempt >= attempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
	}
}

func (db *DB) tryTx(ctx context.Context, what string, fn func(tx *sqlx.Tx, now time.Time) error) error {
	tx, err := db.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	defer tx.Rollback()
	if err := fn(tx, db.Now().UTC()); err != nil {
		if isDomain(err) {
			return err
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: commit: %w", what, err)
	}
	return nil
}

// errRaced fails a batch transaction that found rows it meant to insert
// created by a concurrent transaction since it read them: running it again
// reads them and updates them instead.
var errRaced = errors.New("a concurrent transaction created some of the same rows")

// retryable reports whether a transaction that failed with err may succeed
// when run again: errRaced, or on PostgreSQL a deadlock (40P01), a
// serialization failure (40001) or a unique violation (23505), which a
// concurrent transaction inserting the same key causes.
func retryable(err error) bool {
	if errors.Is(err, errRaced) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40P01", "40001", "23505":
			return true
		}
	}
	return false
}

// lockRows returns " "+clause, a row-locking clause such as "FOR UPDATE",
// on PostgreSQL, and "" on SQLite, whose writers serialise.
func (db *DB) lockRows(clause string) string {
	if db.postgres() {
		return " " + clause
	}
	return ""
}

// newIDs prepares the insert of n rows into table in another order than
// their own, the order of the keys that concurrent transactions lock. On
// PostgreSQL it draws n values from the sequence of the table's BIGSERIAL
// column, ascending, for the caller to hand out in the rows' own order, so
// that the rows are numbered as an insert in that order would number them.
// On SQLite, which serialises writers, it returns nil: the rows are
// inserted in their own order, the column NULL and numbered by SQLite.
func (db *DB) newIDs(ctx context.Context, tx *sqlx.Tx, table, column string, n int) ([]int64, error) {
	if !db.postgres() || n == 0 {
		return nil, nil
	}
	var ids []int64
	q := `SELECT nextval(s.seq) FROM (SELECT pg_get_serial_sequence($1, $2) AS seq) AS s, generate_series(1, $3)`
	if err := tx.SelectContext(ctx, &ids, q, table, column, n); err != nil {
		return nil, fmt.Errorf("draw %s.%s values: %w", table, column, err)
	}
	slices.Sort(ids)
	return ids, nil
}

// nullID maps an id of 0 (none drawn, see newIDs) to SQL NULL.
func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// isDomain reports whether err is a domain error (returned unwrapped).
func isDomain(err error) bool {
	var e *outreach.Error
	var b *outreach.BatchError
	return errors.As(err, &e) || errors.As(err, &b)
}

// ms converts a time to epoch milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msPtr converts an optional time to nullable epoch milliseconds.
func msPtr(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// fromMs converts epoch milliseconds to a UTC time.
func fromMs(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMs converts nullable epoch milliseconds to an optional time.
func fromNullMs(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMs(v.Int64)
	return &t
}

// nullString maps "" to SQL NULL.
func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }
