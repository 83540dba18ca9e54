package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// This file keeps the alert loop's tables: answer_queue (answers the rules
// have not seen), alerts and alert_answers (a burst of one account's
// answers for one rule), cases, case_answers and case_notes (follow-up
// cases), notifications (the outbox of alert emails and posts).

var _ outreach.AlertStore = (*DB)(nil)

// queuedAnswer is a row of answer_queue with its current answer.
type queuedAnswer struct {
	EventID    string `db:"event_id"`
	DeliveryID string `db:"delivery_id"`
	Survey     string `db:"survey"`
	Campaign   string `db:"campaign"`
	Score      int    `db:"score"`
	Comment    string `db:"comment"`
	At         int64  `db:"at"`
	ContactID  int64  `db:"contact_id"`
	Email      string `db:"email"`
	Name       string `db:"name"`
	Role       string `db:"role"`
	AccountID  int64  `db:"account_id"`
}

// ProcessAnswers implements outreach.AlertStore.
func (db *DB) ProcessAnswers(ctx context.Context, now time.Time, window time.Duration, limit int,
	match func(outreach.AlertAnswer) []outreach.AlertRule) (int, error) {
	taken := 0
	err := db.inBatchTx(ctx, "process answers", func(tx *sqlx.Tx, _ time.Time) error {
		taken = 0
		var ids []string
		if err := tx.SelectContext(ctx, &ids, db.rebind(`SELECT event_id FROM answer_queue ORDER BY created_at, event_id LIMIT ?`+
			db.lockRows("FOR UPDATE SKIP LOCKED")), limit); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		q, args, err := sqlx.In(`SELECT q.event_id, q.delivery_id, q.survey, r.campaign, r.score, r.comment, r.at,
			c.id AS contact_id, c.email, c.name, c.role, c.account_id
			FROM answer_queue q JOIN survey_responses r ON r.delivery_id = q.delivery_id JOIN contacts c ON c.id = r.contact_id
			WHERE q.event_id IN (?) ORDER BY q.created_at, q.event_id`, ids)
		if err != nil {
			return err
		}
		var rows []queuedAnswer
		if err := tx.SelectContext(ctx, &rows, db.rebind(q), args...); err != nil {
			return err
		}
		for _, r := range rows {
			a := outreach.AlertAnswer{EventID: r.EventID, DeliveryID: r.DeliveryID, Campaign: r.Campaign, Survey: r.Survey,
				Score: r.Score, Comment: r.Comment, At: fromMs(r.At), ContactID: r.ContactID, Email: r.Email, Name: r.Name,
				Role: r.Role, AccountID: r.AccountID}
			for _, rule := range match(a) {
				if err := db.attachAnswer(ctx, tx, a, rule, now, window); err != nil {
					return err
				}
			}
		}
		q, args, err = sqlx.In(`DELETE FROM answer_queue WHERE event_id IN (?)`, ids)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.rebind(q), args...)
		taken = len(ids)
		return err
	})
	return taken, err
}

