package store_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestSuppressionDeletedWebhook: lifting a suppression through the API
// (DeleteSuppression) and through the preference page (Resubscribe)
// queues one suppression.deleted message per lifted scope, in the same
// transaction as its audit entry; a refused lift queues nothing.
func TestSuppressionDeletedWebhook(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		ep := outreach.WebhookEndpoint{ID: "ep_sup", URL: "https://hooks.example/x", Events: []string{outreach.WebhookSuppressionDeleted}, Secret: "whsec_eA=="}
		if err := db.CreateWebhook(ctx, ep); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddSuppressions(ctx, []outreach.Suppression{{Email: "jane@example.com", Scope: "all", Reason: "one-click unsubscribe"},
			{Email: "jane@example.com", Scope: "marketing"}, {Email: "jane@example.com", Scope: "hard", Reason: "bounce"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteSuppression(ctx, "jane@example.com", "hard", false, "tok"); outreach.ErrorCode(err) != outreach.ECONFLICT {
			t.Fatalf("hard without force: %v", err)
		}
		if _, err := db.DeleteSuppression(ctx, "jane@example.com", "marketing", false, "tok"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Resubscribe(ctx, "jane@example.com", outreach.ActorPublicPage); err != nil {
			t.Fatal(err)
		}
		ms, err := db.WebhookDeliveries(ctx, ep.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range ms {
			var body struct {
				Type string
				Data struct{ Email, Scope, Reason, Actor string }
			}
			if err := json.Unmarshal(m.Body, &body); err != nil || m.Type != outreach.WebhookSuppressionDeleted || body.Type != m.Type {
				t.Fatalf("message %+v %s: %v", m, m.Body, err)
			}
			if body.Data.Email != "jane@example.com" {
				t.Errorf("email = %q", body.Data.Email)
			}
			got = append(got, body.Data.Scope+"/"+body.Data.Reason+"/"+body.Data.Actor)
		}
		slices.Sort(got)
		want := []string{"all/one-click unsubscribe/" + outreach.ActorPublicPage, "marketing//tok"}
		if !slices.Equal(got, want) {
			t.Errorf("suppression.deleted messages = %q, want %q (the refused hard lift queues none)", got, want)
		}
	})
}
