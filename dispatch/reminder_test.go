package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

// TestSurveyReminders, on both dialects: a sent NPS survey of a campaign
// with reminder: {after: 5d} gets one reminder planned at sent + 5d (never
// twice, however often it is planned); an answer drops it with the rule
// "answered"; without an answer it is sent once, saying it is a reminder,
// and its links answer the original survey.
func TestSurveyReminders(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := t0
		db := storetest.Open(t, dialect, func() time.Time { return now })
		people := addPeople(t, db, 2, 1) // two accounts: the account survey cap stays out of the way
		ann, bob := people[0], people[1]
		survey := map[int64]string{}
		for _, c := range people {
			id := outreach.DeliveryID("nps-qbr", c.ID, "e-"+c.Email)
			survey[c.ID] = id
			insertPlanned(t, db, id, "nps-qbr", outreach.CategorySurvey, c, "e-"+c.Email, t0)
		}
		sent, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		pack, _ := d.Pack()
		campaignsOf := pack.Campaigns
		if rep, err := d.Step(ctx, now); err != nil || rep.Sent != 2 {
			t.Fatalf("surveys: %+v, %v", rep, err)
		}
		for i := range 3 { // ticks, replicas: planned once
			n, err := db.PlanReminders(ctx, now, campaignsOf)
			if want := map[bool]int{true: 2}[i == 0]; err != nil || n != want {
				t.Fatalf("PlanReminders #%d = %d, %v; want %d", i+1, n, err, want)
			}
		}
		if got := reminderCount(t, db); got != 2 {
			t.Fatalf("reminders = %d, want 2 (one per survey, never twice)", got)
		}
		annR, bobR := outreach.ReminderID("nps-qbr", ann.ID, "e-"+ann.Email), outreach.ReminderID("nps-qbr", bob.ID, "e-"+bob.Email)
		var due int64
		raw := storetest.SQL(t, db)
		if err := raw.Get(&due, raw.Rebind(`SELECT due_at FROM deliveries WHERE id = ?`), bobR); err != nil {
			t.Fatal(err)
		}
		if got, want := time.UnixMilli(due).UTC(), t0.Add(5*24*time.Hour); !got.Equal(want) {
			t.Errorf("reminder due %s, want sent + 5d = %s", got, want)
		}

		now = t0.Add(2 * 24 * time.Hour)
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: survey[ann.ID], Score: 9}); err != nil {
			t.Fatal(err)
		}
		if st, _, _ := state(t, db, annR); st != outreach.DeliveryDropped {
			t.Fatalf("ann's reminder after her answer: %s, want dropped", st)
		}
		var rule string
		if err := raw.Get(&rule, raw.Rebind(`SELECT rule FROM decisions WHERE delivery_id = ?`), annR); err != nil || rule != outreach.RuleAnswered {
			t.Fatalf("ann's reminder decision rule = %q, %v", rule, err)
		}

		now = t0.Add(5 * 24 * time.Hour)
		if n, err := db.PlanReminders(ctx, now, campaignsOf); err != nil || n != 0 {
			t.Fatalf("replanned %d, %v: the dropped reminder stays dropped", n, err)
		}
		if rep, err := d.Step(ctx, now); err != nil || rep.Sent != 1 {
			t.Fatalf("reminders: %+v, %v", rep, err)
		}
		if rep, err := d.Step(ctx, now.Add(24*time.Hour)); err != nil || rep.Sent != 0 {
			t.Fatalf("a day later: %+v, %v", rep, err)
		}
		if n, err := db.PlanReminders(ctx, now.Add(24*time.Hour), campaignsOf); err != nil || n != 0 {
			t.Fatalf("a reminder got a reminder: %d, %v", n, err)
		}
		if sent.sends[bobR] != 1 || sent.sends[annR] != 0 {
			t.Fatalf("sends = %v", sent.sends)
		}
		m := sent.messages[len(sent.messages)-1]
		if m.DeliveryID != bobR || !strings.Contains(m.Text, "A quick reminder") {
			t.Fatalf("reminder email %s:\n%s", m.DeliveryID, m.Text)
		}
		i := strings.Index(m.Text, "https://outreach.example.com/s/")
		tok := strings.TrimPrefix(strings.Fields(m.Text[i:])[0], "https://outreach.example.com/s/")
		tok, _, _ = strings.Cut(tok, "?")
		v, err := d.Signer.Verify(tok, links.KindSurvey, now)
		if err != nil || v.Subject != survey[bob.ID] {
			t.Fatalf("the reminder's survey link answers %v (%v), want the original survey %s", v, err, survey[bob.ID])
		}
	})
}

