package sendgrid

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestVerifierEventsClassifiesForTheStore(t *testing.T) {
	body := []byte(`[
	 {"event":"bounce","email":"a@x.com","sg_event_id":"e1","timestamp":1700000000,"reason":"550 no such user","delivery_id":"d1"},
	 {"event":"unsubscribe","email":"b@x.com","sg_event_id":"e2","timestamp":1700000000},
	 {"event":"processed","email":"c@x.com","sg_event_id":"e3","timestamp":1700000000,"delivery_id":"d3","sg_message_id":"m3.filter0001"},
	 {"event":"open","email":"c@x.com","timestamp":1700000000,"delivery_id":"d3"},
	 {"event":"something_new","email":"c@x.com","sg_event_id":"e5","timestamp":1700000000}
	]`)
	var v Verifier
	got, ignored, err := v.Events(body)
	if err != nil {
		t.Fatal(err)
	}
	if ignored != 1 || len(got) != 4 {
		t.Fatalf("got %d events and %d ignored, want 4 and 1 (the unknown type)", len(got), ignored)
	}
	bounce, unsub, processed, open := got[0], got[1], got[2], got[3]
	if bounce.Suppress != outreach.ScopeHard || bounce.Reason != "sendgrid bounce: 550 no such user" || bounce.Event.DeliveryID != "d1" {
		t.Errorf("bounce = %+v, want a hard suppression with the bounce reason, on d1", bounce)
	}
	if unsub.Suppress != outreach.ScopeAll {
		t.Errorf("unsubscribe suppresses %q, want all", unsub.Suppress)
	}
	if !processed.Processed || processed.MessageID != "m3" {
		t.Errorf("processed = %+v, want Processed with message id m3", processed)
	}
	if open.Suppress != "" || open.Processed || !strings.HasPrefix(open.Event.ID, "sha256:") {
		t.Errorf("open = %+v, want a timeline-only event whose id is the content hash (no sg_event_id)", open)
	}
	again, _, _ := v.Events(body)
	if again[3].Event.ID != open.Event.ID {
		t.Error("the content-hash id must be stable so a retried request deduplicates")
	}
	if _, _, err := v.Events([]byte(`{"event":"bounce"}`)); outreach.ErrorCode(err) != outreach.EINVALID {
		t.Errorf("a body that is not an array: error %v, want EINVALID", err)
	}
}
