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
			total += n
		}
		return nil
	})
	return total, err
}

func (db *DB) planReminders(ctx context.Context, tx *sqlx.Tx, c *outreach.Campaign, now time.Time) (int, error) {
	after, ttl := c.ReminderAfter.Milliseconds(), outreach.TTLOrDefault(c.TTL).Milliseconds()
	occ := `d.occurrence || '` + outreach.ReminderMarker + `'`
	q := `INSERT INTO deliveries (id, campaign, category, contact_id, account_id, occurrence, event_id, state,
			due_at, not_before, expires_at, created_at, updated_at)
		SELECT ` + db.deliveryIDExpr("d.contact_id", occ) + `, d.campaign, d.category, d.contact_id, d.account_id, ` + occ + `,
			d.event_id, 'planned', d.sent_at + CAST(? AS bigint), d.sent_at + CAST(? AS bigint), d.sent_at + CAST(? AS bigint),
			CAST(? AS bigint), CAST(? AS bigint)
		FROM deliveries d
		WHERE d.campaign = ? AND d.state = 'sent' AND d.sent_at >= ? AND d.occurrence NOT LIKE '%` + outreach.ReminderMarker + `'
			AND NOT EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = d.id)
		ON CONFLICT (id) DO NOTHING`
	res, err := tx.ExecContext(ctx, db.rebind(q), c.Key, after, after, after+ttl, ms(now), ms(now), c.Key, ms(now)-after-ttl)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
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
	// lock the contact first (see "Lock order" in dispatch_sends.go).
	var locked int64
	if err := tx.GetContext(ctx, &locked, db.rebind(`SELECT id FROM contacts WHERE id = ?`+db.lockRows("FOR UPDATE")), contactID); err != nil {
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
