package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

// TestWebhookHeartbeatsAndResultsNeverDeadlock runs, on PostgreSQL, the
// three writers of in-flight deliveries at once over the same rows, each
// twice in opposite orders: the dispatcher's heartbeats, its send-result
// writes (FinishSends, "unanswered" so that the rows stay sending) and the
// webhook's processed events (RecordProviderEvents, which settles them).
// Every path locks the rows in id order, so none ever fails: a deadlock
// here is a heartbeat that fails in production, and a resend after the
// grace.
func TestWebhookHeartbeatsAndResultsNeverDeadlock(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	seed(t, db)
	const rows, rounds = 40, 25
	asc := make([]string, rows)
	for i := range asc {
		asc[i] = fmt.Sprintf("d%03d", i)
		sending(t, db, asc[i], outreach.CategoryLifecycle, "p1")
	}
	desc := slices.Clone(asc)
	slices.Reverse(desc)
	results := func(ids []string) []outreach.SendOutcome {
		out := make([]outreach.SendOutcome, len(ids))
		for i, id := range ids {
			out[i] = outreach.SendOutcome{DeliveryID: id, ClaimedBy: "p1", Result: outreach.SendUnanswered, At: t0, Error: "timeout"}
		}
		return out
	}
	processed := func(round int, ids []string) []outreach.FeedbackEvent {
		out := make([]outreach.FeedbackEvent, len(ids))
		for i, id := range ids {
			out[i] = fevent(fmt.Sprintf("r%d-%s-%d", round, id, i), "processed", id)
			out[i].Processed, out[i].MessageID = true, "msg-"+id
		}
		return out
	}
	for round := range rounds {
		if _, err := db.SQLXForTest().Exec(`UPDATE deliveries SET state = 'sending', claimed_by = 'p1', heartbeat_at = $1`, t0.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		writers := []func() error{
			func() error { return db.Heartbeat(ctx, "p1", asc, t0.Add(time.Second)) },
			func() error { return db.Heartbeat(ctx, "p1", desc, t0.Add(time.Second)) },
			func() error { _, err := db.FinishSends(ctx, results(asc)); return err },
			func() error { _, err := db.FinishSends(ctx, results(desc)); return err },
			func() error { _, err := db.RecordProviderEvents(ctx, processed(round, asc)); return err },
			func() error { _, err := db.RecordProviderEvents(ctx, processed(round, desc)); return err },
		}
		start := make(chan struct{})
		errs := make([]error, len(writers))
		var wg sync.WaitGroup
		for i, w := range writers {
			wg.Go(func() {
				<-start
				errs[i] = w()
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, writer %d: %v", round, i, err)
			}
		}
		var sent int
		if err := db.SQLXForTest().Get(&sent, `SELECT count(*) FROM deliveries WHERE state = 'sent'`); err != nil {
			t.Fatal(err)
		}
		if sent != rows {
			t.Fatalf("round %d: %d of %d deliveries sent after the processed events", round, sent, rows)
		}
	}
}

// waitBlocked waits until n statements of this test's database whose text
// contains fragment wait for a row lock (PostgreSQL).
func waitBlocked(t *testing.T, db *store.DB, fragment string, n int) {
	t.Helper()
	for range 500 {
		var got int
		if err := db.SQLXForTest().Get(&got, `SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%' || $1 || '%'`, fragment); err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d statements like %q never waited for a lock", n, fragment)
}

// TestEraseDuringSurveySendNeverDeadlocks: erasing a person while the
// send of their survey is being recorded (PostgreSQL). The send holds the
// person's row (shared) before its delivery ("Lock order"); an erasure
// that deleted the person's deliveries before locking the person waited
// for the send's hold on the person while the send waited for the
// deleted delivery: a deadlock, one of the two failed. Here a third
// transaction holds the person's events, so that the erasure stops
// between its deliveries and the person until the send waits too.
func TestEraseDuringSurveySendNeverDeadlocks(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	seed(t, db)
	sending(t, db, "s1", outreach.CategorySurvey, "p1")
	x := db.SQLXForTest()
	if _, err := x.Exec(`INSERT INTO events (id, type, contact_id, account_id, occurred_at, ingested_at)
		SELECT 'e1', 'login', id, account_id, 0, 0 FROM contacts WHERE external_id = 'c1'`); err != nil {
		t.Fatal(err)
	}
	hold, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT seq FROM events WHERE id = 'e1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	erased, sent := make(chan error, 1), make(chan error, 1)
	go func() { erased <- db.EraseContact(ctx, "jane@example.com") }()
	waitBlocked(t, db, "UPDATE events SET properties = NULL", 1)
	go func() {
		_, err := db.FinishSends(ctx, []outreach.SendOutcome{{DeliveryID: "s1", ClaimedBy: "p1", Result: outreach.SendSent, At: t0, MessageID: "m1"}})
		sent <- err
	}()
	// The send waits for the erasure: for the delivery it deleted, or
	// for the person it holds.
	waitBlocked(t, db, "", 2)
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-erased; err != nil {
		t.Errorf("erase: %v", err)
	}
	if err := <-sent; err != nil {
		t.Errorf("send result: %v", err)
	}
}

// TestTwoAnswersOfOnePersonNeverDeadlock: two answers of one person
// recorded at once (a survey and another campaign's, PostgreSQL). Each
// holds the person's row shared first; dropping the answered survey's
// reminder then asked for it exclusively, which each waited for the other
// to release: a deadlock, one answer lost. Here a third transaction holds
// both earlier answers, so that both reach the reminder together.
func TestTwoAnswersOfOnePersonNeverDeadlock(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	seed(t, db)
	x := db.SQLXForTest()
	for _, id := range []string{"s1", "s2"} {
		if _, err := x.Exec(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
			occurrence, state, due_at, not_before, expires_at, sent_at, message_id, created_at, updated_at)
			SELECT $1, 'nps-' || $1, 'survey', id, account_id, $1, 'sent', 0, 0, 0, $2, '', 0, 0 FROM contacts WHERE external_id = 'c1'`,
			id, t0.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		if err := db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: 5, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	hold, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT delivery_id FROM survey_responses ORDER BY delivery_id FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	for _, id := range []string{"s1", "s2"} {
		go func() {
			done <- db.RecordSurveyResponse(ctx, outreach.SurveyResponse{DeliveryID: id, Score: 9, At: t0})
		}()
	}
	waitBlocked(t, db, "FROM survey_responses WHERE delivery_id", 2)
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("answer: %v", err)
		}
	}
}

// TestEraseDuringWebhookNeverDeadlocks: erasing a person while a webhook
// request bounces their mail and settles their survey (PostgreSQL). Both
// lock the person before the person's deliveries (the webhook's events
// hold no delivery: provider_events has no foreign key), so one waits for
// the other; an erasure that deleted the deliveries before locking the
// person deadlocked with the webhook holding the person. Here a third
// transaction holds a decision of the person's, so that the erasure stops
// after locking the person until the webhook waits too.
func TestEraseDuringWebhookNeverDeadlocks(t *testing.T) {
	ctx := context.Background()
	db := open(t, store.Postgres)
	seed(t, db)
	sending(t, db, "s1", outreach.CategorySurvey, "")
	x := db.SQLXForTest()
	if _, err := x.Exec(`INSERT INTO decisions (delivery_id, at, decision, reason, rule) VALUES ('s1', 0, 'send', '', '')`); err != nil {
		t.Fatal(err)
	}
	hold, err := x.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT delivery_id FROM decisions WHERE delivery_id = 's1' FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	erased, recorded := make(chan error, 1), make(chan error, 1)
	go func() { erased <- db.EraseContact(ctx, "jane@example.com") }()
	waitBlocked(t, db, "DELETE FROM decisions", 1)
	go func() {
		bounce := fevent("e-bounce", "bounce", "s1")
		bounce.Suppress, bounce.Reason = outreach.ScopeHard, "bounce"
		processed := fevent("e-processed", "processed", "s1")
		processed.Processed, processed.MessageID = true, "m1"
		_, err := db.RecordProviderEvents(ctx, []outreach.FeedbackEvent{bounce, processed})
		recorded <- err
	}()
	waitBlocked(t, db, "", 2)
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-erased; err != nil {
		t.Errorf("erase: %v", err)
	}
	// The webhook finds the person and the delivery erased: it stores
	// its events without them, or fails and is sent again; never a
	// deadlock.
	if err := <-recorded; err != nil && strings.Contains(err.Error(), "40P01") {
		t.Errorf("webhook: %v", err)
	}
}
