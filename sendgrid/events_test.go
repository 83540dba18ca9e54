package sendgrid_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/sendgrid"
)

// realisticBody is an event webhook request shaped like SendGrid's
// documented examples, with our delivery_id custom argument.
const realisticBody = `[
 {"email":"Jane@Customer.example","timestamp":1772442000,"smtp-id":"<14c5d75ce93.dfd.64b469@ismtpd-555>","event":"processed","category":["nps-onboarding","survey"],"sg_event_id":"ev-processed","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","delivery_id":"d-1"},
 {"email":"jane@customer.example","timestamp":1772442005,"event":"delivered","response":"250 OK","sg_event_id":"ev-delivered","sg_message_id":"14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0","delivery_id":"d-1"},
 {"email":"jane@customer.example","timestamp":1772442100,"event":"open","useragent":"Mozilla/4.0","ip":"255.255.255.255","sg_event_id":"ev-open","sg_machine_open":false,"delivery_id":"d-1"},
 {"email":"jane@customer.example","timestamp":1772442200.5,"event":"click","url":"https://x.example/s/t?score=9","sg_event_id":"ev-click","delivery_id":"d-1"},
 {"email":"gone@customer.example","timestamp":1772442000,"event":"bounce","type":"bounce","status":"5.0.0","reason":"550 5.1.1 user unknown","bounce_classification":"Invalid Address","sg_event_id":"ev-bounce","delivery_id":"d-2"},
 {"email":"busy@customer.example","timestamp":1772442000,"event":"bounce","type":"blocked","status":"4.0.0","reason":"421 try again later","sg_event_id":"ev-blocked","delivery_id":"d-3"},
 {"email":"old@customer.example","timestamp":1772442000,"event":"dropped","reason":"Bounced Address","sg_event_id":"ev-dropped-bounce","delivery_id":"d-4"},
 {"email":"typo@customer.example","timestamp":1772442000,"event":"dropped","reason":"Invalid","sg_event_id":"ev-dropped-invalid","delivery_id":"d-5"},
 {"email":"x@customer.example","timestamp":1772442000,"event":"dropped","reason":"Invalid SMTPAPI header","sg_event_id":"ev-dropped-smtpapi","delivery_id":"d-6"},
 {"email":"angry@customer.example","timestamp":1772442000,"event":"spamreport","sg_event_id":"ev-spam","delivery_id":"d-7"},
 {"email":"bye@customer.example","timestamp":1772442000,"event":"unsubscribe","sg_event_id":"ev-unsub","delivery_id":"d-8"},
 {"email":"bye2@customer.example","timestamp":1772442000,"event":"group_unsubscribe","asm_group_id":10,"sg_event_id":"ev-group-unsub","delivery_id":"d-9"},
 {"email":"slow@customer.example","timestamp":1772442000,"event":"deferred","attempt":"5","response":"400 try again","sg_event_id":"ev-deferred","delivery_id":"d-10"},
 {"email":"who@customer.example","timestamp":"1772442000","event":"account_status_change","sg_event_id":"ev-unknown"}
]`

