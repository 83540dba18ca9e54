package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

func TestUndoIsAudited(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		sups := []outreach.Suppression{
			{Email: "jane@example.com", Scope: "all", Reason: "one-click unsubscribe"},
			{Email: "jane@example.com", Scope: "marketing"},
			{Email: "jane@example.com", Scope: "hard", Reason: "sendgrid bounce"},
		}
		if _, err := db.AddSuppressions(ctx, sups); err != nil {
			t.Fatal(err)
		}
		if _, err := db.DeleteSuppression(ctx, "jane@example.com", "hard", false, "tok"); outreach.ErrorCode(err) != outreach.ECONFLICT ||
			!strings.Contains(outreach.ErrorMessage(err), "force=true") {
			t.Fatalf("hard without force: %v, want ECONFLICT naming force=true", err)
		}
		if _, err := db.DeleteSuppression(ctx, "jane@example.com", "survey", false, "tok"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Fatalf("absent scope: %v, want ENOTFOUND", err)
		}
		if s, err := db.DeleteSuppression(ctx, "Jane@Example.com", "marketing", false, "tok"); err != nil || s.Scope != "marketing" {
			t.Fatalf("DeleteSuppression = %+v, %v", s, err)
		}
		lifted, err := db.Resubscribe(ctx, "jane@example.com", outreach.ActorPublicPage)
		if err != nil || !slices.Equal(lifted, []string{"all"}) {
			t.Fatalf("Resubscribe = %v, %v; want [all] (hard stays)", lifted, err)
		}
		if _, err := db.DeleteSuppression(ctx, "jane@example.com", "hard", true, "tok"); err != nil {
			t.Fatalf("hard with force: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM suppressions`); n != 0 {
			t.Errorf("%d suppressions left, want 0", n)
		}

		until := t0.Add(48 * time.Hour)
		if a, err := db.SetAccountPause(ctx, "a1", &until, false, "tok"); err != nil || !a.PausedUntil.Equal(until) {
			t.Fatalf("pause = %+v, %v", a, err)
		}
		if a, err := db.SetAccountPause(ctx, "a1", nil, false, "tok"); err != nil || a.PausedUntil != nil {
			t.Fatalf("resume = %+v, %v", a, err)
		}
		if _, err := db.SetAccountPause(ctx, "a1", nil, false, "tok"); err != nil {
			t.Fatalf("resume twice: %v", err)
		}
		if _, err := db.SetAccountPause(ctx, "nope", nil, false, "tok"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("unknown account: %v", err)
		}

		log, err := db.AuditLog(ctx, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range log {
			got = append(got, fmt.Sprintf("%s %s %s %s: %s", e.At.Format(time.RFC3339), e.Actor, e.Action, e.Target, e.Detail))
		}
		want := []string{
			"2026-03-02T09:30:00Z tok account.resumed a1: resumed; was paused until 2026-03-04T09:30:00Z",
			"2026-03-02T09:30:00Z tok account.paused a1: paused until 2026-03-04T09:30:00Z",
			"2026-03-02T09:30:00Z tok suppression.deleted jane@example.com: scope hard; was: sendgrid bounce; forced",
			"2026-03-02T09:30:00Z public page suppression.deleted jane@example.com: scope all; resubscribed; was: one-click unsubscribe",
			"2026-03-02T09:30:00Z tok suppression.deleted jane@example.com: scope marketing",
		}
		if !slices.Equal(got, want) {
			t.Errorf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		older, err := db.AuditLog(ctx, log[1].ID, 10)
		if err != nil || len(older) != 3 {
			t.Errorf("AuditLog(before %d) = %d entries, %v; want 3", log[1].ID, len(older), err)
		}
	})
}

func TestListsPageStably(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		var accs []outreach.Account
		var cons []outreach.Contact
		for i := range 7 {
			plan := "pro"
			if i%2 == 1 {
				plan = "free"
			}
			accs = append(accs, outreach.Account{ExternalID: fmt.Sprintf("a%d", i), Plan: plan, OwnerEmail: "Csm@Vendor.example"})
			cons = append(cons, outreach.Contact{ExternalID: fmt.Sprintf("c%d", i), AccountExternalID: "a0",
				Email: fmt.Sprintf("p%d@example.com", i), Role: "admin", Locale: "pt-BR"})
		}
		if _, err := db.UpsertAccounts(ctx, accs); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertContacts(ctx, cons); err != nil {
			t.Fatal(err)
		}
		var seen []string
		f := outreach.AccountFilter{Plan: "pro", Owner: "csm@vendor.example", ListPage: outreach.ListPage{Limit: 2}}
		for range 5 {
			page, next, err := db.ListAccounts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				seen = append(seen, a.ExternalID)
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if want := []string{"a0", "a2", "a4", "a6"}; !slices.Equal(seen, want) {
			t.Errorf("pro accounts paged by 2 = %v, want %v", seen, want)
		}
		page, next, err := db.ListContacts(ctx, outreach.ContactFilter{Account: "a0", Locale: "pt-br", ListPage: outreach.ListPage{Limit: 5}})
		if err != nil || len(page) != 5 || next == "" || page[0].AccountExternalID != "a0" {
			t.Fatalf("contacts page 1 = %d items, next %q, %v", len(page), next, err)
		}
		page, next, err = db.ListContacts(ctx, outreach.ContactFilter{ListPage: outreach.ListPage{Cursor: next, Limit: 5}})
		if err != nil || len(page) != 2 || next != "" || page[1].Email != "p6@example.com" {
			t.Fatalf("contacts page 2 = %+v, next %q, %v", page, next, err)
		}
		if _, _, err := db.ListContacts(ctx, outreach.ContactFilter{ListPage: outreach.ListPage{Cursor: "!!"}}); outreach.ErrorCode(err) != outreach.EINVALID {
			t.Errorf("bad cursor: %v, want EINVALID", err)
		}
		if d, next, err := db.ListDeliveries(ctx, outreach.DeliveryFilter{State: "planned"}); err != nil || len(d) != 0 || next != "" {
			t.Errorf("deliveries of an empty outbox = %v, %q, %v", d, next, err)
		}
	})
}

