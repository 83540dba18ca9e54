package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// sgEvent is a SendGrid webhook event about a delivery to email.
func sgEvent(id, typ, email, delivery string, extra ...string) map[string]any {
	ev := map[string]any{"sg_event_id": id, "event": typ, "email": email, "timestamp": testNow.Unix(),
		"sg_message_id": "msg-" + delivery + ".filterdrecv-0"}
	if delivery != "" {
		ev["delivery_id"] = delivery
	}
	for i := 0; i+1 < len(extra); i += 2 {
		ev[extra[i]] = extra[i+1]
	}
	return ev
}

// postWebhook signs body at ts and posts it.
func (e *fbEnv) postWebhook(t *testing.T, body []byte, ts time.Time) (*http.Response, string) {
	t.Helper()
	return e.request(t, http.MethodPost, "/webhooks/sendgrid", "application/json", string(body), e.sg.Sign(body, ts))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestWebhookWithoutKeyIs503(t *testing.T) {
	t.Parallel()
	e := newFeedbackEnv(t, store.SQLite)
	e.s.Feedback.Webhook = nil // read on each request
	body := mustJSON(t, []any{sgEvent("e1", "bounce", "bob@example.com", "")})
	res, text := e.postWebhook(t, body, testNow)
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(text, "OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY") {
		t.Errorf("no key: %d %s, want 503 naming OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY", res.StatusCode, text)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions`); n != 0 {
		t.Errorf("%d suppressions without a key", n)
	}
}

func TestWebhookRefusesUnsigned(t *testing.T) {
	t.Parallel()
	e := newFeedbackEnv(t, store.SQLite)
	body := mustJSON(t, []any{sgEvent("e1", "bounce", "bob@example.com", "")})
	other := mustJSON(t, []any{sgEvent("e2", "open", "bob@example.com", "")})
	cases := []struct {
		name   string
		header http.Header
	}{
		{"missing signature", nil},
		{"signature of another body", e.sg.Sign(other, testNow)},
		{"11 minutes old", e.sg.Sign(body, testNow.Add(-11*time.Minute))},
		{"6 minutes ahead", e.sg.Sign(body, testNow.Add(6*time.Minute))},
	}
	for _, c := range cases {
		res, text := e.request(t, http.MethodPost, "/webhooks/sendgrid", "application/json", string(body), c.header)
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d %s, want 401", c.name, res.StatusCode, text)
		}
	}
	for _, ts := range []time.Time{testNow.Add(-9 * time.Minute), testNow.Add(4 * time.Minute)} {
		if res, text := e.postWebhook(t, body, ts); res.StatusCode != http.StatusOK {
			t.Errorf("signed at %s (within the window): %d %s, want 200", ts, res.StatusCode, text)
		}
	}
	if n := e.count(t, `SELECT COUNT(*) FROM provider_events`); n != 1 {
		t.Errorf("%d provider events, want 1 (the accepted request, twice)", n)
	}
}

func TestWebhookRefusesBadBodies(t *testing.T) {
	t.Parallel()
	e := newFeedbackEnv(t, store.SQLite)
	if res, text := e.postWebhook(t, []byte(`{"event":"bounce"}`), testNow); res.StatusCode != http.StatusBadRequest {
		t.Errorf("an object, not an array: %d %s, want 400", res.StatusCode, text)
	}
	huge := []byte(`[` + strings.Repeat(" ", MaxWebhookBodyBytes) + `]`)
	if res, text := e.postWebhook(t, huge, testNow); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over the body limit: %d %.100s, want 413", res.StatusCode, text)
	}
}

// TestWebhookEffects posts one request with an event of every kind, on
// both dialects, then the same request again.
func TestWebhookEffects(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		e := newFeedbackEnv(t, dialect)
		addrs := []string{"bounce", "blocked", "dropbounce", "dropinvalid", "dropother", "spam", "unsub", "groupunsub"}
		var specs []string
		for _, a := range addrs {
			specs = append(specs, a+"@example.com")
		}
		fbContacts(t, e.db, "a2", specs...)
		for _, a := range addrs {
			e.deliver(t, "plan-"+a, "news", outreach.CategoryMarketing, outreach.DeliveryPlanned, a+"@example.com")
			e.deliver(t, "trans-"+a, "renewal", outreach.CategoryTransactional, outreach.DeliveryPlanned, a+"@example.com")
		}
		e.deliver(t, "crashed", "nps", outreach.CategorySurvey, outreach.DeliverySending, "jane@example.com")
		e.deliver(t, "sent", "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")

		events := []any{
			sgEvent("p1", "processed", "jane@example.com", "crashed"),
			sgEvent("d1", "delivered", "bob@example.com", "sent"),
			sgEvent("o1", "open", "bob@example.com", "sent"),
			sgEvent("c1", "click", "bob@example.com", "sent", "url", "https://example.com/s/x?score=9"),
			sgEvent("b1", "bounce", "bounce@example.com", "", "type", "bounce", "reason", "550 no such user"),
			sgEvent("b2", "bounce", "blocked@example.com", "", "type", "blocked", "reason", "421 try later"),
			sgEvent("x1", "dropped", "dropbounce@example.com", "", "reason", "Bounced Address"),
			sgEvent("x2", "dropped", "dropinvalid@example.com", "", "reason", "Invalid"),
			sgEvent("x3", "dropped", "dropother@example.com", "", "reason", "Invalid SMTPAPI header"),
			sgEvent("s1", "spamreport", "spam@example.com", ""),
			sgEvent("u1", "unsubscribe", "unsub@example.com", ""),
			sgEvent("g1", "group_unsubscribe", "groupunsub@example.com", "", "asm_group_id", "3"),
			sgEvent("z1", "brand_new_event_type", "bob@example.com", "sent"),
			sgEvent("d1", "delivered", "bob@example.com", "sent"), // repeated in the same request
		}
		body := mustJSON(t, events)
		res, text := e.postWebhook(t, body, testNow)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d %s", res.StatusCode, text)
		}
		wantPublicHeaders(t, res)
		var got webhookBody
		if err := json.Unmarshal([]byte(text), &got); err != nil {
			t.Fatal(err)
		}
		want := webhookBody{FeedbackResult: outreach.FeedbackResult{Recorded: 12, Duplicates: 1, Suppressed: 6, Reconciled: 1}, Ignored: 1}
		if got != want {
			t.Errorf("answer = %+v, want %+v", got, want)
		}

		wantScopes := map[string]string{"bounce": "hard", "dropbounce": "hard", "dropinvalid": "hard", "spam": "hard",
			"unsub": "all", "groupunsub": "all", "blocked": "", "dropother": ""}
		for a, scope := range wantScopes {
			email := a + "@example.com"
			var scopes []string
			x := storetest.SQL(t, e.db)
			if err := x.Select(&scopes, x.Rebind(`SELECT scope FROM suppressions WHERE email = ?`), email); err != nil {
				t.Fatal(err)
			}
			wantPlan, wantTrans := outreach.DeliverySuppressed, outreach.DeliveryPlanned
			switch scope {
			case "":
				wantPlan = outreach.DeliveryPlanned
				if len(scopes) != 0 {
					t.Errorf("%s: suppressions %v, want none", email, scopes)
				}
			case "hard":
				wantTrans = outreach.DeliverySuppressed
				fallthrough
			default:
				if len(scopes) != 1 || scopes[0] != scope {
					t.Errorf("%s: suppressions %v, want [%s]", email, scopes, scope)
				}
			}
			if got := e.state(t, "plan-"+a); got != wantPlan {
				t.Errorf("%s: marketing delivery %s, want %s", email, got, wantPlan)
			}
			if got := e.state(t, "trans-"+a); got != wantTrans {
				t.Errorf("%s: transactional delivery %s, want %s", email, got, wantTrans)
			}
		}
		var crashed struct {
			State     string `db:"state"`
			MessageID string `db:"message_id"`
		}
		if err := storetest.SQL(t, e.db).Get(&crashed, `SELECT state, message_id FROM deliveries WHERE id = 'crashed'`); err != nil {
			t.Fatal(err)
		}
		if crashed.State != outreach.DeliverySent || crashed.MessageID != "msg-crashed" {
			t.Errorf("crashed sending delivery = %+v, want sent with message id msg-crashed", crashed)
		}
		tl, err := e.db.Timeline(t.Context(), "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, d := range tl.Deliveries {
			if d.ID == "sent" {
				for _, pe := range d.ProviderEvents {
					types = append(types, pe.Type)
				}
			}
		}
		if strings.Join(types, ",") != "click,delivered,open" {
			t.Errorf("timeline provider events of the sent delivery = %v, want click, delivered and open", types)
		}

		// SendGrid retries: the same events again change nothing.
		e.clock.Advance(time.Minute)
		res, text = e.postWebhook(t, body, e.clock.Now())
		if res.StatusCode != http.StatusOK {
			t.Fatalf("retry: %d %s", res.StatusCode, text)
		}
		if err := json.Unmarshal([]byte(text), &got); err != nil {
			t.Fatal(err)
		}
		if want := (webhookBody{FeedbackResult: outreach.FeedbackResult{Duplicates: 13}, Ignored: 1}); got != want {
			t.Errorf("retry answer = %+v, want %+v", got, want)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM provider_events`); n != 12 {
			t.Errorf("%d provider events after the retry, want 12", n)
		}
	})
}