// attachAnswer attaches a to the open case of its account and rule (when
// the rule opens cases) and to the pending alert of its account and rule,
// creating either when there is none.
func (db *DB) attachAnswer(ctx context.Context, tx *sqlx.Tx, a outreach.AlertAnswer, rule outreach.AlertRule, now time.Time, window time.Duration) error {
	var caseID sql.NullInt64
	if rule.FollowUp > 0 {
		id, err := db.openCase(ctx, tx, a, rule, now)
		if err != nil {
			return err
		}
		caseID = nullID(id)
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO case_answers (case_id, delivery_id, contact_id) VALUES (?, ?, ?)
			ON CONFLICT (case_id, delivery_id) DO NOTHING`), id, a.DeliveryID, a.ContactID); err != nil {
			return err
		}
	}
	var alertID int64
	err := tx.GetContext(ctx, &alertID, db.rebind(`SELECT id FROM alerts WHERE account_id = ? AND rule = ? AND fired_at IS NULL`+db.lockRows("FOR UPDATE")),
		a.AccountID, rule.Key)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.GetContext(ctx, &alertID, db.rebind(`INSERT INTO alerts (rule, account_id, case_id, fire_at, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), rule.Key, a.AccountID, caseID, ms(a.At.Add(window)), ms(now))
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO alert_answers (alert_id, delivery_id, contact_id) VALUES (?, ?, ?)
		ON CONFLICT (alert_id, delivery_id) DO NOTHING`), alertID, a.DeliveryID, a.ContactID)
	return err
}

// openCase returns the open case of a's account for rule, opening one due
// FollowUp after the answer when there is none.
func (db *DB) openCase(ctx context.Context, tx *sqlx.Tx, a outreach.AlertAnswer, rule outreach.AlertRule, now time.Time) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, db.rebind(`SELECT id FROM cases WHERE account_id = ? AND alert = ? AND state <> 'closed'`+db.lockRows("FOR UPDATE")),
		a.AccountID, rule.Key)
	if !errors.Is(err, sql.ErrNoRows) {
		return id, err
	}
	if err := tx.GetContext(ctx, &id, db.rebind(`INSERT INTO cases (account_id, alert, state, due_at, created_at, updated_at)
		VALUES (?, ?, 'open', ?, ?, ?) RETURNING id`), a.AccountID, rule.Key, ms(a.At.Add(rule.FollowUp)), ms(now), ms(now)); err != nil {
		return 0, err
	}
	if _, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO case_notes (case_id, at, state, note, author) VALUES (?, ?, 'open', ?, '')`),
		id, ms(now), fmt.Sprintf("opened by alert %s: a score of %d", rule.Key, a.Score)); err != nil {
		return 0, err
	}
	return id, db.emitWebhook(ctx, tx, outreach.WebhookCaseOpened, map[string]any{"id": id, "alert": rule.Key,
		"account_id": a.AccountID, "state": outreach.CaseOpen, "due_at": a.At.Add(rule.FollowUp).UTC().Format(time.RFC3339)}, now)
}

// fireBatch is how many due alerts FireAlerts fires per transaction: a
// burst of answers from many accounts is many alerts, and one transaction
// (one commit) each made them queue for seconds.
const fireBatch = 50

// FireAlerts implements outreach.AlertStore: due alerts are fired oldest
// first, up to fireBatch per transaction (PostgreSQL skips the alerts
// another replica holds).
func (db *DB) FireAlerts(ctx context.Context, now time.Time, limit int, build func(outreach.AlertDetail) ([]outreach.Notification, error)) (int, error) {
	fired := 0
	for fired < limit {
		n, err := db.fireBatch(ctx, now, min(fireBatch, limit-fired), build)
		fired += n
		if err != nil || n == 0 {
			return fired, err
		}
	}
	return fired, nil
}

// dueAlert is an alert to fire.
type dueAlert struct {
	ID        int64         `db:"id"`
	Rule      string        `db:"rule"`
	AccountID int64         `db:"account_id"`
	CaseID    sql.NullInt64 `db:"case_id"`
}

