package dispatch_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// t0 is a Tuesday 10:00 UTC: inside the default pack's send window.
var t0 = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

// fakeSender is a Sender of function fields.
type fakeSender struct {
	SendFn func(ctx context.Context, m *outreach.Message) (outreach.SendResult, error)
}

var _ outreach.Sender = (*fakeSender)(nil)

func (f *fakeSender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	return f.SendFn(ctx, m)
}

// countingSender accepts every message and counts sends per delivery.
type countingSender struct {
	mu       sync.Mutex
	sends    map[string]int
	messages []outreach.Message
}

func newCountingSender() (*countingSender, *fakeSender) {
	c := &countingSender{sends: map[string]int{}}
	return c, &fakeSender{SendFn: func(_ context.Context, m *outreach.Message) (outreach.SendResult, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.sends[m.DeliveryID]++
		c.messages = append(c.messages, *m)
		return outreach.SendResult{MessageID: "msg-" + m.DeliveryID}, nil
	}}
}

// openStore returns a migrated store of the dialect with its clock frozen
// at t0.
func openStore(t testing.TB, dialect string) *store.DB {
	t.Helper()
	return storetest.Open(t, dialect, func() time.Time { return t0 })
}

// addPeople creates accounts × perAccount contacts and returns them with
// their ids, in creation order.
func addPeople(t testing.TB, db *store.DB, accounts, perAccount int) []outreach.Contact {
	t.Helper()
	ctx := context.Background()
	var accs []outreach.Account
	var cs []outreach.Contact
	for a := range accounts {
		accs = append(accs, outreach.Account{ExternalID: fmt.Sprintf("acc-%d", a), Name: fmt.Sprintf("Account %d", a), Plan: "Business", Timezone: "Europe/Paris"})
		for c := range perAccount {
			cs = append(cs, outreach.Contact{ExternalID: fmt.Sprintf("c-%d-%d", a, c), AccountExternalID: fmt.Sprintf("acc-%d", a),
				Email: fmt.Sprintf("person%d.%d@example.com", a, c), Name: "Jane Cooper", Role: "admin", Locale: "en", Timezone: "UTC"})
		}
	}
	if _, err := db.UpsertAccounts(ctx, accs); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < len(cs); start += 5000 {
		if _, err := db.UpsertContacts(ctx, cs[start:min(start+5000, len(cs))]); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := storetest.SQL(t, db).QueryContext(ctx, `SELECT id, account_id, email FROM contacts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outreach.Contact
	for rows.Next() {
		var c outreach.Contact
		if err := rows.Scan(&c.ID, &c.AccountID, &c.Email); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// planned is a delivery to insert in planned state.
type planned struct {
	ID, Campaign, Category string
	Contact                outreach.Contact
	Due                    time.Time
	EventID                string
}

// oneDue opens a store of the dialect with one contact and its lifecycle
// delivery d1 (milestone-congrats) due at t0.
func oneDue(t testing.TB, dialect string) (*store.DB, outreach.Contact) {
	t.Helper()
	db := openStore(t, dialect)
	c := addPeople(t, db, 1, 1)[0]
	plan(t, db, planned{ID: "d1", Campaign: "milestone-congrats", Category: outreach.CategoryLifecycle, Contact: c, Due: t0})
	return db, c
}

// plan inserts planned deliveries (what the planner would have written).
func plan(t testing.TB, db *store.DB, ds ...planned) {
	t.Helper()
	tx, err := storetest.SQL(t, db).Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := tx.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
		due_at, not_before, expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?, ?)`)
	for _, d := range ds {
		due := d.Due.UnixMilli()
		if _, err := tx.Exec(q, d.ID, d.Campaign, d.Category, d.Contact.ID, d.Contact.AccountID, d.ID, d.EventID,
			due, due, due+int64(outreach.DefaultTTL/time.Millisecond), due, due); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// testPack is the default pack with policy p.
func testPack(p outreach.Policy) func() (*outreach.Pack, outreach.Renderer) {
	l := *campaigns.Default()
	pk := *l.Pack
	pk.Policy = p
	l.Pack = &pk
	return l.PackAndTemplates
}

// capsPolicy is the default pack's caps without quiet hours.
var capsPolicy = outreach.Policy{MaxPerDay: 1, MaxPerWeek: 3, MinGap: 20 * time.Hour, SurveyCooldown: 30 * 24 * time.Hour, AccountMaxSurveysPerWeek: 2}

func newDispatcher(t testing.TB, db *store.DB, s outreach.Sender, p outreach.Policy, pid string) *dispatch.Dispatcher {
	t.Helper()
	signer, err := links.NewSigner("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	return &dispatch.Dispatcher{
		Store: db, Sender: s, Pack: testPack(p), Signer: signer,
		Config: dispatch.Config{Workers: 4, Batch: 20, ProcessID: pid, PublicURL: "https://outreach.example.com",
			From: "news@acme.example", FromName: "Acme", PostalAddress: "Acme Inc., 1 Main St, Springfield"},
	}
}

// state reads one delivery's state, error and message id.
func state(t testing.TB, db *store.DB, id string) (st, errText, messageID string) {
	t.Helper()
	raw := storetest.SQL(t, db)
	err := raw.QueryRowx(raw.Rebind(`SELECT state, error, message_id FROM deliveries WHERE id = ?`), id).Scan(&st, &errText, &messageID)
	if err != nil {
		t.Fatal(err)
	}
	return st, errText, messageID
}

// decisions reads a delivery's decisions in order.
func decisions(t testing.TB, db *store.DB, id string) []outreach.Decision {
	t.Helper()
	raw := storetest.SQL(t, db)
	rows, err := raw.Query(raw.Rebind(`SELECT decision, reason, at, until FROM decisions WHERE delivery_id = ? ORDER BY id`), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outreach.Decision
	for rows.Next() {
		var d outreach.Decision
		var at int64
		var until *int64
		if err := rows.Scan(&d.Decision, &d.Reason, &at, &until); err != nil {
			t.Fatal(err)
		}
		d.At = time.UnixMilli(at).UTC()
		if until != nil {
			u := time.UnixMilli(*until).UTC()
			d.Until = &u
		}
		out = append(out, d)
	}
	return out
}
