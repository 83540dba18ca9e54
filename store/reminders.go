package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// PlanReminders plans the reminders of the campaigns that have one
// (Campaign.ReminderAfter > 0): for every survey delivery of such a
// campaign sent within the last after + ttl and still unanswered, one
// delivery with the same campaign, contact and occurrence +
// outreach.ReminderMarker, due sent_at + after, with the campaign's ttl.
// Its id is outreach.ReminderID, inserted with ON CONFLICT DO NOTHING: a
// reminder is planned at most once, whatever the replicas, retries and
// ticks, and one that an answer dropped stays dropped. It returns how many
// reminders it planned.
//
// Each tick reads only the surveys not settled yet (see settleReminders),
// so its work follows the surveys sent since the previous tick, not every
// survey of the last after + ttl.
func (db *DB) PlanReminders(ctx context.Context, now time.Time, cs []outreach.Campaign) (int, error) {
	if !slices.ContainsFunc(cs, func(c outreach.Campaign) bool { return c.ReminderAfter > 0 }) {
		return 0, nil
	}
	total := 0
	err := db.inTx(ctx, "plan reminders", func(tx *sqlx.Tx, _ time.Time) error {
		total = 0
		for i := range cs {
			c := &cs[i]
			if c.ReminderAfter <= 0 || c.Category != outreach.CategorySurvey {
				continue
			}
			n, err := db.planReminders(ctx, tx, c, now)
			if err != nil {
				return fmt.Errorf("plan reminders of %s: %w", c.Key, err)
			}
			if err := db.settleReminders(ctx, tx, c, now); err != nil {
				return fmt.Errorf("plan reminders of %s: settle: %w", c.Key, err)
			}
			total += n
		}
		return nil
	})
	return total, err
}

// reminderPending is the condition on deliveries d of a survey whose
// reminder may still have to be planned, for one '?' campaign and one '?'
// earliest sent_at: the terms of the partial index
// deliveries_reminder_pending (migration 00026), which both dialects then
// read from the campaign's earliest sent_at on.
const reminderPending = `d.campaign = ? AND d.state = 'sent' AND d.category = 'survey' AND d.reminder_settled = 0
	AND d.sent_at >= ? AND d.occurrence NOT LIKE '%` + outreach.ReminderMarker + `'`

func (db *DB) planReminders(ctx context.Context, tx *sqlx.Tx, c *outreach.Campaign, now time.Time) (int, error) {
	after, ttl := c.ReminderAfter.Milliseconds(), outreach.TTLOrDefault(c.TTL).Milliseconds()
	occ := `d.occurrence || '` + outreach.ReminderMarker + `'`
	q := `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
			due_at, not_before, expires_at, created_at, updated_at, reminder_settled)
		SELECT ` + db.deliveryIDExpr("d.contact_id", occ) + `, d.campaign, d.category, d.contact_id, d.account_id, ` + occ + `,
			d.event_id, 'planned', d.sent_at + CAST(? AS bigint), d.sent_at + CAST(? AS bigint), d.sent_at + CAST(? AS bigint),
			CAST(? AS bigint), CAST(? AS bigint), 1
		FROM deliveries d` + db.indexedBy("deliveries_reminder_pending") + `
		WHERE ` + reminderPending + `
			AND NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = d.id)
		ON CONFLICT (id) DO NOTHING`
	res, err := tx.ExecContext(ctx, db.rebind(q), c.Key, after, after, after+ttl, ms(now), ms(now), c.Key, ms(now)-after-ttl)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// settleReminders sets reminder_settled on the campaign's pending surveys
// (those planReminders just read) whose reminder now exists or that are
// answered: later ticks no longer read them. It checks the reason itself
// rather than trusting what the INSERT saw, so a survey that turned sent
// in between (a concurrent recorder on PostgreSQL, where each statement
// reads what is committed when it starts) stays pending for the next
// tick: a survey is settled only once its reminder is in the table (or
// never needed), whatever the replica, restart or leader change. An
// answer is never taken back (only erasing the contact removes it, with
// its deliveries).
func (db *DB) settleReminders(ctx context.Context, tx *sqlx.Tx, c *outreach.Campaign, now time.Time) error {
	after, ttl := c.ReminderAfter.Milliseconds(), outreach.TTLOrDefault(c.TTL).Milliseconds()
	occ := `d.occurrence || '` + outreach.ReminderMarker + `'`
	q := `UPDATE deliveries AS d` + db.indexedBy("deliveries_reminder_pending") + ` SET reminder_settled = 1
		WHERE ` + reminderPending + `
			AND (EXISTS (SELECT 1 FROM deliveries m WHERE m.id = ` + db.deliveryIDExpr("d.contact_id", occ) + `)
				OR EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = d.id))`
	_, err := tx.ExecContext(ctx, db.rebind(q), c.Key, ms(now)-after-ttl, c.Key)
	return err
}

// dropReminder drops the pending reminder of the answered survey delivery
// (campaign, contactID, occurrence), with its decision: an answer to
// either email answers both. A reminder already sending or sent is left
// alone.
func (db *DB) dropReminder(ctx context.Context, tx *sqlx.Tx, campaign string, contactID int64, occurrence string, now time.Time) error {
	if outreach.IsReminder(occurrence) {
		occurrence = occurrence[:len(occurrence)-len(outreach.ReminderMarker)]
	}
	id := outreach.ReminderID(campaign, contactID, occurrence)
	// The claim writes planned deliveries of contacts it holds locked:
	// hold the contact first (see "Lock order" in dispatch_sends.go).
	// Shared, as the answer already holds it: asking for it exclusively
	// waited for every other holder, and two answers of one person (or an
	// answer and a survey's send result) each waited for the other.
	var locked int64
	if err := tx.GetContext(ctx, &locked, db.rebind(`SELECT id FROM contacts WHERE id = ?`+db.lockRows("FOR SHARE")), contactID); err != nil {
		return fmt.Errorf("drop the reminder: lock the contact: %w", err)
	}
	res, err := tx.ExecContext(ctx, db.rebind(`UPDATE deliveries SET state = 'dropped', updated_at = ?
		WHERE id = ? AND state = 'planned'`), ms(now), id)
	if err != nil {
		return fmt.Errorf("drop the reminder: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO decisions (delivery_id, at, decision, reason, rule) VALUES (?, ?, ?, ?, ?)`),
		id, ms(now), outreach.DecisionDropped, outreach.ReasonAnswered, outreach.RuleAnswered)
	return err
}