// fireBatch fires up to limit due alerts in one transaction and returns
// how many; 0 when none is due.
func (db *DB) fireBatch(ctx context.Context, now time.Time, limit int, build func(outreach.AlertDetail) ([]outreach.Notification, error)) (int, error) {
	fired := 0
	err := db.inTx(ctx, "fire alerts", func(tx *sqlx.Tx, _ time.Time) error {
		fired = 0
		var due []dueAlert
		if err := tx.SelectContext(ctx, &due, db.rebind(`SELECT id, rule, account_id, case_id FROM alerts WHERE fired_at IS NULL AND fire_at <= ?
			ORDER BY fire_at, id LIMIT ?`+db.lockRows("FOR UPDATE SKIP LOCKED")), ms(now), limit); err != nil {
			return err
		}
		details, err := db.alertDetails(ctx, tx, due, now)
		if err != nil {
			return err
		}
		var rows []any
		ids := make([]int64, len(due))
		for i, al := range due {
			// No notification when every answer was erased since.
			if d := details[al.ID]; len(d.Answers) > 0 {
				notes, err := build(*d)
				if err != nil {
					return fmt.Errorf("alert %d: %w", al.ID, err)
				}
				for _, n := range notes {
					rows = append(rows, n.ID, al.ID, n.Channel, n.Target, n.Subject, n.Text, n.HTML, string(n.Body), outreach.NotificationPending, ms(now), ms(now))
				}
			}
			ids[i] = al.ID
		}
		// The batch's notifications in one statement, its alerts marked
		// fired in another: round trips, not rows, are what a burst waits on.
		if len(rows) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, alert_id, channel, target, subject, text, html, body,
				state, next_at, created_at) VALUES `+db.values(len(rows)/11, 11)+` ON CONFLICT (id) DO NOTHING`, rows...); err != nil {
				return err
			}
		}
		if len(ids) > 0 {
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE alerts SET fired_at = ? WHERE `+db.anyInt("id")), ms(now), db.intsArg(ids)); err != nil {
				return err
			}
		}
		fired = len(due)
		return nil
	})
	return fired, err
}

// ClaimNotifications implements outreach.AlertStore.
func (db *DB) ClaimNotifications(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outreach.Notification, error) {
	var out []outreach.Notification
	err := db.inTx(ctx, "claim notifications", func(tx *sqlx.Tx, _ time.Time) error {
		out = out[:0]
		var rows []struct {
			ID       string `db:"id"`
			AlertID  int64  `db:"alert_id"`
			Channel  string `db:"channel"`
			Target   string `db:"target"`
			Subject  string `db:"subject"`
			Text     string `db:"text"`
			HTML     string `db:"html"`
			Body     string `db:"body"`
			Attempts int    `db:"attempts"`
			Created  int64  `db:"created_at"`
		}
		if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT id, alert_id, channel, target, subject, text, html, body, attempts, created_at
			FROM notifications WHERE state = 'pending' AND next_at <= ? ORDER BY next_at, id LIMIT ?`+db.lockRows("FOR UPDATE SKIP LOCKED")),
			ms(now), limit); err != nil {
			return err
		}
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		if len(ids) > 0 {
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE notifications SET next_at = ? WHERE `+db.inText("id")), ms(now.Add(lease)), jsonArray(ids)); err != nil {
				return err
			}
		}
		for _, r := range rows {
			out = append(out, outreach.Notification{ID: r.ID, AlertID: r.AlertID, Channel: r.Channel, Target: r.Target,
				Subject: r.Subject, Text: r.Text, HTML: r.HTML, Body: []byte(r.Body), Attempts: r.Attempts, CreatedAt: fromMs(r.Created)})
		}
		return nil
	})
	return out, err
}

// FinishNotification implements outreach.AlertStore, in one statement
// (no transaction: one round trip per notification sent).
func (db *DB) FinishNotification(ctx context.Context, id string, now time.Time, errMsg string, retryAt time.Time) error {
	var err error
	switch {
	case errMsg == "":
		_, err = db.db.ExecContext(ctx, db.rebind(`UPDATE notifications SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ''
			WHERE id = ? AND state = 'pending'`), ms(now), id)
	case retryAt.IsZero():
		_, err = db.db.ExecContext(ctx, db.rebind(`UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = ?
			WHERE id = ? AND state = 'pending'`), errMsg, id)
	default:
		_, err = db.db.ExecContext(ctx, db.rebind(`UPDATE notifications SET attempts = attempts + 1, last_error = ?, next_at = ?
			WHERE id = ? AND state = 'pending'`), errMsg, ms(retryAt), id)
	}
	if err != nil {
		return fmt.Errorf("finish notification: %w", err)
	}
	return nil
}
