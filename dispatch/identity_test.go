package dispatch_test

import (
	"context"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestSenderIdentityFromTheAccountOwner: with the default pack's
// reply_to: owner, a survey to a contact whose account has an owner in the
// team data replies to that owner; from: owner shows the owner's name on
// the configured address; an account without an owner uses the
// configured sender and no Reply-To.
func TestSenderIdentityFromTheAccountOwner(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := openStore(t, dialect)
		if _, err := db.UpsertTeam(ctx, []outreach.TeamMember{{Email: "maria@vendor.example", Name: "Maria Silva"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{
			{ExternalID: "owned", Name: "Owned", OwnerEmail: "maria@vendor.example"},
			{ExternalID: "orphan", Name: "Orphan"},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{
			{ExternalID: "c1", AccountExternalID: "owned", Email: "jane@owned.example", Name: "Jane", Role: "admin", Locale: "en", Timezone: "UTC"},
			{ExternalID: "c2", AccountExternalID: "orphan", Email: "joe@orphan.example", Name: "Joe", Role: "admin", Locale: "en", Timezone: "UTC"},
		}); err != nil {
			t.Fatal(err)
		}
		var ids []outreach.Contact
		for _, e := range []string{"jane@owned.example", "joe@orphan.example"} {
			var c outreach.Contact
			raw := storetest.SQL(t, db)
			if err := raw.QueryRowx(raw.Rebind(`SELECT id, account_id, email FROM contacts WHERE email = ?`), e).Scan(&c.ID, &c.AccountID, &c.Email); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c)
		}
		plan(t, db,
			planned{ID: "d-owned", Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Contact: ids[0], Due: t0},
			planned{ID: "d-orphan", Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Contact: ids[1], Due: t0},
		)
		policy := capsPolicy
		policy.Identity = outreach.Identity{From: outreach.Owner, ReplyTo: outreach.Owner} // the default pack's reply_to, plus from: owner
		rec, sender := newCountingSender()
		d := newDispatcher(t, db, sender, policy, "p1")
		if _, err := d.Step(ctx, t0); err != nil {
			t.Fatal(err)
		}
		got := map[string]outreach.Message{}
		for _, m := range rec.messages {
			got[m.DeliveryID] = m
		}
		if m := got["d-owned"]; m.From != "news@acme.example" || m.FromName != "Maria Silva" || m.ReplyTo != "maria@vendor.example" || m.ReplyToName != "Maria Silva" {
			t.Errorf("owned account: From %q <%s>, Reply-To %q <%s>; want \"Maria Silva\" <news@acme.example>, reply to maria@vendor.example",
				m.FromName, m.From, m.ReplyToName, m.ReplyTo)
		}
		if m := got["d-orphan"]; m.From != "news@acme.example" || m.FromName != "Acme" || m.ReplyTo != "" {
			t.Errorf("account without an owner: From %q <%s>, Reply-To %q; want the configured sender and no Reply-To", m.FromName, m.From, m.ReplyTo)
		}
	})
}
