package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// PostgreSQL versions of the dispatcher's multi-row writes. Each passes its
// rows as a few array parameters expanded by unnest, so that the statement
// text is the same whatever the number of rows: PostgreSQL parses and plans
// a short statement instead of a VALUES list of thousands of parameters,
// and no chunking is needed.

// txSelect is tx.SelectContext for the dispatcher's reads and writes. No
// statement is prepared by name, in a transaction or out of one: a pooler
// in transaction mode (PgBouncer) gives each transaction whichever server
// connection is free, where a statement prepared before does not exist
// (or one of the same name is another client's). With binary_parameters
// (see pgDSN) lib/pq sends an unnamed statement and its parameters in one
// round trip, as a prepared statement did. q is in the dialect's bind
// style.
func (db *DB) txSelect(ctx context.Context, tx *sqlx.Tx, dest any, q string, args ...any) error {
	return tx.SelectContext(ctx, dest, q, args...)
}

// pgWriteOutcomes applies the outcomes of one claim and appends their
// decisions in one statement.
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

// pgFinishSends records send results in one statement, in tx or, when tx
// is nil, on its own (one statement is atomic).
func (db *DB) pgFinishSends(ctx context.Context, tx *sqlx.Tx, now time.Time, outcomes []outreach.SendOutcome) (int, error) {
	n := len(outcomes)
	ids, claimedBy, results, ats := make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	messageIDs, errs, retryAts, incs := make([]string, n), make([]string, n), make([]sql.NullInt64, n), make([]int64, n)
	for i, o := range outcomes {
		ids[i], claimedBy[i], results[i], ats[i] = o.DeliveryID, o.ClaimedBy, o.Result, ms(o.At)
		messageIDs[i], errs[i], retryAts[i] = o.MessageID, o.Error, nullMs(o.RetryAt)
		if o.Attempted {
			incs[i] = 1
		}
	}
	// The rows are locked in id order first ("Lock order" in
	// dispatch_sends.go): results arrive in completion order, and an
	// update joined to them would lock in whatever order the plan reads.
	// The lock is an InitPlan (the count of l), run once before the update
	// touches a row. Both find the rows by primary key: with the state in
	// the lock or as a plain condition, the planner scanned the partial
	// index of sending rows instead, dead entries of every row sent so far
	// included (5x the database time per delivery); (state || '') keeps
	// that index out.
	const q = `WITH v AS MATERIALIZED (SELECT * FROM unnest(CAST($1 AS text[]), CAST($2 AS text[]), CAST($3 AS text[]),
				CAST($4 AS bigint[]), CAST($5 AS text[]), CAST($6 AS text[]), CAST($7 AS bigint[]), CAST($8 AS integer[]))
				AS v(id, claimed_by, result, at, message_id, error, retry_at, inc)),
		l AS MATERIALIZED (SELECT id FROM deliveries WHERE id = ANY(CAST($1 AS text[])) ORDER BY id FOR NO KEY UPDATE)
		UPDATE deliveries SET
			state = CASE v.result WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' ELSE 'sending' END,
			sent_at = CASE WHEN v.result = 'sent' THEN v.at ELSE deliveries.sent_at END,
			message_id = CASE WHEN v.result = 'sent' THEN v.message_id ELSE deliveries.message_id END,
			error = v.error,
			not_before = CASE WHEN v.result = 'retry' THEN v.retry_at ELSE deliveries.not_before END,
			claimed_by = CASE WHEN v.result = 'retry' THEN '' ELSE deliveries.claimed_by END,
			heartbeat_at = CASE WHEN v.result = 'retry' THEN NULL WHEN v.result = 'unanswered' THEN v.at ELSE deliveries.heartbeat_at END,
			attempts = deliveries.attempts + v.inc,
			updated_at = $9
		FROM v
		WHERE (SELECT count(*) FROM l) > 0 AND deliveries.id = v.id
			AND (deliveries.state || '') = 'sending' AND deliveries.claimed_by = v.claimed_by`
	var exec sqlx.ExecerContext = db.db
	if tx != nil {
		exec = tx
	}
	res, err := exec.ExecContext(ctx, q, textArray(ids), textArray(claimedBy), textArray(results), intArray(ats),
		textArray(messageIDs), textArray(errs), nullIntArray(retryAts), intArray(incs), ms(now))
	if err != nil {
		return 0, err
	}
	changed, err := res.RowsAffected()
	return int(changed), err
}

// anyInt is a condition "col is one of a list of ids" whose list is one
// parameter (see intsArg). On PostgreSQL it is "= ANY(bigint[])", which
// the planner estimates from the array and serves from an index on col;
// a set-returning function in IN is estimated at 100 rows and may lead it
// to scan instead.
func (db *DB) anyInt(col string) string {
	if db.dialect == Postgres {
		return col + " = ANY(CAST(? AS bigint[]))"
	}
	return db.inInt(col)
}

// intsArg encodes ids for anyInt.
func (db *DB) intsArg(ids []int64) string {
	if db.dialect != Postgres {
		return jsonArray(ids)
	}
	return intArray(ids)
}

// anyText is anyInt for text columns (see textsArg).
func (db *DB) anyText(col string) string {
	if db.dialect == Postgres {
		return col + " = ANY(CAST(? AS text[]))"
	}
	return db.inText(col)
}

// textsArg encodes strings for anyText: a PostgreSQL array literal with
// every element quoted, or a JSON array on SQLite.
func (db *DB) textsArg(vals []string) string {
	if db.dialect != Postgres {
		return jsonArray(vals)
	}
	return textArray(vals)
}

// textArray encodes strings as a PostgreSQL array literal, every element
// quoted.
func textArray(vals []string) string {
	size := 2
	for _, v := range vals {
		size += len(v) + 3
	}
	var b strings.Builder
	b.Grow(size)
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' || v[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// intArray encodes integers as a PostgreSQL array literal.
func intArray(vals []int64) string {
	b := make([]byte, 0, 2+len(vals)*14)
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, '}'))
}

// nullIntArray encodes nullable integers as a PostgreSQL array literal.
func nullIntArray(vals []sql.NullInt64) string {
	b := make([]byte, 0, 2+len(vals)*14)
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		if v.Valid {
			b = strconv.AppendInt(b, v.Int64, 10)
		} else {
			b = append(b, "NULL"...)
		}
	}
	return string(append(b, '}'))
}
