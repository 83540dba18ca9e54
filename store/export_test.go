package store

import "github.com/jmoiron/sqlx"

// SQLXForTest returns db's own connection pool to the store's tests, which
// build fixtures and read rows with raw SQL and hold the pool's connections
// (pool_test.go). Tests of other packages use internal/storetest.SQL, a
// second pool on the same database: the production API has no way to the
// pool.
func (db *DB) SQLXForTest() *sqlx.DB { return db.db }
