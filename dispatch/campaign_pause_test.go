package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestPausedCampaignDeferredThenResumed: a campaign paused in the store
// (as the console pauses it) has its due delivery deferred, not dropped,
// with a reason naming who paused it, while another campaign is sent;
// after resume the delivery is decided again at once and sent. Both
// changes are in the audit log.
func TestPausedCampaignDeferredThenResumed(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		people := addPeople(t, db, 2, 1)
		plan(t, db,
			planned{ID: "d-paused", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: people[0], Due: t0},
			planned{ID: "d-other", Campaign: "reengagement", Category: outreach.CategoryLifecycle, Contact: people[1], Due: t0},
		)
		audit := outreach.AuditEntry{Actor: "mo@vendor.example", Action: "campaign.pause", Target: "milestone-congrats"}
		if err := db.PauseCampaign(ctx, "milestone-congrats", audit); err != nil {
			t.Fatal(err)
		}
		counter, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		if _, err := d.Step(ctx, t0); err != nil {
			t.Fatal(err)
		}
		ds := decisions(t, db, "d-paused")
		if len(ds) != 1 || ds[0].Decision != outreach.DecisionDeferred || ds[0].Until == nil ||
			!ds[0].Until.Equal(t0.Add(outreach.CampaignPauseRecheck)) || !strings.Contains(ds[0].Reason, "paused by mo@vendor.example") {
			t.Fatalf("paused delivery decisions = %+v, want deferred by the pause", ds)
		}
		if st, _, _ := state(t, db, "d-other"); st != outreach.DeliverySent {
			t.Fatalf("the other campaign's delivery is %s, want sent", st)
		}
		audit.Action = "campaign.resume"
		if err := db.ResumeCampaign(ctx, "milestone-congrats", audit); err != nil {
			t.Fatal(err)
		}
		if _, err := d.Step(ctx, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := state(t, db, "d-paused"); st != outreach.DeliverySent {
			t.Fatalf("after resume the delivery is %s, want sent", st)
		}
		counter.mu.Lock()
		n := len(counter.messages)
		counter.mu.Unlock()
		if n != 2 {
			t.Fatalf("%d sends, want 2", n)
		}
		entries, err := db.AuditEntries(ctx, outreach.AuditFilter{Target: "milestone-congrats"})
		if err != nil || len(entries) != 2 || entries[0].Action != "campaign.resume" || entries[1].Action != "campaign.pause" {
			t.Fatalf("audit = %+v, %v", entries, err)
		}
	})
}
