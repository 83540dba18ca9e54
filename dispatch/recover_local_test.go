package dispatch_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/eml"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestRecoverReadsTheOutboxBack leaves two deliveries as a process killed
// while writing the .eml outbox would: d1 written, d2 not. Recovery asks
// the outbox, with or without a webhook key: d1 is sent (with the file's
// Message-ID) and never written again, d2 is sent at once, not failed
// "outcome unknown" nor held for the grace; each has exactly one file.
func TestRecoverReadsTheOutboxBack(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		for _, webhook := range []bool{false, true} {
			t.Run(fmt.Sprintf("webhook=%v", webhook), func(t *testing.T) {
				ctx := context.Background()
				db := openStore(t, dialect)
				hb := t0.Add(-time.Minute)
				c := addPeople(t, db, 1, 1)[0]
				for _, id := range []string{"d1", "d2"} {
					plan(t, db, planned{ID: id, Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: c, Due: hb})
				}
				dir := t.TempDir()
				outbox := eml.New(dir, func() time.Time { return hb })
				d := newDispatcher(t, db, outbox, capsPolicy, "p1")
				d.Config.WebhookEnabled = webhook
				written, err := outbox.Send(ctx, &outreach.Message{DeliveryID: "d1", To: c.Email, From: "news@acme.example", Subject: "Hi", Text: "Hello"})
				if err != nil {
					t.Fatal(err)
				}
				before, _ := os.Stat(filepath.Join(dir, "d1.eml"))
				q := storetest.SQL(t, db).Rebind(`UPDATE deliveries SET state = 'sending', claimed_by = 'dead', reserved_at = ?, heartbeat_at = ?`)
				if _, err := storetest.SQL(t, db).Exec(q, hb.UnixMilli(), hb.UnixMilli()); err != nil {
					t.Fatal(err)
				}
				if n, err := d.Recover(ctx, t0); err != nil || n != 2 {
					t.Fatalf("Recover = %d, %v; want 2", n, err)
				}
				if st, _, mid := state(t, db, "d1"); st != outreach.DeliverySent || mid != written.MessageID {
					t.Errorf("written d1: state %s message id %q, want sent %q", st, mid, written.MessageID)
				}
				if _, err := d.Step(ctx, t0); err != nil {
					t.Fatal(err)
				}
				if st, errText, _ := state(t, db, "d2"); st != outreach.DeliverySent {
					t.Errorf("unwritten d2: state %s (%s), want sent at once", st, errText)
				}
				entries, _ := os.ReadDir(dir)
				if len(entries) != 2 {
					t.Errorf("outbox holds %d entries, want d1.eml and d2.eml", len(entries))
				}
				if after, err := os.Stat(filepath.Join(dir, "d1.eml")); err != nil || !os.SameFile(before, after) || !after.ModTime().Equal(before.ModTime()) {
					t.Errorf("d1.eml was written again")
				}
			})
		}
	})
}
