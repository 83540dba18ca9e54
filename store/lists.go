package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/outreach-dev/outreach"
)

var _ outreach.ListStore = (*DB)(nil)

// where collects the conditions and arguments of a list query.
type where struct {
	conds []string
	args  []any
}

// eq adds "col = value" when value is set.
func (w *where) eq(col, value string) {
	if value != "" {
		w.add(col+" = ?", value)
	}
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// pageLimit is the page size: the default for 0, capped at the maximum.
func pageLimit(n int) int {
	if n <= 0 {
		return outreach.DefaultListLimit
	}
	return min(n, outreach.MaxListLimit)
}

// idCursor decodes a cursor over an integer id (accounts, contacts).
func idCursor(cursor string) (int64, error) {
	if cursor == "" {
		return 0, nil
	}
	key, err := outreach.DecodeCursor(cursor)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(key, 10, 64)
	if err != nil || id < 0 {
		return 0, outreach.Errorf(outreach.EINVALID, "cursor %q is not one this API returned: pass the next_cursor of the previous page", cursor)
	}
	return id, nil
}

// ListAccounts returns accounts in id order.
func (db *DB) ListAccounts(ctx context.Context, f outreach.AccountFilter) ([]outreach.Account, string, error) {
	after, err := idCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	var w where
	w.add("id > ?", after)
	w.eq("owner_email", strings.ToLower(strings.TrimSpace(f.Owner)))
	w.eq("plan", f.Plan)
	var rows []accountRow
	q := `SELECT id, external_id, name, owner_email, plan, timezone, started_at, renewal_date, paused_until, attributes
		FROM accounts` + w.sql() + ` ORDER BY id LIMIT ?`
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), append(w.args, limit+1)...); err != nil {
		return nil, "", fmt.Errorf("list accounts: %w", err)
	}
	out := make([]outreach.Account, 0, min(len(rows), limit))
	next := ""
	for i, r := range rows {
		if i == limit {
			next = outreach.EncodeCursor(strconv.FormatInt(rows[i-1].ID, 10))
			break
		}
		a := r.account()
		if a.Attributes, err = parseJSON(r.Attributes); err != nil {
			return nil, "", fmt.Errorf("account %d attributes: %w", r.ID, err)
		}
		out = append(out, a)
	}
	return out, next, nil
}

// ListContacts returns contacts in id order.
func (db *DB) ListContacts(ctx context.Context, f outreach.ContactFilter) ([]outreach.Contact, string, error) {
	after, err := idCursor(f.Cursor)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	var w where
	w.add("c.id > ?", after)
	w.eq("a.external_id", f.Account)
	w.eq("c.role", f.Role)
	if f.Locale != "" {
		w.add("LOWER(c.locale) = ?", strings.ToLower(f.Locale))
	}
	w.eq("c.status", f.Status)
	var rows []contactRow
	q := `SELECT c.id, c.external_id, c.account_id, a.external_id AS account_external_id,
		c.email, c.name, c.role, c.locale, c.timezone, c.last_seen_at, c.status, c.attributes
		FROM contacts c JOIN accounts a ON a.id = c.account_id` + w.sql() + ` ORDER BY c.id LIMIT ?`
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), append(w.args, limit+1)...); err != nil {
		return nil, "", fmt.Errorf("list contacts: %w", err)
	}
	out := make([]outreach.Contact, 0, min(len(rows), limit))
	next := ""
	for i, c := range rows {
		if i == limit {
			next = outreach.EncodeCursor(strconv.FormatInt(rows[i-1].ID, 10))
			break
		}
		attrs, err := parseJSON(c.Attributes)
		if err != nil {
			return nil, "", fmt.Errorf("contact %d attributes: %w", c.ID, err)
		}
		out = append(out, outreach.Contact{ID: c.ID, ExternalID: c.ExternalID.String, AccountID: c.AccountID,
			AccountExternalID: c.AccountExternalID, Email: c.Email, Name: c.Name, Role: c.Role, Locale: c.Locale,
			Timezone: c.Timezone, LastSeenAt: fromNullMs(c.LastSeenAt), Status: c.Status, Attributes: attrs})
	}
	return out, next, nil
}

// ListDeliveries returns deliveries in (created_at, id) order.
func (db *DB) ListDeliveries(ctx context.Context, f outreach.DeliveryFilter) ([]outreach.DeliveryItem, string, error) {
	limit := pageLimit(f.Limit)
	var w where
	if f.Cursor != "" {
		key, err := outreach.DecodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		at, id, ok := strings.Cut(key, "/")
		atMs, perr := strconv.ParseInt(at, 10, 64)
		if !ok || perr != nil || id == "" {
			return nil, "", outreach.Errorf(outreach.EINVALID, "cursor %q is not one this API returned: pass the next_cursor of the previous page", f.Cursor)
		}
		w.add("(d.created_at > ? OR (d.created_at = ? AND d.id > ?))", atMs, atMs, id)
	}
	w.eq("d.state", f.State)
	w.eq("d.campaign", f.Campaign)
	w.eq("c.email", strings.ToLower(strings.TrimSpace(f.Contact)))
	if f.From != nil {
		w.add("d.created_at >= ?", ms(*f.From))
	}
	if f.To != nil {
		w.add("d.created_at < ?", ms(*f.To))
	}
	var rows []struct {
		deliveryRow
		Email   string `db:"email"`
		Account string `db:"account_external_id"`
	}
	q := `SELECT d.id, d.campaign, d.category, d.contact_id, d.account_id, d.occurrence, d.event_id, d.state, d.due_at,
		d.not_before, d.reserved_at, d.sent_at, d.claimed_by, d.heartbeat_at, d.message_id, d.error, d.created_at,
		c.email, a.external_id AS account_external_id
		FROM deliveries d JOIN contacts c ON c.id = d.contact_id JOIN accounts a ON a.id = d.account_id` +
		w.sql() + ` ORDER BY d.created_at, d.id LIMIT ?`
	if err := db.db.SelectContext(ctx, &rows, db.rebind(q), append(w.args, limit+1)...); err != nil {
		return nil, "", fmt.Errorf("list deliveries: %w", err)
	}
	out := make([]outreach.DeliveryItem, 0, min(len(rows), limit))
	next := ""
	for i, r := range rows {
		if i == limit {
			last := rows[i-1]
			next = outreach.EncodeCursor(strconv.FormatInt(last.CreatedAt, 10) + "/" + last.ID)
			break
		}
		out = append(out, outreach.DeliveryItem{ID: r.ID, Campaign: r.Campaign, Category: r.Category, Contact: r.Email,
			Account: r.Account, Occurrence: r.Occurrence, EventID: r.EventID, State: r.State, DueAt: fromMs(r.DueAt),
			NotBefore: fromMs(r.NotBefore), SentAt: fromNullMs(r.SentAt), Error: r.Error, CreatedAt: fromMs(r.CreatedAt)})
	}
	return out, next, nil
}
