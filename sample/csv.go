package sample

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/outreach-dev/outreach"
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
// Like `outreach init`, it never overwrites: when any of the four files
// exists already, it writes nothing and returns an ECONFLICT error.
func (d *Data) WriteCSV(dir string) error {
	files := []struct {
		name   string
		header []string
		rows   func(emit func(...string)) error
	}{
		{AccountsFile, []string{"external_id", "name", "owner_email", "plan", "timezone", "started_at", "renewal_date", "domain"}, d.accountRows},
		{ContactsFile, []string{"external_id", "account_external_id", "email", "name", "role", "locale", "timezone", "last_seen_at"}, d.contactRows},
		{EventsFile, []string{"id", "type", "contact_external_id", "account_external_id", "occurred_at", "properties"}, d.eventRows},
		{TeamFile, []string{"email", "name", "timezone", "digest_schedule", "console_role"}, d.teamRows},
	}
	var existing []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		if _, err := os.Lstat(path); err == nil {
			existing = append(existing, path)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("write sample: %w", err)
		}
	}
	if len(existing) > 0 {
		return outreach.Errorf(outreach.ECONFLICT, "%s already exists (%d of the sample's %d files do); refusing to overwrite: choose an empty or new directory",
			existing[0], len(existing), len(files))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write sample: %w", err)
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.header, f.rows); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(path string, header []string, rows func(emit func(...string)) error) (err error) {
	// O_EXCL: a file that appeared since the check is not overwritten either.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
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
		emit(m.Email, m.Name, m.Timezone, m.DigestSchedule, m.ConsoleRole)
	}
	return nil
}
