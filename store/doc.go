// Package store implements the outreach persistence layer over PostgreSQL
// (lib/pq) and SQLite (modernc.org/sqlite) with one set of sqlx queries.
//
// Both dialects share one representation: times are BIGINT epoch
// milliseconds UTC taken from DB.Now and passed as parameters (SQL never
// calls now()), dates are 'YYYY-MM-DD' text and JSON documents are text.
// Queries are written with '?' placeholders and rebound per dialect; list
// parameters travel as one JSON array (jsonb_array_elements_text on
// PostgreSQL, json_each on SQLite), so a batch costs a handful of
// statements however many items it holds:
//
//	batch ──> one lookup of referenced rows ──> validate in Go
//	      ──> multi-row INSERT ... ON CONFLICT ... RETURNING ──> commit
//
// Where the two dialects differ, a query's two forms sit side by side
// where it is built, PostgreSQL first (db.pick), and a step only
// PostgreSQL has (row locks, sequences drawn ahead, statistics, leader
// election) is guarded by db.postgres; sqlhelp.go holds both and
// TestDialectInOnePlace keeps other files from comparing the dialect
// themselves (dispatch*.go and nps.go are still to convert).
//
// Every write method runs in one transaction: an invalid item returns an
// *outreach.BatchError and writes nothing.
//
// No session state outlives a transaction, so the store works behind
// PgBouncer in transaction mode: no statement is prepared by name, lib/pq
// sends each statement with its parameters in one round trip
// (binary_parameters, added by Open), the migration lock is held by a
// transaction, and Lease elects the leader with a row of the leases table.
// Leader, the session advisory lock, is the one exception, for direct
// connections.
//
// The pool is the store's own: DB has no accessor for it, and no
// production package outside store imports database/sql, sqlx or a driver
// (TestSQLOnlyInStore). Tests that build fixtures or read rows with raw SQL
// take a second pool on the same database from internal/storetest.SQL (a
// second connection to the same file on SQLite); the store's own tests use
// SQLXForTest from export_test.go, the store's pool itself, when they must
// hold its connections.
//
// The store is the home of all SQL (TestSQLOnlyInStore), of the lock order
// on PostgreSQL ("Lock order" in dispatch_sends.go), and of the pack
// version check that makes a claim with an older pack decide nothing
// (checkPackVersion in admin.go).
package store
