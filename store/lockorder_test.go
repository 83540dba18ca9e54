package store_test

import (
	"context"
	"fmt"
	"slices"
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
