package ingest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

func batchErr(t *testing.T, err error) *outreach.BatchError {
	t.Helper()
	var be *outreach.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("want a *BatchError, got %v", err)
	}
	return be
}

// hasError reports whether be holds an error at index on field whose
// message contains substr.
func hasError(be *outreach.BatchError, index int, field, substr string) bool {
	for _, e := range be.Errors {
		if e.Index == index && e.Field == field && strings.Contains(e.Message, substr) {
			return true
		}
	}
	return false
}

func TestDecodeJSONAccounts(t *testing.T) {
	b, err := DecodeJSON(Accounts, strings.NewReader(`[
		{"external_id": "acme", "name": " Acme ", "owner_email": "Jane@Vendor.com", "timezone": "Europe/Paris",
		 "started_at": "2024-01-15", "renewal_date": "2026-12-31T23:00:00-05:00", "tier": "gold", "seats": 40,
		 "plan": null, "attributes": {"region": "emea"}},
		{"external_id": 42}
	]`), MaxItems)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Accounts) != 2 {
		t.Fatalf("got %d accounts", len(b.Accounts))
	}
	a := b.Accounts[0]
	if a.ExternalID != "acme" || a.Name != "Acme" || a.OwnerEmail != "jane@vendor.com" || a.Plan != "" {
		t.Errorf("account = %+v", a)
	}
	if a.StartedAt == nil || !a.StartedAt.Equal(time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("started_at = %v", a.StartedAt)
	}
	if a.RenewalDate != "2026-12-31" {
		t.Errorf("renewal_date = %q", a.RenewalDate)
	}
	if a.Attributes["tier"] != "gold" || a.Attributes["seats"] == nil || a.Attributes["region"] != "emea" || len(a.Attributes) != 3 {
		t.Errorf("attributes = %v", a.Attributes)
	}
	if b.Accounts[1].ExternalID != "42" || b.Accounts[1].Attributes != nil {
		t.Errorf("second = %+v", b.Accounts[1])
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	cases := []struct {
		kind  Kind
		body  string
		index int
		field string
		msg   string
	}{
		{Contacts, `[{"email": "not-an-email"}]`, 0, "email", "not a valid email"},
		{Contacts, `[{"email": "a@b.co"}, {"name": "x"}]`, 1, "email", "required"},
		{Contacts, `[{"email": "a@b.co", "timezone": "Mars/Olympus"}]`, 0, "timezone", "unknown timezone"},
		{Contacts, `[{"email": "a@b.co", "timezone": "Local"}]`, 0, "timezone", "Local"},
		{Contacts, `[{"email": "a@b.co", "locale": "not a locale!"}]`, 0, "locale", "BCP 47"},
		{Contacts, `[{"email": "a@b.co", "last_seen_at": "yesterday"}]`, 0, "last_seen_at", "RFC 3339"},
		{Contacts, `[{"email": "a@b.co", "status": "gone"}]`, 0, "status", "not a contact status"},
		{Contacts, `[{"email": true}]`, 0, "email", "must be a string"},
		{Contacts, `[{"email": "a@b.co", "attributes": [1]}]`, 0, "attributes", "JSON object"},
		{Contacts, `[{"email": "a@b.co", "x": 1, "attributes": {"x": 2}}]`, 0, "x", "given twice"},
		{Accounts, `[{"name": "no id"}]`, 0, "external_id", "required"},
		{Accounts, `[{"external_id": "a", "renewal_date": "soon"}]`, 0, "renewal_date", "not a date"},
		{Accounts, `[{"external_id": "a", "owner_email": "csm"}]`, 0, "owner_email", "not a valid email"},
		{Accounts, `[{"external_id": "a"}, 7]`, 1, "", "JSON object"},
		{Events, `[{"type": "x", "contact_external_id": "c", "occurred_at": "2026-01-01T00:00:00Z"}]`, 0, "id", "required"},
		{Events, `[{"id": "1", "contact_external_id": "c", "occurred_at": "2026-01-01T00:00:00Z"}]`, 0, "type", "required"},
		{Events, `[{"id": "1", "type": "x", "occurred_at": "2026-01-01T00:00:00Z"}]`, 0, "contact_external_id", "account_external_id"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c"}]`, 0, "occurred_at", "required"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "2026-13-01"}]`, 0, "occurred_at", "RFC 3339"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "2026-01-01T00:00:00Z", "properties": "p1"}]`, 0, "properties", "JSON object"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "2026-01-01T00:00:00Z", "ticket_id": "7"}]`, 0, "ticket_id", "put custom data in properties"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "9999-12-31T23:59:59Z"}]`, 0, "occurred_at", "out of range"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "0001-01-01T00:00:00Z"}]`, 0, "occurred_at", "out of range"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "2026-01-01T00:00:00-24:00"}]`, 0, "occurred_at", "offset out of range"},
		{Accounts, `[{"external_id": "a", "started_at": "1900-01-01"}]`, 0, "started_at", "out of range"},
		{Accounts, `[{"external_id": "a", "renewal_date": "9999-12-31"}]`, 0, "renewal_date", "out of range"},
		{Accounts, `[{"external_id": "a", "paused_until": "3000-01-01T00:00:00Z"}]`, 0, "paused_until", "out of range"},
		{Contacts, `[{"email": "a@b.co", "last_seen_at": "0001-01-01T00:00:00Z"}]`, 0, "last_seen_at", "out of range"},
		{Contacts, `[{"email": "a@b.co", "name": "a\u0000b"}]`, 0, "name", "NUL character"},
		{Contacts, `[{"email": "a@b.co", "external_id": "\u0000"}]`, 0, "external_id", "NUL character"},
		{Contacts, `[{"email": "a@b.co", "team": "x\u0000"}]`, 0, "team", "NUL character"},
		{Contacts, `[{"email": "a@b.co", "attributes": {"k\u0000": 1}}]`, 0, "attributes", "NUL character"},
		{Events, `[{"id": "1", "type": "x", "contact_external_id": "c", "occurred_at": "2026-01-01T00:00:00Z", "properties": {"t": {"u": ["ok", "a\u0000"]}}}]`, 0, "properties", `"t.u[1]" contains a NUL character`},
		{Team, `[{"email": "csm@vendor.com", "digest_schedule": "every monday"}]`, 0, "digest_schedule", "not a cron spec"},
		{Team, `[{"email": "csm@vendor.com", "digest_schedule": "CRON_TZ=UTC 0 8 * * *"}]`, 0, "digest_schedule", "timezone field"},
		{Team, `[{"email": "csm@vendor.com", "console_role": "owner"}]`, 0, "console_role", "not a console role"},
		{Team, `[{"email": "csm@vendor.com", "locale": "not a locale!"}]`, 0, "locale", "not a BCP 47 language tag"},
		{Team, `[{"email": "csm@vendor.com", "role": "csm"}]`, 0, "role", "unknown field"},
		{Suppressions, `[{"email": "a@b.co"}]`, 0, "scope", "required"},
		{Suppressions, `[{"email": "a@b.co", "scope": "newsletters"}]`, 0, "scope", "not a suppression scope"},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind)+" "+tc.body, func(t *testing.T) {
			_, err := DecodeJSON(tc.kind, strings.NewReader(tc.body), MaxItems)
			be := batchErr(t, err)
			if !hasError(be, tc.index, tc.field, tc.msg) {
				t.Errorf("want error %d/%s containing %q, got %v", tc.index, tc.field, tc.msg, be)
			}
		})
	}
}

