package store

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// This file claims the deliveries released for another attempt, loads
// reserved deliveries with what rendering needs, and says when the next
// delivery falls due; dispatch.go claims the due ones.

// ClaimRetries claims up to limit sending deliveries released for another
// attempt (claimed by nobody, not_before <= now) for processID, with what
// rendering needs. Their slots stay reserved at their original instant.
// A candidate whose address (by email_hash) has a suppression that stops
// its category is not claimed: it becomes suppressed, with a decision at
// now naming the suppression, and is counted in suppressed. This covers a
// suppression created while the delivery was in flight, or between its
// release and this claim.
func (db *DB) ClaimRetries(ctx context.Context, now time.Time, processID string, limit int) ([]outreach.ReservedDelivery, int, error) {
	var out []outreach.ReservedDelivery
	suppressed := 0
	lock := ""
	if db.postgres() {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	err := db.inTx(ctx, "claim retries", func(tx *sqlx.Tx, _ time.Time) error {
		out, suppressed = nil, 0
		var cands []struct {
			ID       string `db:"id"`
			Category string `db:"category"`
			Email    string `db:"email"`
		}
		q := db.rebind(`SELECT d.id, d.category, c.email FROM deliveries d` + db.indexedBy("deliveries_retry") + ` JOIN contacts c ON c.id = d.contact_id
			WHERE d.state = 'sending' AND d.claimed_by = '' AND d.not_before <= ?
			ORDER BY d.not_before LIMIT ?` + lock)
		if err := db.txSelect(ctx, tx, &cands, q, ms(now), limit); err != nil {
			return err
		}
		if len(cands) == 0 {
			return nil
		}
		hashes := make(map[string]bool, len(cands))
		for _, c := range cands {
			hashes[EmailHash(c.Email)] = true
		}
		sups, err := db.suppressionsOf(ctx, tx, keys(hashes))
		if err != nil {
			return err
		}
		var claim []string
		stopped := map[string][]string{} // decision reason -> delivery ids
		for _, c := range cands {
			if s, ok := outreach.StoppedBy(sups[EmailHash(c.Email)], c.Category); ok {
				why := s.Describe(nil)
				stopped[why] = append(stopped[why], c.ID)
				continue
			}
			claim = append(claim, c.ID)
		}
		for _, why := range slices.Sorted(maps.Keys(stopped)) {
			ids := stopped[why]
			var changed []string
			q := db.rebind(`UPDATE deliveries SET state = 'suppressed', updated_at = ?
				WHERE state = 'sending' AND claimed_by = '' AND ` + db.anyText("id") + ` RETURNING id`)
			if err := tx.SelectContext(ctx, &changed, q, ms(now), db.textsArg(ids)); err != nil {
				return fmt.Errorf("suppress retries: %w", err)
			}
			if err := db.insertDecisions(ctx, tx, changed, now, outreach.DecisionSuppressed, "", why); err != nil {
				return fmt.Errorf("suppress retries: %w", err)
			}
			suppressed += len(changed)
		}
		if len(claim) == 0 {
			return nil
		}
		var ids []string
		q = db.rebind(`UPDATE deliveries SET claimed_by = ?, heartbeat_at = ?, updated_at = ?
			WHERE state = 'sending' AND claimed_by = '' AND ` + db.anyText("id") + ` RETURNING id`)
		if err := db.txSelect(ctx, tx, &ids, q, processID, ms(now), ms(now), db.textsArg(claim)); err != nil {
			return err
		}
		out, err = db.loadReserved(ctx, tx, ids)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, suppressed, nil
}

// claimReservedRow is a reserved delivery joined with what rendering needs.
// Delivery columns carry a d_ prefix so that they do not clash with the
// contact's.
type claimReservedRow struct {
	DID        string         `db:"d_id"`
	Campaign   string         `db:"d_campaign"`
	Category   string         `db:"d_category"`
	AccountID  int64          `db:"d_account_id"`
	Occurrence string         `db:"d_occurrence"`
	EventID    string         `db:"d_event_id"`
	DueAt      int64          `db:"d_due_at"`
	NotBefore  int64          `db:"d_not_before"`
	CreatedAt  int64          `db:"d_created_at"`
	ExpiresAt  int64          `db:"d_expires_at"`
	ReservedAt sql.NullInt64  `db:"d_reserved_at"`
	Attempts   int            `db:"d_attempts"`
	ClaimedBy  string         `db:"d_claimed_by"`
	Properties sql.NullString `db:"e_properties"`
	claimRow
}

func (r *claimReservedRow) reserved() (outreach.ReservedDelivery, error) {
	d := outreach.Delivery{ID: r.DID, Campaign: r.Campaign, Category: r.Category, ContactID: r.claimRow.ID,
		AccountID: r.AccountID, Occurrence: r.Occurrence, EventID: r.EventID, State: outreach.DeliverySending,
		DueAt: fromMs(r.DueAt), NotBefore: fromMs(r.NotBefore), ReservedAt: fromNullMs(r.ReservedAt),
		ClaimedBy: r.ClaimedBy, CreatedAt: fromMs(r.CreatedAt)}
	rd := outreach.ReservedDelivery{Delivery: d, Contact: r.contact(), Account: r.account(),
		ExpiresAt: fromMs(r.ExpiresAt), Attempts: r.Attempts, OwnerName: r.OwnerName}
	if r.Properties.Valid && r.Properties.String != "" {
		if err := unmarshalNumbers(r.Properties.String, &rd.EventProperties); err != nil {
			return rd, fmt.Errorf("event %s properties: %w", d.EventID, err)
		}
	}
	return rd, nil
}

// loadReserved reads the reserved deliveries ids with their contact,
// account and event properties, in one query per chunk.
func (db *DB) loadReserved(ctx context.Context, tx *sqlx.Tx, ids []string) ([]outreach.ReservedDelivery, error) {
	out := make([]outreach.ReservedDelivery, 0, len(ids))
	for start := 0; start < len(ids); start += chunkRows {
		chunk := ids[start:min(start+chunkRows, len(ids))]
		var rows []claimReservedRow
		q := db.rebind(`SELECT d.id AS d_id, d.campaign AS d_campaign, d.category AS d_category,
			d.account_id AS d_account_id, d.occurrence AS d_occurrence, d.event_id AS d_event_id,
			d.due_at AS d_due_at, d.not_before AS d_not_before, d.created_at AS d_created_at,
			d.expires_at AS d_expires_at, d.reserved_at AS d_reserved_at, d.attempts AS d_attempts,
			d.claimed_by AS d_claimed_by, e.properties AS e_properties, ` + contactCols + `
			FROM deliveries d JOIN contacts c ON c.id = d.contact_id JOIN accounts a ON a.id = c.account_id` + ownerJoin + `
			LEFT JOIN events e ON e.id = d.event_id
			WHERE ` + db.anyText("d.id") + ` ORDER BY d.id`)
		if err := tx.SelectContext(ctx, &rows, q, db.textsArg(chunk)); err != nil {
			return nil, fmt.Errorf("load reserved deliveries: %w", err)
		}
		for i := range rows {
			rd, err := rows[i].reserved()
			if err != nil {
				return nil, fmt.Errorf("load reserved deliveries: %w", err)
			}
			out = append(out, rd)
		}
	}
	return out, nil
}

// suppressionsOf reads the suppressions of addresses by email hash, oldest
// first.
func (db *DB) suppressionsOf(ctx context.Context, tx *sqlx.Tx, hashes []string) (map[string][]outreach.Suppression, error) {
	var rows []struct {
		Hash      string `db:"email_hash"`
		Scope     string `db:"scope"`
		Reason    string `db:"reason"`
		CreatedAt int64  `db:"created_at"`
	}
	q := db.rebind(`SELECT email_hash, scope, reason, created_at FROM suppressions WHERE ` + db.anyText("email_hash") + `
		ORDER BY created_at, scope`)
	if err := db.txSelect(ctx, tx, &rows, q, db.textsArg(hashes)); err != nil {
		return nil, fmt.Errorf("read suppressions: %w", err)
	}
	out := make(map[string][]outreach.Suppression, len(rows))
	for _, r := range rows {
		out[r.Hash] = append(out[r.Hash], outreach.Suppression{Scope: r.Scope, Reason: r.Reason, CreatedAt: fromMs(r.CreatedAt)})
	}
	return out, nil
}

// NextDue returns the earliest not_before of planned deliveries and of
// sending deliveries released for a retry; ok is false when there is none.
func (db *DB) NextDue(ctx context.Context) (time.Time, bool, error) {
	var v sql.NullInt64
	q := `SELECT MIN(nb) FROM (
		SELECT MIN(not_before) AS nb FROM deliveries` + db.indexedBy("deliveries_planned") + ` WHERE state = 'planned'
		UNION ALL
		SELECT MIN(not_before) AS nb FROM deliveries` + db.indexedBy("deliveries_retry") + ` WHERE state = 'sending' AND claimed_by = '') AS x`
	if err := db.db.GetContext(ctx, &v, q); err != nil {
		return time.Time{}, false, fmt.Errorf("next due delivery: %w", err)
	}
	if !v.Valid {
		return time.Time{}, false, nil
	}
	return fromMs(v.Int64), true, nil
}
