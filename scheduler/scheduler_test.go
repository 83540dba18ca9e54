package scheduler_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

func TestEventTriggerDelayAndFilter(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		occurred := t0.Add(-day)
		b.events(t,
			outreach.Event{ID: "ev-ann", Type: outreach.EventOnboardingCompleted, ContactExternalID: "ann", OccurredAt: occurred},
			outreach.Event{ID: "ev-bob", Type: outreach.EventOnboardingCompleted, ContactExternalID: "bob", OccurredAt: occurred}, // role user: filtered
			outreach.Event{ID: "ev-dan", Type: outreach.EventOnboardingCompleted, ContactExternalID: "dan", OccurredAt: occurred}, // inactive
			outreach.Event{ID: "ev-other", Type: "something.else", ContactExternalID: "ann", OccurredAt: occurred},
		)
		rep := b.tick(t)
		if rep.EventsPlanned != 4 || rep.DeliveriesPlanned != 1 {
			t.Fatalf("tick = %+v, want 4 events, 1 delivery", rep)
		}
		ds := b.deliveries(t, "nps-onboarding")
		if len(ds) != 1 {
			t.Fatalf("deliveries = %+v, want one to ann", ds)
		}
		d := ds[0]
		due := occurred.Add(14 * day).UnixMilli()
		want := delivery{
			ID: outreach.DeliveryID("nps-onboarding", b.ids["ann"], "ev-ann"), Campaign: "nps-onboarding", Category: "survey",
			ContactID: b.ids["ann"], AccountID: d.AccountID, Occurrence: "ev-ann", EventID: "ev-ann", State: "planned",
			DueAt: due, NotBefore: due, ExpiresAt: due + (10 * day).Milliseconds(),
		}
		if d != want || d.AccountID == 0 {
			t.Errorf("delivery =\n %+v, want\n %+v", d, want)
		}
		if rep := b.tick(t); rep != (scheduler.TickReport{}) {
			t.Errorf("second tick = %+v, want nothing", rep)
		}
	})
}

// Two closings of one ticket planned in the same tick: the earlier event
// is the one planned, whatever order the events were ingested in.
func TestDedupeKeepsTheEarliestEventOfATick(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		closed := func(id string, at time.Time) outreach.Event {
			return outreach.Event{ID: id, Type: outreach.EventTicketClosed, ContactExternalID: "bob", OccurredAt: at,
				Properties: map[string]any{"ticket_id": "T-9", "priority": "p1"}}
		}
		late, early := closed("late", t0.Add(-time.Hour)), closed("early", t0.Add(-3*time.Hour))
		b.events(t, late, early) // ingested late first
		b.tick(t)
		ds := b.deliveries(t, "csat-support")
		if len(ds) != 1 || ds[0].EventID != "early" || ds[0].DueAt != early.OccurredAt.Add(2*time.Hour).UnixMilli() {
			t.Fatalf("deliveries = %+v, want one, from event \"early\", due 2 h after it", ds)
		}
	})
}

func TestWhereAndDedupe(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		at := t0.Add(-time.Hour)
		ticket := func(id, tk, prio string) outreach.Event {
			return outreach.Event{ID: id, Type: outreach.EventTicketClosed, ContactExternalID: "bob", OccurredAt: at,
				Properties: map[string]any{"ticket_id": tk, "priority": prio}}
		}
		b.events(t, ticket("t1", "T-1", "p1"), ticket("t2", "T-1", "p2"), ticket("t3", "T-2", "p4"),
			outreach.Event{ID: "t4", Type: outreach.EventTicketClosed, ContactExternalID: "bob", OccurredAt: at,
				Properties: map[string]any{"ticket_id": 12345678901234567, "priority": "p1"}})
		rep := b.tick(t)
		ds := b.deliveries(t, "csat-support")
		var occs []string
		for _, d := range ds {
			occs = append(occs, d.Occurrence)
		}
		slices.Sort(occs)
		if want := []string{"12345678901234567", "T-1"}; !slices.Equal(occs, want) {
			t.Fatalf("occurrences = %v, want %v (one per ticket, p4 excluded)", occs, want)
		}
		if rep.DeliveriesPlanned != 2 {
			t.Errorf("DeliveriesPlanned = %d, want 2", rep.DeliveriesPlanned)
		}
		for _, d := range ds {
			if d.DueAt != at.Add(2*time.Hour).UnixMilli() {
				t.Errorf("%s due %v, want occurred + 2h", d.Occurrence, time.UnixMilli(d.DueAt).UTC())
			}
		}
	})
}

