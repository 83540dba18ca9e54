package sample_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/ingest"
	"github.com/outreach-dev/outreach/sample"
)

func TestGenerateDeterministic(t *testing.T) {
	a := sample.Generate(7, sample.Options{Accounts: 40})
	b := sample.Generate(7, sample.Options{Accounts: 40})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two generations with the same seed differ")
	}
	c := sample.Generate(8, sample.Options{Accounts: 40})
	if reflect.DeepEqual(a.Contacts, c.Contacts) {
		t.Fatal("two seeds gave the same contacts")
	}
}

func TestGenerateRealistic(t *testing.T) {
	from := time.Date(2026, 5, 4, 0, 0, 0, 0, time.UTC)
	d := sample.Generate(1, sample.Options{From: from, Days: 90})
	if len(d.Accounts) != 300 || len(d.Team) != 8 {
		t.Fatalf("got %d accounts and %d team members, want 300 and 8", len(d.Accounts), len(d.Team))
	}
	owners := map[string]bool{}
	for _, m := range d.Team {
		owners[m.Email] = true
		if m.DigestSchedule == "" || outreach.ValidateTimezone(m.Timezone) != nil {
			t.Errorf("team member %+v lacks a schedule or a valid timezone", m)
		}
	}
	plans := map[string]int{}
	for _, a := range d.Accounts {
		plans[a.Plan]++
		if !owners[a.OwnerEmail] {
			t.Errorf("account %s is owned by %q, not a team member", a.ExternalID, a.OwnerEmail)
		}
		renewal, err := time.Parse(time.DateOnly, a.RenewalDate)
		if err != nil || !renewal.After(from) || renewal.After(from.AddDate(1, 0, 1)) {
			t.Errorf("account %s renews on %q, not within the next year", a.ExternalID, a.RenewalDate)
		}
		if age := from.Sub(*a.StartedAt); age < 365*24*time.Hour || age > 5*366*24*time.Hour {
			t.Errorf("account %s started %v before the window, want 1-5 years", a.ExternalID, age)
		}
	}
	for _, p := range []string{"starter", "growth", "enterprise"} {
		if plans[p] == 0 {
			t.Errorf("no %s account", p)
		}
	}
	checkContacts(t, d)
	checkEvents(t, d, from)
}

func checkContacts(t *testing.T, d *sample.Data) {
	t.Helper()
	perAccount := map[string]map[string]int{}
	emails := map[string]bool{}
	locales := map[string]bool{}
	zones := map[string]bool{}
	for _, a := range d.Accounts {
		zones[a.Timezone] = true
	}
	for _, c := range d.Contacts {
		if perAccount[c.AccountExternalID] == nil {
			perAccount[c.AccountExternalID] = map[string]int{}
		}
		perAccount[c.AccountExternalID][c.Role]++
		if e, err := outreach.CanonicalEmail(c.Email); err != nil || e != c.Email || emails[e] {
			t.Errorf("contact %s: email %q is invalid, not lower-case or taken twice", c.ExternalID, c.Email)
		}
		emails[c.Email] = true
		locales[c.Locale] = true
		zones[c.Timezone] = true
		if outreach.ValidateTimezone(c.Timezone) != nil {
			t.Errorf("contact %s: bad timezone %q", c.ExternalID, c.Timezone)
		}
	}
	for acc, roles := range perAccount {
		n := 0
		for _, k := range roles {
			n += k
		}
		if n < 3 || n > 8 || roles["admin"] != 1 || roles["champion"] != 1 {
			t.Errorf("account %s has roles %v, want 3-8 people with one admin and one champion", acc, roles)
		}
	}
	for _, l := range []string{"en", "pt-BR", "pt", "fr", "ru", "hu", "id"} {
		if !locales[l] {
			t.Errorf("no contact with locale %s", l)
		}
	}
	for _, z := range []string{"America/Sao_Paulo", "Europe/Paris", "Europe/Moscow", "Europe/Budapest", "Asia/Jakarta", "Pacific/Auckland", "Asia/Kolkata", "America/Los_Angeles"} {
		if !zones[z] {
			t.Errorf("no account or contact in %s", z)
		}
	}
}

