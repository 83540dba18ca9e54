package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestFinishWebhookMessages: one call records a batch of attempts, each
// with its outcome (delivered, retried later, failed for good), and leaves
// a message that is no longer pending alone; the claim leases the batch.
func TestFinishWebhookMessages(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if err := db.CreateWebhook(ctx, outreach.WebhookEndpoint{ID: "ep", URL: "https://hooks.example/x", Events: []string{"response.created"}, Secret: "whsec_c2VjcmV0"}); err != nil {
			t.Fatal(err)
		}
		x := db.SQLXForTest()
		for _, id := range []string{"m1", "m2", "m3", "m4"} {
			if _, err := x.Exec(x.Rebind(`INSERT INTO webhook_messages (id, endpoint_id, type, body, state, next_at, created_at)
				VALUES (?, 'ep', 'response.created', '{}', ?, 0, 0)`), id, map[bool]string{true: "failed", false: "pending"}[id == "m4"]); err != nil {
				t.Fatal(err)
			}
		}
		claimed, err := db.ClaimWebhookMessages(ctx, t0, time.Minute, 10)
		if err != nil || len(claimed) != 3 {
			t.Fatalf("claimed %d (%v), want the 3 pending", len(claimed), err)
		}
		if again, err := db.ClaimWebhookMessages(ctx, t0, time.Minute, 10); err != nil || len(again) != 0 {
			t.Fatalf("claimed again %d (%v) within the lease", len(again), err)
		}
		retry := t0.Add(5 * time.Second)
		if err := db.FinishWebhookMessages(ctx, t0, []outreach.WebhookAttempt{
			{ID: "m1", Status: 204},
			{ID: "m2", Status: 503, Err: "status 503", RetryAt: retry},
			{ID: "m3", Err: "timeout"},
			{ID: "m4", Status: 200},
		}); err != nil {
			t.Fatal(err)
		}
		msgs, err := db.WebhookDeliveries(ctx, "ep", 10)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]outreach.WebhookMessage{}
		for _, m := range msgs {
			got[m.ID] = m
		}
		if m := got["m1"]; m.State != outreach.WebhookDelivered || m.Attempts != 1 || m.LastStatus != 204 || m.DeliveredAt == nil || !m.DeliveredAt.Equal(t0) {
			t.Errorf("delivered = %+v", m)
		}
		if m := got["m2"]; m.State != outreach.WebhookPending || m.Attempts != 1 || m.LastError != "status 503" || m.NextAt == nil || !m.NextAt.Equal(retry) {
			t.Errorf("retried = %+v", m)
		}
		if m := got["m3"]; m.State != outreach.WebhookFailed || m.Attempts != 1 || m.LastError != "timeout" || m.DeliveredAt != nil {
			t.Errorf("failed = %+v", m)
		}
		if m := got["m4"]; m.State != outreach.WebhookFailed || m.Attempts != 0 {
			t.Errorf("not pending = %+v, want unchanged", m)
		}
	})
}
