package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestSendResultsEmitWebhooks: recording the dispatcher's send results
// (FinishSends, its normal path) queues delivery.sent and delivery.failed
// for a subscribed endpoint on both dialects; a retry queues nothing.
func TestSendResultsEmitWebhooks(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		ep := outreach.WebhookEndpoint{ID: "ep_send", URL: "https://hooks.example/x",
			Events: []string{outreach.WebhookDeliverySent, outreach.WebhookDeliveryFailed}, Secret: "whsec_eA=="}
		if err := db.CreateWebhook(ctx, ep); err != nil {
			t.Fatal(err)
		}
		sending(t, db, "w-sent", outreach.CategoryLifecycle, "p1")
		sending(t, db, "w-failed", outreach.CategoryLifecycle, "p1")
		sending(t, db, "w-retry", outreach.CategoryTransactional, "p1")
		at := t0.Add(time.Minute)
		outcomes := []outreach.SendOutcome{
			{DeliveryID: "w-sent", ClaimedBy: "p1", Result: outreach.SendSent, At: at, MessageID: "sg-1", Attempted: true},
			{DeliveryID: "w-failed", ClaimedBy: "p1", Result: outreach.SendFailed, At: at, Error: "sendgrid: 400 bad address", Attempted: true},
			{DeliveryID: "w-retry", ClaimedBy: "p1", Result: outreach.SendRetry, At: at, Error: "sendgrid: 503", RetryAt: at.Add(time.Minute), Attempted: true},
		}
		if n, err := db.FinishSends(ctx, outcomes); err != nil || n != 3 {
			t.Fatalf("FinishSends = %d, %v; want 3", n, err)
		}
		ms, err := db.WebhookDeliveries(ctx, ep.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			var body struct {
				Type string
				Data struct {
					DeliveryID string `json:"delivery_id"`
					MessageID  string `json:"message_id"`
				}
			}
			if err := json.Unmarshal(m.Body, &body); err != nil || body.Type != m.Type {
				t.Fatalf("message %+v %s: %v", m, m.Body, err)
			}
			got = append(got, m.Type+" "+body.Data.DeliveryID+" "+body.Data.MessageID)
		}
		slices.Sort(got)
		want := []string{"delivery.failed w-failed ", "delivery.sent w-sent sg-1"}
		if !slices.Equal(got, want) {
			t.Errorf("webhook messages = %q, want %q", got, want)
		}
	})
}
