package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// sending inserts a delivery of category to contact c1 that was reserved
// at t0 and answered 503 once: still sending, claimed by claimedBy ("":
// released for a retry at t0+1m, as FinishSends leaves it).
func sending(t *testing.T, db *store.DB, id, category, claimedBy string) {
	t.Helper()
	var heartbeat any
	if claimedBy != "" {
		heartbeat = t0.UnixMilli()
	}
	_, err := db.SQLXForTest().Exec(db.SQLXForTest().Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
		occurrence, state, due_at, not_before, expires_at, reserved_at, claimed_by, heartbeat_at, attempts, error,
		created_at, updated_at)
		SELECT ?, ?, ?, id, account_id, ?, 'sending', ?, ?, ?, ?, ?, ?, 1, 'sendgrid: 503 Service Unavailable', ?, ?
		FROM contacts WHERE external_id = 'c1'`),
		id, "camp-"+category, category, id, t0.UnixMilli(), t0.Add(time.Minute).UnixMilli(), t0.Add(24*time.Hour).UnixMilli(),
		t0.UnixMilli(), claimedBy, heartbeat, t0.UnixMilli(), t0.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
}

// deliveryState reads a delivery's state and claim.
func deliveryState(t *testing.T, db *store.DB, id string) (state, claimedBy string) {
	t.Helper()
	if err := db.SQLXForTest().QueryRowx(db.SQLXForTest().Rebind(`SELECT state, claimed_by FROM deliveries WHERE id = ?`), id).Scan(&state, &claimedBy); err != nil {
		t.Fatal(err)
	}
	return state, claimedBy
}

// decisionsOf reads a delivery's decisions as "decision: reason", in order.
func decisionsOf(t *testing.T, db *store.DB, id string) []string {
	t.Helper()
	var out []string
	if err := db.SQLXForTest().Select(&out, db.SQLXForTest().Rebind(`SELECT decision || ': ' || reason FROM decisions WHERE delivery_id = ? ORDER BY id`), id); err != nil {
		t.Fatal(err)
	}
	return out
}

func wantDelivery(t *testing.T, db *store.DB, id, state string, decisions ...string) {
	t.Helper()
	st, _ := deliveryState(t, db, id)
	ds := decisionsOf(t, db, id)
	if st != state || len(ds) != len(decisions) {
		t.Errorf("%s: state %s, decisions %q; want %s, %q", id, st, ds, state, decisions)
		return
	}
	for i := range ds {
		if ds[i] != decisions[i] {
			t.Errorf("%s: decisions %q, want %q", id, ds, decisions)
			return
		}
	}
}

// A new suppression stops at once the address's sends waiting for a retry
// that it applies to, like its planned deliveries; a send in flight is left
// to its process.
func TestSuppressionStopsSendsWaitingForARetry(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		sending(t, db, "r-life", outreach.CategoryLifecycle, "")
		sending(t, db, "r-trans", outreach.CategoryTransactional, "")
		sending(t, db, "f-life", outreach.CategoryLifecycle, "p1")

		// Another category's suppression leaves them alone.
		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "jane@example.com", Scope: outreach.CategorySurvey}}); err != nil {
			t.Fatal(err)
		}
		wantDelivery(t, db, "r-life", outreach.DeliverySending)
		wantDelivery(t, db, "r-trans", outreach.DeliverySending)

		// One-click unsubscribe: every non-transactional category.
		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "Jane@example.com", Scope: outreach.ScopeAll, Reason: "one-click"}}); err != nil {
			t.Fatal(err)
		}
		wantDelivery(t, db, "r-life", outreach.DeliverySuppressed, "suppressed: unsubscribed from all non-transactional mail since 2026-03-02 09:30 UTC (one-click)")
		wantDelivery(t, db, "r-trans", outreach.DeliverySending)
		if st, by := deliveryState(t, db, "f-life"); st != outreach.DeliverySending || by != "p1" {
			t.Errorf("f-life (in flight): state %s claimed by %q, want still sending, claimed by p1", st, by)
		}

		// A signed webhook bounce: hard, transactional mail included.
		bounce := fevent("ev-bounce", "bounce", "")
		bounce.Suppress, bounce.Reason = outreach.ScopeHard, "sendgrid bounce: 550 no such user"
		if _, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{bounce}); err != nil {
			t.Fatal(err)
		}
		wantDelivery(t, db, "r-trans", outreach.DeliverySuppressed, "suppressed: hard suppression (stops all mail) since 2026-03-02 09:30 UTC (sendgrid bounce: 550 no such user)")
		wantDelivery(t, db, "f-life", outreach.DeliverySending)

		// Nothing is left to retry: no dispatcher can send them.
		retries, suppressed, err := db.ClaimRetries(ctx, t0.Add(time.Hour), "p2", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(retries) != 0 || suppressed != 0 {
			t.Errorf("ClaimRetries = %d retries, %d suppressed; want none", len(retries), suppressed)
		}
		if _, ok, err := db.NextDue(ctx); err != nil || ok {
			t.Errorf("NextDue: ok %v err %v, want nothing waiting", ok, err)
		}
	})
}

// A send released for a retry after its address was suppressed (the
// suppression arrived while it was in flight) is suppressed by the retry
// claim, not handed out; what the suppression does not stop is claimed.
func TestClaimRetriesSuppressesSuppressedAddresses(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		sending(t, db, "f-life", outreach.CategoryLifecycle, "p1")
		sending(t, db, "f-trans", outreach.CategoryTransactional, "p1")
		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "jane@example.com", Scope: outreach.ScopeAll, Reason: "one-click"}}); err != nil {
			t.Fatal(err)
		}
		wantDelivery(t, db, "f-life", outreach.DeliverySending)
		// SendGrid answers 503 to both: released for a retry.
		var outcomes []outreach.SendOutcome
		for _, id := range []string{"f-life", "f-trans"} {
			outcomes = append(outcomes, outreach.SendOutcome{DeliveryID: id, ClaimedBy: "p1", Result: outreach.SendRetry,
				At: t0.Add(time.Minute), Error: "sendgrid: 503", RetryAt: t0.Add(2 * time.Minute), Attempted: true})
		}
		if n, err := db.FinishSends(ctx, outcomes); err != nil || n != 2 {
			t.Fatalf("FinishSends = %d, %v", n, err)
		}

		retries, suppressed, err := db.ClaimRetries(ctx, t0.Add(2*time.Minute), "p2", 10)
		if err != nil {
			t.Fatal(err)
		}
		if suppressed != 1 || len(retries) != 1 || retries[0].Delivery.ID != "f-trans" {
			var ids []string
			for _, r := range retries {
				ids = append(ids, r.Delivery.ID)
			}
			t.Fatalf("ClaimRetries = %q, %d suppressed; want only f-trans claimed, 1 suppressed", ids, suppressed)
		}
		wantDelivery(t, db, "f-life", outreach.DeliverySuppressed, "suppressed: unsubscribed from all non-transactional mail since 2026-03-02 09:30 UTC (one-click)")
		if st, by := deliveryState(t, db, "f-trans"); st != outreach.DeliverySending || by != "p2" {
			t.Errorf("f-trans: state %s claimed by %q, want sending, claimed by p2", st, by)
		}
		var at int64
		if err := db.SQLXForTest().Get(&at, `SELECT at FROM decisions WHERE delivery_id = 'f-life'`); err != nil || at != t0.Add(2*time.Minute).UnixMilli() {
			t.Errorf("f-life decision at %d (%v), want the claim's instant %d", at, err, t0.Add(2*time.Minute).UnixMilli())
		}
	})
}
