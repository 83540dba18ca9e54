package sample

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// File names written by WriteCSV.
const (
	AccountsFile = "accounts.csv"
	ContactsFile = "contacts.csv"
	EventsFile   = "events.csv"
	TeamFile     = "team.csv"
)

// WriteCSV writes the data into dir (created if needed) as accounts.csv,
// contacts.csv, events.csv and team.csv in the import formats of
// PRODUCT.md, ready for `outreach import` and `outreach simulate`.
// Accounts carry one extra column, domain, which becomes an attribute.
func (d *Data) WriteCSV(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write sample: %w", err)
	}
	files := []struct {
		name   string
		header []string
		rows   func(emit func(...string)) error
	}{
		{AccountsFile, []string{"external_id", "name", "owner_email", "plan", "timezone", "started_at", "renewal_date", "domain"}, d.accountRows},
		{ContactsFile, []string{"external_id", "account_external_id", "email", "name", "role", "locale", "timezone", "last_seen_at"}, d.contactRows},
		{EventsFile, []string{"id", "type", "contact_external_id", "account_external_id", "occurred_at", "properties"}, d.eventRows},
		{TeamFile, []string{"email", "name", "timezone", "digest_schedule"}, d.teamRows},
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.header, f.rows); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, header []string, rows func(emit func(...string)) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write sample: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write sample: %w", cerr)
		}
	}()
	w := csv.NewWriter(f)
	_ = w.Write(header)
	if err := rows(func(cells ...string) { _ = w.Write(cells) }); err != nil {
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write sample %s: %w", path, err)
	}
	return nil
}

func rfc3339(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (d *Data) accountRows(emit func(...string)) error {
	for _, a := range d.Accounts {
		domain, _ := a.Attributes["domain"].(string)
		started := ""
		if a.StartedAt != nil {
			started = a.StartedAt.Format(time.DateOnly)
		}
		emit(a.ExternalID, a.Name, a.OwnerEmail, a.Plan, a.Timezone, started, a.RenewalDate, domain)
	}
	return nil
}

func (d *Data) contactRows(emit func(...string)) error {
	for _, c := range d.Contacts {
		emit(c.ExternalID, c.AccountExternalID, c.Email, c.Name, c.Role, c.Locale, c.Timezone, rfc3339(c.LastSeenAt))
	}
	return nil
}

func (d *Data) eventRows(emit func(...string)) error {
	for _, e := range d.Events {
		props := ""
		if len(e.Properties) > 0 {
			b, err := json.Marshal(e.Properties)
			if err != nil {
				return fmt.Errorf("write sample: event %s: %w", e.ID, err)
			}
			props = string(b)
		}
		emit(e.ID, e.Type, e.ContactExternalID, e.AccountExternalID, rfc3339(&e.OccurredAt), props)
	}
	return nil
}

func (d *Data) teamRows(emit func(...string)) error {
	for _, m := range d.Team {
		emit(m.Email, m.Name, m.Timezone, m.DigestSchedule)
	}
	return nil
}