func TestDecodeJSONCollectsAllErrors(t *testing.T) {
	b, err := DecodeJSON(Contacts, strings.NewReader(`[
		{"email": "ok@example.com"},
		{"email": "bad", "timezone": "Nowhere/City"},
		{"email": "also-ok@example.com", "locale": "pt-br"},
		{"email": "x@example.com", "last_seen_at": "later"}
	]`), MaxItems)
	be := batchErr(t, err)
	if len(be.Errors) != 3 {
		t.Fatalf("want 3 errors, got %v", be)
	}
	if len(b.Contacts) != 2 || b.Contacts[1].Locale != "pt-BR" || b.Positions[1] != 2 {
		t.Errorf("valid items = %+v positions %v", b.Contacts, b.Positions)
	}
}

func TestDecodeJSONNotAnArray(t *testing.T) {
	for _, body := range []string{``, `{`, `{"email": "a@b.co"}`, `"x"`, `[{"email": "a@b.co"}`, `[] []`, `[1,]`} {
		_, err := DecodeJSON(Contacts, strings.NewReader(body), MaxItems)
		if outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("%q: want EINVALID, got %v", body, err)
		}
		var be *outreach.BatchError
		if errors.As(err, &be) {
			t.Errorf("%q: want a plain error, got a batch error", body)
		}
	}
}

func TestDecodeJSONTooMany(t *testing.T) {
	body := "[" + strings.Repeat(`{"email":"a@b.co"},`, 3) + `{"email":"a@b.co"}]`
	if _, err := DecodeJSON(Contacts, strings.NewReader(body), 4); err != nil {
		t.Fatalf("4 items with a limit of 4: %v", err)
	}
	_, err := DecodeJSON(Contacts, strings.NewReader(body), 3)
	if outreach.ErrorCode(err) != outreach.ETOOLARGE {
		t.Fatalf("want ETOOLARGE, got %v", err)
	}
}

func TestDecodeJSONEvents(t *testing.T) {
	b, err := DecodeJSON(Events, strings.NewReader(`[{"id": "e1", "type": "support.ticket_closed",
		"contact_external_id": "c1", "occurred_at": "2026-03-01T09:30:00+02:00",
		"properties": {"ticket_id": "T-1", "priority": "p1", "n": 12345678901234567890}}]`), MaxItems)
	if err != nil {
		t.Fatal(err)
	}
	e := b.Events[0]
	if !e.OccurredAt.Equal(time.Date(2026, 3, 1, 7, 30, 0, 0, time.UTC)) || e.OccurredAt.Location() != time.UTC {
		t.Errorf("occurred_at = %v", e.OccurredAt)
	}
	if e.Properties["ticket_id"] != "T-1" || e.Properties["n"].(interface{ String() string }).String() != "12345678901234567890" {
		t.Errorf("properties = %v", e.Properties)
	}
}

func TestDecodeContactsByExternalIDAlone(t *testing.T) {
	b, err := DecodeJSON(Contacts, strings.NewReader(`[{"external_id": "c1", "name": "Jane Q."}]`), 0)
	if err != nil {
		t.Fatalf("an update by external_id without email must decode: %v", err)
	}
	if c := b.Contacts[0]; c.ExternalID != "c1" || c.Email != "" || c.Name != "Jane Q." {
		t.Errorf("contact = %+v", c)
	}
	b, err = DecodeCSV(Contacts, strings.NewReader("external_id,last_seen_at\nc1,2026-03-01T09:00:00Z\n"), 0)
	if err != nil || len(b.Contacts) != 1 {
		t.Fatalf("a CSV of external_id updates must decode: %v", err)
	}
	if _, err := DecodeCSV(Contacts, strings.NewReader("name\nAna\n"), 0); err == nil ||
		!strings.Contains(err.Error(), `missing column "email"`) {
		t.Errorf("neither email nor external_id column: %v, want a missing column error", err)
	}
}
