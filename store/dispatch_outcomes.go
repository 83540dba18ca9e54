package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// This file writes what a claim decided (dispatch.go reads): each outcome
// moves its delivery (sending, deferred, dropped, suppressed) and appends
// its decision row, in the claim's transaction.

// outcomeState is the delivery state a decision leads to.
func outcomeState(decision string) string {
	switch decision {
	case outreach.DecisionSent:
		return outreach.DeliverySending
	case outreach.DecisionDropped:
		return outreach.DeliveryDropped
	case outreach.DecisionSuppressed:
		return outreach.DeliverySuppressed
	}
	return outreach.DeliveryPlanned
}

// writeOutcomes applies the outcomes of one claim and appends their
// decisions, with the webhook events of drops and suppressions.
func (db *DB) writeOutcomes(ctx context.Context, tx *sqlx.Tx, c outreach.DispatchClaim, outcomes []outreach.DispatchOutcome) error {
	if len(outcomes) == 0 {
		return nil
	}
	var events []webhookEvent
	for _, o := range outcomes {
		typ := map[string]string{outreach.DecisionDropped: outreach.WebhookDeliveryDropped, outreach.DecisionSuppressed: outreach.WebhookDeliverySuppressed}[o.Decision.Decision]
		if typ != "" {
			events = append(events, webhookEvent{typ, map[string]any{"delivery_id": o.DeliveryID, "reason": o.Reason}, o.At})
		}
	}
	if err := db.emitWebhooks(ctx, tx, events, c.Now); err != nil {
		return err
	}
	if db.postgres() {
		return db.pgWriteOutcomes(ctx, tx, c, outcomes)
	}
	return db.sqliteWriteOutcomes(ctx, tx, c, outcomes)
}

// sqliteWriteOutcomes is writeOutcomes' SQLite form: a multi-row UPDATE
// from a VALUES list and a multi-row INSERT of the decisions per chunk.
func (db *DB) sqliteWriteOutcomes(ctx context.Context, tx *sqlx.Tx, c outreach.DispatchClaim, outcomes []outreach.DispatchOutcome) error {
	now := ms(c.Now)
	for start := 0; start < len(outcomes); start += chunkRows {
		chunk := outcomes[start:min(start+chunkRows, len(outcomes))]
		args := []any{now, c.ProcessID, now, now}
		for _, o := range chunk {
			args = append(args, o.DeliveryID, outcomeState(o.Decision.Decision), msPtr(o.Until), nullMs(o.ExpiresAt))
		}
		q := db.rebind(`UPDATE deliveries SET state = v.column2,
			not_before = COALESCE(v.column3, not_before),
			expires_at = COALESCE(v.column4, expires_at),
			reserved_at = CASE WHEN v.column2 = 'sending' THEN ? ELSE reserved_at END,
			claimed_by = CASE WHEN v.column2 = 'sending' THEN ? ELSE claimed_by END,
			heartbeat_at = CASE WHEN v.column2 = 'sending' THEN ? ELSE heartbeat_at END,
			updated_at = ?
			FROM (VALUES ` + castValues(len(chunk), "TEXT", "TEXT", "BIGINT", "BIGINT") + `) AS v
			WHERE deliveries.id = v.column1 AND deliveries.state = 'planned'`)
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("write outcomes: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n != int64(len(chunk)) {
			return fmt.Errorf("write outcomes: %d of %d deliveries were no longer planned under the lock", len(chunk)-int(n), len(chunk))
		}
		dargs := make([]any, 0, len(chunk)*6)
		for _, o := range chunk {
			dargs = append(dargs, o.DeliveryID, ms(o.At), o.Decision.Decision, o.Reason, msPtr(o.Until), o.Rule)
		}
		dq := `INSERT INTO decisions (delivery_id, at, decision, reason, until, rule) VALUES ` + db.values(len(chunk), 6)
		if _, err := tx.ExecContext(ctx, dq, dargs...); err != nil {
			return fmt.Errorf("record decisions: %w", err)
		}
	}
	return nil
}

// pgWriteOutcomes is writeOutcomes' PostgreSQL form: one statement, its
// rows passed as arrays expanded by unnest (the text is the same whatever
// the number of rows, and no chunking is needed).
func (db *DB) pgWriteOutcomes(ctx context.Context, tx *sqlx.Tx, c outreach.DispatchClaim, outcomes []outreach.DispatchOutcome) error {
	n := len(outcomes)
	ids, states, untils, expires := make([]string, n), make([]string, n), make([]sql.NullInt64, n), make([]sql.NullInt64, n)
	ats, decisions, reasons, rules := make([]int64, n), make([]string, n), make([]string, n), make([]string, n)
	for i, o := range outcomes {
		ids[i], states[i], untils[i], expires[i] = o.DeliveryID, outcomeState(o.Decision.Decision), msPtr(o.Until), nullMs(o.ExpiresAt)
		ats[i], decisions[i], reasons[i], rules[i] = ms(o.At), o.Decision.Decision, o.Reason, o.Rule
	}
	const q = `WITH v AS (
			SELECT * FROM unnest(CAST($1 AS text[]), CAST($2 AS text[]), CAST($3 AS bigint[]), CAST($4 AS bigint[]))
				AS v(id, state, not_before, expires_at)),
		u AS (
			UPDATE deliveries SET state = v.state,
				not_before = COALESCE(v.not_before, deliveries.not_before),
				expires_at = COALESCE(v.expires_at, deliveries.expires_at),
				reserved_at = CASE WHEN v.state = 'sending' THEN $5 ELSE deliveries.reserved_at END,
				claimed_by = CASE WHEN v.state = 'sending' THEN $6 ELSE deliveries.claimed_by END,
				heartbeat_at = CASE WHEN v.state = 'sending' THEN $5 ELSE deliveries.heartbeat_at END,
				updated_at = $5
			FROM v WHERE deliveries.id = v.id AND deliveries.state = 'planned'
			RETURNING 1),
		d AS (
			INSERT INTO decisions (delivery_id, at, decision, reason, until, rule)
			SELECT * FROM unnest(CAST($1 AS text[]), CAST($7 AS bigint[]), CAST($8 AS text[]), CAST($9 AS text[]), CAST($3 AS bigint[]), CAST($10 AS text[])))
		SELECT COUNT(*) FROM u`
	var changed []int
	err := db.txSelect(ctx, tx, &changed, q, textArray(ids), textArray(states), nullIntArray(untils), nullIntArray(expires),
		ms(c.Now), c.ProcessID, intArray(ats), textArray(decisions), textArray(reasons), textArray(rules))
	if err != nil {
		return fmt.Errorf("write outcomes: %w", err)
	}
	if len(changed) != 1 || changed[0] != n {
		return fmt.Errorf("write outcomes: %v of %d deliveries were still planned under the lock", changed, n)
	}
	return nil
}

// castValues returns "(CAST(? AS T1), ...), ..." for rows rows of the given
// column types: a VALUES list whose columns are named column1, column2, ...
// in both dialects, typed so that PostgreSQL need not guess.
func castValues(rows int, types ...string) string {
	var one strings.Builder
	one.WriteByte('(')
	for i, t := range types {
		if i > 0 {
			one.WriteString(", ")
		}
		one.WriteString("CAST(? AS " + t + ")")
	}
	one.WriteByte(')')
	row := one.String()
	var b strings.Builder
	b.Grow(rows * (len(row) + 2))
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}

// nullMs maps the zero time to SQL NULL.
func nullMs(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(t), Valid: true}
}
