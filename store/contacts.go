package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// existingContact is the identity of a stored contact.
type existingContact struct {
	ID         int64          `db:"id"`
	ExternalID sql.NullString `db:"external_id"`
	Email      string         `db:"email"`
}

// UpsertContacts inserts or updates contacts in one transaction, by
// external_id when it names a contact, else by email. "" and nil fields
// keep the current value and last_seen_at only moves forward. An item whose
// external_id and email name two different contacts is invalid (field
// "email"), as is a new contact without a known account_external_id.
//
// Items are applied in order (two statements each, after one lookup of the
// batch's accounts) so that an item may update a contact created earlier
// in the same batch.
func (db *DB) UpsertContacts(ctx context.Context, items []outreach.Contact) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	accounts := map[string]int64{}
	for _, c := range items {
		if c.AccountExternalID != "" {
			accounts[c.AccountExternalID] = 0
		}
	}
	err := db.inTx(ctx, "upsert contacts", func(tx *sqlx.Tx, now time.Time) error {
		if err := db.resolveRefs(ctx, tx, nil, accounts); err != nil {
			return err
		}
		var bad outreach.BatchError
		for i, c := range items {
			created, err := db.upsertContact(ctx, tx, i, c, accounts, now, &bad)
			if err != nil {
				return err
			}
			if created {
				res.Created++
			} else {
				res.Updated++
			}
		}
		if err := bad.Err(); err != nil {
			res = outreach.BatchResult{}
			return err
		}
		return nil
	})
	return res, err
}

// upsertContact applies item i, or records why it is invalid in bad.
func (db *DB) upsertContact(ctx context.Context, tx *sqlx.Tx, i int, c outreach.Contact, accounts map[string]int64, now time.Time, bad *outreach.BatchError) (created bool, err error) {
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.ExternalID = strings.TrimSpace(c.ExternalID)
	if c.Email == "" && c.ExternalID == "" {
		bad.Add(i, "email", "is required")
		return false, nil
	}
	var accountID sql.NullInt64
	if c.AccountExternalID != "" {
		id, ok := accounts[c.AccountExternalID]
		if !ok {
			bad.Add(i, "account_external_id", "no account has external_id %q: import the account first", c.AccountExternalID)
			return false, nil
		}
		accountID = sql.NullInt64{Int64: id, Valid: true}
	}
	var found []existingContact
	q := db.rebind(`SELECT id, external_id, email FROM contacts WHERE email = ? OR (external_id = ? AND ? <> '')`)
	if err := tx.SelectContext(ctx, &found, q, c.Email, c.ExternalID, c.ExternalID); err != nil {
		return false, err
	}
	var byExt, byEmail *existingContact
	for k := range found {
		if c.ExternalID != "" && found[k].ExternalID.String == c.ExternalID {
			byExt = &found[k]
		}
		if found[k].Email == c.Email {
			byEmail = &found[k]
		}
	}
	target := byExt
	switch {
	case byExt != nil && byEmail != nil && byExt.ID != byEmail.ID:
		bad.Add(i, "email", "%s belongs to another contact (external_id %q) than external_id %q", c.Email, byEmail.ExternalID.String, c.ExternalID)
		return false, nil
	case byExt == nil && byEmail != nil && c.ExternalID != "" && byEmail.ExternalID.Valid:
		bad.Add(i, "external_id", "%s already belongs to the contact with external_id %q", c.Email, byEmail.ExternalID.String)
		return false, nil
	case byExt == nil:
		target = byEmail
	}
	attrs, err := jsonText(c.Attributes)
	if err != nil {
		bad.Add(i, "attributes", "cannot be stored as JSON: %v", err)
		return false, nil
	}
	if target == nil {
		if c.Email == "" {
			bad.Add(i, "email", "is required for a new contact (no contact has external_id %q)", c.ExternalID)
			return false, nil
		}
		if !accountID.Valid {
			bad.Add(i, "account_external_id", "is required for a new contact")
			return false, nil
		}
		status := c.Status
		if status == "" {
			status = outreach.ContactActive
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO contacts (external_id, account_id, email, name, role,
			locale, timezone, last_seen_at, status, attributes, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			nullString(c.ExternalID), accountID, c.Email, c.Name, c.Role, c.Locale, c.Timezone,
			msPtr(c.LastSeenAt), status, attrs, ms(now), ms(now))
		return true, err
	}
	seen := msPtr(c.LastSeenAt)
	_, err = tx.ExecContext(ctx, db.rebind(`UPDATE contacts SET
			external_id = COALESCE(external_id, ?),
			account_id = COALESCE(?, account_id),
			email = COALESCE(NULLIF(?, ''), email),
			name = COALESCE(NULLIF(?, ''), name),
			role = COALESCE(NULLIF(?, ''), role),
			locale = COALESCE(NULLIF(?, ''), locale),
			timezone = COALESCE(NULLIF(?, ''), timezone),
			status = COALESCE(NULLIF(?, ''), status),
			attributes = COALESCE(?, attributes),
			last_seen_at = CASE WHEN last_seen_at IS NULL OR last_seen_at < COALESCE(?, last_seen_at)
				THEN COALESCE(?, last_seen_at) ELSE last_seen_at END,
			updated_at = ?
		WHERE id = ?`),
		nullString(c.ExternalID), accountID, c.Email, c.Name, c.Role, c.Locale, c.Timezone, c.Status,
		attrs, seen, seen, ms(now), target.ID)
	return false, err
}
