package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

// TestNPSDailyAnswerDuringRoleChange: an answer recorded while its
// person's role is being changed by another transaction lands in the
// daily aggregate under the role the person ends up with, as the raw
// answers say (PostgreSQL: SQLite serialises its writers). The answer
// waits for the person's row; without that wait its trigger read the old
// role and the aggregate kept the answer under it.
func TestNPSDailyAnswerDuringRoleChange(t *testing.T) {
	t.Parallel() // 12 s of checks on its own database, as the send's two
	recordDuringRoleChange(t, "answer", "sent", func(ctx context.Context, db *store.DB, sentAt time.Time) error {
		return db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: "d1", Score: 3, At: sentAt.Add(time.Hour)})
	})
}

// recordDuringRoleChange stores ann (role user, account a1) and her survey
// delivery d1 in state (sent, or sending claimed by p1), then runs record
// while another transaction changes her role to admin: the change commits
// once record has had time to reach her row (record waits there; the test
// passes trivially, never falsely fails, if it has not yet). The daily
// aggregate must then agree with the raw answers (PostgreSQL: SQLite
// serialises its writers).
func recordDuringRoleChange(t *testing.T, what, state string, record func(ctx context.Context, db *store.DB, sentAt time.Time) error) {
	t.Helper()
	ctx := context.Background()
	db := open(t, store.Postgres)
	if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", OwnerEmail: "maria@vendor.example", Plan: "pro"},
		{ExternalID: "a2", OwnerEmail: "joe@vendor.example"}, {ExternalID: "a3", OwnerEmail: "zoe@vendor.example"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "c1", AccountExternalID: "a1", Email: "ann@a1.example", Role: "user"}}); err != nil {
		t.Fatal(err)
	}
	x := db.SQLXForTest()
	sentAt := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	q := `INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
		occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
		SELECT 'd1', 'nps', 'survey', id, account_id, 'o1', 'sent', 0, 0, 0, $1, '', 0, $2 FROM contacts WHERE external_id = 'c1'`
	if state == "sending" {
		q = `INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, claimed_by, reserved_at, created_at, updated_at)
			SELECT 'd1', 'nps', 'survey', id, account_id, 'o1', 'sending', 0, 0, $2, 'p1', $1, 0, 0 FROM contacts WHERE external_id = 'c1'`
	}
	if _, err := x.Exec(q, sentAt.UnixMilli(), sentAt.Add(72*time.Hour).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	change, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer change.Rollback()
	if _, err := change.Exec(`UPDATE contacts SET role = 'admin' WHERE external_id = 'c1'`); err != nil {
		t.Fatal(err)
	}
	recorded := make(chan error, 1)
	go func() { recorded <- record(ctx, db, sentAt) }()
	select {
	case err := <-recorded:
		recorded <- err
	case <-time.After(300 * time.Millisecond):
	}
	if err := change.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-recorded; err != nil {
		t.Fatal(err)
	}
	checkNPSAgrees(t, db, what+" during a role change")
}

// TestNPSDailySendDuringRoleChange: a survey's send recorded while its
// person's role is being changed by another transaction counts under the
// role the person ends up with (PostgreSQL), whether the dispatcher
// records it (FinishSends) or the webhook's processed event settles a
// survey left sending (RecordProviderEvents). The send holds the person's
// row before its delivery's trigger reads the role; without that it read
// the old role, and the change's trigger, run before the send committed,
// had no sent survey to move (the webhook's settling failed so before it
// held the person).
func TestNPSDailySendDuringRoleChange(t *testing.T) {
	recorders := map[string]func(ctx context.Context, db *store.DB, sentAt time.Time) error{
		"send result": func(ctx context.Context, db *store.DB, sentAt time.Time) error {
			n, err := db.FinishSends(ctx, []outreach.SendOutcome{{DeliveryID: "d1", ClaimedBy: "p1", Result: outreach.SendSent,
				MessageID: "m1", At: sentAt}})
			if err == nil && n != 1 {
				err = fmt.Errorf("FinishSends changed %d deliveries, want 1", n)
			}
			return err
		},
		"processed event": func(ctx context.Context, db *store.DB, sentAt time.Time) error {
			res, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{{Processed: true, MessageID: "m1",
				Event: outreach.ProviderEvent{ID: "e1", DeliveryID: "d1", Email: "ann@a1.example", Type: "processed", At: sentAt}}})
			if err == nil && res.Reconciled != 1 {
				err = fmt.Errorf("RecordProviderEvents settled %d deliveries, want 1", res.Reconciled)
			}
			return err
		},
	}
	for name, record := range recorders {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			recordDuringRoleChange(t, name, "sending", record)
		})
	}
}

