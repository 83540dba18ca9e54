package scheduler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// outcomesOf returns the timeline of the contact with email as
// "event: [campaign: ]outcome — detail" lines, one per outcome, events
// newest first.
func (b *bundle) outcomesOf(t *testing.T, email string) []string {
	t.Helper()
	tl, err := b.db.Timeline(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range tl.Events {
		for _, o := range e.Outcomes {
			s := e.ID + ": "
			if o.Campaign != "" {
				s += o.Campaign + ": "
			}
			out = append(out, s+o.Outcome+" — "+o.Detail)
		}
	}
	return out
}

// hasOutcome reports whether lines holds one starting with prefix.
func hasOutcome(lines []string, prefix string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return true
		}
	}
	return false
}

// Every event that planned nothing for a contact says why in its
// timeline, as recorded by the planner.
func TestTimelineExplainsEventsThatPlannedNothing(t *testing.T) {
	yaml := strings.Replace(testCampaigns, "    dedupe: ticket_id\n", "    dedupe: ticket_id\n    cooldown: 30d\n", 1)
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setupPack(t, dialect, yaml)
		ticket := func(id, contact, tk, prio string) outreach.Event {
			return outreach.Event{ID: id, Type: outreach.EventTicketClosed, ContactExternalID: contact, OccurredAt: t0,
				Properties: map[string]any{"ticket_id": tk, "priority": prio}}
		}
		b.events(t,
			outreach.Event{ID: "old", Type: outreach.EventOnboardingCompleted, ContactExternalID: "ann", OccurredAt: t0.Add(-30 * day)},
			outreach.Event{ID: "onb-bob", Type: outreach.EventOnboardingCompleted, ContactExternalID: "bob", OccurredAt: t0},
			outreach.Event{ID: "custom", Type: "webinar.attended", ContactExternalID: "ann", OccurredAt: t0},
			outreach.Event{ID: "seen", Type: outreach.EventContactActive, ContactExternalID: "ann", OccurredAt: t0},
			ticket("tk-low", "ann", "T-9", "p4"),
			ticket("tk-1", "ann", "T-1", "p1"),
			ticket("tk-1-again", "ann", "T-1", "p2"),
			outreach.Event{ID: "qbr", Type: outreach.EventQBRCompleted, AccountExternalID: "acme", OccurredAt: t0},
		)
		b.tick(t)

		ann := b.outcomesOf(t, "ann@acme.test")
		for _, want := range []string{
			"old: nps-onboarding: stale — due 2026-02-14T09:30:00Z, 16d before it was planned at 2026-03-02T09:30:00Z: more than the ttl 10d",
			"custom: no campaign — no campaign of the active pack listens to webinar.attended",
			"seen: no campaign — no campaign of the active pack listened to contact.active when it was planned",
			`tk-low: csat-support: filtered — where priority is "p4", not one of p1, p2`,
			`tk-1-again: csat-support: duplicate occurrence — occurrence "T-1" already has a delivery (planned from event tk-1)`,
			`qbr: nps-qbr: filtered — locale "en" is not one of pt`,
		} {
			if !hasOutcome(ann, want) {
				t.Errorf("ann's timeline lacks %q; has:\n%s", want, strings.Join(ann, "\n"))
			}
		}
		if hasOutcome(ann, "tk-1:") {
			t.Errorf("tk-1 planned a delivery, yet has an outcome:\n%s", strings.Join(ann, "\n"))
		}
		bob := b.outcomesOf(t, "bob@acme.test")
		if want := `onb-bob: nps-onboarding: filtered — role "user" is not one of admin, champion`; !hasOutcome(bob, want) {
			t.Errorf("bob's timeline lacks %q; has:\n%s", want, strings.Join(bob, "\n"))
		}
		if hasOutcome(bob, "qbr:") { // planned for bob (pt-BR)
			t.Errorf("the QBR planned for bob, yet has an outcome:\n%s", strings.Join(bob, "\n"))
		}
		if dan := b.outcomesOf(t, "dan@acme.test"); !hasOutcome(dan, `qbr: nps-qbr: inactive — the contact's status is "inactive"`) {
			t.Errorf("dan's timeline: %v", dan)
		}

		var stored int
		if err := storetest.SQL(t, b.db).Get(&stored, `SELECT COUNT(*) FROM event_outcomes WHERE event_id = 'seen'`); err != nil || stored != 0 {
			t.Errorf("contact.active stored %d outcome rows (%v), want none", stored, err)
		}

		// A CSAT sent to ann holds the next ticket's survey: cooldown,
		// until when.
		sentAt := t0.Add(3 * 3600e9)
		q := fmt.Sprintf(`UPDATE deliveries SET state = 'sent', reserved_at = %d WHERE event_id = 'tk-1'`, sentAt.UnixMilli())
		if _, err := storetest.SQL(t, b.db).Exec(q); err != nil {
			t.Fatal(err)
		}
		b.clock.Add(day)
		b.events(t, ticket("tk-2", "ann", "T-2", "p1"))
		b.tick(t)
		ann = b.outcomesOf(t, "ann@acme.test")
		if want := "tk-2: csat-support: cooldown — until 2026-04-01T12:30:00Z: sent this campaign 2026-03-02T12:30:00Z, cooldown 30d"; !hasOutcome(ann, want) {
			t.Errorf("ann's timeline lacks %q; has:\n%s", want, strings.Join(ann, "\n"))
		}

		// Not planned yet: said so.
		b.events(t, ticket("tk-3", "ann", "T-3", "p1"))
		if ann = b.outcomesOf(t, "ann@acme.test"); !hasOutcome(ann, "tk-3: not planned yet") {
			t.Errorf("an unplanned event must say so:\n%s", strings.Join(ann, "\n"))
		}
	})
}
