package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// plannedContact is a contact as an upsert batch plans it: a stored one,
// locked, or one the batch creates (ID 0 until writeContacts numbers it).
type plannedContact struct {
	ID         int64          `db:"id"`
	ExternalID sql.NullString `db:"external_id"`
	AccountID  int64          `db:"account_id"`
	Email      string         `db:"email"`
	Name       string         `db:"name"`
	Role       string         `db:"role"`
	Locale     string         `db:"locale"`
	Timezone   string         `db:"timezone"`
	LastSeenAt sql.NullInt64  `db:"last_seen_at"`
	Status     string         `db:"status"`
	Attributes sql.NullString `db:"attributes"`

	storedEmail string // the email before the batch
	touched     bool   // an item of the batch updates it
}

// contactPlan is the state of the contacts a batch names, as its items
// change it one after the other.
type contactPlan struct {
	stored  []*plannedContact // in id order
	created []*plannedContact // in creation order
	byEmail map[string]*plannedContact
	byExt   map[string]*plannedContact
}

// UpsertContacts inserts or updates contacts in one transaction, by
// external_id when it names a contact, else by email. "" and nil fields
// keep the current value and last_seen_at only moves forward. An item whose
// external_id and email name two different contacts is invalid (field
// "email"), as is a new contact without a known account_external_id.
//
// Items apply in order, so that an item may update a contact created
// earlier in the batch: the transaction locks the stored contacts the batch
// names (by email or external_id) in id order, then their accounts (in id
// order too, as dispatch does), applies the items to them in memory, and
// writes the outcome: the new contacts (in email order on PostgreSQL,
// numbered in creation order all the same: see newIDs), then the changed
// stored ones. Concurrent batches over the same contacts thus take their
// locks in one order and never deadlock each other; one that finds a
// contact it meant to create created meanwhile by another runs again, and
// so updates it instead (each contact is reported created once).
func (db *DB) UpsertContacts(ctx context.Context, items []outreach.Contact) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	norm := make([]outreach.Contact, len(items))
	var emails, exts, accounts []string
	for i, c := range items {
		c.Email = strings.ToLower(strings.TrimSpace(c.Email))
		c.ExternalID = strings.TrimSpace(c.ExternalID)
		norm[i] = c
		if c.Email != "" {
			emails = append(emails, c.Email)
		}
		if c.ExternalID != "" {
			exts = append(exts, c.ExternalID)
		}
		if c.AccountExternalID != "" {
			accounts = append(accounts, c.AccountExternalID)
		}
	}
	accounts = sortedUnique(accounts)
	err := db.inBatchTx(ctx, "upsert contacts", func(tx *sqlx.Tx, now time.Time) error {
		res = outreach.BatchResult{}
		p, err := db.lockContacts(ctx, tx, sortedUnique(emails), sortedUnique(exts))
		if err != nil {
			return err
		}
		accountIDs, err := db.accountIDs(ctx, tx, accounts, "FOR KEY SHARE")
		if err != nil {
			return err
		}
		var bad outreach.BatchError
		for i, c := range norm {
			created, ok := p.apply(i, c, accountIDs, &bad)
			switch {
			case !ok:
			case created:
				res.Created++
			default:
				res.Updated++
			}
		}
		if err := bad.Err(); err != nil {
			res = outreach.BatchResult{}
			return err
		}
		return db.writeContacts(ctx, tx, p, now)
	})
	if err != nil {
		return outreach.BatchResult{}, err
	}
	return res, nil
}

// sortedUnique sorts vals and drops repeats.
func sortedUnique(vals []string) []string {
	slices.Sort(vals)
	return slices.Compact(vals)
}

