package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// plan inserts a planned delivery of category for contact c1.
func plan(t *testing.T, db *store.DB, id, category string) {
	t.Helper()
	_, err := db.SQLXForTest().Exec(db.SQLXForTest().Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
		occurrence, state, due_at, not_before, expires_at, created_at, updated_at)
		SELECT ?, ?, ?, id, account_id, 'o', 'planned', ?, ?, ?, ?, ? FROM contacts WHERE external_id = 'c1'`),
		id, "camp-"+category, category, t0.UnixMilli(), t0.UnixMilli(), t0.Add(time.Hour).UnixMilli(), t0.UnixMilli(), t0.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
}

func TestAddSuppressions(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		plan(t, db, "d-survey", outreach.CategorySurvey)
		plan(t, db, "d-trans", outreach.CategoryTransactional)
		_, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "x@example.com", Scope: "all"}, {Email: "y@example.com", Scope: "weekly"}})
		wantBatchError(t, err, 1, "scope")
		if n := count(t, db, `SELECT COUNT(*) FROM suppressions`); n != 0 {
			t.Errorf("%d suppressions after a failed batch", n)
		}
		res, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "JANE@example.com", Scope: "all", Reason: "one-click"}, {Email: "jane@example.com", Scope: "all"}})
		if err != nil {
			t.Fatal(err)
		}
		if res != (outreach.BatchResult{Created: 1, Duplicates: 1}) {
			t.Errorf("result = %+v", res)
		}
		if res, _ := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "jane@example.com", Scope: "all"}}); res.Duplicates != 1 {
			t.Errorf("existing suppression: %+v, want a duplicate", res)
		}
		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]outreach.Delivery{}
		for _, d := range tl.Deliveries {
			states[d.ID] = d
		}
		s := states["d-survey"]
		if s.State != outreach.DeliverySuppressed || len(s.Decisions) != 1 || s.Decisions[0].Decision != outreach.DecisionSuppressed || s.Decisions[0].Reason != "unsubscribed from all non-transactional mail since 2026-03-02 09:30 UTC (one-click)" {
			t.Errorf("survey delivery = %+v", s)
		}
		if d := states["d-trans"]; d.State != outreach.DeliveryPlanned || len(d.Decisions) != 0 {
			t.Errorf("transactional delivery = %+v, want still planned", d)
		}
		if len(tl.Suppressions) != 1 || tl.Suppressions[0].Scope != "all" {
			t.Errorf("suppressions = %+v", tl.Suppressions)
		}
	})
}

func TestTimelineEmptyAndUnknown(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if tl.Events == nil || tl.Deliveries == nil || tl.Suppressions == nil || tl.Responses == nil {
			t.Errorf("timeline has nil lists: %+v", tl)
		}
		if tl.Account == nil || tl.Account.ExternalID != "a1" {
			t.Errorf("account = %+v", tl.Account)
		}
		if _, err := db.Timeline(ctx, "nobody@example.com"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("unknown contact: %v, want ENOTFOUND", err)
		}
	})
}

func TestEraseContact(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		e := event("e1", outreach.EventOnboardingCompleted, "c1", t0)
		e.Properties = map[string]any{"secret": "x"}
		if _, err := db.InsertEvents(ctx, []outreach.Event{e}); err != nil {
			t.Fatal(err)
		}
		plan(t, db, "d1", outreach.CategorySurvey)
		x := db.SQLXForTest()
		for _, q := range []string{
			`INSERT INTO decisions (delivery_id, at, decision, reason) VALUES ('d1', 1, 'deferred', 'quiet hours')`,
			`INSERT INTO provider_events (id, delivery_id, email, type, at) VALUES ('sg1', 'd1', 'jane@example.com', 'open', 1)`,
			`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, at, updated_at) SELECT 'd1', id, 'nps', 9, 1, 1 FROM contacts`,
		} {
			if _, err := x.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "jane@example.com", Scope: "survey"}, {Email: "jane@example.com", Scope: "marketing"}}); err != nil {
			t.Fatal(err)
		}
		// Lifting one writes the address into the audit log.
		if _, err := db.DeleteSuppression(ctx, "Jane@Example.com", "marketing", false, "tester"); err != nil {
			t.Fatal(err)
		}
		if err := db.EraseContact(ctx, "Jane@example.com"); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]int{
			`SELECT COUNT(*) FROM contacts`:                                               0,
			`SELECT COUNT(*) FROM deliveries`:                                             0,
			`SELECT COUNT(*) FROM decisions`:                                              0,
			`SELECT COUNT(*) FROM provider_events`:                                        0,
			`SELECT COUNT(*) FROM survey_responses`:                                       0,
			`SELECT COUNT(*) FROM events WHERE properties IS NULL AND contact_id IS NULL`: 1,
			// Unplanned, it would read as an account-level event and
			// plan surveys for Jane's colleagues.
			`SELECT COUNT(*) FROM events WHERE planned_at IS NULL`:                                                                                       0,
			`SELECT COUNT(*) FROM audit_log WHERE LOWER(target || detail) LIKE '%jane%'`:                                                                 0,
			`SELECT COUNT(*) FROM audit_log WHERE target = 'j…@example.com'`:                                                                             1,
			`SELECT COUNT(*) FROM suppressions WHERE email IS NOT NULL`:                                                                                  0,
			`SELECT COUNT(*) FROM suppressions WHERE scope = 'all' AND reason = 'erased' AND email_hash = '` + store.EmailHash("jane@example.com") + `'`: 1,
			`SELECT COUNT(*) FROM suppressions`:                                                                                                          2,
		} {
			if got := count(t, db, q); got != want {
				t.Errorf("%s = %d, want %d", q, got, want)
			}
		}
		if err := db.EraseContact(ctx, "jane@example.com"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("second erase: %v, want ENOTFOUND", err)
		}
		// The hashed suppression still stops the address.
		if res, _ := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "jane@example.com", Scope: "all"}}); res.Duplicates != 1 {
			t.Errorf("after erase, all suppression: %+v, want a duplicate", res)
		}
	})
}
