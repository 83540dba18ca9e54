package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/outreach-dev/outreach/store"
)

// newEnvOn is newEnv on the dialect: a fresh PostgreSQL database, or a new
// SQLite file that the test reads alongside serve (WAL, busy timeout).
func newEnvOn(t *testing.T, dialect, policy string, campaigns int) *testEnv {
	t.Helper()
	if dialect == store.Postgres {
		return newEnv(t, policy, campaigns)
	}
	path := filepath.Join(t.TempDir(), "outreach.db")
	e := newEnvAt(t, "sqlite:"+path, "sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)", policy, campaigns)
	e.sqlite = true
	migrate(t, e.env)
	return e
}

// q returns a query written with $1, $2, ... in the bind style of the
// test's database.
func (e *testEnv) q(query string) string {
	if !e.sqlite {
		return query
	}
	for i := 9; i >= 1; i-- {
		query = strings.ReplaceAll(query, "$"+string(rune('0'+i)), "?")
	}
	return query
}
