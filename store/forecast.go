package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
)

// ForecastInput is the stored customer data a pack forecast runs over.
type ForecastInput struct {
	Accounts     []outreach.Account
	Contacts     []outreach.Contact
	Events       []outreach.Event
	Suppressions []outreach.Suppression
}

// ForecastData reads the accounts, contacts, suppressions and the events
// that occurred since, for a forecast. It refuses (EINVALID) a base with
// more than maxContacts contacts or maxEvents such events, so a forecast
// stays bounded in memory and time.
func (db *DB) ForecastData(ctx context.Context, since time.Time, maxContacts, maxEvents int) (*ForecastInput, error) {
	var n int
	if err := db.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM contacts`); err != nil {
		return nil, fmt.Errorf("forecast data: %w", err)
	}
	if n > maxContacts {
		return nil, outreach.Errorf(outreach.EINVALID, "%d contacts are stored: the console forecasts at most %d; run `outreach simulate` on an export instead", n, maxContacts)
	}
	in := &ForecastInput{}
	for cur := ""; ; {
		page, next, err := db.ListAccounts(ctx, outreach.AccountFilter{ListPage: outreach.ListPage{Cursor: cur, Limit: outreach.MaxListLimit}})
		if err != nil {
			return nil, err
		}
		in.Accounts = append(in.Accounts, page...)
		if cur = next; next == "" {
			break
		}
	}
	for cur := ""; ; {
		page, next, err := db.ListContacts(ctx, outreach.ContactFilter{ListPage: outreach.ListPage{Cursor: cur, Limit: outreach.MaxListLimit}})
		if err != nil {
			return nil, err
		}
		in.Contacts = append(in.Contacts, page...)
		if cur = next; next == "" {
			break
		}
	}
	var err error
	if in.Events, err = db.forecastEvents(ctx, since, maxEvents); err != nil {
		return nil, err
	}
	var sups []struct {
		Email     string `db:"email"`
		Scope     string `db:"scope"`
		Reason    string `db:"reason"`
		CreatedAt int64  `db:"created_at"`
	}
	if err := db.db.SelectContext(ctx, &sups, `SELECT email, scope, reason, created_at FROM suppressions WHERE email IS NOT NULL`); err != nil {
		return nil, fmt.Errorf("forecast suppressions: %w", err)
	}
	for _, s := range sups {
		in.Suppressions = append(in.Suppressions, outreach.Suppression{Email: s.Email, Scope: s.Scope, Reason: s.Reason, CreatedAt: fromMs(s.CreatedAt)})
	}
	return in, nil
}

// forecastEvents reads the events that occurred since, with their contact
// and account external ids.
func (db *DB) forecastEvents(ctx context.Context, since time.Time, max int) ([]outreach.Event, error) {
	rows, err := db.db.QueryxContext(ctx, db.rebind(`SELECT e.id, e.type, COALESCE(c.external_id, ''), COALESCE(a.external_id, ''),
		e.occurred_at, e.properties
		FROM events e LEFT JOIN contacts c ON c.id = e.contact_id LEFT JOIN accounts a ON a.id = e.account_id
		WHERE e.occurred_at >= ? ORDER BY e.occurred_at, e.seq LIMIT ?`), ms(since), max+1)
	if err != nil {
		return nil, fmt.Errorf("forecast events: %w", err)
	}
	defer rows.Close()
	var out []outreach.Event
	for rows.Next() {
		var e outreach.Event
		var at int64
		var props sql.NullString
		if err := rows.Scan(&e.ID, &e.Type, &e.ContactExternalID, &e.AccountExternalID, &at, &props); err != nil {
			return nil, fmt.Errorf("forecast events: %w", err)
		}
		e.OccurredAt = fromMs(at)
		if props.Valid && props.String != "" {
			if err := json.Unmarshal([]byte(props.String), &e.Properties); err != nil {
				return nil, fmt.Errorf("forecast event %s: %w", e.ID, err)
			}
		}
		out = append(out, e)
	}
	if len(out) > max {
		return nil, outreach.Errorf(outreach.EINVALID, "more than %d events occurred since %s: the console forecasts at most %d; choose fewer days of history or run `outreach simulate`",
			max, since.Format(time.DateOnly), max)
	}
	return out, rows.Err()
}