func insertPlanned(t *testing.T, db *store.DB, id, campaign, category string, c outreach.Contact, occurrence string, due time.Time) {
	t.Helper()
	x := storetest.SQL(t, db)
	ms := due.UnixMilli()
	if _, err := x.Exec(x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
		due_at, not_before, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '', 'planned', ?, ?, ?, ?, ?)`),
		id, campaign, category, c.ID, c.AccountID, occurrence, ms, ms, ms+int64(outreach.DefaultTTL/time.Millisecond), ms, ms); err != nil {
		t.Fatal(err)
	}
}

func reminderCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := storetest.SQL(t, db).Get(&n, `SELECT COUNT(*) FROM deliveries WHERE occurrence LIKE '%#reminder'`); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSurveyRemindersLateSent, on both dialects: the reminder planner reads
// only the surveys it has not settled yet, not a window of sent_at after
// the previous tick. A survey recorded as sent after a tick with a sent_at
// before it (a sender crashed between SendGrid's answer and recording it,
// and the processed event settles it later) still gets its reminder, once;
// after each tick no sent survey is left unsettled without its reminder or
// an answer, so the next tick reads nothing old.
func TestSurveyRemindersLateSent(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		now := t0
		db := storetest.Open(t, dialect, func() time.Time { return now })
		people := addPeople(t, db, 3, 1)
		ann, bob, cyd := people[0], people[1], people[2]
		survey := func(c outreach.Contact) string { return outreach.DeliveryID("nps-qbr", c.ID, "e-"+c.Email) }
		insertPlanned(t, db, survey(ann), "nps-qbr", outreach.CategorySurvey, ann, "e-"+ann.Email, t0)
		insertPlanned(t, db, survey(cyd), "nps-qbr", outreach.CategorySurvey, cyd, "e-"+cyd.Email, t0)
		raw := storetest.SQL(t, db)
		// Bob's survey: claimed by p0, accepted by SendGrid, not recorded yet.
		bobAt := t0.Add(-30 * time.Minute).UnixMilli()
		if _, err := raw.Exec(raw.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
			due_at, not_before, expires_at, reserved_at, claimed_by, heartbeat_at, created_at, updated_at)
			VALUES (?, 'nps-qbr', 'survey', ?, ?, ?, '', 'sending', ?, ?, ?, ?, 'p0', ?, ?, ?)`),
			survey(bob), bob.ID, bob.AccountID, "e-"+bob.Email, bobAt, bobAt, bobAt+int64(outreach.DefaultTTL/time.Millisecond), bobAt,
			t0.Add(time.Hour).UnixMilli(), bobAt, bobAt); err != nil {
			t.Fatal(err)
		}
		sent, sender := newCountingSender()
		d := newDispatcher(t, db, sender, capsPolicy, "p1")
		pack, _ := d.Pack()
		if rep, err := d.Step(ctx, now); err != nil || rep.Sent != 2 {
			t.Fatalf("surveys: %+v, %v", rep, err)
		}
		pending := func() int {
			t.Helper()
			var n int
			if err := raw.Get(&n, `SELECT COUNT(*) FROM deliveries WHERE state = 'sent' AND category = 'survey'
				AND reminder_settled = 0 AND occurrence NOT LIKE '%#reminder'`); err != nil {
				t.Fatal(err)
			}
			return n
		}

		now = t0.Add(time.Hour)
		if n, err := db.PlanReminders(ctx, now, pack.Campaigns); err != nil || n != 2 {
			t.Fatalf("first tick planned %d, %v; want ann's and cyd's reminders", n, err)
		}
		if p := pending(); p != 0 {
			t.Fatalf("%d sent surveys left for the next tick to read again, want 0", p)
		}
		now = t0.Add(2 * time.Hour)
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: survey(cyd), Score: 3}); err != nil {
			t.Fatal(err)
		}
		// The processed event settles bob's survey as sent half an hour
		// before the first tick (as store.reconcileSent does).
		if _, err := raw.Exec(raw.Rebind(`UPDATE deliveries SET state = 'sent', sent_at = ? WHERE id = ?`), bobAt, survey(bob)); err != nil {
			t.Fatal(err)
		}

		now = t0.Add(3 * time.Hour)
		for i := range 2 { // a restart or another leader plans it again: once
			if n, err := db.PlanReminders(ctx, now, pack.Campaigns); err != nil || n != map[bool]int{true: 1}[i == 0] {
				t.Fatalf("tick #%d after bob's late survey planned %d, %v", i+2, n, err)
			}
		}
		bobR := outreach.ReminderID("nps-qbr", bob.ID, "e-"+bob.Email)
		var due int64
		if err := raw.Get(&due, raw.Rebind(`SELECT due_at FROM deliveries WHERE id = ?`), bobR); err != nil {
			t.Fatalf("bob's reminder: %v", err)
		}
		if got, want := time.UnixMilli(due).UTC(), time.UnixMilli(bobAt).Add(5*24*time.Hour).UTC(); !got.Equal(want) {
			t.Errorf("bob's reminder due %s, want his survey's sent_at + 5d = %s", got, want)
		}
		if st, _, _ := state(t, db, outreach.ReminderID("nps-qbr", cyd.ID, "e-"+cyd.Email)); st != outreach.DeliveryDropped {
			t.Errorf("cyd answered: her reminder is %s, want dropped", st)
		}
		if got := reminderCount(t, db); got != 3 || pending() != 0 {
			t.Fatalf("reminders = %d (want 3), unsettled surveys = %d (want 0)", got, pending())
		}

		now = t0.Add(5*24*time.Hour - 30*time.Minute)
		if rep, err := d.Step(ctx, now); err != nil || rep.Sent != 1 || sent.sends[bobR] != 1 {
			t.Fatalf("bob's reminder at its due time: %+v, %v, sends %v", rep, err, sent.sends)
		}
	})
}
