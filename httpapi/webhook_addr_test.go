package httpapi

import (
	"net/http"
	"testing"

	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestWebhookCanonicalisesAddresses: the webhook keys what it records by
// the canonical address (an upper-case, IDN-domain unsubscribe suppresses
// the stored contact), and an event for a look-alike address is ignored,
// while the rest of its batch is recorded: no 500 for SendGrid to retry.
func TestWebhookCanonicalisesAddresses(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		e := newFeedbackEnv(t, dialect)
		body := mustJSON(t, []any{
			sgEvent("u1", "unsubscribe", "id5\u200b@inj.example", ""),
			sgEvent("u2", "unsubscribe", "id7@inj.ex\u0430mple", ""),
			sgEvent("u3", "unsubscribe", "not an address", ""),
			sgEvent("u4", "unsubscribe", " José@Bücher.Example", ""),
			sgEvent("b1", "bounce", "ID6@INJ.example", "", "type", "bounce"),
		})
		res, text := e.postWebhook(t, body, testNow)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %s", res.StatusCode, text)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM suppressions`); n != 2 {
			t.Errorf("%d suppressions, want 2 (the look-alikes ignored)", n)
		}
		for _, addr := range []string{"josé@xn--bcher-kva.example", "id6@inj.example"} {
			if n := e.count(t, `SELECT COUNT(*) FROM suppressions WHERE email = ?`, addr); n != 1 {
				t.Errorf("no suppression of %s", addr)
			}
		}
		if n := e.count(t, `SELECT COUNT(*) FROM provider_events WHERE email LIKE 'id5%' OR email LIKE 'id7%' OR email LIKE 'not%'`); n != 0 {
			t.Errorf("%d provider events of look-alike addresses recorded", n)
		}
	})
}