func TestParseEventsAndEffects(t *testing.T) {
	events, err := sendgrid.ParseEvents([]byte(realisticBody))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, typ, delivery string
		effect            sendgrid.Effect
		scope             string
	}{
		{"ev-processed", "processed", "d-1", sendgrid.EffectProcessed, ""},
		{"ev-delivered", "delivered", "d-1", sendgrid.EffectTimeline, ""},
		{"ev-open", "open", "d-1", sendgrid.EffectTimeline, ""},
		{"ev-click", "click", "d-1", sendgrid.EffectTimeline, ""},
		{"ev-bounce", "bounce", "d-2", sendgrid.EffectSuppressHard, outreach.ScopeHard},
		{"ev-blocked", "bounce", "d-3", sendgrid.EffectTimeline, ""},
		{"ev-dropped-bounce", "dropped", "d-4", sendgrid.EffectSuppressHard, outreach.ScopeHard},
		{"ev-dropped-invalid", "dropped", "d-5", sendgrid.EffectSuppressHard, outreach.ScopeHard},
		{"ev-dropped-smtpapi", "dropped", "d-6", sendgrid.EffectTimeline, ""},
		{"ev-spam", "spamreport", "d-7", sendgrid.EffectSuppressHard, outreach.ScopeHard},
		{"ev-unsub", "unsubscribe", "d-8", sendgrid.EffectSuppressAll, outreach.ScopeAll},
		{"ev-group-unsub", "group_unsubscribe", "d-9", sendgrid.EffectSuppressAll, outreach.ScopeAll},
		{"ev-deferred", "deferred", "d-10", sendgrid.EffectTimeline, ""},
		{"ev-unknown", "account_status_change", "", sendgrid.EffectIgnore, ""},
	}
	if len(events) != len(want) {
		t.Fatalf("parsed %d events, want %d", len(events), len(want))
	}
	for i, w := range want {
		e := events[i]
		if e.ID != w.id || e.Type != w.typ || e.DeliveryID != w.delivery || e.Effect() != w.effect || e.Effect().Scope() != w.scope {
			t.Errorf("event %d: %s %s %s effect %v scope %q, want %+v", i, e.ID, e.Type, e.DeliveryID, e.Effect(), e.Effect().Scope(), w)
		}
		if !json.Valid(e.Raw) {
			t.Errorf("event %d: Raw %q is not JSON", i, e.Raw)
		}
	}
	first := events[0]
	if first.Email != "jane@customer.example" || !first.At.Equal(time.Unix(1772442000, 0)) ||
		first.MessageID != "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0" || first.XMessageID() != "14c5d75ce93" {
		t.Errorf("processed event %+v", first)
	}
	if want := time.Unix(1772442200, 500e6); !events[3].At.Equal(want) {
		t.Errorf("fractional timestamp: %v, want %v", events[3].At, want)
	}
	if !events[13].At.Equal(time.Unix(1772442000, 0)) {
		t.Errorf("string timestamp: %v", events[13].At)
	}
	if events[4].Reason != "550 5.1.1 user unknown" || events[5].BounceType != "blocked" {
		t.Errorf("bounce fields %+v %+v", events[4], events[5])
	}
}

// TestParseEventsCanonicalAddresses: addresses come out canonical and
// lower-cased; an event for an address outreach refuses (it never sends to
// one) is ignored, and the others of the request are kept.
func TestParseEventsCanonicalAddresses(t *testing.T) {
	body := `[
 {"email":"typo@customer","event":"dropped","reason":"Invalid","sg_event_id":"a"},
 {"email":"id5\u200b@inj.example","event":"unsubscribe","sg_event_id":"b"},
 {"email":"id7@inj.ex\u0430mple","event":"bounce","sg_event_id":"c"},
 {"email":" José@Bücher.EXAMPLE","event":"unsubscribe","sg_event_id":"d"},
 {"event":"account_status_change","sg_event_id":"e"}
]`
	events, err := sendgrid.ParseEvents([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].ID != "d" || events[0].Email != "josé@xn--bcher-kva.example" || events[1].Email != "" {
		t.Errorf("events = %+v; want d (canonical) and e (no address)", events)
	}
}

func TestDroppedReasons(t *testing.T) {
	tests := map[string]sendgrid.Effect{
		"Bounced Address":                    sendgrid.EffectSuppressHard,
		"Invalid":                            sendgrid.EffectSuppressHard,
		"Spam Reporting Address":             sendgrid.EffectSuppressHard,
		"Unsubscribed Address":               sendgrid.EffectSuppressAll,
		"Invalid SMTPAPI header":             sendgrid.EffectTimeline,
		"Spam Content (if spam checker app)": sendgrid.EffectTimeline,
		"Recipient List over Package Quota":  sendgrid.EffectTimeline,
		"":                                   sendgrid.EffectTimeline,
	}
	for reason, want := range tests {
		e := sendgrid.Event{Type: sendgrid.EventDropped, Reason: reason}
		if got := e.Effect(); got != want {
			t.Errorf("dropped %q: %v, want %v", reason, got, want)
		}
	}
}

func TestParseEventsRejectsNonArrays(t *testing.T) {
	for _, body := range []string{`{"event":"open"}`, `not json`, `[1,2]`, `["open"]`, ``} {
		_, err := sendgrid.ParseEvents([]byte(body))
		if outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("ParseEvents(%q) = %v, want an invalid error", body, err)
		}
	}
	events, err := sendgrid.ParseEvents([]byte(`[]`))
	if err != nil || len(events) != 0 {
		t.Errorf("empty array: %v %v", events, err)
	}
}
