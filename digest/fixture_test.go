package digest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// periodEnd is Monday 9 March 2026 08:00 in Asia/Tokyo (Sunday 23:00 UTC):
// the end of the fixture's digest period.
var periodEnd = time.Date(2026, 3, 9, 8, 0, 0, 0, mustLoc("Asia/Tokyo")).UTC()

var periodStart = periodEnd.Add(-7 * 24 * time.Hour)

const csm = "csm@vendor.example"

// pack is the active campaign pack of the tests: ticket-feedback asks a
// CSAT question (declared survey: csat), and so does csat-support.
var pack = &outreach.Pack{Policy: outreach.Policy{Timezone: "UTC"}, Campaigns: []outreach.Campaign{
	{Key: "nps-onboarding", Category: outreach.CategorySurvey, Template: "nps", Survey: outreach.SurveyNPS},
	{Key: "ticket-feedback", Category: outreach.CategorySurvey, Template: "csat", Survey: outreach.SurveyCSAT},
	{Key: "csat-support", Category: outreach.CategorySurvey, Template: "csat", Survey: outreach.SurveyCSAT},
}}

func mustLoc(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// eachDialect runs fn as a parallel subtest per dialect with a migrated
// store whose clock is frozen at periodStart.
func eachDialect(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		fn(t, storetest.Open(t, dialect, func() time.Time { return periodStart }))
	})
}

// fixture is the seeded world: a CSM owning Acme and Globex, another CSM
// owning Initech, and their contacts.
type fixture struct {
	db       *store.DB
	contacts map[string]int64 // email -> id
	accounts map[string]int64 // external id -> id
	seq      int
}

