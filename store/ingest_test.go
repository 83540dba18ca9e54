package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func ptr(t time.Time) *time.Time { return &t }

// seed stores account "a1" and contact "c1" (jane@example.com).
func seed(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "a1", Name: "Acme", Plan: "pro", Timezone: "Europe/Paris"}, {ExternalID: "a2", Name: "Beta"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "c1", AccountExternalID: "a1", Email: "Jane@Example.com", Name: "Jane", Role: "admin"}}); err != nil {
		t.Fatal(err)
	}
}

func wantBatchError(t *testing.T, err error, index int, field string) {
	t.Helper()
	var be *outreach.BatchError
	if !errors.As(err, &be) {
		t.Fatalf("err = %v, want a *BatchError", err)
	}
	for _, e := range be.Errors {
		if e.Index == index && e.Field == field {
			return
		}
	}
	t.Fatalf("BatchError %v lacks item %d field %s", be, index, field)
}

func count(t *testing.T, db *store.DB, q string) int {
	t.Helper()
	var n int
	if err := db.SQLXForTest().Get(&n, q); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestUpsertAccountsKeepsUnsetFields(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		res, err := db.UpsertAccounts(ctx, []outreach.Account{
			{ExternalID: "a1", Plan: "enterprise", RenewalDate: "2026-12-31"},
			{ExternalID: "a3", Name: "Gamma", StartedAt: ptr(t0.AddDate(-1, 0, 0))},
		})
		if err != nil {
			t.Fatal(err)
		}
		if res != (outreach.BatchResult{Created: 1, Updated: 1}) {
			t.Errorf("result = %+v, want 1 created 1 updated", res)
		}
		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		a := tl.Account
		if a.Name != "Acme" || a.Plan != "enterprise" || a.Timezone != "Europe/Paris" || a.RenewalDate != "2026-12-31" {
			t.Errorf("account after partial update = %+v", a)
		}
	})
}