func TestAccountEventFansOut(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		b.events(t,
			outreach.Event{ID: "qbr-acme", Type: outreach.EventQBRCompleted, AccountExternalID: "acme", OccurredAt: t0},
			outreach.Event{ID: "qbr-beta", Type: outreach.EventQBRCompleted, AccountExternalID: "beta", OccurredAt: t0}, // plan starter
		)
		b.tick(t)
		// acme is Enterprise (the filter says "Enterprise": case-insensitive);
		// locales [pt] take bob (pt-BR) and cid (pt), not ann (en) nor
		// dan (inactive).
		got := b.contactsOf(b.deliveries(t, "nps-qbr"))
		if want := []string{"bob", "cid"}; !slices.Equal(got, want) {
			t.Errorf("nps-qbr went to %v, want %v", got, want)
		}
	})
}

func TestStaleOccurrencesSkipped(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		b.events(t,
			// due 16 days ago, ttl 10 days: stale.
			outreach.Event{ID: "old", Type: outreach.EventOnboardingCompleted, ContactExternalID: "ann", OccurredAt: t0.Add(-30 * day)},
			// due 4 days ago, within ttl: planned (the throttle sends it late).
			outreach.Event{ID: "late", Type: outreach.EventOnboardingCompleted, ContactExternalID: "cid", OccurredAt: t0.Add(-18 * day)},
		)
		rep := b.tick(t)
		if rep.Stale != 1 || rep.DeliveriesPlanned != 1 {
			t.Errorf("tick = %+v, want 1 stale, 1 planned", rep)
		}
		if got := b.contactsOf(b.deliveries(t, "nps-onboarding")); !slices.Equal(got, []string{"cid"}) {
			t.Errorf("planned for %v, want [cid]", got)
		}
		if !strings.Contains(b.logs.String(), "stale") {
			t.Errorf("no log of the stale count: %s", b.logs)
		}
	})
}

func TestNewCampaignIgnoresOlderEvents(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		without := strings.Replace(testCampaigns, "  - key: csat-support", "  - key: csat-later", 1)
		without = strings.Replace(without, "support.ticket_closed", "never.happens", 1)
		b.apply(t, loadPack(t, without))
		ev := func(id string) outreach.Event {
			return outreach.Event{ID: id, Type: outreach.EventTicketClosed, ContactExternalID: "bob", OccurredAt: b.clock.Now(),
				Properties: map[string]any{"ticket_id": id, "priority": "p1"}}
		}
		b.clock.Add(time.Minute)
		b.events(t, ev("before")) // ingested while csat-support is not in the pack, not planned yet
		b.clock.Add(time.Minute)
		b.apply(t, loadPack(t, testCampaigns)) // csat-support comes back: a new campaign
		b.clock.Add(time.Minute)
		b.events(t, ev("after"))
		b.tick(t)
		var occs []string
		for _, d := range b.deliveries(t, "csat-support") {
			occs = append(occs, d.Occurrence)
		}
		if !slices.Equal(occs, []string{"after"}) {
			t.Errorf("csat-support planned %v, want only [after]", occs)
		}
	})
}

