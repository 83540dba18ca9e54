package pgtest

import (
	"database/sql"
	"os"
	"testing"
)

// TestStartBouncer starts PgBouncer in front of a fresh database with one
// server connection: two client connections reach the same database
// through it and share that one backend, which only a pooler does.
func TestStartBouncer(t *testing.T) {
	dbURL := URL(t)
	if _, err := findBouncer(); err != nil && os.Getenv("CI") != "true" {
		t.Skip(err)
	}
	_, through := StartBouncer(t, dbURL, 1)
	if through == dbURL {
		t.Fatalf("StartBouncer returned the server's own URL %s", through)
	}
	db, err := sql.Open("postgres", through)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var name string
	if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
		t.Fatalf("query through pgbouncer: %v", err)
	}
	direct, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer direct.Close()
	var want string
	if err := direct.QueryRow(`SELECT current_database()`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if name != want {
		t.Errorf("through pgbouncer: database %s, want %s", name, want)
	}
	var pids [2]int
	for i := range pids {
		c, err := sql.Open("postgres", through)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.QueryRow(`SELECT pg_backend_pid()`).Scan(&pids[i]); err != nil {
			t.Fatal(err)
		}
	}
	if pids[0] != pids[1] {
		t.Errorf("two clients had backends %d and %d: pgbouncer with one server connection must share it", pids[0], pids[1])
	}
}
