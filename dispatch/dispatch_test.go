package dispatch_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

func TestStepSendsHighestPriorityAndDefersTheRest(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		c := addPeople(t, db, 1, 1)[0]
		plan(t, db,
			planned{ID: "d-nps", Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Contact: c, Due: t0.Add(-time.Hour)},
			planned{ID: "d-milestone", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: c, Due: t0.Add(-2 * time.Hour)},
			planned{ID: "d-later", Campaign: "reengagement", Category: outreach.CategoryLifecycle, Contact: c, Due: t0.Add(time.Hour)},
		)
		rec, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")

		rep, err := d.Step(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Contacts != 1 || rep.Reserved != 1 || rep.Deferred != 1 || rep.Sent != 1 {
			t.Fatalf("report = %+v, want 1 contact, 1 reserved and sent, 1 deferred", rep)
		}
		if st, _, mid := state(t, db, "d-nps"); st != outreach.DeliverySent || mid != "msg-d-nps" {
			t.Errorf("d-nps: state %s message id %q, want sent msg-d-nps", st, mid)
		}
		ds := decisions(t, db, "d-milestone")
		if len(ds) != 1 || ds[0].Decision != outreach.DecisionDeferred || ds[0].Until == nil || !ds[0].Until.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("d-milestone decisions = %+v, want one deferral until %s", ds, t0.Add(24*time.Hour))
		}
		if !strings.Contains(ds[0].Reason, "max_per_day") {
			t.Errorf("deferral reason %q does not name max_per_day", ds[0].Reason)
		}
		if st, _, _ := state(t, db, "d-later"); st != outreach.DeliveryPlanned || len(decisions(t, db, "d-later")) != 0 {
			t.Errorf("d-later (not due) was touched: state %s", st)
		}

		m := rec.messages[0]
		if m.To != c.Email || m.From != "news@acme.example" || m.Subject == "" || m.Text == "" || m.HTML == "" {
			t.Errorf("message = %+v", m)
		}
		if !strings.HasPrefix(m.UnsubscribeURL, "https://outreach.example.com/u/") || !strings.HasPrefix(m.UnsubscribeMailto, "mailto:unsubscribe@acme.example?subject=unsubscribe") {
			t.Errorf("unsubscribe = %q, %q", m.UnsubscribeURL, m.UnsubscribeMailto)
		}
		// OUTREACH_UNSUBSCRIBE_MAILTO replaces the address, same token.
		d.Config.UnsubscribeMailto = "optout@inbound.acme.example"
		m2, err := d.Message("d-nps", c, t0)
		if err != nil {
			t.Fatal(err)
		}
		tokOf := func(s string) string { return s[strings.Index(s, "?"):] }
		if !strings.HasPrefix(m2.UnsubscribeMailto, "mailto:optout@inbound.acme.example?subject=unsubscribe") || tokOf(m2.UnsubscribeMailto) != tokOf(m.UnsubscribeMailto) {
			t.Errorf("configured mailto = %q (default was %q)", m2.UnsubscribeMailto, m.UnsubscribeMailto)
		}
		for n := range 11 {
			link := "https://outreach.example.com/s/"
			if !strings.Contains(m.Text, link) || !strings.Contains(m.Text, "?score="+strconv.Itoa(n)) {
				t.Fatalf("survey link for score %d missing from the text part:\n%s", n, m.Text)
			}
		}

		next, ok, err := d.NextDue(ctx)
		if err != nil || !ok || !next.Equal(t0.Add(time.Hour)) {
			t.Fatalf("NextDue = %s %v %v, want %s", next, ok, err, t0.Add(time.Hour))
		}
		// A day later the milestone goes (the reengagement competes, lower priority).
		rep, err = d.Step(ctx, t0.Add(24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Sent != 1 || rep.Deferred != 1 {
			t.Fatalf("second step report = %+v, want 1 sent, 1 deferred", rep)
		}
		if st, _, _ := state(t, db, "d-milestone"); st != outreach.DeliverySent {
			t.Errorf("d-milestone state %s, want sent", st)
		}
		if rec.sends["d-nps"] != 1 || rec.sends["d-milestone"] != 1 {
			t.Errorf("sends = %v, want one each", rec.sends)
		}
	})
}

