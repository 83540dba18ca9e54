package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/outreach-dev/outreach"
)

// maxContactSearch bounds the contacts SearchContacts returns.
const maxContactSearch = 50

// SearchContacts returns up to limit contacts whose email or name starts
// with q (case-insensitive), by email: two index range scans.
func (db *DB) SearchContacts(ctx context.Context, q string, limit int) ([]outreach.Contact, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return nil, nil
	}
	query, args := db.SearchContactsStatement(q, limit)
	rows, err := db.db.QueryxContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search contacts: %w", err)
	}
	defer rows.Close()
	var out []outreach.Contact
	for rows.Next() {
		var c outreach.Contact
		if err := rows.Scan(&c.Email, &c.Name, &c.Locale, &c.Role); err != nil {
			return nil, fmt.Errorf("search contacts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SearchContactsStatement is the statement SearchContacts runs for q (in
// the store's dialect, lower-cased and trimmed as SearchContacts does), for
// the page-speed benchmark's bare-SQL baseline.
func (db *DB) SearchContactsStatement(q string, limit int) (string, []any) {
	q = strings.ToLower(strings.TrimSpace(q))
	limit = min(max(limit, 1), maxContactSearch)
	var query string
	var args []any
	if db.postgres() {
		pat := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
		query = `SELECT email, name, locale, role FROM contacts WHERE email LIKE ? OR lower(name) LIKE ? ORDER BY email LIMIT ?`
		args = []any{pat, pat, limit}
	} else {
		// SQLite compares TEXT bytewise: [q, q+U+10FFFF) holds every
		// string starting with q.
		hi := q + "\U0010FFFF"
		query = `SELECT email, name, locale, role FROM contacts WHERE (email >= ? AND email < ?) OR (lower(name) >= ? AND lower(name) < ?) ORDER BY email LIMIT ?`
		args = []any{q, hi, q, hi, limit}
	}
	return db.rebind(query), args
}
