package scheduler_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/campaigns/defaultpack"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

var (
	_ scheduler.Store       = (*store.DB)(nil)
	_ scheduler.PackApplier = (*store.DB)(nil)
	_ scheduler.Leader      = (*store.Leader)(nil)
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// t0 is a Monday, 09:30 UTC: the time the test pack is applied.
var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

const day = 24 * time.Hour

// testCampaigns is the campaigns.yaml of the test pack; it uses the
// templates of the default pack.
const testCampaigns = `
policy:
  timezone: UTC
campaigns:
  - key: nps-onboarding
    category: survey
    survey: nps
    priority: 50
    trigger: {event: onboarding.completed, delay: 14d}
    filter: {roles: [admin, champion]}
    template: nps
    ttl: 10d
  - key: csat-support
    category: survey
    survey: csat
    priority: 70
    trigger: {event: support.ticket_closed, delay: 2h, where: {priority: [p1, p2]}}
    dedupe: ticket_id
    template: csat
    ttl: 3d
  - key: nps-qbr
    category: survey
    survey: nps
    priority: 55
    trigger: {event: qbr.completed}
    filter: {plans: [Enterprise], locales: [pt]}
    template: nps
  - key: renewal-reminder
    category: transactional
    priority: 90
    trigger: {schedule: "0 9 * * *", audience: {renewal_within: 60d}}
    filter: {roles: [admin, billing]}
    template: renewal-reminder
  - key: anniversary
    category: lifecycle
    priority: 35
    trigger: {schedule: "@daily", audience: {anniversary: started_at}}
    template: anniversary
  - key: reengagement
    category: lifecycle
    priority: 20
    trigger: {schedule: "0 10 * * MON", audience: {inactive_for: 30d}}
    cooldown: 60d
    template: reengagement
`

// loadPack loads a pack made of yaml and the default pack's templates.
func loadPack(t testing.TB, yaml string) *campaigns.Loaded {
	t.Helper()
	files := map[string]string{campaigns.PackFile: yaml}
	err := fs.WalkDir(defaultpack.FS, campaigns.TemplatesDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(defaultpack.FS, p)
		files[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := campaigns.FromFiles(files, "test")
	if err != nil {
		t.Fatalf("test pack: %v", err)
	}
	return l
}

// clock is a settable virtual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)     { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }
func (c *clock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// bundle is one test's store, scheduler and clock.
type bundle struct {
	db    *store.DB
	s     *scheduler.Scheduler
	clock *clock
	pack  *campaigns.Loaded
	logs  *bytes.Buffer
	ids   map[string]int64 // contact external id -> row id
	url   string
}

// setup opens a store for dialect, applies the test pack at t0 and seeds
// the fixture people.
func setup(t *testing.T, dialect string) *bundle {
	t.Helper()
	return setupPack(t, dialect, testCampaigns)
}

// setupPack is setup with the pack whose campaigns.yaml is yaml.
func setupPack(t *testing.T, dialect, yaml string) *bundle {
	t.Helper()
	c := &clock{t: t0}
	url := storetest.URL(t, dialect)
	b := &bundle{db: storetest.OpenURL(t, url, c.Now), clock: c, logs: &bytes.Buffer{}, url: url}
	b.pack = loadPack(t, yaml)
	b.s = &scheduler.Scheduler{
		Store:  b.db,
		Pack:   func() *outreach.Pack { return b.pack.Pack },
		Logger: slog.New(slog.NewTextHandler(&lockedWriter{w: b.logs}, nil)),
	}
	b.apply(t, b.pack)
	b.seed(t)
	return b
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// apply makes l the active pack at the clock's time.
func (b *bundle) apply(t *testing.T, l *campaigns.Loaded) int {
	t.Helper()
	v, _, err := scheduler.ApplyPack(context.Background(), b.db, l, b.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	b.pack = l
	return v
}

func ptime(t time.Time) *time.Time { return &t }

// seed stores two accounts and their contacts:
//
//	acme  Enterprise, renews in 30 days, started 2 years ago tomorrow
//	  ann  admin     en     seen 40 days ago
//	  bob  user      pt-BR  seen yesterday
//	  cid  champion  pt     never seen
//	  dan  admin     pt     inactive
//	beta  starter, no renewal date
//	  eve  billing   fr     seen 100 days ago
func (b *bundle) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	started := time.Date(2024, 3, 3, 15, 0, 0, 0, time.UTC)
	_, err := b.db.UpsertAccounts(ctx, []outreach.Account{
		{ExternalID: "acme", Name: "Acme", Plan: "enterprise", RenewalDate: t0.AddDate(0, 0, 30).Format(time.DateOnly), StartedAt: &started},
		{ExternalID: "beta", Name: "Beta", Plan: "starter"},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.db.UpsertContacts(ctx, []outreach.Contact{
		{ExternalID: "ann", AccountExternalID: "acme", Email: "ann@acme.test", Role: "admin", Locale: "en", LastSeenAt: ptime(t0.Add(-40 * day))},
		{ExternalID: "bob", AccountExternalID: "acme", Email: "bob@acme.test", Role: "user", Locale: "pt-BR", LastSeenAt: ptime(t0.Add(-day))},
		{ExternalID: "cid", AccountExternalID: "acme", Email: "cid@acme.test", Role: "champion", Locale: "pt"},
		{ExternalID: "dan", AccountExternalID: "acme", Email: "dan@acme.test", Role: "admin", Locale: "pt", Status: outreach.ContactInactive},
		{ExternalID: "eve", AccountExternalID: "beta", Email: "eve@beta.test", Role: "billing", Locale: "fr", LastSeenAt: ptime(t0.Add(-100 * day))},
	})
	if err != nil {
		t.Fatal(err)
	}
	b.loadIDs(t)
}

// loadIDs reads the row ids of the stored contacts into b.ids.
func (b *bundle) loadIDs(t *testing.T) {
	t.Helper()
	b.ids = map[string]int64{}
	rows, err := storetest.SQL(t, b.db).Query(`SELECT external_id, id FROM contacts`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var ext string
		var id int64
		if err := rows.Scan(&ext, &id); err != nil {
			t.Fatal(err)
		}
		b.ids[ext] = id
	}
}

// events ingests events through the store.
func (b *bundle) events(t *testing.T, evs ...outreach.Event) {
	t.Helper()
	if _, err := b.db.InsertEvents(context.Background(), evs); err != nil {
		t.Fatal(err)
	}
}

// tick runs one tick at the clock's time.
func (b *bundle) tick(t *testing.T) scheduler.TickReport {
	t.Helper()
	rep, err := b.s.Tick(context.Background(), b.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// delivery is a planned delivery as read back for assertions.
type delivery struct {
	ID         string `db:"id"`
	Campaign   string `db:"campaign"`
	Category   string `db:"category"`
	ContactID  int64  `db:"contact_id"`
	AccountID  int64  `db:"account_id"`
	Occurrence string `db:"occurrence"`
	EventID    string `db:"event_id"`
	State      string `db:"state"`
	DueAt      int64  `db:"due_at"`
	NotBefore  int64  `db:"not_before"`
	ExpiresAt  int64  `db:"expires_at"`
}

// deliveries returns the deliveries of campaign, by contact id and
// occurrence.
func (b *bundle) deliveries(t *testing.T, campaign string) []delivery {
	t.Helper()
	var out []delivery
	q := `SELECT id, campaign, category, contact_id, account_id, occurrence, event_id, state, due_at, not_before, expires_at
		FROM deliveries WHERE campaign = $1 ORDER BY contact_id, occurrence`
	if b.db.Dialect() == store.SQLite {
		q = `SELECT id, campaign, category, contact_id, account_id, occurrence, event_id, state, due_at, not_before, expires_at
		FROM deliveries WHERE campaign = ? ORDER BY contact_id, occurrence`
	}
	if err := storetest.SQL(t, b.db).Select(&out, q, campaign); err != nil {
		t.Fatal(err)
	}
	return out
}

// contactsOf returns the external ids of the deliveries' contacts.
func (b *bundle) contactsOf(ds []delivery) []string {
	byID := map[int64]string{}
	for ext, id := range b.ids {
		byID[id] = ext
	}
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = byID[d.ContactID]
	}
	return out
}
