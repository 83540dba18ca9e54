package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

// TestAddSuppressionsNeverDeadlock runs, on PostgreSQL, API suppression
// batches over the same addresses in opposite orders (with different
// scopes, so that none waits on another's new row) next to a webhook
// batch of bounces for them: every writer stops the same planned
// deliveries, so each must lock them in the global order (suppressions by
// key, contacts by id, deliveries by id) or two of them deadlock and one
// answers 500.
func TestAddSuppressionsNeverDeadlock(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	seed(t, db)
	const people, rounds = 30, 20
	emails := make([]string, people)
	contacts := make([]outreach.Contact, people)
	for i := range people {
		emails[i] = fmt.Sprintf("p%02d@example.com", i)
		contacts[i] = outreach.Contact{ExternalID: fmt.Sprintf("p%02d", i), AccountExternalID: "a1", Email: emails[i]}
	}
	if _, err := db.UpsertContacts(ctx, contacts); err != nil {
		t.Fatal(err)
	}
	desc := slices.Clone(emails)
	slices.Reverse(desc)
	batch := func(order []string, scope string) []outreach.Suppression {
		out := make([]outreach.Suppression, len(order))
		for i, e := range order {
			out[i] = outreach.Suppression{Email: e, Scope: scope, Reason: "api"}
		}
		return out
	}
	bounces := func(round int) []outreach.FeedbackEvent {
		out := make([]outreach.FeedbackEvent, people)
		for i, e := range emails {
			out[i] = fevent(fmt.Sprintf("b%d-%02d", round, i), "bounce", "")
			out[i].Event.Email, out[i].Suppress = e, outreach.ScopeHard
		}
		return out
	}
	for round := range rounds {
		for _, q := range []string{`DELETE FROM decisions`, `DELETE FROM deliveries`, `DELETE FROM suppressions`} {
			if _, err := db.SQLXForTest().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SQLXForTest().Exec(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, created_at, updated_at)
			SELECT 'd-' || c.external_id || '-' || cat, 'camp-' || cat, cat, c.id, c.account_id, 'o', 'planned', $1, $1, $2, $1, $1
			FROM contacts c CROSS JOIN unnest(ARRAY['marketing', 'lifecycle', 'survey']) AS cat WHERE c.external_id LIKE 'p%'`,
			t0.UnixMilli(), t0.Add(time.Hour).UnixMilli()); err != nil {
			t.Fatal(err)
		}
		writers := []func() error{
			func() error { _, err := db.AddSuppressions(ctx, batch(emails, outreach.ScopeAll)); return err },
			func() error { _, err := db.AddSuppressions(ctx, batch(desc, outreach.CategoryMarketing)); return err },
			func() error { _, err := db.AddSuppressions(ctx, batch(emails, outreach.CategorySurvey)); return err },
			func() error { _, err := db.AddSuppressions(ctx, batch(desc, outreach.CategoryLifecycle)); return err },
			func() error { _, err := db.RecordProviderEvents(ctx, bounces(round)); return err },
		}
		start := make(chan struct{})
		errs := make([]error, len(writers))
		var wg sync.WaitGroup
		for i, w := range writers {
			wg.Go(func() {
				<-start
				errs[i] = w()
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, writer %d: %v", round, i, err)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM deliveries WHERE state <> 'suppressed'`); n != 0 {
			var left []string
			_ = db.SQLXForTest().Select(&left, `SELECT id || state FROM deliveries WHERE state <> 'suppressed'`)
			t.Fatalf("round %d: %d deliveries not suppressed: %v", round, n, left)
		}
	}
}