func TestUpsertContacts(t *testing.T) {
	tests := []struct {
		name      string
		items     []outreach.Contact
		wantRes   outreach.BatchResult
		wantIndex int // -1: no error
		wantField string
		lookup    string // email to read back; default the last item's
		check     func(t *testing.T, c outreach.Contact)
	}{
		{name: "update by external_id alone keeps the email", wantIndex: -1, lookup: "jane@example.com",
			items:   []outreach.Contact{{ExternalID: "c1", Name: "Jane Q."}},
			wantRes: outreach.BatchResult{Updated: 1},
			check: func(t *testing.T, c outreach.Contact) {
				if c.Name != "Jane Q." || c.Email != "jane@example.com" || c.Role != "admin" {
					t.Errorf("contact = %+v", c)
				}
			}},
		{name: "new contact without email", wantIndex: 0, wantField: "email",
			items: []outreach.Contact{{ExternalID: "c9", AccountExternalID: "a1", Name: "No Mail"}}},
		{name: "update by external_id keeps unset fields", wantIndex: -1,
			items:   []outreach.Contact{{ExternalID: "c1", Email: "jane@example.com", Locale: "pt-BR"}},
			wantRes: outreach.BatchResult{Updated: 1},
			check: func(t *testing.T, c outreach.Contact) {
				if c.Name != "Jane" || c.Role != "admin" || c.Locale != "pt-BR" || c.AccountExternalID != "a1" || c.Status != "active" {
					t.Errorf("contact = %+v", c)
				}
			}},
		{name: "update by email", wantIndex: -1,
			items:   []outreach.Contact{{Email: "JANE@example.com", Name: "Jane Doe", AccountExternalID: "a2"}},
			wantRes: outreach.BatchResult{Updated: 1},
			check: func(t *testing.T, c outreach.Contact) {
				if c.Name != "Jane Doe" || c.AccountExternalID != "a2" || c.ExternalID != "c1" {
					t.Errorf("contact = %+v", c)
				}
			}},
		{name: "email change by external_id", wantIndex: -1,
			items:   []outreach.Contact{{ExternalID: "c1", Email: "jane@new.example.com"}},
			wantRes: outreach.BatchResult{Updated: 1}},
		{name: "last_seen_at moves forward only", wantIndex: -1,
			items: []outreach.Contact{
				{ExternalID: "c1", Email: "jane@example.com", LastSeenAt: ptr(t0)},
				{ExternalID: "c1", Email: "jane@example.com", LastSeenAt: ptr(t0.Add(-time.Hour))},
			},
			wantRes: outreach.BatchResult{Updated: 2},
			check: func(t *testing.T, c outreach.Contact) {
				if c.LastSeenAt == nil || !c.LastSeenAt.Equal(t0) {
					t.Errorf("last_seen_at = %v, want %v", c.LastSeenAt, t0)
				}
			}},
		{name: "external_id and email of two contacts", wantIndex: 1, wantField: "email",
			items: []outreach.Contact{
				{ExternalID: "c2", AccountExternalID: "a1", Email: "bob@example.com"},
				{ExternalID: "c2", Email: "jane@example.com"},
			}},
		{name: "new contact needs a known account", wantIndex: 1, wantField: "account_external_id",
			items: []outreach.Contact{
				{ExternalID: "c2", AccountExternalID: "a1", Email: "bob@example.com"},
				{ExternalID: "c3", AccountExternalID: "nope", Email: "eve@example.com"},
				{ExternalID: "c4", AccountExternalID: "a1", Email: "zed@example.com"},
			}},
		{name: "new contact without account", wantIndex: 0, wantField: "account_external_id",
			items: []outreach.Contact{{ExternalID: "c2", Email: "bob@example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			storetest.EachDialect(t, func(t *testing.T, dialect string) {
				ctx := context.Background()
				db := open(t, dialect)
				seed(t, db)
				res, err := db.UpsertContacts(ctx, tt.items)
				if tt.wantIndex >= 0 {
					wantBatchError(t, err, tt.wantIndex, tt.wantField)
					if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 1 {
						t.Errorf("%d contacts after a failed batch, want 1 (nothing written)", n)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if res != tt.wantRes {
					t.Errorf("result = %+v, want %+v", res, tt.wantRes)
				}
				email := tt.items[len(tt.items)-1].Email
				if tt.lookup != "" {
					email = tt.lookup
				}
				tl, err := db.Timeline(ctx, email)
				if err != nil {
					t.Fatal(err)
				}
				if tt.check != nil {
					tt.check(t, tl.Contact)
				}
			})
		})
	}
}

func event(id, typ, contact string, at time.Time) outreach.Event {
	return outreach.Event{ID: id, Type: typ, ContactExternalID: contact, OccurredAt: at}
}

func TestInsertEvents(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		e1 := event("e1", outreach.EventOnboardingCompleted, "c1", t0.Add(-time.Hour))
		e1.Properties = map[string]any{"plan": "pro"}
		res, err := db.InsertEvents(ctx, []outreach.Event{e1, {ID: "e2", Type: "renewal.completed", AccountExternalID: "a2", OccurredAt: t0}})
		if err != nil {
			t.Fatal(err)
		}
		if res != (outreach.BatchResult{Created: 2}) {
			t.Errorf("first batch = %+v", res)
		}
		// A bad item in the middle writes nothing.
		_, err = db.InsertEvents(ctx, []outreach.Event{event("e3", "x", "c1", t0), event("e4", "x", "nobody", t0), event("e5", "x", "c1", t0)})
		wantBatchError(t, err, 1, "contact_external_id")
		if n := count(t, db, `SELECT COUNT(*) FROM events`); n != 2 {
			t.Errorf("%d events after a failed batch, want 2", n)
		}
		// Known ids are duplicates and change nothing.
		changed := event("e1", "other", "c1", t0)
		res, err = db.InsertEvents(ctx, []outreach.Event{changed, event("e3", "x", "c1", t0), event("e3", "x", "c1", t0)})
		if err != nil {
			t.Fatal(err)
		}
		if res != (outreach.BatchResult{Created: 1, Duplicates: 2}) {
			t.Errorf("second batch = %+v, want 1 created 2 duplicates", res)
		}
		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if len(tl.Events) != 2 || tl.Events[0].ID != "e3" || tl.Events[1].Type != outreach.EventOnboardingCompleted || tl.Events[1].Properties["plan"] != "pro" {
			t.Errorf("timeline events = %+v", tl.Events)
		}
		if tl.Events[0].AccountID != tl.Contact.AccountID {
			t.Errorf("event account_id = %d, want the contact's %d", tl.Events[0].AccountID, tl.Contact.AccountID)
		}
	})
}

