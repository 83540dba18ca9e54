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

// This file claims the deliveries released for another attempt and says
// when the next delivery falls due; dispatch.go claims the due ones.

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
	if db.dialect == Postgres {
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