// lockContacts reads and locks, in id order, the stored contacts with one
// of the emails or external ids.
func (db *DB) lockContacts(ctx context.Context, tx *sqlx.Tx, emails, exts []string) (*contactPlan, error) {
	p := &contactPlan{byEmail: map[string]*plannedContact{}, byExt: map[string]*plannedContact{}}
	if len(emails) == 0 && len(exts) == 0 {
		return p, nil
	}
	var rows []plannedContact
	q := db.rebind(`SELECT id, external_id, account_id, email, name, role, locale, timezone, last_seen_at, status, attributes
		FROM contacts WHERE ` + db.anyText("email") + ` OR ` + db.anyText("external_id") + ` ORDER BY id` + db.lockRows("FOR UPDATE"))
	if err := tx.SelectContext(ctx, &rows, q, db.textsArg(emails), db.textsArg(exts)); err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		r.storedEmail = r.Email
		p.stored = append(p.stored, r)
		p.byEmail[r.Email] = r
		if r.ExternalID.Valid {
			p.byExt[r.ExternalID.String] = r
		}
	}
	return p, nil
}

// apply applies item i (normalised) to the plan, or records why it is
// invalid in bad (ok false).
func (p *contactPlan) apply(i int, c outreach.Contact, accounts map[string]int64, bad *outreach.BatchError) (created, ok bool) {
	if bad.AddFirst(i, c.Validate()) {
		return false, false
	}
	var accountID int64
	if c.AccountExternalID != "" {
		id, found := accounts[c.AccountExternalID]
		if !found {
			bad.Add(i, "account_external_id", "%s", outreach.UnknownAccount(c.AccountExternalID))
			return false, false
		}
		accountID = id
	}
	var byExt, byEmail *plannedContact
	if c.ExternalID != "" {
		byExt = p.byExt[c.ExternalID]
	}
	if c.Email != "" {
		byEmail = p.byEmail[c.Email]
	}
	target := byExt
	switch {
	case byExt != nil && byEmail != nil && byExt != byEmail:
		bad.Add(i, "email", "%s belongs to another contact (external_id %q) than external_id %q", c.Email, byEmail.ExternalID.String, c.ExternalID)
		return false, false
	case byExt == nil && byEmail != nil && c.ExternalID != "" && byEmail.ExternalID.Valid:
		bad.Add(i, "external_id", "%s already belongs to the contact with external_id %q", c.Email, byEmail.ExternalID.String)
		return false, false
	case byExt == nil:
		target = byEmail
	}
	attrs, err := jsonText(c.Attributes)
	if err != nil {
		bad.Add(i, "attributes", "cannot be stored as JSON: %v", err)
		return false, false
	}
	if target == nil {
		if c.Email == "" {
			bad.Add(i, "email", "is required for a new contact (no contact has external_id %q)", c.ExternalID)
			return false, false
		}
		if accountID == 0 {
			bad.Add(i, "account_external_id", "is required for a new contact")
			return false, false
		}
		r := &plannedContact{ExternalID: nullString(c.ExternalID), AccountID: accountID, Email: c.Email,
			Name: c.Name, Role: c.Role, Locale: c.Locale, Timezone: c.Timezone, LastSeenAt: msPtr(c.LastSeenAt),
			Status: cmp.Or(c.Status, outreach.ContactActive)}
		if attrs != nil {
			r.Attributes = sql.NullString{String: attrs.(string), Valid: true}
		}
		p.created = append(p.created, r)
		p.byEmail[r.Email] = r
		if r.ExternalID.Valid {
			p.byExt[r.ExternalID.String] = r
		}
		return true, true
	}
	// An update: the external_id is set once, "" keeps a field.
	t := target
	t.touched = true
	if !t.ExternalID.Valid && c.ExternalID != "" {
		t.ExternalID = nullString(c.ExternalID)
		p.byExt[c.ExternalID] = t
	}
	if accountID != 0 {
		t.AccountID = accountID
	}
	if c.Email != "" && c.Email != t.Email {
		delete(p.byEmail, t.Email)
		t.Email = c.Email
		p.byEmail[t.Email] = t
	}
	for _, f := range [][2]*string{{&t.Name, &c.Name}, {&t.Role, &c.Role}, {&t.Locale, &c.Locale}, {&t.Timezone, &c.Timezone}, {&t.Status, &c.Status}} {
		if *f[1] != "" {
			*f[0] = *f[1]
		}
	}
	if attrs != nil {
		t.Attributes = sql.NullString{String: attrs.(string), Valid: true}
	}
	if seen := msPtr(c.LastSeenAt); seen.Valid && (!t.LastSeenAt.Valid || t.LastSeenAt.Int64 < seen.Int64) {
		t.LastSeenAt = seen
	}
	return false, true
}

