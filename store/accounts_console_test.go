package store_test

import (
	"context"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestAccountRisksFollowPeople: an account's NPS counts the answers of its
// people as they are now. The risk list reads answers by their own
// account_id (kept by triggers for every writer): an answer takes its
// person's account when written, and moves with the person when they move
// to another account.
func TestAccountRisksFollowPeople(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{
			{ExternalID: "acme", Name: "Acme", OwnerEmail: "cy@vendor.example"},
			{ExternalID: "globex", Name: "Globex", OwnerEmail: "cy@vendor.example"},
		}); err != nil {
			t.Fatal(err)
		}
		pat := outreach.Contact{ExternalID: "u1", AccountExternalID: "acme", Email: "pat@acme.example"}
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{pat}); err != nil {
			t.Fatal(err)
		}
		at := t0.Add(-24 * 3600e9).UnixMilli()
		if _, err := db.SQLXForTest().ExecContext(ctx, db.SQLXForTest().Rebind(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
			SELECT 'd1', id, 'nps', 2, '', ?, ? FROM contacts WHERE email = 'pat@acme.example'`), at, at); err != nil {
			t.Fatal(err)
		}
		answers := func() map[string]int {
			t.Helper()
			page, err := db.AccountRisks(ctx, outreach.AccountRiskQuery{Now: t0, Owner: "cy@vendor.example", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]int{}
			for _, a := range page.Accounts {
				out[a.ExternalID] = a.Detractors
			}
			return out
		}
		if got := answers(); got["acme"] != 1 || got["globex"] != 0 {
			t.Errorf("detractors before the move: %v, want acme 1", got)
		}
		pat.AccountExternalID = "globex"
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{pat}); err != nil {
			t.Fatal(err)
		}
		if got := answers(); got["acme"] != 0 || got["globex"] != 1 {
			t.Errorf("detractors after Pat moved to globex: %v, want globex 1", got)
		}
	})
}
