package pgtest

import (
	"database/sql"
	"os"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestURLGivesFreshDatabases(t *testing.T) {
	t.Parallel()
	var names [2]string
	for i := range names {
		u := URL(t)
		db, err := sql.Open("postgres", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`SELECT current_database()`).Scan(&names[i]); err != nil {
			t.Fatal(err)
		}
		var tables int
		if err := db.QueryRow(`SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Errorf("database %s has %d tables, want a fresh one", names[i], tables)
		}
		if _, err := db.Exec(`CREATE TABLE t (x int)`); err != nil {
			t.Fatal(err)
		}
	}
	if names[0] == names[1] {
		t.Errorf("two calls gave the same database %s", names[0])
	}
}

func TestDatabaseDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("inner", func(t *testing.T) {
		db, err := sql.Open("postgres", URL(t))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow(`SELECT current_database()`).Scan(&name); err != nil {
			t.Fatal(err)
		}
	})
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRow(`SELECT COUNT(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("database %s still exists after the test's cleanup", name)
	}
}

// TestThrowawayCluster starts and stops a private cluster, the fallback used
// when no server is configured or reachable.
func TestThrowawayCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a PostgreSQL cluster; skipped with -short")
	}
	if _, err := findBin(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal(err) // CI machines have initdb: the fallback must be proven there
		}
		t.Skip(err)
	}
	t.Parallel()
	c, err := startCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	if err := ping(c.url); err != nil {
		t.Fatalf("throwaway cluster at %s does not answer: %v", c.url, err)
	}
}

// TestKept: a kept database is created empty, made again while its filling
// is not marked finished, and returned as it is once it is.
func TestKept(t *testing.T) {
	t.Parallel()
	name := "outreach_kept_test_" + randomHex(4)
	t.Cleanup(func() { dropDatabase(t, name) })
	rows := func(u string) (n int) {
		t.Helper()
		db, err := sql.Open("postgres", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS t (x int)`); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO t VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	u, fresh := Kept(t, name)
	if !fresh || rows(u) != 0 {
		t.Fatalf("first Kept: fresh %v, want a fresh empty database", fresh)
	}
	// Not marked: an unfinished filling is thrown away.
	if u, fresh = Kept(t, name); !fresh || rows(u) != 0 {
		t.Fatalf("Kept of an unmarked database: fresh %v, want it made again empty", fresh)
	}
	MarkKept(t, name)
	if u, fresh = Kept(t, name); fresh || rows(u) != 1 {
		t.Fatalf("Kept of a marked database: fresh %v, want it as it was", fresh)
	}
}