// contactInsertCols are the columns writeContacts inserts, in order.
const contactInsertCols = 13

// writeContacts stores the outcome of a plan: the new contacts, in email
// order on PostgreSQL (see newIDs), then the updated stored ones (locked).
// A new contact that conflicts with a stored one can only have been created
// (or given its email or external_id) by a concurrent transaction since the
// plan read the contacts: errRaced runs the batch again.
func (db *DB) writeContacts(ctx context.Context, tx *sqlx.Tx, p *contactPlan, now time.Time) error {
	// An email that a stored contact gives up may go to another contact
	// of the batch: the contacts giving one up take a placeholder first,
	// so that no statement meets the email on two rows. Emails are
	// trimmed, so none starts with a space.
	given := map[string]bool{}
	for _, r := range p.stored {
		if r.Email != r.storedEmail {
			given[r.storedEmail] = true
		}
	}
	if len(given) > 0 {
		handedOn := false
		for _, r := range slices.Concat(p.stored, p.created) {
			handedOn = handedOn || given[r.Email]
		}
		for _, r := range p.stored {
			if handedOn && r.Email != r.storedEmail {
				q := db.rebind(`UPDATE contacts SET email = ? WHERE id = ?`)
				if _, err := tx.ExecContext(ctx, q, " moving "+strconv.FormatInt(r.ID, 10), r.ID); err != nil {
					return err
				}
			}
		}
	}
	fresh := slices.Clone(p.created)
	ids, err := db.newIDs(ctx, tx, "contacts", "id", len(fresh))
	if err != nil {
		return err
	}
	if ids != nil {
		for i, id := range ids {
			fresh[i].ID = id
		}
		slices.SortFunc(fresh, func(a, b *plannedContact) int { return strings.Compare(a.Email, b.Email) })
	}
	for start := 0; start < len(fresh); start += chunkRows {
		chunk := fresh[start:min(start+chunkRows, len(fresh))]
		args := make([]any, 0, len(chunk)*contactInsertCols)
		for _, r := range chunk {
			args = append(args, nullID(r.ID), r.ExternalID, r.AccountID, r.Email, r.Name, r.Role, r.Locale, r.Timezone,
				r.LastSeenAt, r.Status, r.Attributes, ms(now), ms(now))
		}
		q := `INSERT INTO contacts (id, external_id, account_id, email, name, role, locale, timezone,
			last_seen_at, status, attributes, created_at, updated_at)
			VALUES ` + db.values(len(chunk), contactInsertCols) + ` ON CONFLICT DO NOTHING`
		if err := insertAll(ctx, tx, len(chunk), q, args); err != nil {
			return err
		}
	}
	q := db.rebind(`UPDATE contacts SET external_id = ?, account_id = ?, email = ?, name = ?, role = ?,
		locale = ?, timezone = ?, last_seen_at = ?, status = ?, attributes = ?, updated_at = ?
		WHERE id = ?`)
	for _, r := range p.stored {
		if !r.touched {
			continue
		}
		_, err := tx.ExecContext(ctx, q, r.ExternalID, r.AccountID, r.Email, r.Name, r.Role, r.Locale,
			r.Timezone, r.LastSeenAt, r.Status, r.Attributes, ms(now), r.ID)
		if err != nil {
			return err
		}
	}
	return nil
}
