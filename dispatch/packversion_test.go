package dispatch_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// packVersions returns the default pack as stored version 1 and, as
// stored version 2, the same pack with one more campaign, "launch" (the
// milestone campaign under another key): what a replica that missed a
// SIGHUP on another replica and one that follows the store each hold.
func packVersions(t *testing.T, ctx context.Context, db interface {
	ActivatePack(ctx context.Context, hash string, files map[string]string) (int, bool, error)
}) (v1, v2 *campaigns.Loaded) {
	t.Helper()
	mk := func(version int, extra bool) *campaigns.Loaded {
		l := *campaigns.Default()
		pk := *l.Pack
		pk.Version = version
		if extra {
			c := *pk.Campaign("milestone-congrats")
			c.Key = "launch"
			pk.Campaigns = append(slices.Clone(pk.Campaigns), c)
		}
		l.Pack = &pk
		return &l
	}
	for _, h := range []string{"hash-v1", "hash-v2"} {
		if _, _, err := db.ActivatePack(ctx, h, map[string]string{"campaigns.yaml": h}); err != nil {
			t.Fatal(err)
		}
	}
	return mk(1, false), mk(2, true)
}

// TestOlderPackDecidesNothing: a dispatcher whose pack is older than the
// stored active pack decides nothing — the delivery of a campaign only the
// newer pack has is not dropped as "campaign removed" — and once it has
// loaded the stored pack (Refresh) it decides with it.
func TestOlderPackDecidesNothing(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		c := addPeople(t, db, 1, 1)[0]
		v1, v2 := packVersions(t, ctx, db)
		plan(t, db, planned{ID: "d1", Campaign: "launch", Category: outreach.CategoryLifecycle, Contact: c, Due: t0})
		sends, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "replica-b")
		var active atomic.Pointer[campaigns.Loaded]
		active.Store(v1)
		d.Pack = func() (*outreach.Pack, outreach.Renderer) { return active.Load().PackAndTemplates() }

		// Without a way to load the stored pack: an error, nothing decided.
		_, err := d.Step(ctx, t0)
		var stale *outreach.StalePackError
		if !errors.As(err, &stale) || stale.Have != 1 || stale.Stored != 2 {
			t.Fatalf("Step with pack version 1 under stored version 2 = %v, want a StalePackError 1 < 2", err)
		}
		if st, _, _ := state(t, db, "d1"); st != "planned" {
			t.Errorf("d1 is %s after a claim with an older pack, want still planned", st)
		}
		if ds := decisions(t, db, "d1"); len(ds) != 0 {
			t.Errorf("d1 decided with an older pack: %+v", ds)
		}

		// With Refresh: the stored pack is loaded and decides.
		refreshed := 0
		d.Refresh = func(context.Context) error { refreshed++; active.Store(v2); return nil }
		rep, err := d.Step(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if refreshed != 1 || rep.Sent != 1 || rep.Dropped != 0 {
			t.Errorf("after loading the stored pack: %d refreshes, report %+v; want 1 refresh and d1 sent", refreshed, rep)
		}
		ds := decisions(t, db, "d1")
		if len(ds) != 1 || ds[0].Decision != outreach.DecisionSent {
			t.Errorf("d1 decisions %+v, want one sent", ds)
		}
		if sends.sends["d1"] != 1 {
			t.Errorf("d1 sent %d times, want once", sends.sends["d1"])
		}

		// A Refresh that cannot reach the stored version is an error, not
		// a decision with the old pack.
		plan(t, db, planned{ID: "d2", Campaign: "launch", Category: outreach.CategoryLifecycle, Contact: c, Due: t0.Add(48 * time.Hour)})
		active.Store(v1)
		d.Refresh = func(context.Context) error { return nil }
		if _, err := d.Step(ctx, t0.Add(48*time.Hour)); !errors.As(err, &stale) {
			t.Errorf("Step when Refresh leaves the pack old = %v, want a StalePackError", err)
		}
		if st, _, _ := state(t, db, "d2"); st != "planned" {
			t.Errorf("d2 is %s, want still planned", st)
		}
	})
}
