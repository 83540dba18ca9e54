package ingest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

// refStore is an IngestStore that only answers LookupRefs, from a fixed
// set of accounts and contacts (contact -> account).
type refStore struct {
	outreach.IngestStore // nil: any write panics
	accounts             []string
	contacts             map[string]string
	asked                [][]string
	err                  error
}

func (s *refStore) LookupRefs(_ context.Context, accounts, contacts []string) (outreach.Refs, error) {
	s.asked = append(s.asked, accounts, contacts)
	refs := outreach.Refs{Accounts: map[string]bool{}, Contacts: map[string]string{}}
	for _, a := range accounts {
		refs.Accounts[a] = slices.Contains(s.accounts, a)
	}
	for _, c := range contacts {
		if a, ok := s.contacts[c]; ok {
			refs.Contacts[c] = a
		}
	}
	return refs, s.err
}

func TestCheckRefsListsUnknownReferencesWithFieldErrors(t *testing.T) {
	st := &refStore{accounts: []string{"acme", "globex"}, contacts: map[string]string{"c1": "acme"}}
	type want struct {
		index        int
		field, inMsg string
	}
	cases := []struct {
		name string
		kind Kind
		body string
		want []want // in order
	}{
		{"contacts", Contacts, `[
			{"email": "a@example.com", "account_external_id": "acme"},
			{"email": "bad"},
			{"email": "c@example.com", "account_external_id": "nope"}]`,
			[]want{{1, "email", "not a valid email"}, {2, "account_external_id", `no account has external_id "nope": import the account first`}}},
		{"events", Events, `[
			{"id": "e0", "type": "x", "contact_external_id": "c9", "occurred_at": "2026-01-01T00:00:00Z"},
			{"id": "e1", "type": "x", "contact_external_id": "c1", "occurred_at": "9999-01-01T00:00:00Z"},
			{"id": "e2", "type": "x", "account_external_id": "nope", "occurred_at": "2026-01-01T00:00:00Z"},
			{"id": "e3", "type": "x", "contact_external_id": "c1", "account_external_id": "globex", "occurred_at": "2026-01-01T00:00:00Z"},
			{"id": "e4", "type": "x", "contact_external_id": "c1", "account_external_id": "acme", "occurred_at": "2026-01-01T00:00:00Z"}]`,
			[]want{
				{0, "contact_external_id", `no contact has external_id "c9": import the contact first`},
				{1, "occurred_at", "out of range"},
				{2, "account_external_id", `no account has external_id "nope"`},
				{3, "account_external_id", `contact "c1" belongs to another account than "globex"`},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := DecodeJSON(tc.kind, strings.NewReader(tc.body), MaxItems)
			be := batchErr(t, err)
			if err := CheckRefs(context.Background(), st, b, be); err != nil {
				t.Fatal(err)
			}
			if len(be.Errors) != len(tc.want) {
				t.Fatalf("errors = %v, want %d", be, len(tc.want))
			}
			for i, w := range tc.want {
				if e := be.Errors[i]; e.Index != w.index || e.Field != w.field || !strings.Contains(e.Message, w.inMsg) {
					t.Errorf("error %d = %+v, want %+v", i, e, w)
				}
			}
		})
	}
}

func TestCheckRefsCSVLinesAndLookupError(t *testing.T) {
	st := &refStore{err: errors.New("database gone")}
	in := "email,account_external_id\nbad,acme\nb@example.com,nope\n"
	b, err := DecodeCSV(Contacts, strings.NewReader(in), 0)
	be := batchErr(t, err)
	if err := CheckRefs(context.Background(), st, b, be); err == nil || !strings.Contains(err.Error(), "database gone") {
		t.Fatalf("a failed lookup must be returned, got %v", err)
	}
	// Only the valid rows are looked up.
	if len(st.asked) != 2 || !slices.Equal(st.asked[0], []string{"nope"}) || len(st.asked[1]) != 0 {
		t.Errorf("looked up %v", st.asked)
	}
	st = &refStore{}
	b, err = DecodeCSV(Contacts, strings.NewReader(in), 0)
	be = batchErr(t, err)
	if err := CheckRefs(context.Background(), st, b, be); err != nil {
		t.Fatal(err)
	}
	if !hasError(be, 3, "account_external_id", `"nope"`) || be.Errors[0].Index != 2 {
		t.Errorf("errors = %v", be)
	}
	if w := b.WithoutFailed(be); w.Len() != 0 {
		t.Errorf("rows left after dropping the failed ones: %+v", w)
	}
}
