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

// FireAlerts implements outreach.AlertStore.
func (db *DB) FireAlerts(ctx context.Context, now time.Time, limit int, build func(outreach.AlertDetail) ([]outreach.Notification, error)) (int, error) {
	fired := 0
	for fired < limit {
		done, err := db.fireOne(ctx, now, build)
		if err != nil || !done {
			return fired, err
		}
		fired++
	}
	return fired, nil
}

// fireOne fires the next due alert, in one transaction; false when none
// is due.
func (db *DB) fireOne(ctx context.Context, now time.Time, build func(outreach.AlertDetail) ([]outreach.Notification, error)) (bool, error) {
	found := false
	err := db.inTx(ctx, "fire alert", func(tx *sqlx.Tx, _ time.Time) error {
		var al struct {
			ID        int64         `db:"id"`
			Rule      string        `db:"rule"`
			AccountID int64         `db:"account_id"`
			CaseID    sql.NullInt64 `db:"case_id"`
		}
		err := tx.GetContext(ctx, &al, db.rebind(`SELECT id, rule, account_id, case_id FROM alerts WHERE fired_at IS NULL AND fire_at <= ?
			ORDER BY fire_at, id LIMIT 1`+db.lockRows("FOR UPDATE SKIP LOCKED")), ms(now))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		d, err := db.alertDetail(ctx, tx, al.ID, al.Rule, al.AccountID, al.CaseID, now)
		if err != nil {
			return err
		}
		var notes []outreach.Notification
		if len(d.Answers) > 0 { // all erased since: nothing to tell
			if notes, err = build(*d); err != nil {
				return err
			}
		}
		for _, n := range notes {
			if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO notifications (id, alert_id, channel, target, subject, text, html, body,
				state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (id) DO NOTHING`),
				n.ID, al.ID, n.Channel, n.Target, n.Subject, n.Text, n.HTML, string(n.Body), ms(now), ms(now)); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, db.rebind(`UPDATE alerts SET fired_at = ? WHERE id = ?`), ms(now), al.ID)
		return err
	})
	return found, err
}

// alertDetail reads what an alert's notifications show.
func (db *DB) alertDetail(ctx context.Context, tx *sqlx.Tx, id int64, rule string, accountID int64, caseID sql.NullInt64, now time.Time) (*outreach.AlertDetail, error) {
	a, err := db.accountByID(ctx, tx, accountID)
	if err != nil {
		return nil, err
	}
	d := &outreach.AlertDetail{ID: id, Rule: rule, Account: *a}
	var rows []queuedAnswer
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT r.delivery_id, r.campaign, r.score, r.comment, r.at,
		c.id AS contact_id, c.email, c.name, c.role, c.account_id
		FROM alert_answers x JOIN survey_responses r ON r.delivery_id = x.delivery_id JOIN contacts c ON c.id = r.contact_id
		WHERE x.alert_id = ? ORDER BY r.at, r.delivery_id`), id); err != nil {
		return nil, err
	}
	in := map[string]bool{}
	for _, r := range rows {
		in[r.DeliveryID] = true
		d.Answers = append(d.Answers, outreach.AlertAnswer{DeliveryID: r.DeliveryID, Campaign: r.Campaign, Score: r.Score,
			Comment: r.Comment, At: fromMs(r.At), ContactID: r.ContactID, Email: r.Email, Name: r.Name, Role: r.Role, AccountID: r.AccountID})
	}
	var earlier []queuedAnswer
	if err := tx.SelectContext(ctx, &earlier, db.rebind(`SELECT r.delivery_id, r.campaign, r.score, r.comment, r.at, c.email
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id WHERE c.account_id = ? ORDER BY r.at DESC LIMIT 20`), accountID); err != nil {
		return nil, err
	}
	for _, r := range earlier {
		if !in[r.DeliveryID] && len(d.Earlier) < 5 {
			d.Earlier = append(d.Earlier, outreach.CaseAnswer{DeliveryID: r.DeliveryID, Campaign: r.Campaign, Score: r.Score,
				Comment: r.Comment, Contact: r.Email, At: fromMs(r.At)})
		}
	}
	if caseID.Valid {
		if d.Case, err = db.readCase(ctx, tx, caseID.Int64, now); err != nil {
			return nil, err
		}
	}
	if a.OwnerEmail != "" {
		var m struct {
			Name  string `db:"name"`
			Slack string `db:"slack_webhook_url"`
			Teams string `db:"teams_webhook_url"`
		}
		err := tx.GetContext(ctx, &m, db.rebind(`SELECT name, slack_webhook_url, teams_webhook_url FROM team_members WHERE LOWER(email) = LOWER(?)`), a.OwnerEmail)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		d.OwnerName, d.SlackWebhook, d.TeamsWebhook = m.Name, m.Slack, m.Teams
	}
	return d, nil
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
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE notifications SET next_at = ? WHERE id = ?`), ms(now.Add(lease)), r.ID); err != nil {
				return err
			}
			out = append(out, outreach.Notification{ID: r.ID, AlertID: r.AlertID, Channel: r.Channel, Target: r.Target,
				Subject: r.Subject, Text: r.Text, HTML: r.HTML, Body: []byte(r.Body), Attempts: r.Attempts, CreatedAt: fromMs(r.Created)})
		}
		return nil
	})
	return out, err
}

// FinishNotification implements outreach.AlertStore.
func (db *DB) FinishNotification(ctx context.Context, id string, now time.Time, errMsg string, retryAt time.Time) error {
	return db.inTx(ctx, "finish notification", func(tx *sqlx.Tx, _ time.Time) error {
		var err error
		switch {
		case errMsg == "":
			_, err = tx.ExecContext(ctx, db.rebind(`UPDATE notifications SET state = 'sent', sent_at = ?, attempts = attempts + 1, last_error = ''
				WHERE id = ? AND state = 'pending'`), ms(now), id)
		case retryAt.IsZero():
			_, err = tx.ExecContext(ctx, db.rebind(`UPDATE notifications SET state = 'failed', attempts = attempts + 1, last_error = ?
				WHERE id = ? AND state = 'pending'`), errMsg, id)
		default:
			_, err = tx.ExecContext(ctx, db.rebind(`UPDATE notifications SET attempts = attempts + 1, last_error = ?, next_at = ?
				WHERE id = ? AND state = 'pending'`), errMsg, ms(retryAt), id)
		}
		return err
	})
}