func seedAccounts(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	renewal := periodEnd.In(mustLoc("Asia/Tokyo")).AddDate(0, 0, 20).Format(time.DateOnly)
	ok(t)(db.UpsertTeam(ctx, []outreach.TeamMember{
		{Email: csm, Name: "Casey", Timezone: "Asia/Tokyo", DigestSchedule: "0 8 * * MON"},
		{Email: "other@vendor.example", Name: "Olive"},
	}))
	ok(t)(db.UpsertAccounts(ctx, []outreach.Account{
		{ExternalID: "acme", Name: "Acme Corp", OwnerEmail: csm},
		{ExternalID: "globex", Name: "Globex", OwnerEmail: csm, RenewalDate: renewal},
		{ExternalID: "initech", Name: "Initech", OwnerEmail: "other@vendor.example", RenewalDate: renewal},
	}))
	lastSeen := periodStart.Add(-40 * 24 * time.Hour)
	ok(t)(db.UpsertContacts(ctx, []outreach.Contact{
		{ExternalID: "jane", AccountExternalID: "acme", Email: "jane@acme.example", Name: "Jane Doe"},
		{ExternalID: "bob", AccountExternalID: "acme", Email: "bob@acme.example", Name: "Bob", LastSeenAt: &lastSeen},
		{ExternalID: "carol", AccountExternalID: "globex", Email: "carol@globex.example", Name: "Carol"},
		{ExternalID: "dave", AccountExternalID: "initech", Email: "dave@initech.example", Name: "Dave"},
	}))
	f := &fixture{db: db, contacts: map[string]int64{}, accounts: map[string]int64{}}
	rows, err := storetest.SQL(t, db).Query(`SELECT c.email, c.id, a.external_id, a.id FROM contacts c JOIN accounts a ON a.id = c.account_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var email, ext string
		var cid, aid int64
		if err := rows.Scan(&email, &cid, &ext, &aid); err != nil {
			t.Fatal(err)
		}
		f.contacts[email], f.accounts[ext] = cid, aid
	}
	return f
}

// ok fails the test when a store batch returns an error.
func ok(t *testing.T) func(outreach.BatchResult, error) {
	return func(_ outreach.BatchResult, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// delivery inserts a delivery (there is no API to plan one by hand) and
// returns its id.
func (f *fixture) delivery(t *testing.T, email, campaign, category, state, occurrence, eventID string, notBefore, created time.Time) string {
	t.Helper()
	f.seq++
	id := fmt.Sprintf("d%02d", f.seq)
	var account int64
	raw := storetest.SQL(t, f.db)
	if err := raw.Get(&account, raw.Rebind(`SELECT account_id FROM contacts WHERE id = ?`), f.contacts[email]); err != nil {
		t.Fatal(err)
	}
	_, err := raw.Exec(raw.Rebind(`INSERT INTO deliveries (id, campaign, category, contact_id, account_id,
		occurrence, event_id, state, due_at, not_before, expires_at, created_at, updated_at, error)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, campaign, category, f.contacts[email], account, occurrence, eventID, state,
		notBefore.UnixMilli(), notBefore.UnixMilli(), notBefore.Add(7*24*time.Hour).UnixMilli(),
		created.UnixMilli(), created.UnixMilli(), map[bool]string{true: "550 mailbox unavailable"}[state == outreach.DeliveryFailed])
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// decision appends a decision to a delivery.
func (f *fixture) decision(t *testing.T, id, decision, reason string, at time.Time, until *time.Time) {
	t.Helper()
	var u any
	if until != nil {
		u = until.UnixMilli()
	}
	raw := storetest.SQL(t, f.db)
	if _, err := raw.Exec(raw.Rebind(`INSERT INTO decisions (delivery_id, at, decision, reason, until)
		VALUES (?, ?, ?, ?, ?)`), id, at.UnixMilli(), decision, reason, u); err != nil {
		t.Fatal(err)
	}
}

// response records an answer of email to the NPS survey nps-onboarding.
func (f *fixture) response(t *testing.T, email string, score int, comment string, at time.Time) {
	t.Helper()
	f.answer(t, email, "nps-onboarding", score, comment, at)
}

// answer records a survey answer of email to campaign through a sent
// delivery.
func (f *fixture) answer(t *testing.T, email, campaign string, score int, comment string, at time.Time) {
	t.Helper()
	id := f.delivery(t, email, campaign, outreach.CategorySurvey, outreach.DeliverySent, "o"+fmt.Sprint(f.seq), "e", at.Add(-time.Hour), at.Add(-48*time.Hour))
	raw := storetest.SQL(t, f.db)
	if _, err := raw.Exec(raw.Rebind(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), id, f.contacts[email], campaign, score, comment, at.UnixMilli(), at.UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

// seedFull fills every section of the CSM's digest for [periodStart,
// periodEnd), plus data of another owner that must not show.
func seedFull(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := seedAccounts(t, db)
	day := 24 * time.Hour
	// Feedback: Acme had one promoter in the previous period, now a
	// detractor and a promoter; Globex a passive.
	f.response(t, "jane@acme.example", 9, "", periodStart.Add(-2*day))
	f.response(t, "jane@acme.example", 3, "Too slow since the update", periodEnd.Add(-2*day))
	f.response(t, "bob@acme.example", 10, "Love it", periodEnd.Add(-1*day))
	f.response(t, "carol@globex.example", 8, "", periodEnd.Add(-3*day))
	f.response(t, "dave@initech.example", 0, "Not mine to see", periodEnd.Add(-1*day))
	// Automation.
	sent := f.delivery(t, "jane@acme.example", "qbr-followup", outreach.CategoryLifecycle, outreach.DeliverySent, "q1", "e1", periodStart.Add(day), periodStart)
	f.decision(t, sent, outreach.DecisionDeferred, "quiet hours", periodStart.Add(day), nil)
	f.decision(t, sent, outreach.DecisionSent, "within every limit", periodStart.Add(2*day), nil)
	until := periodEnd.Add(day)
	deferred := f.delivery(t, "bob@acme.example", "csat-support", outreach.CategorySurvey, outreach.DeliveryPlanned, "t1", "e2", until, periodStart)
	f.decision(t, deferred, outreach.DecisionDeferred, "max 1 per day reached", periodEnd.Add(-day), &until)
	dropped := f.delivery(t, "carol@globex.example", "nps-qbr", outreach.CategorySurvey, outreach.DeliveryDropped, "t2", "e3", periodStart, periodStart)
	f.decision(t, dropped, outreach.DecisionDropped, "ttl expired: survey cooldown until Apr 1", periodEnd.Add(-4*day), nil)
	failed := f.delivery(t, "carol@globex.example", "milestone", outreach.CategoryLifecycle, outreach.DeliveryFailed, "t3", "e4", periodStart, periodStart)
	f.decision(t, failed, outreach.DecisionSent, "within every limit", periodEnd.Add(-5*day), nil)
	f.delivery(t, "jane@acme.example", "renewal-reminder", outreach.CategoryTransactional, outreach.DeliveryPlanned, "2026-03-29", "", periodEnd.Add(2*day), periodEnd.Add(-time.Hour))
	f.delivery(t, "jane@acme.example", "too-late", outreach.CategorySurvey, outreach.DeliveryPlanned, "x", "e5", periodEnd.Add(8*day), periodStart)
	other := f.delivery(t, "dave@initech.example", "nps-qbr", outreach.CategorySurvey, outreach.DeliverySent, "t4", "e6", periodStart, periodStart)
	f.decision(t, other, outreach.DecisionSent, "within every limit", periodEnd.Add(-day), nil)
	// Quiet: a re-engagement delivery planned for Bob, whose occurrence is
	// his last_seen_at.
	lastSeen := periodStart.Add(-40 * day).UTC().Format("2006-01-02T15:04:05Z")
	f.delivery(t, "bob@acme.example", "reengagement", outreach.CategoryLifecycle, outreach.DeliverySent, lastSeen, "", periodStart.Add(day), periodStart.Add(day))
	// Milestone and suppressions, stored through the store's own methods.
	ok(t)(db.InsertEvents(ctx, []outreach.Event{
		{ID: "m1", Type: outreach.EventMilestoneReached, AccountExternalID: "acme", OccurredAt: periodEnd.Add(-day), Properties: map[string]any{"milestone": "1000 users"}, NoTrigger: true},
		{ID: "m2", Type: outreach.EventMilestoneReached, AccountExternalID: "initech", OccurredAt: periodEnd.Add(-day), Properties: map[string]any{"milestone": "secret"}, NoTrigger: true},
	}))
	now := periodEnd.Add(-time.Hour)
	db.Now = func() time.Time { return now }
	ok(t)(db.AddSuppressions(ctx, []outreach.Suppression{
		{Email: "carol@globex.example", Scope: outreach.ScopeHard, Reason: "bounce: 550 no such user"},
		{Email: "jane@acme.example", Scope: outreach.ScopeAll, Reason: "unsubscribe"},
		{Email: "dave@initech.example", Scope: outreach.ScopeHard, Reason: "spamreport"},
	}))
	return f
}

// recorder is a Sender that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	msgs []*outreach.Message
	err  error // returned by Send when set
}

var _ outreach.Sender = (*recorder)(nil)

func (r *recorder) Send(_ context.Context, m *outreach.Message) (outreach.SendResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return outreach.SendResult{}, r.err
	}
	r.msgs = append(r.msgs, m)
	return outreach.SendResult{MessageID: m.DeliveryID}, nil
}

func (r *recorder) sent() []*outreach.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*outreach.Message(nil), r.msgs...)
}

func signer(t *testing.T) *links.Signer {
	t.Helper()
	s, err := links.NewSigner("0123456789abcdef0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	return s
}
