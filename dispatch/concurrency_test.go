package dispatch_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// TestConcurrentDispatchersNeverExceedCaps runs 16 dispatchers, each with
// its own process id, on one PostgreSQL database. Every contact has 10
// competing deliveries; the dispatchers step together at the same virtual
// instants (the worst case: the same contact at the same instant) until
// nothing is planned. Then every rolling window is checked in SQL.
func TestConcurrentDispatchersNeverExceedCaps(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency test skipped in -short mode")
	}
	ctx := context.Background()
	db := openStore(t, store.Postgres)
	people := addPeople(t, db, 6, 8) // 48 contacts, 8 per account
	kinds := []struct{ campaign, category string }{
		{"nps-onboarding", outreach.CategorySurvey}, {"nps-qbr", outreach.CategorySurvey},
		{"csat-support", outreach.CategorySurvey}, {"nps-renewal", outreach.CategorySurvey},
		{"milestone-congrats", outreach.CategoryLifecycle}, {"anniversary", outreach.CategoryLifecycle},
		{"reengagement", outreach.CategoryLifecycle}, {"milestone-congrats", outreach.CategoryLifecycle},
		{"nps-onboarding", outreach.CategorySurvey}, {"reengagement", outreach.CategoryLifecycle},
	}
	var ds []planned
	for ci, c := range people {
		for k, kind := range kinds {
			// Half of each contact's deliveries are due at once, the rest
			// over the next days.
			due := t0.Add(time.Duration((k/2)*(ci%5)) * 13 * time.Hour)
			ds = append(ds, planned{ID: fmt.Sprintf("d-%d-%d", ci, k), Campaign: kind.campaign, Category: kind.category, Contact: c, Due: due})
		}
	}
	plan(t, db, ds...)

	rec, sender := newCountingSender()
	const n = 16
	ds16 := make([]func(time.Time) error, n)
	for i := range n {
		d := newDispatcher(t, db, sender, capsPolicy, fmt.Sprintf("proc-%d", i))
		d.Config.Batch = 5
		ds16[i] = func(now time.Time) error { _, err := d.Step(ctx, now); return err }
	}
	now := t0
	for round := 0; ; round++ {
		if round > 5000 {
			t.Fatal("dispatch did not finish in 5000 rounds")
		}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for _, step := range ds16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := step(now); err != nil {
					errs <- err
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		next, ok, err := newDispatcher(t, db, sender, capsPolicy, "probe").NextDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		now = maxTime(now, next)
	}

	checkFinal(t, db)
	checkCaps(t, db)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var sent int
	if err := storetest.SQL(t, db).Get(&sent, `SELECT COUNT(*) FROM deliveries WHERE state = 'sent'`); err != nil {
		t.Fatal(err)
	}
	if sent == 0 || len(rec.sends) != sent {
		t.Errorf("%d deliveries sent, %d distinct deliveries reached the sender", sent, len(rec.sends))
	}
	for id, k := range rec.sends {
		if k != 1 {
			t.Errorf("delivery %s was sent %d times", id, k)
		}
	}
	var decided int
	if err := storetest.SQL(t, db).Get(&decided, `SELECT COUNT(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM decisions x WHERE x.delivery_id = d.id)`); err != nil {
		t.Fatal(err)
	}
	if decided != 0 {
		t.Errorf("%d deliveries have no decision", decided)
	}
	t.Logf("%d deliveries: %d sent", len(ds), sent)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// checkFinal fails unless every delivery is sent, failed, dropped or
// suppressed.
func checkFinal(t *testing.T, db *store.DB) {
	t.Helper()
	var open int
	if err := storetest.SQL(t, db).Get(&open, `SELECT COUNT(*) FROM deliveries WHERE state NOT IN ('sent', 'failed', 'dropped', 'suppressed')`); err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Errorf("%d deliveries are not in a final state", open)
	}
}

// checkCaps counts, for every reserved slot, the slots of the same contact
// (or account) in the rolling window ending at it, and fails on any count
// above the cap of capsPolicy.
func checkCaps(t *testing.T, db *store.DB) {
	t.Helper()
	const h = int64(time.Hour / time.Millisecond)
	checks := []struct {
		name   string
		owner  string // contact_id or account_id
		filter string // which slots count
		window int64
		limit  int
	}{
		{"max_per_day", "contact_id", "TRUE", 24 * h, capsPolicy.MaxPerDay},
		{"max_per_week", "contact_id", "TRUE", 7 * 24 * h, capsPolicy.MaxPerWeek},
		{"min_gap", "contact_id", "TRUE", 20 * h, 1},
		{"survey cooldown", "contact_id", "%s.category = 'survey'", 30 * 24 * h, 1},
		{"account max_surveys_per_week", "account_id", "%s.category = 'survey'", 7 * 24 * h, capsPolicy.AccountMaxSurveysPerWeek},
	}
	for _, c := range checks {
		fa, fb := c.filter, c.filter
		if c.filter != "TRUE" {
			fa, fb = fmt.Sprintf(c.filter, "a"), fmt.Sprintf(c.filter, "b")
		}
		q := fmt.Sprintf(`SELECT COUNT(*) FROM deliveries a WHERE a.state IN ('sending', 'sent') AND %s AND
			(SELECT COUNT(*) FROM deliveries b WHERE b.%s = a.%s AND b.state IN ('sending', 'sent') AND %s
			 AND b.reserved_at > a.reserved_at - %d AND b.reserved_at <= a.reserved_at) > %d`,
			fa, c.owner, c.owner, fb, c.window, c.limit)
		var violations int
		if err := storetest.SQL(t, db).Get(&violations, q); err != nil {
			t.Fatal(err)
		}
		if violations != 0 {
			t.Errorf("%s: %d slots exceed the cap of %d", c.name, violations, c.limit)
		}
	}
}
