package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

// batchErrors posts body to path and returns the errors of the 422 that
// must answer it.
func (e *e2e) batchErrors(t *testing.T, path, body string) []outreach.FieldError {
	t.Helper()
	code, got := e.do("POST", path, admin, body)
	var eb struct{ Errors []outreach.FieldError }
	if code != 422 || json.Unmarshal([]byte(got), &eb) != nil {
		t.Fatalf("POST %s: %d %s; want 422 with errors", path, code, got)
	}
	return eb.Errors
}

// wantErrors checks that errs are exactly the index/field pairs of want,
// in order, each message containing its text.
func wantErrors(t *testing.T, errs []outreach.FieldError, want ...outreach.FieldError) {
	t.Helper()
	ok := len(errs) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = errs[i].Index == want[i].Index && errs[i].Field == want[i].Field && strings.Contains(errs[i].Message, want[i].Message)
	}
	if !ok {
		t.Errorf("errors:\n%+v\nwant:\n%+v", errs, want)
	}
}

func TestIngestValidationIsTheSameOnBothDatabases(t *testing.T) {
	eachStore(t, func(t *testing.T, e *e2e) {
		e.want("POST", "/api/v1/accounts", admin, `[{"external_id": "acme"}]`, 200, `"created":1`)
		e.want("POST", "/api/v1/contacts", admin, `[{"email": "ana@example.com", "external_id": "c1", "account_external_id": "acme"}]`, 200, `"created":1`)
		event := func(id, at, extra string) string {
			return `{"id": "` + id + `", "type": "ticket.closed", "contact_external_id": "c1", "occurred_at": "` + at + `"` + extra + `}`
		}

		t.Run("NUL characters", func(t *testing.T) {
			wantErrors(t, e.batchErrors(t, "/api/v1/contacts", `[
				{"email": "bob@example.com", "account_external_id": "acme", "name": "a\u0000b"},
				{"email": "carl@example.com", "account_external_id": "acme", "external_id": "c\u0000"},
				{"email": "dan@example.com", "account_external_id": "acme", "team": "x\u0000"}]`),
				outreach.FieldError{Index: 0, Field: "name", Message: `contains a NUL character (\u0000)`},
				outreach.FieldError{Index: 1, Field: "external_id", Message: "NUL character"},
				outreach.FieldError{Index: 2, Field: "team", Message: "NUL character"})
			wantErrors(t, e.batchErrors(t, "/api/v1/events", "["+event("n1", "2026-02-01T10:00:00Z", `, "properties": {"note": "a\u0000"}`)+"]"),
				outreach.FieldError{Index: 0, Field: "properties", Message: `"note" contains a NUL character`})
		})

		t.Run("times out of range", func(t *testing.T) {
			wantErrors(t, e.batchErrors(t, "/api/v1/events", "["+
				event("r1", "9999-12-31T23:59:59Z", "")+","+
				event("r2", "0001-01-01T00:00:00Z", "")+","+
				event("r3", "2026-02-01T10:00:00-24:00", "")+","+
				event("r4", "2026-02-01T10:00:00Z", "")+"]"),
				outreach.FieldError{Index: 0, Field: "occurred_at", Message: "out of range: use a year from 1970 to 2200"},
				outreach.FieldError{Index: 1, Field: "occurred_at", Message: "out of range"},
				outreach.FieldError{Index: 2, Field: "occurred_at", Message: "offset out of range"})
			wantErrors(t, e.batchErrors(t, "/api/v1/accounts", `[{"external_id": "acme", "renewal_date": "9999-12-31", "paused_until": "2201-01-01T00:00:00Z"}]`),
				outreach.FieldError{Index: 0, Field: "renewal_date", Message: "out of range"},
				outreach.FieldError{Index: 0, Field: "paused_until", Message: "out of range"})
		})

		t.Run("references are listed with field errors", func(t *testing.T) {
			wantErrors(t, e.batchErrors(t, "/api/v1/contacts", `[
				{"email": "erin@example.com", "account_external_id": "acme"},
				{"email": "not-an-email", "account_external_id": "acme"},
				{"email": "fay@example.com", "account_external_id": "nope"}]`),
				outreach.FieldError{Index: 1, Field: "email", Message: "not a valid email"},
				outreach.FieldError{Index: 2, Field: "account_external_id", Message: `no account has external_id "nope": import the account first`})
			wantErrors(t, e.batchErrors(t, "/api/v1/events", "["+
				event("f1", "2026-02-01T10:00:00Z", "")+","+
				event("f2", "yesterday", "")+","+
				`{"id": "f3", "type": "x", "contact_external_id": "c9", "occurred_at": "2026-02-01T10:00:00Z"}`+","+
				`{"id": "f4", "type": "x", "contact_external_id": "c1", "account_external_id": "zzz", "occurred_at": "2026-02-01T10:00:00Z"}`+"]"),
				outreach.FieldError{Index: 1, Field: "occurred_at", Message: "RFC 3339"},
				outreach.FieldError{Index: 2, Field: "contact_external_id", Message: `no contact has external_id "c9"`},
				outreach.FieldError{Index: 3, Field: "account_external_id", Message: `no account has external_id "zzz"`})
		})

		// Nothing above was written, and the timeline still reads.
		body := e.want("GET", "/api/v1/contacts/ana@example.com/timeline", admin, "", 200, `"email":"ana@example.com"`)
		var tl outreach.Timeline
		if err := json.Unmarshal([]byte(body), &tl); err != nil {
			t.Fatal(err)
		}
		if len(tl.Events) != 0 || tl.Contact.Name != "" || tl.Account.RenewalDate != "" {
			t.Errorf("a refused batch was written: %s", body)
		}
		e.want("GET", "/api/v1/contacts/erin@example.com/timeline", admin, "", 404, "")
	})
}
