package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/outreach-dev/outreach"
)

// TestLookAlikeAddressesRefused replays the audit: after id5@inj.example is
// suppressed, its look-alikes (a zero-width space, a soft hyphen, a
// Cyrillic "а" in the domain) are refused with a 422 naming the field, by
// every batch that takes an address, on both databases; an address that
// only differs in case and spacing is accepted in its canonical form and
// matches the suppression.
func TestLookAlikeAddressesRefused(t *testing.T) {
	lookAlikes := []struct{ addr, msg string }{
		{`id5\u200b@inj.example`, "invisible character (U+200B)"},
		{`id6@inj.examp\u00adle`, "invisible character (U+00AD)"},
		{`id7@inj.ex\u0430mple`, `"ex\u0430mple" mixes Cyrillic and Latin letters`},
		{`id8\u202e@inj.example`, "bidirectional control character (U+202E)"},
	}
	eachStore(t, func(t *testing.T, e *e2e) {
		e.want("POST", "/api/v1/accounts", admin, `[{"external_id": "acme"}]`, 200, `"created":1`)
		e.want("POST", "/api/v1/suppressions", admin, `[{"email": "id5@inj.example", "scope": "all"}]`, 200, `"created":1`)
		for _, la := range lookAlikes {
			wantErrors(t, e.batchErrors(t, "/api/v1/contacts",
				`[{"email": "ok@inj.example", "account_external_id": "acme"}, {"email": "`+la.addr+`", "account_external_id": "acme"}]`),
				outreach.FieldError{Index: 1, Field: "email", Message: la.msg})
			wantErrors(t, e.batchErrors(t, "/api/v1/suppressions", `[{"email": "`+la.addr+`", "scope": "all"}]`),
				outreach.FieldError{Index: 0, Field: "email", Message: la.msg})
			wantErrors(t, e.batchErrors(t, "/api/v1/team", `[{"email": "`+la.addr+`"}]`),
				outreach.FieldError{Index: 0, Field: "email", Message: la.msg})
			wantErrors(t, e.batchErrors(t, "/api/v1/accounts", `[{"external_id": "x", "owner_email": "`+la.addr+`"}]`),
				outreach.FieldError{Index: 0, Field: "owner_email", Message: la.msg})
		}
		// The refused batches wrote nothing: not even their valid item.
		e.want("GET", "/api/v1/contacts/ok@inj.example/timeline", admin, "", 404, "")

		// Case and spaces: accepted, canonical, one contact, suppressed.
		e.want("POST", "/api/v1/contacts", admin, `[{"email": "ID5@Inj.EXAMPLE ", "account_external_id": "acme"}]`, 200, `"created":1`)
		body := e.want("GET", "/api/v1/contacts/Id5@inj.Example/timeline", admin, "", 200, `"email":"id5@inj.example"`)
		var tl outreach.Timeline
		if err := json.Unmarshal([]byte(body), &tl); err != nil {
			t.Fatal(err)
		}
		if len(tl.Suppressions) == 0 {
			t.Errorf("the contact does not meet its suppression: %s", body)
		}
		e.want("POST", "/api/v1/contacts", admin, `[{"email": "Ana@Example.COM ", "account_external_id": "acme"}]`, 200, `"created":1`)
		e.want("GET", "/api/v1/contacts/ana@example.com/timeline", admin, "", 200, `"email":"ana@example.com"`)

		// An IDN domain is stored in its ASCII form and found by either.
		e.want("POST", "/api/v1/contacts", admin, `[{"email": "josé@Bücher.example", "account_external_id": "acme"}]`, 200, `"created":1`)
		e.want("GET", "/api/v1/contacts/josé@bücher.example/timeline", admin, "", 200, `"email":"josé@xn--bcher-kva.example"`)
		e.want("GET", "/api/v1/contacts/jos%C3%A9@xn--bcher-kva.example/timeline", admin, "", 200, `"email":"josé@xn--bcher-kva.example"`)

		// A look-alike in the path is refused, not looked up.
		e.want("DELETE", "/api/v1/contacts/id5%E2%80%8B@inj.example", admin, "", 400, "invisible character (U+200B)")
	})
}