func TestStepDropsRemovedCampaignsSuppressesAndHoldsPausedAccounts(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		people := addPeople(t, db, 2, 2)
		paused := t0.Add(48 * time.Hour)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "acc-1", PausedUntil: &paused}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: people[1].Email, Scope: outreach.ScopeAll, Reason: "asked"}}); err != nil {
			t.Fatal(err)
		}
		plan(t, db,
			planned{ID: "d-gone", Campaign: "no-such-campaign", Category: outreach.CategorySurvey, Contact: people[0], Due: t0},
			planned{ID: "d-unsub", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: people[1], Due: t0},
			planned{ID: "d-paused", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: people[2], Due: t0},
		)
		_, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		rep, err := d.Step(ctx, t0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Dropped != 1 || rep.Suppressed != 1 || rep.Deferred != 1 || rep.Sent != 0 {
			t.Fatalf("report = %+v", rep)
		}
		if ds := decisions(t, db, "d-gone"); len(ds) != 1 || ds[0].Decision != outreach.DecisionDropped || ds[0].Reason != "campaign removed" {
			t.Errorf("d-gone decisions = %+v, want dropped \"campaign removed\"", ds)
		}
		if st, _, _ := state(t, db, "d-unsub"); st != outreach.DeliverySuppressed {
			t.Errorf("d-unsub state %s, want suppressed", st)
		}
		if ds := decisions(t, db, "d-paused"); len(ds) != 1 || ds[0].Until == nil || !ds[0].Until.Equal(paused) {
			t.Errorf("d-paused decisions = %+v, want deferred until %s", ds, paused)
		}
	})
}

func TestDryRunRecordsDecisionsAndSendsNothing(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		c := addPeople(t, db, 1, 1)[0]
		plan(t, db, planned{ID: "d1", Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Contact: c, Due: t0})
		d := newDispatcher(t, db, nil, capsPolicy, "p1")
		d.Config.DryRun = true
		if _, err := d.Step(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if st, _, mid := state(t, db, "d1"); st != outreach.DeliverySent || mid != "dry-run:d1" {
			t.Errorf("state %s message id %q, want sent dry-run:d1", st, mid)
		}
		if ds := decisions(t, db, "d1"); len(ds) != 1 || ds[0].Decision != outreach.DecisionSent {
			t.Errorf("decisions = %+v", ds)
		}
		if ms := d.DryRunMessages(); len(ms) != 1 || ms[0].DeliveryID != "d1" {
			t.Errorf("dry-run messages = %+v", ms)
		}
	})
}

// TestBigEventNumbersRenderExactly: a ticket id too large for a float64
// reaches the subject as ingested, not as 1.2345678901234567e+19.
func TestBigEventNumbersRenderExactly(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		c := addPeople(t, db, 1, 1)[0]
		if _, err := db.InsertEvents(ctx, []outreach.Event{{ID: "e1", Type: "support.ticket_closed", ContactExternalID: "c-0-0",
			OccurredAt: t0.Add(-time.Hour), Properties: map[string]any{"ticket_id": json.Number("12345678901234567890"), "priority": "p1"}}}); err != nil {
			t.Fatal(err)
		}
		plan(t, db, planned{ID: "d1", Campaign: "csat-support", Category: outreach.CategorySurvey, Contact: c, Due: t0, EventID: "e1"})
		rec, sender := newCountingSender()
		if _, err := newDispatcher(t, db, sender, capsPolicy, "p1").Step(ctx, t0); err != nil {
			t.Fatal(err)
		}
		if len(rec.messages) != 1 || !strings.Contains(rec.messages[0].Subject, "#12345678901234567890") {
			t.Fatalf("messages %+v, want one whose subject names ticket #12345678901234567890", rec.messages)
		}
	})
}
