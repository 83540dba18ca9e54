package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// This file is the dispatcher's side of the store after the send: recording
// send results (only for the claim that is still the delivery's), the
// heartbeats of in-flight sends, and the recovery of sends whose process
// died. Claiming is in dispatch.go.
//
// Lock order. On PostgreSQL the rows of deliveries in flight are written by
// the dispatcher's heartbeats and send results (many rows per statement),
// by recovery, and by the webhook (processed events, suppressions). Every
// path that waits for row locks takes them in one global order, so that no
// two transactions ever wait on each other:
//
//	suppressions (email_hash, scope) → contacts (id) → deliveries (id)
//
// A multi-row write first locks its delivery rows by primary key with
// SELECT ... ORDER BY id FOR NO KEY UPDATE (in the same statement, as a
// materialized CTE, or as the transaction's first delivery statement), then
// updates those of them still in the expected state. Paths that lock with SKIP LOCKED (claims, retries,
// recovery) never wait, so they may take what they find in any order. The
// claim updates planned deliveries of contacts it holds locked; any other
// writer of planned deliveries (a suppression) locks their contacts first.
// A transaction holding a contact shared (an answer, a survey's send
// result) never asks for it exclusively later: that waits for every other
// holder, which may be waiting for it (TestTwoAnswersOfOnePersonNeverDeadlock).

// FinishSends records send results in one statement per chunk. Only rows
// still sending and claimed by each outcome's ClaimedBy change (a claim
// taken over by recovery is left alone); it returns how many changed.
func (db *DB) FinishSends(ctx context.Context, outcomes []outreach.SendOutcome) (int, error) {
	if len(outcomes) == 0 {
		return 0, nil
	}
	// One transaction on both dialects: the results and the webhook
	// events of sent and failed deliveries commit together.
	n := 0
	err := db.inTx(ctx, "record sends", func(tx *sqlx.Tx, now time.Time) error {
		var err error
		n, err = db.finishSends(ctx, tx, now, outcomes)
		return err
	})
	return n, err
}

// finishSends records send results in tx, with the webhook events of
// sent and failed deliveries.
func (db *DB) finishSends(ctx context.Context, tx *sqlx.Tx, now time.Time, outcomes []outreach.SendOutcome) (int, error) {
	var events []webhookEvent
	for _, o := range outcomes {
		typ := map[string]string{outreach.SendSent: outreach.WebhookDeliverySent, outreach.SendFailed: outreach.WebhookDeliveryFailed}[o.Result]
		if typ != "" {
			events = append(events, webhookEvent{typ, map[string]any{"delivery_id": o.DeliveryID, "message_id": o.MessageID, "error": o.Error}, o.At})
		}
	}
	if err := db.emitWebhooks(ctx, tx, events, now); err != nil {
		return 0, err
	}
	if db.postgres() {
		return db.pgFinishSends(ctx, tx, now, outcomes)
	}
	return db.sqliteFinishSends(ctx, tx, now, outcomes)
}

// sqliteFinishSends is finishSends' SQLite form: a multi-row UPDATE from a
// VALUES list per chunk.
func (db *DB) sqliteFinishSends(ctx context.Context, tx *sqlx.Tx, now time.Time, outcomes []outreach.SendOutcome) (int, error) {
	total := 0
	for start := 0; start < len(outcomes); start += chunkRows {
		chunk := outcomes[start:min(start+chunkRows, len(outcomes))]
		args := []any{ms(now)}
		for _, o := range chunk {
			inc := 0
			if o.Attempted {
				inc = 1
			}
			args = append(args, o.DeliveryID, o.ClaimedBy, o.Result, ms(o.At), o.MessageID, o.Error, nullMs(o.RetryAt), inc)
		}
		q := db.rebind(`UPDATE deliveries SET
			state = CASE v.column3 WHEN 'sent' THEN 'sent' WHEN 'failed' THEN 'failed' ELSE 'sending' END,
			sent_at = CASE WHEN v.column3 = 'sent' THEN v.column4 ELSE sent_at END,
			message_id = CASE WHEN v.column3 = 'sent' THEN v.column5 ELSE message_id END,
			error = v.column6,
			not_before = CASE WHEN v.column3 = 'retry' THEN v.column7 ELSE not_before END,
			claimed_by = CASE WHEN v.column3 = 'retry' THEN '' ELSE claimed_by END,
			heartbeat_at = CASE WHEN v.column3 = 'retry' THEN NULL WHEN v.column3 = 'unanswered' THEN v.column4 ELSE heartbeat_at END,
			attempts = attempts + v.column8,
			updated_at = ?
			FROM (VALUES ` + castValues(len(chunk), "TEXT", "TEXT", "TEXT", "BIGINT", "TEXT", "TEXT", "BIGINT", "INTEGER") + `) AS v
			WHERE deliveries.id = v.column1 AND deliveries.state = 'sending' AND deliveries.claimed_by = v.column2`)
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		total += int(n)
	}
	return total, nil
}