// Deliveries page by (created_at, id): rows planned in the same
// millisecond are neither skipped nor repeated across pages.
func TestListDeliveriesPagesThroughTies(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		x := db.SQLXForTest()
		for i, at := range []time.Time{t0, t0, t0, t0.Add(time.Second), t0.Add(-time.Second)} {
			_, err := x.Exec(x.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, state,
				due_at, not_before, expires_at, created_at, updated_at)
				SELECT ?, 'nps', 'survey', id, account_id, ?, 'planned', ?, ?, ?, ?, ? FROM contacts WHERE email = 'jane@example.com'`),
				fmt.Sprintf("d%d", i), fmt.Sprint(i), at.UnixMilli(), at.UnixMilli(), at.UnixMilli(), at.UnixMilli(), at.UnixMilli())
			if err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		f := outreach.DeliveryFilter{Contact: "Jane@Example.com", ListPage: outreach.ListPage{Limit: 2}}
		for range 5 {
			page, next, err := db.ListDeliveries(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page {
				got = append(got, d.ID)
				if d.Contact != "jane@example.com" || d.Account != "a1" {
					t.Errorf("item %+v: want contact jane@example.com, account a1", d)
				}
			}
			if next == "" {
				break
			}
			f.Cursor = next
		}
		if want := []string{"d4", "d0", "d1", "d2", "d3"}; !slices.Equal(got, want) {
			t.Errorf("deliveries paged by 2 = %v, want %v", got, want)
		}
		from, to := t0, t0.Add(time.Second)
		page, _, err := db.ListDeliveries(ctx, outreach.DeliveryFilter{From: &from, To: &to, State: "planned", Campaign: "nps"})
		if err != nil || len(page) != 3 {
			t.Errorf("window [t0, t0+1s) = %d deliveries, %v; want 3", len(page), err)
		}
	})
}
