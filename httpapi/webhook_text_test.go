package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestWebhookBadTextDoesNotPoisonBatch posts one signed batch in which a
// bounce's reason holds \u0000 and an open's useragent holds raw invalid
// UTF-8, next to valid events. PostgreSQL refuses both in a text column;
// stored as storable text, the batch succeeds and every event counts.
func TestWebhookBadTextDoesNotPoisonBatch(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		e := newFeedbackEnv(t, dialect)
		fbContacts(t, e.db, "a2", "bounce@example.com", "unsub@example.com")
		e.deliver(t, "plan-bounce", "news", outreach.CategoryMarketing, outreach.DeliveryPlanned, "bounce@example.com")
		e.deliver(t, "plan-unsub", "news", outreach.CategoryMarketing, outreach.DeliveryPlanned, "unsub@example.com")
		e.deliver(t, "crashed", "nps", outreach.CategorySurvey, outreach.DeliverySending, "jane@example.com")
		e.deliver(t, "sent", "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")

		body := mustJSON(t, []any{
			sgEvent("b1", "bounce", "bounce@example.com", "", "type", "bounce", "reason", "550 no\x00 such user"),
			sgEvent("o1", "open", "bob@example.com", "sent", "useragent", "UA-PLACEHOLDER"),
			sgEvent("u1", "unsubscribe", "unsub@example.com", ""),
			sgEvent("p1", "processed", "jane@example.com", "crashed"),
		})
		if !bytes.Contains(body, []byte(`\u0000`)) {
			t.Fatalf("the body does not carry \\u0000: %s", body)
		}
		body = bytes.Replace(body, []byte("UA-PLACEHOLDER"), []byte("Mozilla/5.0 \xff\xfe(bad)"), 1)
		res, text := e.postWebhook(t, body, testNow)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %s", res.StatusCode, text)
		}
		var got webhookBody
		if err := json.Unmarshal([]byte(text), &got); err != nil {
			t.Fatal(err)
		}
		if want := (outreach.FeedbackResult{Recorded: 4, Suppressed: 2, Reconciled: 1}); got.FeedbackResult != want {
			t.Errorf("answer = %+v, want %+v", got.FeedbackResult, want)
		}
		x := storetest.SQL(t, e.db)
		var reason string
		if err := x.Get(&reason, x.Rebind(`SELECT reason FROM suppressions WHERE email = ?`), "bounce@example.com"); err != nil {
			t.Fatalf("bounce suppression: %v", err)
		}
		if reason != "sendgrid bounce: 550 no such user" {
			t.Errorf("bounce suppression reason %q, want the NUL dropped", reason)
		}
		for id, want := range map[string]string{"plan-bounce": outreach.DeliverySuppressed, "plan-unsub": outreach.DeliverySuppressed,
			"crashed": outreach.DeliverySent} {
			if got := e.state(t, id); got != want {
				t.Errorf("delivery %s is %s, want %s", id, got, want)
			}
		}
		var payloads []string
		if err := x.Select(&payloads, `SELECT payload FROM provider_events ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(payloads) != 4 {
			t.Fatalf("%d provider events stored, want 4", len(payloads))
		}
		for _, p := range payloads {
			var v map[string]any
			if !utf8.ValidString(p) || strings.Contains(p, `\u0000`) || json.Unmarshal([]byte(p), &v) != nil {
				t.Errorf("stored payload is not storable JSON: %q", p)
			}
			if ua, ok := v["useragent"]; ok && ua != "Mozilla/5.0 \uFFFD\uFFFD(bad)" {
				t.Errorf("stored useragent %q, want the invalid bytes replaced by U+FFFD", ua)
			}
		}
	})
}