// TestNPSFoldsAndWritersAtOnce: on PostgreSQL, answers, changes of
// people and folds (each report folds first) run at once over the same
// days, weeks and months; none fails (a deadlock between folds, or
// between a fold and a writer, would), and the report then equals the
// raw computation.
func TestNPSFoldsAndWritersAtOnce(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", OwnerEmail: "maria@vendor.example", Plan: "pro"},
		{ExternalID: "a2", OwnerEmail: "joe@vendor.example", Plan: "basic"}}); err != nil {
		t.Fatal(err)
	}
	var contacts []outreach.Contact
	for i := range 6 {
		contacts = append(contacts, outreach.Contact{ExternalID: fmt.Sprintf("c%d", i), AccountExternalID: fmt.Sprintf("a%d", 1+i%2),
			Email: fmt.Sprintf("p%d@example.com", i), Role: "user", Locale: "fr"})
	}
	if _, err := db.UpsertContacts(ctx, contacts); err != nil {
		t.Fatal(err)
	}
	x := db.SQLXForTest()
	start := time.Date(2026, 12, 25, 13, 0, 0, 0, time.UTC) // weeks and months across a new year
	const n = 60
	for i := range n {
		if _, err := x.Exec(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
			SELECT $1, 'nps', 'survey', id, account_id, $1, 'sent', 0, 0, 0, $2, '', 0, 0 FROM contacts WHERE external_id = $3`,
			fmt.Sprintf("d%02d", i), start.Add(time.Duration(i*7)*time.Hour).UnixMilli(), contacts[i%len(contacts)].ExternalID); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 3 { // answers, given and changed
		wg.Go(func() {
			for i := w; i < n; i += 3 {
				for rev := range 2 {
					at := start.Add(time.Duration(i*7+rev*30) * time.Hour)
					if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: fmt.Sprintf("d%02d", i), Score: (i + rev*5) % 11, At: at}); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	wg.Go(func() { // people change role, locale and account
		for round := range 10 {
			c := contacts[round%len(contacts)]
			c.Role, c.Locale, c.AccountExternalID = []string{"admin", "user"}[round%2], []string{"pt", "fr", "en"}[round%3], fmt.Sprintf("a%d", 1+round%2)
			if _, err := db.UpsertContacts(ctx, []outreach.Contact{c}); err != nil {
				errs <- err
				return
			}
		}
	})
	for range 3 { // folds and reports
		wg.Go(func() {
			for range 15 {
				if _, err := db.NPS(ctx, outreach.NPSFilter{Interval: outreach.IntervalWeek, GroupBy: "role"}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	checkNPSAgrees(t, db, "folds and writers at once", [][2]*time.Time{
		{atRFC(t, "2026-12-28T00:00:00Z"), atRFC(t, "2027-01-11T00:00:00Z")},
		{atRFC(t, "2026-12-01T00:00:00Z"), atRFC(t, "2027-02-01T00:00:00Z")},
		{atRFC(t, "2026-12-26T07:00:00Z"), atRFC(t, "2027-01-13T19:00:00Z")}}...)
}
