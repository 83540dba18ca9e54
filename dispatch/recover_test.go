package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// crashedWhileSending plans d1 and leaves it as a dead process would:
// sending, claimed by "dead", last heartbeat at hb.
func crashedWhileSending(t *testing.T, db *store.DB, hb time.Time) {
	t.Helper()
	c := addPeople(t, db, 1, 1)[0]
	plan(t, db, planned{ID: "d1", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: c, Due: hb})
	q := storetest.SQL(t, db).Rebind(`UPDATE deliveries SET state = 'sending', claimed_by = 'dead', reserved_at = ?, heartbeat_at = ? WHERE id = 'd1'`)
	if _, err := storetest.SQL(t, db).Exec(q, hb.UnixMilli(), hb.UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

func TestRecoverMarksSentOnProcessedEvent(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		crashedWhileSending(t, db, t0.Add(-time.Minute))
		q := storetest.SQL(t, db).Rebind(`INSERT INTO provider_events (id, delivery_id, email, type, at, payload) VALUES ('ev1', 'd1', 'x@example.com', 'processed', ?, ?)`)
		if _, err := storetest.SQL(t, db).Exec(q, t0.Add(-50*time.Second).UnixMilli(), `{"sg_message_id":"abc123.filterdrecv-1"}`); err != nil {
			t.Fatal(err)
		}
		_, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		n, err := d.Recover(ctx, t0)
		if err != nil || n != 1 {
			t.Fatalf("Recover = %d, %v; want 1", n, err)
		}
		if st, _, mid := state(t, db, "d1"); st != outreach.DeliverySent || mid != "abc123" {
			t.Errorf("state %s message id %q, want sent abc123", st, mid)
		}
	})
}

func TestRecoverResendsAfterGraceWithWebhook(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		crashedWhileSending(t, db, t0.Add(-time.Minute))
		rec, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		d.Config.WebhookEnabled = true
		if n, err := d.Recover(ctx, t0.Add(-40*time.Second)); err != nil || n != 0 {
			t.Fatalf("Recover within the lease = %d, %v; want 0", n, err)
		}
		if n, err := d.Recover(ctx, t0); err != nil || n != 0 {
			t.Fatalf("Recover within the grace = %d, %v; want 0 (waiting for the webhook)", n, err)
		}
		later := t0.Add(dispatchGrace)
		if n, err := d.Recover(ctx, later); err != nil || n != 1 {
			t.Fatalf("Recover after the grace = %d, %v; want 1", n, err)
		}
		if _, err := d.Step(ctx, later); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := state(t, db, "d1"); st != outreach.DeliverySent || rec.sends["d1"] != 1 {
			t.Errorf("state %s, sends %v: want sent again once", st, rec.sends)
		}
	})
}

const dispatchGrace = 15 * time.Minute

func TestRecoverWithoutWebhookFailsOutcomeUnknown(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		crashedWhileSending(t, db, t0.Add(-time.Minute))
		rec, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		if n, err := d.Recover(ctx, t0); err != nil || n != 1 {
			t.Fatalf("Recover = %d, %v; want 1", n, err)
		}
		if _, err := d.Step(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		st, errText, _ := state(t, db, "d1")
		if st != outreach.DeliveryFailed || !strings.HasPrefix(errText, "outcome unknown") || len(rec.sends) != 0 {
			t.Errorf("state %s error %q sends %v, want failed \"outcome unknown\" and nothing sent", st, errText, rec.sends)
		}
	})
}