func TestInsertEventsPlannedAtAndLastSeen(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		quiet := event("n1", outreach.EventQBRCompleted, "c1", t0)
		quiet.NoTrigger = true
		batch := []outreach.Event{
			quiet,
			event("s1", outreach.EventContactActive, "c1", t0.Add(-2*time.Hour)),
			event("s2", outreach.EventContactActive, "c1", t0.Add(-1*time.Hour)),
		}
		if _, err := db.InsertEvents(ctx, batch); err != nil {
			t.Fatal(err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM events WHERE planned_at IS NULL`); n != 2 {
			t.Errorf("%d unplanned events, want 2 (the NoTrigger one is planned at insert)", n)
		}
		if _, err := db.InsertEvents(ctx, []outreach.Event{event("s3", outreach.EventContactActive, "c1", t0.Add(-5*time.Hour))}); err != nil {
			t.Fatal(err)
		}
		tl, err := db.Timeline(ctx, "jane@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if want := t0.Add(-time.Hour); tl.Contact.LastSeenAt == nil || !tl.Contact.LastSeenAt.Equal(want) {
			t.Errorf("last_seen_at = %v, want %v (forward only)", tl.Contact.LastSeenAt, want)
		}
	})
}

// Items of a batch apply in order: a contact created early in the batch is
// updated by later items, and an email one contact gives up may go to
// another, stored or new, in the same batch.
func TestUpsertContactsAppliesItemsInOrder(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		seed(t, db)
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "c2", AccountExternalID: "a1", Email: "bob@example.com", Name: "Bob"}}); err != nil {
			t.Fatal(err)
		}
		res, err := db.UpsertContacts(ctx, []outreach.Contact{
			// Jane and Bob swap addresses through a third one.
			{ExternalID: "c1", Email: "jane@temp.example.com"},
			{ExternalID: "c2", Email: "jane@example.com"},
			{ExternalID: "c1", Email: "bob@example.com"},
			// Eve is created, then updated, then takes Jane's old
			// temporary address after Jane gave it up.
			{AccountExternalID: "a2", Email: "eve@example.com", Name: "Eve", LastSeenAt: ptr(t0)},
			{Email: "eve@example.com", ExternalID: "c3", Role: "billing", LastSeenAt: ptr(t0.Add(-time.Hour))},
			{ExternalID: "c3", Email: "jane@temp.example.com"},
			// A new contact takes an address a stored one gives up.
			{ExternalID: "c2", Email: "bob@new.example.com"},
			{ExternalID: "c4", AccountExternalID: "a1", Email: "jane@example.com", Name: "Joe"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := (outreach.BatchResult{Created: 2, Updated: 6}); res != want {
			t.Errorf("result = %+v, want %+v", res, want)
		}
		for email, want := range map[string]string{
			"bob@example.com":       "c1 Jane a1 admin",
			"bob@new.example.com":   "c2 Bob a1",
			"jane@temp.example.com": "c3 Eve a2 billing",
			"jane@example.com":      "c4 Joe a1",
		} {
			tl, err := db.Timeline(ctx, email)
			if err != nil {
				t.Errorf("%s: %v", email, err)
				continue
			}
			c := tl.Contact
			got := strings.TrimSpace(strings.Join([]string{c.ExternalID, c.Name, tl.Account.ExternalID, c.Role}, " "))
			if got != want {
				t.Errorf("%s: %q, want %q", email, got, want)
			}
			if c.ExternalID == "c3" && (c.LastSeenAt == nil || !c.LastSeenAt.Equal(t0)) {
				t.Errorf("c3 last_seen_at = %v, want %v", c.LastSeenAt, t0)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM contacts`); n != 4 {
			t.Errorf("%d contacts, want 4", n)
		}
	})
}

// New rows are numbered in batch order on both dialects, though PostgreSQL
// inserts them in key order: delivery ids derive from contact ids, so the
// numbering decides what a seeded demo or simulation shows.
func TestUpsertNumbersNewRowsInBatchOrder(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.UpsertAccounts(ctx, []outreach.Account{{ExternalID: "zeta"}, {ExternalID: "alpha"}, {ExternalID: "mu"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpsertContacts(ctx, []outreach.Contact{
			{AccountExternalID: "zeta", Email: "zed@example.com"},
			{AccountExternalID: "alpha", Email: "amy@example.com"},
			{AccountExternalID: "mu", Email: "max@example.com"},
		}); err != nil {
			t.Fatal(err)
		}
		for q, want := range map[string]string{
			`SELECT external_id FROM accounts ORDER BY id`: "zeta alpha mu",
			`SELECT email FROM contacts ORDER BY id`:       "zed@example.com amy@example.com max@example.com",
		} {
			var got []string
			if err := db.SQLXForTest().Select(&got, q); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " ") != want {
				t.Errorf("%s: %q, want %q", q, got, want)
			}
		}
	})
}