// pgFinishSends is finishSends' PostgreSQL form: one statement, in tx or,
// when tx is nil, on its own (one statement is atomic).
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
	// A survey's send counts in nps_daily under its person's role, locale
	// and account, which the delivery's row trigger reads: the people of
	// the surveys sent are held first (shared, in id order, before any
	// delivery: "Lock order"), so that a change of a person waits for the
	// send or the send for the change, and the send lands where the person
	// ends up, as an answer does (RecordSurveyResponse).
	var sent []string
	for _, o := range outcomes {
		if o.Result == outreach.SendSent {
			sent = append(sent, o.DeliveryID)
		}
	}
	if len(sent) > 0 {
		if _, err := tx.ExecContext(ctx, `SELECT c.id FROM contacts c
			WHERE c.id IN (SELECT d.contact_id FROM deliveries d WHERE d.id = ANY(CAST($1 AS text[])) AND d.category = 'survey')
			ORDER BY c.id FOR SHARE OF c`, textArray(sent)); err != nil {
			return 0, err
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
	res, err := tx.ExecContext(ctx, q, textArray(ids), textArray(claimedBy), textArray(results), intArray(ats),
		textArray(messageIDs), textArray(errs), nullIntArray(retryAts), intArray(incs), ms(now))
	if err != nil {
		return 0, err
	}
	changed, err := res.RowsAffected()
	return int(changed), err
}

// Heartbeat refreshes the heartbeat of processID's in-flight deliveries
// ids, so that recovery leaves them alone. On PostgreSQL it locks the rows
// in id order first (see "Lock order" in this file), so it never deadlocks with the
// webhook or with send-result writes of the same rows.
func (db *DB) Heartbeat(ctx context.Context, processID string, ids []string, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	q := db.rebind(`UPDATE deliveries SET heartbeat_at = ? WHERE state = 'sending' AND claimed_by = ? AND ` + db.anyText("id"))
	if db.postgres() {
		// By primary key, not by the partial index of sending rows (see
		// pgFinishSends).
		q = `WITH l AS MATERIALIZED (SELECT id FROM deliveries WHERE id = ANY(CAST($3 AS text[])) ORDER BY id FOR NO KEY UPDATE)
			UPDATE deliveries SET heartbeat_at = $1
			WHERE (SELECT count(*) FROM l) > 0 AND id = ANY(CAST($3 AS text[]))
				AND (state || '') = 'sending' AND claimed_by = $2`
	}
	if _, err := db.db.ExecContext(ctx, q, ms(now), processID, db.textsArg(ids)); err != nil {
		return fmt.Errorf("heartbeat: %w", err)
	}
	return nil
}

// RecoverSending finds up to limit sending deliveries claimed by a process
// whose heartbeat is older than staleBefore, with the provider's processed
// event for each when one arrived, and records what resolve decides for
// them, in one transaction (PostgreSQL skips rows another recovery holds).
// It returns how many deliveries changed.
func (db *DB) RecoverSending(ctx context.Context, staleBefore time.Time, limit int, resolve func([]outreach.StaleSending) []outreach.SendOutcome) (int, error) {
	lock := ""
	if db.postgres() {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	n := 0
	err := db.inTx(ctx, "recover sending deliveries", func(tx *sqlx.Tx, now time.Time) error {
		var rows []struct {
			ID        string        `db:"id"`
			ClaimedBy string        `db:"claimed_by"`
			Heartbeat sql.NullInt64 `db:"heartbeat_at"`
			ExpiresAt int64         `db:"expires_at"`
		}
		q := db.rebind(`SELECT id, claimed_by, heartbeat_at, expires_at FROM deliveries
			WHERE state = 'sending' AND claimed_by <> '' AND (heartbeat_at IS NULL OR heartbeat_at < ?)
			ORDER BY heartbeat_at LIMIT ?` + lock)
		if err := tx.SelectContext(ctx, &rows, q, ms(staleBefore), limit); err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		stale := make([]outreach.StaleSending, len(rows))
		idx := map[string]int{}
		ids := make([]string, len(rows))
		for i, r := range rows {
			stale[i] = outreach.StaleSending{DeliveryID: r.ID, ClaimedBy: r.ClaimedBy, HeartbeatAt: fromMs(r.Heartbeat.Int64), ExpiresAt: fromMs(r.ExpiresAt)}
			idx[r.ID] = i
			ids[i] = r.ID
		}
		var events []struct {
			DeliveryID string         `db:"delivery_id"`
			At         int64          `db:"at"`
			Payload    sql.NullString `db:"payload"`
		}
		q = db.rebind(`SELECT delivery_id, at, payload FROM provider_events
			WHERE type = 'processed' AND ` + db.anyText("delivery_id") + ` ORDER BY at DESC`)
		if err := tx.SelectContext(ctx, &events, q, db.textsArg(ids)); err != nil {
			return err
		}
		for _, e := range events { // earliest last, so it wins
			s := &stale[idx[e.DeliveryID]]
			at := fromMs(e.At)
			s.ProcessedAt, s.MessageID = &at, messageIDOf(e.Payload.String)
		}
		var err error
		n, err = db.finishSends(ctx, tx, now, resolve(stale))
		return err
	})
	return n, err
}

// messageIDOf extracts the X-Message-Id from a webhook event's
// sg_message_id ("<x-message-id>.filter...").
func messageIDOf(payload string) string {
	var p struct {
		SGMessageID string `json:"sg_message_id"`
	}
	if json.Unmarshal([]byte(payload), &p) != nil {
		return ""
	}
	id, _, _ := strings.Cut(p.SGMessageID, ".")
	return id
}
