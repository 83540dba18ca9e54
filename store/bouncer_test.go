package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// TestStoreThroughPgBouncer opens the store through PgBouncer in
// transaction mode with two server connections: migrations run through it
// (their lock is held by a transaction), and concurrent queries with
// parameters outside a transaction each get their own answer. lib/pq's
// default two-step protocol (parse, sync, bind) let the bind of one client
// reach a server connection where another client's unnamed statement was
// parsed, which then ran with these parameters.
func TestStoreThroughPgBouncer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, through := pgtest.StartBouncer(t, storetest.URL(t, store.Postgres), 2)
	db := storetest.OpenURL(t, through, nil)
	if _, err := db.SetSettingIfAbsent(ctx, "greeting", "hello"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ActivatePack(ctx, "hash-1", map[string]string{"campaigns.yaml": "x"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if g%2 == 0 {
					v, ok, err := db.Setting(ctx, "greeting")
					if err != nil || !ok || v != "hello" {
						errs <- fmt.Errorf("Setting(greeting) = %q, %v, %v; want hello", v, ok, err)
						return
					}
					continue
				}
				v, err := db.PackVersionOfHash(ctx, "hash-1")
				if err != nil || v != 1 {
					errs <- fmt.Errorf("PackVersionOfHash(hash-1) = %d, %v; want 1", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
