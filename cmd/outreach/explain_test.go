package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

func TestWriteExplainListsDecisionsWithTimeAndReason(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	until := at.Add(24 * time.Hour)
	sent := until
	tl := &outreach.Timeline{
		Contact: outreach.Contact{Email: "jane@example.com", Name: "Jane Cooper", Timezone: "Europe/Paris", Locale: "fr"},
		Account: &outreach.Account{ExternalID: "acme"},
		Deliveries: []outreach.Delivery{{
			ID: "d1", Campaign: "nps-onboarding", Category: "survey", State: outreach.DeliverySent, DueAt: at, SentAt: &sent,
			Decisions: []outreach.Decision{
				{At: at, Decision: outreach.DecisionDeferred, Reason: "max_per_day 1 reached", Until: &until},
				{At: until, Decision: outreach.DecisionSent, Reason: "every rule allows it now"},
			},
		}},
	}
	var b bytes.Buffer
	if err := writeExplain(&b, tl); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"jane@example.com (Jane Cooper), account acme, timezone Europe/Paris, locale fr",
		"d1  nps-onboarding (survey)  due 2026-03-03T10:00:00Z  now sent 2026-03-04T10:00:00Z",
		"2026-03-03T10:00:00Z  deferred   max_per_day 1 reached (until 2026-03-04T10:00:00Z)",
		"2026-03-04T10:00:00Z  sent       every rule allows it now",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
}

func TestExplainCommandNeedsContact(t *testing.T) {
	r := run(t, sqliteEnv(t), "explain")
	if r.err == nil || !strings.Contains(r.err.Error(), "--contact") {
		t.Fatalf("err = %v, want one naming --contact", r.err)
	}
}

func TestExplainMarksDryRunSends(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	tl := &outreach.Timeline{
		Contact: outreach.Contact{Email: "jane@example.com"},
		Deliveries: []outreach.Delivery{{ID: "d1", Campaign: "nps-qbr", Category: "survey", State: outreach.DeliverySent,
			DueAt: at, SentAt: &at, MessageID: "dry-run:d1"}},
	}
	var b bytes.Buffer
	if err := writeExplain(&b, tl); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "now sent in a dry run (serve --dry-run)") {
		t.Errorf("a dry-run delivery must say so:\n%s", b.String())
	}
}

// explain lists the events that planned nothing, with why, and names the
// rule of each deferral.
func TestWriteExplainShowsUnplannedEventsAndRules(t *testing.T) {
	at := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	until := at.Add(24 * time.Hour)
	tl := &outreach.Timeline{
		Contact: outreach.Contact{Email: "ana@example.com"},
		Events: []outreach.TimelineEvent{{
			Event: outreach.Event{ID: "evt-1", Type: "onboarding.completed", ContactID: 1, OccurredAt: at},
			Outcomes: []outreach.EventOutcome{{Campaign: "nps-onboarding", Outcome: outreach.OutcomeStale,
				Detail: "due 2026-03-15T00:00:00Z, 262d before it was planned"}},
		}, {Event: outreach.Event{ID: "evt-2", Type: "qbr.completed", OccurredAt: at}, Outcomes: []outreach.EventOutcome{}}},
		Deliveries: []outreach.Delivery{{ID: "d1", Campaign: "csat-support", Category: "survey", State: outreach.DeliveryPlanned,
			DueAt: at, NotBefore: until, Decisions: []outreach.Decision{
				{At: at, Decision: outreach.DecisionDeferred, Rule: outreach.RuleQuietHours, Reason: "quiet hours", Until: &until}}}},
	}
	var b bytes.Buffer
	if err := writeExplain(&b, tl); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"events that planned nothing for this contact:\n  2026-03-03T10:00:00Z  evt-1 (onboarding.completed)\n" +
			"    nps-onboarding: stale — due 2026-03-15T00:00:00Z, 262d before it was planned\n",
		"deferred   [quiet_hours] quiet hours (until 2026-03-04T10:00:00Z)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "evt-2") {
		t.Errorf("an event without outcomes is not listed:\n%s", out)
	}
}

// An account whose paused_until has passed is not paused: explain says
// nothing of it (it said "paused until 2020-01-01" after an un-pause by an
// old date); a pause still running is shown.
func TestExplainIgnoresEndedPause(t *testing.T) {
	env := sqliteEnv(t)
	accounts := "external_id,name,paused_until\nold,Old,2020-01-01T00:00:00Z\nnow,Now,2026-04-01T00:00:00Z\n"
	contacts := "external_id,account_external_id,email\nc1,old,ana@example.com\nc2,now,bo@example.com\n"
	if r := run(t, env, "import", "accounts", writeFile(t, "accounts.csv", accounts)); r.err != nil {
		t.Fatal(r.err)
	}
	if r := run(t, env, "import", "contacts", writeFile(t, "contacts.csv", contacts)); r.err != nil {
		t.Fatal(r.err)
	}
	if r := run(t, env, "explain", "--contact", "ana@example.com"); r.err != nil || strings.Contains(r.stdout, "paused") {
		t.Errorf("explain of an account whose pause ended: %v\n%s", r.err, r.stdout)
	}
	if r := run(t, env, "explain", "--contact", "bo@example.com"); r.err != nil || !strings.Contains(r.stdout, "account now paused until 2026-04-01T00:00:00Z") {
		t.Errorf("explain of a paused account: %v\n%s", r.err, r.stdout)
	}
}