func TestRemovedCampaignDropsPending(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		b.events(t, outreach.Event{ID: "e1", Type: outreach.EventOnboardingCompleted, ContactExternalID: "ann", OccurredAt: t0})
		b.tick(t)
		v1 := b.pack.Pack.Version
		removed := strings.Replace(testCampaigns, "  - key: nps-onboarding", "  - key: nps-onboarding-v2", 1)
		b.clock.Add(time.Hour)
		if v := b.apply(t, loadPack(t, removed)); v != v1+1 {
			t.Errorf("version = %d, want %d", v, v1+1)
		}
		ds := b.deliveries(t, "nps-onboarding")
		if len(ds) != 1 || ds[0].State != outreach.DeliveryDropped {
			t.Fatalf("deliveries = %+v, want one dropped", ds)
		}
		var reason string
		q := strings.ReplaceAll(`SELECT reason FROM decisions WHERE delivery_id = ? AND decision = 'dropped'`, "?", map[string]string{store.Postgres: "$1", store.SQLite: "?"}[dialect])
		if err := storetest.SQL(t, b.db).Get(&reason, q, ds[0].ID); err != nil || reason != outreach.ReasonCampaignRemoved {
			t.Errorf("decision reason = %q (%v), want %q", reason, err, outreach.ReasonCampaignRemoved)
		}
		// Applying the same pack again changes nothing.
		v, changed, err := applyAgain(b)
		if err != nil || changed || v != v1+1 {
			t.Errorf("re-apply = %d, %v, %v; want %d, unchanged", v, changed, err, v1+1)
		}
	})
}

func TestCooldownAppliedAtPlanning(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		// ann got the re-engagement mail 10 days ago (cooldown 60d).
		sent := t0.Add(-10 * day).UnixMilli()
		q := `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state, due_at, not_before,
			expires_at, reserved_at, sent_at, created_at, updated_at) VALUES ('x', 'reengagement', 'lifecycle', $1, 1, 'old', 'sent',
			$2, $2, $2, $2, $2, $2, $2)`
		if dialect == store.SQLite {
			q = strings.NewReplacer("$1", "?1", "$2", "?2").Replace(q)
		}
		if _, err := storetest.SQL(t, b.db).Exec(q, b.ids["ann"], sent); err != nil {
			t.Fatal(err)
		}
		b.clock.Set(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC)) // next Monday 10:00
		rep := b.tick(t)
		if rep.CooledDown != 1 {
			t.Errorf("CooledDown = %d, want 1 (ann)", rep.CooledDown)
		}
		var planned []delivery
		for _, d := range b.deliveries(t, "reengagement") {
			if d.State == "planned" {
				planned = append(planned, d)
			}
		}
		// eve (seen 100 days ago) only: ann cooled down, bob seen yesterday,
		// cid never seen, dan inactive.
		if got := b.contactsOf(planned); !slices.Equal(got, []string{"eve"}) {
			t.Fatalf("re-engagement planned for %v, want [eve]", got)
		}
		if want := t0.Add(-100 * day).Format(time.RFC3339); planned[0].Occurrence != want {
			t.Errorf("occurrence = %q, want last_seen_at %q", planned[0].Occurrence, want)
		}
		if planned[0].DueAt != b.clock.Now().UnixMilli() {
			t.Errorf("due = %v, want the fire time", time.UnixMilli(planned[0].DueAt).UTC())
		}
	})
}

func TestTickTwicePlansNothingTwice(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		b.events(t, outreach.Event{ID: "e1", Type: outreach.EventQBRCompleted, AccountExternalID: "acme", OccurredAt: t0})
		b.clock.Set(time.Date(2026, 3, 9, 10, 0, 0, 0, time.UTC))
		first := b.tick(t)
		if first.DeliveriesPlanned == 0 || first.SchedulesFired == 0 {
			t.Fatalf("first tick = %+v, want deliveries and fired schedules", first)
		}
		if second := b.tick(t); second != (scheduler.TickReport{}) {
			t.Errorf("second tick at the same time = %+v, want nothing", second)
		}
		// Even with the schedule state forgotten, deterministic ids keep
		// every delivery single.
		if _, err := storetest.SQL(t, b.db).Exec(`DELETE FROM schedule_fires`); err != nil {
			t.Fatal(err)
		}
		if _, err := storetest.SQL(t, b.db).Exec(`UPDATE events SET planned_at = NULL`); err != nil {
			t.Fatal(err)
		}
		again := b.tick(t)
		if again.DeliveriesPlanned != 0 || again.SchedulesFired == 0 {
			t.Errorf("replanning tick = %+v, want schedules fired but 0 deliveries", again)
		}
	})
}

func applyAgain(b *bundle) (int, bool, error) {
	return scheduler.ApplyPack(context.Background(), b.db, b.pack, b.clock.Now())
}
