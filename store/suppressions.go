package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// EmailHash returns the hex SHA-256 of the lower-cased address: the key of
// suppressions, which outlives the address itself after erasure.
func EmailHash(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email))))
	return hex.EncodeToString(sum[:])
}

// AddSuppressions inserts suppressions in one transaction; an existing
// (address, scope) is a duplicate. The pending deliveries to each newly
// suppressed address whose category the scope stops (planned, or sending
// but released for a retry) become "suppressed", each with a "suppressed"
// decision.
func (db *DB) AddSuppressions(ctx context.Context, items []outreach.Suppression) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	var bad outreach.BatchError
	rows := make([]outreach.Suppression, 0, len(items))
	inBatch := map[[2]string]bool{}
	for i, s := range items {
		s.Email = strings.ToLower(strings.TrimSpace(s.Email))
		if bad.AddFirst(i, s.Validate()) {
			continue
		}
		key := [2]string{s.Email, s.Scope}
		if inBatch[key] {
			continue
		}
		inBatch[key] = true
		rows = append(rows, s)
	}
	if err := bad.Err(); err != nil {
		return res, err
	}
	// On PostgreSQL the transaction takes its locks in the global order
	// of docs/dispatch.md ("Lock order"), as the webhook does: the new
	// suppressions are inserted sorted by key (address hash, scope), then
	// the contacts of the newly suppressed addresses are locked by id, then
	// their pending deliveries by id; only then are the deliveries stopped,
	// in batch order, which decides the reason a delivery stopped by two of
	// them records. Concurrent batches listing the same addresses in any
	// order, the webhook and the dispatcher's claims never deadlock.
	err := db.inBatchTx(ctx, "add suppressions", func(tx *sqlx.Tx, now time.Time) error {
		res = outreach.BatchResult{}
		news, err := db.insertSuppressions(ctx, tx, slices.Clone(rows), now)
		if err != nil {
			return err
		}
		if err := db.lockFeedbackRows(ctx, tx, nil, news); err != nil {
			return err
		}
		created := make(map[[2]string]bool, len(news))
		for _, s := range news {
			created[[2]string{s.Email, s.Scope}] = true
		}
		for _, s := range rows {
			if created[[2]string{s.Email, s.Scope}] {
				res.Created++
				if err := db.suppressPending(ctx, tx, s, now); err != nil {
					return err
				}
				if err := db.emitWebhook(ctx, tx, outreach.WebhookSuppressionCreated, map[string]any{"email": s.Email,
					"scope": s.Scope, "reason": s.Reason}, now); err != nil {
					return err
				}
			}
		}
		res.Duplicates = len(items) - res.Created
		return nil
	})
	if err != nil {
		return outreach.BatchResult{}, err
	}
	return res, nil
}

func (db *DB) insertSuppressionChunk(ctx context.Context, tx *sqlx.Tx, chunk []outreach.Suppression, now time.Time) ([]outreach.Suppression, error) {
	args := make([]any, 0, len(chunk)*5)
	byKey := make(map[[2]string]outreach.Suppression, len(chunk))
	for _, s := range chunk {
		at := now
		if !s.CreatedAt.IsZero() {
			at = s.CreatedAt
		}
		h := EmailHash(s.Email)
		byKey[[2]string{h, s.Scope}] = s
		args = append(args, h, s.Scope, s.Email, s.Reason, ms(at))
	}
	q := `INSERT INTO suppressions (email_hash, scope, email, reason, created_at) VALUES ` +
		db.values(len(chunk), 5) + ` ON CONFLICT (email_hash, scope) DO NOTHING RETURNING email_hash, scope`
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var created []outreach.Suppression
	for rows.Next() {
		var k [2]string
		if err := rows.Scan(&k[0], &k[1]); err != nil {
			return nil, err
		}
		created = append(created, byKey[k])
	}
	return created, rows.Err()
}

// suppressPending stops the pending deliveries that s stops, with a
// decision each: the planned ones and the sending ones released for a
// retry (claimed by no process). A send in flight (claimed) cannot be
// recalled and is left alone; should it be released for a retry, the retry
// claim suppresses it (ClaimRetries).
func (db *DB) suppressPending(ctx context.Context, tx *sqlx.Tx, s outreach.Suppression, now time.Time) error {
	var cats []string
	for _, c := range outreach.Categories {
		if outreach.Suppresses(s.Scope, c) {
			cats = append(cats, c)
		}
	}
	var ids []string
	q := db.rebind(`UPDATE deliveries SET state = 'suppressed', updated_at = ?
		WHERE (state = 'planned' OR (state = 'sending' AND claimed_by = ''))
		AND contact_id IN (SELECT id FROM contacts WHERE email = ?)
		AND ` + db.inText("category") + ` RETURNING id`)
	if err := tx.SelectContext(ctx, &ids, q, ms(now), s.Email, jsonArray(cats)); err != nil {
		return err
	}
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	return db.insertDecisions(ctx, tx, ids, now, outreach.DecisionSuppressed, "", s.Describe(nil))
}

// insertDecisions records the same decision for several deliveries; rule
// is the outreach.Rule* that bound a dropped one ("" for suppressed).
func (db *DB) insertDecisions(ctx context.Context, tx *sqlx.Tx, ids []string, now time.Time, decision, rule, reason string) error {
	for start := 0; start < len(ids); start += chunkRows {
		chunk := ids[start:min(start+chunkRows, len(ids))]
		args := make([]any, 0, len(chunk)*5)
		for _, id := range chunk {
			args = append(args, id, ms(now), decision, rule, reason)
		}
		q := `INSERT INTO decisions (delivery_id, at, decision, rule, reason) VALUES ` + db.values(len(chunk), 5)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
	}
	return nil
}
