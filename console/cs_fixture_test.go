package console_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// day is 24 hours.
const day = 24 * time.Hour

// seedCS gives the fixture a book of accounts for the customer-success
// pages: acme (Cy's, renewal in 20 days, detractors, paused), globex (Cy's,
// healthy promoters), initech (Ada's, quiet for 40 days). Pat at acme has
// a full timeline: an event that planned a delivery, one that planned
// nothing (filtered), a delivery deferred by quiet hours then sent and
// delivered, an NPS answer and a suppression.
func seedCS(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	started := now.Add(-400 * day)
	paused := now.Add(10 * day)
	accts := []outreach.Account{
		{ExternalID: "acme", Name: "Acme Corp", OwnerEmail: "cy@vendor.example", Plan: "enterprise", StartedAt: &started,
			RenewalDate: now.Add(20 * day).Format("2006-01-02"), PausedUntil: &paused},
		{ExternalID: "globex", Name: "Globex", OwnerEmail: "cy@vendor.example", Plan: "pro", StartedAt: &started,
			RenewalDate: now.Add(300 * day).Format("2006-01-02")},
		{ExternalID: "initech", Name: "Initech", OwnerEmail: "ada@vendor.example", Plan: "pro", StartedAt: &started},
	}
	if _, err := e.db.UpsertAccounts(ctx, accts); err != nil {
		t.Fatal(err)
	}
	recent, quiet := now.Add(-2*day), now.Add(-40*day)
	people := []outreach.Contact{
		{ExternalID: "u1", AccountExternalID: "acme", Email: "pat@acme.example", Name: "Pat <b>Admin</b>", Role: "admin", Locale: "en", LastSeenAt: &recent},
		{ExternalID: "u2", AccountExternalID: "acme", Email: "lee@acme.example", Name: "Lee", Role: "user", LastSeenAt: &recent},
		{ExternalID: "u3", AccountExternalID: "globex", Email: "kim@globex.example", Name: "Kim", Role: "champion", LastSeenAt: &recent},
		{ExternalID: "u4", AccountExternalID: "initech", Email: "sam@initech.example", Name: "Sam", Role: "admin", LastSeenAt: &quiet},
	}
	if _, err := e.db.UpsertContacts(ctx, people); err != nil {
		t.Fatal(err)
	}
	evs := []outreach.Event{
		{ID: "ev-signup", Type: "signed_up", ContactExternalID: "u1", OccurredAt: now.Add(-30 * day), Properties: map[string]any{"source": "web"}},
		{ID: "ev-seat", Type: "seat_added", ContactExternalID: "u1", OccurredAt: now.Add(-29 * day)},
	}
	if _, err := e.db.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	exec(t, e, `UPDATE events SET planned_at = ?`, now.Add(-29*day).UnixMilli())
	ids := contactIDs(t, e)
	ms := func(t time.Time) int64 { return t.UnixMilli() }
	pat, lee, kim := ids["pat@acme.example"], ids["lee@acme.example"], ids["kim@globex.example"]
	acme, globex := accountIDs(t, e)["acme"], accountIDs(t, e)["globex"]
	exec(t, e, `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
		due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
		VALUES (?, 'welcome', 'onboarding', ?, ?, 'ev-signup', 'ev-signup', 'sent', ?, ?, ?, ?, 'msg-1', ?, ?)`,
		"d-welcome", pat, acme, ms(now.Add(-30*day)), ms(now.Add(-30*day)), ms(now.Add(-20*day)), ms(now.Add(-29*day)),
		ms(now.Add(-30*day)), ms(now.Add(-29*day)))
	exec(t, e, `INSERT INTO decisions (delivery_id, at, decision, rule, reason, until) VALUES (?, ?, 'deferred', 'quiet_hours', 'quiet hours 20:00-08:00 in Europe/Lisbon', ?)`,
		"d-welcome", ms(now.Add(-30*day)), ms(now.Add(-29*day)))
	exec(t, e, `INSERT INTO decisions (delivery_id, at, decision, rule, reason) VALUES (?, ?, 'sent', '', 'within every limit')`,
		"d-welcome", ms(now.Add(-29*day)))
	exec(t, e, `INSERT INTO provider_events (id, delivery_id, email, type, at) VALUES ('pe-1', 'd-welcome', 'pat@acme.example', 'delivered', ?)`,
		ms(now.Add(-29*day)))
	exec(t, e, `INSERT INTO event_outcomes (event_id, contact_id, campaign, outcome, detail, at) VALUES ('ev-seat', ?, 'seat_tips', 'filtered', 'role "admin" is not one of user', ?)`,
		pat, ms(now.Add(-29*day)))
	// NPS answers: acme fell from 9 and 10 (90 to 180 days ago) to 2 and 4.
	answers := []struct {
		id      string
		contact int64
		account int64
		score   int
		comment string
		ago     time.Duration
	}{
		{"d-nps-1", pat, acme, 2, "Exports <script>keep</script> failing", 5 * day},
		{"d-nps-2", lee, acme, 4, "slow support", 12 * day},
		{"d-nps-3", pat, acme, 9, "", 120 * day},
		{"d-nps-4", lee, acme, 10, "great", 130 * day},
		{"d-nps-5", kim, globex, 10, "love it", 8 * day},
	}
	for _, a := range answers {
		exec(t, e, `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
			due_at, not_before, expires_at, sent_at, created_at, updated_at)
			VALUES (?, 'nps', 'survey', ?, ?, ?, 'sent', ?, ?, ?, ?, ?, ?)`,
			a.id, a.contact, a.account, a.id, ms(now.Add(-a.ago)), ms(now.Add(-a.ago)), ms(now.Add(-a.ago+day)),
			ms(now.Add(-a.ago)), ms(now.Add(-a.ago)), ms(now.Add(-a.ago)))
		exec(t, e, `INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at) VALUES (?, ?, 'nps', ?, ?, ?, ?)`,
			a.id, a.contact, a.score, a.comment, ms(now.Add(-a.ago+time.Hour)), ms(now.Add(-a.ago+time.Hour)))
	}
	if _, err := e.db.AddSuppressions(ctx, []outreach.Suppression{
		{Email: "pat@acme.example", Scope: "marketing", Reason: "unsubscribed from the preference page"},
		{Email: "lee@acme.example", Scope: "hard", Reason: "bounce: 550 mailbox unknown"},
	}); err != nil {
		t.Fatal(err)
	}
}

func exec(t *testing.T, e *env, q string, args ...any) {
	t.Helper()
	x := storetest.SQL(t, e.db)
	if _, err := x.ExecContext(context.Background(), x.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func contactIDs(t *testing.T, e *env) map[string]int64 {
	return idsOf(t, e, `SELECT email AS k, id FROM contacts`)
}

func accountIDs(t *testing.T, e *env) map[string]int64 {
	return idsOf(t, e, `SELECT external_id AS k, id FROM accounts`)
}

func idsOf(t *testing.T, e *env, q string) map[string]int64 {
	t.Helper()
	var rows []struct {
		K  string `db:"k"`
		ID int64  `db:"id"`
	}
	if err := storetest.SQL(t, e.db).SelectContext(context.Background(), &rows, q); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.K] = r.ID
	}
	return out
}

var _ = store.SQLite
