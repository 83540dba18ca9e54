package ingest

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestDecodeCSVContacts(t *testing.T) {
	in := "\xef\xbb\xbfemail,external_id,locale,last_seen_at,team size,account_external_id\n" +
		"Ana@Example.com,c1,pt-br,2026-01-02T03:04:05Z,12,acme\n" +
		"bob@example.com,c2,,,,\n"
	b, err := DecodeCSV(Contacts, strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Contacts) != 2 {
		t.Fatalf("got %d contacts", len(b.Contacts))
	}
	c := b.Contacts[0]
	if c.Email != "ana@example.com" || c.Locale != "pt-BR" || c.AccountExternalID != "acme" || c.LastSeenAt == nil {
		t.Errorf("contact = %+v", c)
	}
	if c.Attributes["team size"] != "12" || len(c.Attributes) != 1 {
		t.Errorf("attributes = %v", c.Attributes)
	}
	if b.Contacts[1].Attributes != nil || b.Contacts[1].LastSeenAt != nil {
		t.Errorf("empty cells must stay unset: %+v", b.Contacts[1])
	}
	if b.Positions[0] != 2 || b.Positions[1] != 3 {
		t.Errorf("positions = %v", b.Positions)
	}
}

func TestDecodeCSVEvents(t *testing.T) {
	in := "id,type,contact_external_id,occurred_at,properties,priority\n" +
		`e1,support.ticket_closed,c1,2026-01-02T03:04:05Z,"{""ticket_id"": ""T-9""}",p2` + "\n"
	b, err := DecodeCSV(Events, strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	p := b.Events[0].Properties
	if p["ticket_id"] != "T-9" || p["priority"] != "p2" {
		t.Errorf("properties = %v", p)
	}
}

func TestDecodeCSVErrors(t *testing.T) {
	cases := []struct {
		name  string
		kind  Kind
		in    string
		line  int
		field string
		msg   string
	}{
		{"bad email on line 3", Contacts, "email,timezone\na@b.co,UTC\nnope,UTC\n", 3, "email", "not a valid email"},
		{"bad timezone", Contacts, "timezone,email\nEurope/Pariss,a@b.co\n", 2, "timezone", "unknown timezone"},
		{"quoted multi-line cell shifts lines", Contacts, "email,name\na@b.co,\"two\nlines\"\nbad,x\n", 4, "email", "not a valid email"},
		{"missing column", Contacts, "name\nAna\n", 1, "email", "missing column"},
		{"duplicate column", Contacts, "email,email\na@b.co,a@b.co\n", 1, "email", "appears twice"},
		{"unknown team column", Team, "email,role\na@b.co,csm\n", 1, "role", "unknown column"},
		{"cell count", Team, "email,name\na@b.co\n", 2, "", "1 cells"},
		{"properties not an object", Events, "id,type,account_external_id,occurred_at,properties\n1,x,a,2026-01-01T00:00:00Z,[1]\n", 2, "properties", "JSON object"},
		{"property twice", Events, "id,type,account_external_id,occurred_at,properties,p\n1,x,a,2026-01-01T00:00:00Z,\"{\"\"p\"\":1}\",2\n", 2, "p", "given twice"},
		{"not UTF-8", Contacts, "email,name\na@b.co,Jos\xe9\n", 2, "name", "UTF-8"},
		{"bare quote", Contacts, "email,name\na@b.co,a\"b\n", 2, "", "quote"},
		{"empty file", Suppressions, "", 1, "", "empty"},
		{"NUL in a cell", Contacts, "email,name\na@b.co,a\x00b\n", 2, "name", "NUL character"},
		{"NUL in an extra cell", Contacts, "email,team\na@b.co,a\x00b\n", 2, "team", "NUL character"},
		{"NUL in properties", Events, "id,type,account_external_id,occurred_at,properties\n1,x,a,2026-01-01T00:00:00Z,\"{\"\"p\"\":\"\"\\u0000\"\"}\"\n", 2, "properties", `"p" contains a NUL character`},
		{"NUL in a column name", Contacts, "email,te\x00am\na@b.co,x\n", 1, "", "NUL character"},
		{"time out of range", Events, "id,type,account_external_id,occurred_at\n1,x,a,9999-12-31T23:59:59Z\n", 2, "occurred_at", "out of range"},
		{"columns differing in case", Contacts, "email,EMAIL\na@b.co,a@b.co\n", 1, "email", `columns "email" and "EMAIL" are the same column`},
		{"unknown team column in any case", Team, "Email,Role\na@b.co,csm\n", 1, "Role", `unknown column "Role": the columns of team are email,name`},
		{"bad scope", Suppressions, "email,scope\na@b.co,sometimes\n", 2, "scope", "not a suppression scope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeCSV(tc.kind, strings.NewReader(tc.in), 0)
			be := batchErr(t, err)
			if !hasError(be, tc.line, tc.field, tc.msg) {
				t.Errorf("want error line %d column %q containing %q, got %v", tc.line, tc.field, tc.msg, be)
			}
		})
	}
}

func TestDecodeCSVHeaderIgnoresCase(t *testing.T) {
	in := " Email ,External_ID,NAME,Attributes,Team Size\nAna@Example.com,c1,Ana,\"{\"\"tier\"\": \"\"gold\"\"}\",12\n"
	b, err := DecodeCSV(Contacts, strings.NewReader(in), 0)
	if err != nil {
		t.Fatal(err)
	}
	c := b.Contacts[0]
	if c.Email != "ana@example.com" || c.ExternalID != "c1" || c.Name != "Ana" {
		t.Errorf("contact = %+v", c)
	}
	// Known columns match in any case; other columns keep their name.
	if c.Attributes["tier"] != "gold" || c.Attributes["Team Size"] != "12" || len(c.Attributes) != 2 {
		t.Errorf("attributes = %v", c.Attributes)
	}
	if _, err := DecodeCSV(Suppressions, strings.NewReader("EMAIL,Scope\na@b.co,all\n"), 0); err != nil {
		t.Errorf("required columns in upper case: %v", err)
	}
}

func TestDecodeCSVKeepsValidRows(t *testing.T) {
	in := "email,scope,reason\na@b.co,all,asked\nbad,all,\nc@d.co,hard,bounce\n"
	b, err := DecodeCSV(Suppressions, strings.NewReader(in), 0)
	be := batchErr(t, err)
	if len(be.Errors) != 1 || be.Errors[0].Index != 3 {
		t.Errorf("errors = %v", be)
	}
	if len(b.Suppressions) != 2 || b.Positions[1] != 4 || b.Suppressions[1].Scope != outreach.ScopeHard {
		t.Errorf("valid = %+v positions %v", b.Suppressions, b.Positions)
	}
	if w := b.Without(map[int]bool{0: true}); w.Len() != 1 || w.Positions[0] != 4 {
		t.Errorf("without = %+v", w)
	}
}

func TestDecodeCSVTooMany(t *testing.T) {
	in := "email,scope\na@b.co,all\nc@d.co,all\n"
	if _, err := DecodeCSV(Suppressions, strings.NewReader(in), 1); outreach.ErrorCode(err) != outreach.ETOOLARGE {
		t.Fatalf("want ETOOLARGE, got %v", err)
	}
}