func checkEvents(t *testing.T, d *sample.Data, from time.Time) {
	t.Helper()
	end := from.AddDate(0, 0, 90)
	types := map[string]int{}
	var last time.Time
	for _, e := range d.Events {
		types[e.Type]++
		if e.OccurredAt.Before(from) || !e.OccurredAt.Before(end) {
			t.Errorf("event %s at %v is outside the window", e.ID, e.OccurredAt)
		}
		if e.OccurredAt.Before(last) {
			t.Errorf("event %s is out of time order", e.ID)
		}
		last = e.OccurredAt
		switch e.Type {
		case outreach.EventTicketClosed:
			if e.Properties["ticket_id"] == nil || e.Properties["priority"] == nil {
				t.Errorf("ticket event %s lacks ticket_id or priority: %v", e.ID, e.Properties)
			}
		case outreach.EventMilestoneReached:
			if e.Properties["milestone"] == nil {
				t.Errorf("milestone event %s lacks milestone", e.ID)
			}
		}
	}
	for _, typ := range []string{outreach.EventOnboardingCompleted, outreach.EventQBRCompleted, outreach.EventTicketClosed,
		outreach.EventRenewalCompleted, outreach.EventMilestoneReached, outreach.EventContactActive} {
		if types[typ] == 0 {
			t.Errorf("no %s event", typ)
		}
	}
}

func TestGenerateExactSizes(t *testing.T) {
	d := sample.Generate(3, sample.Options{Accounts: 50, Contacts: 520, Events: 3000, Days: 30})
	if len(d.Contacts) != 520 || len(d.Events) != 3000 {
		t.Fatalf("got %d contacts and %d events, want 520 and 3000", len(d.Contacts), len(d.Events))
	}
}

func TestWriteCSVDecodes(t *testing.T) {
	d := sample.Generate(5, sample.Options{Accounts: 25, Days: 30})
	dir := t.TempDir()
	if err := d.WriteCSV(dir); err != nil {
		t.Fatal(err)
	}
	want := map[ingest.Kind]int{ingest.Accounts: len(d.Accounts), ingest.Contacts: len(d.Contacts),
		ingest.Events: len(d.Events), ingest.Team: len(d.Team)}
	files := map[ingest.Kind]string{ingest.Accounts: sample.AccountsFile, ingest.Contacts: sample.ContactsFile,
		ingest.Events: sample.EventsFile, ingest.Team: sample.TeamFile}
	for kind, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := ingest.DecodeCSV(kind, f, 0)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b.Len() != want[kind] {
			t.Errorf("%s: decoded %d rows, want %d", name, b.Len(), want[kind])
		}
		if kind == ingest.Events && !reflect.DeepEqual(b.Events[0].Properties, normalize(d.Events[0].Properties)) {
			t.Errorf("event properties changed through CSV: %v vs %v", b.Events[0].Properties, d.Events[0].Properties)
		}
	}
}

// normalize makes an empty property map nil, as decoding does.
func normalize(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func TestComments(t *testing.T) {
	for _, tc := range []struct{ locale, like string }{
		{"pt-BR", "pt-BR"}, {"pt-PT", "pt"}, {"fr-CA", "fr"}, {"de", "en"}, {"", "en"}, {"hu", "hu"},
	} {
		got, want := sample.Comments(tc.locale), sample.Comments(tc.like)
		if len(got) == 0 || got[0] != want[0] {
			t.Errorf("Comments(%q) = %v, want the %s comments", tc.locale, got, tc.like)
		}
	}
	if reflect.DeepEqual(sample.Comments("pt-BR"), sample.Comments("pt")) {
		t.Error("pt-BR and pt share comments")
	}
	for _, c := range sample.Comments("ru") {
		if c.Score < 0 || c.Score > 10 || c.Text == "" {
			t.Errorf("bad comment %+v", c)
		}
	}
}
