package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestConsoleSuppressionsOwner: with an owner, the console's suppressions
// query returns an address's suppressions only if it is a contact of one of
// the owner's accounts (not another owner's customer, not an erased
// person, not a stranger), a page at a time in scope order; a lift for the
// wrong owner is ENOTFOUND and deletes nothing, nor writes the audit log.
func TestConsoleSuppressionsOwner(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{
			{ExternalID: "a1", OwnerEmail: "ann@vendor.example"}, {ExternalID: "a2", OwnerEmail: "bob@vendor.example"},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{
			{ExternalID: "c1", AccountExternalID: "a1", Email: "jane@example.com"},
			{ExternalID: "c2", AccountExternalID: "a2", Email: "joe@example.com"},
			{ExternalID: "c3", AccountExternalID: "a1", Email: "gone@example.com"},
		}); err != nil {
			t.Fatal(err)
		}
		var sups []outreach.Suppression
		for _, e := range []string{"jane@example.com", "joe@example.com", "gone@example.com", "stranger@example.com"} {
			sups = append(sups, outreach.Suppression{Email: e, Scope: outreach.ScopeAll, Reason: "asked"},
				outreach.Suppression{Email: e, Scope: "marketing", Reason: "asked"})
		}
		if _, err := db.AddSuppressions(ctx, sups); err != nil {
			t.Fatal(err)
		}
		if err := db.EraseContact(ctx, "gone@example.com"); err != nil {
			t.Fatal(err)
		}
		scopes := func(q outreach.SuppressionQuery) string {
			t.Helper()
			list, err := db.ConsoleSuppressions(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range list {
				out = append(out, s.Scope)
			}
			return strings.Join(out, ",")
		}
		for _, c := range []struct {
			email, owner, want string
		}{
			{"Jane@Example.com", "ann@vendor.example", "all,marketing"},
			{"jane@example.com", "Ann@Vendor.example", "all,marketing"},
			{"jane@example.com", "bob@vendor.example", ""},
			{"joe@example.com", "ann@vendor.example", ""},
			{"gone@example.com", "ann@vendor.example", ""},
			{"stranger@example.com", "ann@vendor.example", ""},
			{"gone@example.com", "", "all,marketing"},
			{"stranger@example.com", "", "all,marketing"},
		} {
			if got := scopes(outreach.SuppressionQuery{Email: c.email, Owner: c.owner}); got != c.want {
				t.Errorf("%s seen by %q: %q, want %q", c.email, c.owner, got, c.want)
			}
		}
		page1 := scopes(outreach.SuppressionQuery{Email: "jane@example.com", Owner: "ann@vendor.example", Limit: 1})
		page2 := scopes(outreach.SuppressionQuery{Email: "jane@example.com", Owner: "ann@vendor.example", Limit: 1, After: page1})
		page3 := scopes(outreach.SuppressionQuery{Email: "jane@example.com", Owner: "ann@vendor.example", Limit: 1, After: page2})
		if page1+"|"+page2+"|"+page3 != "all|marketing|" {
			t.Errorf("pages: %q %q %q", page1, page2, page3)
		}

		for _, l := range []outreach.SuppressionLift{
			{Email: "joe@example.com", Scope: "marketing", Actor: "ann@vendor.example", Reason: "asked", Owner: "ann@vendor.example"},
			{Email: "gone@example.com", Scope: "marketing", Force: true, Actor: "ann@vendor.example", Reason: "asked", Owner: "ann@vendor.example"},
		} {
			if _, err := db.LiftSuppression(ctx, l); outreach.ErrorCode(err) != outreach.ENOTFOUND {
				t.Errorf("lift of %s by ann: %v, want ENOTFOUND", l.Email, err)
			}
		}
		if _, err := db.LiftSuppression(ctx, outreach.SuppressionLift{Email: "jane@example.com", Scope: "marketing",
			Actor: "ann@vendor.example", Reason: "asked by phone", Owner: "ann@vendor.example"}); err != nil {
			t.Fatal(err)
		}
		for email, want := range map[string]string{"joe@example.com": "all,marketing", "gone@example.com": "all,marketing", "jane@example.com": "all"} {
			if got := scopes(outreach.SuppressionQuery{Email: email}); got != want {
				t.Errorf("%s after the lifts: %q, want %q", email, got, want)
			}
		}
		log, err := db.AuditEntries(ctx, outreach.AuditFilter{Actor: "ann@vendor.example", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 1 || log[0].Target != "jane@example.com" {
			t.Errorf("audit log: %+v, want the one lift of jane", log)
		}
	})
}
