package store_test

import (
	"context"
	"maps"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

func TestLookupRefs(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		refs, err := db.LookupRefs(ctx, []string{"a1", "a2", "nope"}, []string{"c1", "c9"})
		if err != nil {
			t.Fatal(err)
		}
		want := outreach.Refs{Accounts: map[string]bool{"a1": true, "a2": true}, Contacts: map[string]string{"c1": "a1"}}
		if !maps.Equal(refs.Accounts, want.Accounts) || !maps.Equal(refs.Contacts, want.Contacts) {
			t.Errorf("refs = %+v, want %+v", refs, want)
		}
		refs, err = db.LookupRefs(ctx, nil, nil)
		if err != nil || len(refs.Accounts)+len(refs.Contacts) != 0 || refs.Accounts == nil || refs.Contacts == nil {
			t.Errorf("nothing to look up: %+v, %v", refs, err)
		}
	})
}
