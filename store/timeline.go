package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.ContactStore = (*DB)(nil)

type contactRow struct {
	ID                int64          `db:"id"`
	ExternalID        sql.NullString `db:"external_id"`
	AccountID         int64          `db:"account_id"`
	AccountExternalID string         `db:"account_external_id"`
	Email             string         `db:"email"`
	Name              string         `db:"name"`
	Role              string         `db:"role"`
	Locale            string         `db:"locale"`
	Timezone          string         `db:"timezone"`
	LastSeenAt        sql.NullInt64  `db:"last_seen_at"`
	Status            string         `db:"status"`
	Attributes        *string        `db:"attributes"`
}

type accountRow struct {
	ID          int64         `db:"id"`
	ExternalID  string        `db:"external_id"`
	Name        string        `db:"name"`
	OwnerEmail  string        `db:"owner_email"`
	Plan        string        `db:"plan"`
	Timezone    string        `db:"timezone"`
	StartedAt   sql.NullInt64 `db:"started_at"`
	RenewalDate string        `db:"renewal_date"`
	PausedUntil sql.NullInt64 `db:"paused_until"`
	Attributes  *string       `db:"attributes"`
}

type eventRow struct {
	Seq        int64         `db:"seq"`
	ID         string        `db:"id"`
	Type       string        `db:"type"`
	ContactID  sql.NullInt64 `db:"contact_id"`
	AccountID  sql.NullInt64 `db:"account_id"`
	OccurredAt int64         `db:"occurred_at"`
	Properties *string       `db:"properties"`
	IngestedAt int64         `db:"ingested_at"`
}

type deliveryRow struct {
	ID          string        `db:"id"`
	Campaign    string        `db:"campaign"`
	Category    string        `db:"category"`
	ContactID   int64         `db:"contact_id"`
	AccountID   int64         `db:"account_id"`
	Occurrence  string        `db:"occurrence"`
	EventID     string        `db:"event_id"`
	State       string        `db:"state"`
	DueAt       int64         `db:"due_at"`
	NotBefore   int64         `db:"not_before"`
	ReservedAt  sql.NullInt64 `db:"reserved_at"`
	SentAt      sql.NullInt64 `db:"sent_at"`
	ClaimedBy   string        `db:"claimed_by"`
	HeartbeatAt sql.NullInt64 `db:"heartbeat_at"`
	MessageID   string        `db:"message_id"`
	Error       string        `db:"error"`
	CreatedAt   int64         `db:"created_at"`
}

// Timeline returns everything known about the contact with email: the
// contact, its account, its events and deliveries (newest first, each
// delivery with its decisions and provider events), the suppressions of its
// address and its survey responses. Lists are empty, never nil.
func (db *DB) Timeline(ctx context.Context, email string) (*outreach.Timeline, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var tl *outreach.Timeline
	err := db.inTx(ctx, "timeline", func(tx *sqlx.Tx, _ time.Time) error {
		var err error
		tl, err = db.timeline(ctx, tx, email)
		return err
	})
	return tl, err
}

func (db *DB) timeline(ctx context.Context, tx *sqlx.Tx, email string) (*outreach.Timeline, error) {
	var c contactRow
	err := tx.GetContext(ctx, &c, db.rebind(`SELECT c.id, c.external_id, c.account_id, a.external_id AS account_external_id,
		c.email, c.name, c.role, c.locale, c.timezone, c.last_seen_at, c.status, c.attributes
		FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.email = ?`), email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no contact with email %s", email)
	}
	if err != nil {
		return nil, err
	}
	tl := &outreach.Timeline{Events: []outreach.TimelineEvent{}, Deliveries: []outreach.Delivery{},
		Suppressions: []outreach.Suppression{}, Responses: []outreach.SurveyResponse{}}
	attrs, err := parseJSON(c.Attributes)
	if err != nil {
		return nil, fmt.Errorf("contact %d attributes: %w", c.ID, err)
	}
	tl.Contact = outreach.Contact{ID: c.ID, ExternalID: c.ExternalID.String, AccountID: c.AccountID,
		AccountExternalID: c.AccountExternalID, Email: c.Email, Name: c.Name, Role: c.Role, Locale: c.Locale,
		Timezone: c.Timezone, LastSeenAt: fromNullMs(c.LastSeenAt), Status: c.Status, Attributes: attrs}
	if tl.Account, err = db.accountByID(ctx, tx, c.AccountID); err != nil {
		return nil, err
	}
	if err := db.timelineDeliveries(ctx, tx, tl); err != nil {
		return nil, err
	}
	if err := db.timelineEvents(ctx, tx, tl); err != nil {
		return nil, err
	}
	var sups []struct {
		Scope     string `db:"scope"`
		Reason    string `db:"reason"`
		CreatedAt int64  `db:"created_at"`
	}
	if err := tx.SelectContext(ctx, &sups, db.rebind(`SELECT scope, reason, created_at FROM suppressions
		WHERE email_hash = ? ORDER BY created_at DESC, scope`), EmailHash(email)); err != nil {
		return nil, err
	}
	for _, s := range sups {
		tl.Suppressions = append(tl.Suppressions, outreach.Suppression{Email: email, Scope: s.Scope, Reason: s.Reason, CreatedAt: fromMs(s.CreatedAt)})
	}
	var resps []struct {
		DeliveryID string `db:"delivery_id"`
		Campaign   string `db:"campaign"`
		Score      int    `db:"score"`
		Comment    string `db:"comment"`
		At         int64  `db:"at"`
	}
	if err := tx.SelectContext(ctx, &resps, db.rebind(`SELECT delivery_id, campaign, score, comment, at
		FROM survey_responses WHERE contact_id = ? ORDER BY at DESC`), c.ID); err != nil {
		return nil, err
	}
	for _, r := range resps {
		tl.Responses = append(tl.Responses, outreach.SurveyResponse{DeliveryID: r.DeliveryID, Campaign: r.Campaign,
			ContactID: c.ID, Score: r.Score, Comment: r.Comment, At: fromMs(r.At)})
	}
	return tl, nil
}

func (db *DB) accountByID(ctx context.Context, tx *sqlx.Tx, id int64) (*outreach.Account, error) {
	var a accountRow
	if err := tx.GetContext(ctx, &a, db.rebind(`SELECT id, external_id, name, owner_email, plan, timezone,
		started_at, renewal_date, paused_until, attributes FROM accounts WHERE id = ?`), id); err != nil {
		return nil, err
	}
	return a.withAttributes()
}

// withAttributes converts a row of accounts with its attributes.
func (r accountRow) withAttributes() (*outreach.Account, error) {
	attrs, err := parseJSON(r.Attributes)
	if err != nil {
		return nil, fmt.Errorf("account %d attributes: %w", r.ID, err)
	}
	a := r.account()
	a.Attributes = attrs
	return &a, nil
}

// timelineEvents reads the contact's events, and the account-level events
// that planning said something about for it (an outcome or a delivery),
// newest first, each with why it planned nothing for the contact. The
// deliveries must be read first: an event that planned one has no outcome.
func (db *DB) timelineEvents(ctx context.Context, tx *sqlx.Tx, tl *outreach.Timeline) error {
	var rows []struct {
		eventRow
		PlannedAt sql.NullInt64 `db:"planned_at"`
	}
	cid, aid := tl.Contact.ID, tl.Contact.AccountID
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT seq, id, type, contact_id, account_id, occurred_at,
		properties, ingested_at, planned_at FROM events e WHERE contact_id = ?
			OR (contact_id IS NULL AND account_id = ? AND (
				EXISTS (SELECT 1 FROM event_outcomes o WHERE o.event_id = e.id AND (o.contact_id = ? OR o.contact_id IS NULL))
				OR EXISTS (SELECT 1 FROM deliveries d WHERE d.contact_id = ? AND d.event_id = e.id)))
		ORDER BY occurred_at DESC, seq DESC`), cid, aid, cid, cid); err != nil {
		return err
	}
	var outs []struct {
		EventID  string `db:"event_id"`
		Campaign string `db:"campaign"`
		Outcome  string `db:"outcome"`
		Detail   string `db:"detail"`
	}
	if err := tx.SelectContext(ctx, &outs, db.rebind(`SELECT o.event_id, o.campaign, o.outcome, o.detail
		FROM event_outcomes o JOIN events e ON e.id = o.event_id
		WHERE (e.contact_id = ? OR (e.contact_id IS NULL AND e.account_id = ?)) AND (o.contact_id = ? OR o.contact_id IS NULL)
		ORDER BY o.id`), cid, aid, cid); err != nil {
		return err
	}
	byEvent := map[string][]outreach.EventOutcome{}
	for _, o := range outs {
		byEvent[o.EventID] = append(byEvent[o.EventID], outreach.EventOutcome{EventID: o.EventID, ContactID: cid,
			Campaign: o.Campaign, Outcome: o.Outcome, Detail: o.Detail})
	}
	planned := map[string]bool{} // events that planned a delivery to the contact
	for _, d := range tl.Deliveries {
		planned[d.EventID] = true
	}
	for _, r := range rows {
		props, err := parseJSON(r.Properties)
		if err != nil {
			return fmt.Errorf("event %s properties: %w", r.ID, err)
		}
		te := outreach.TimelineEvent{Event: outreach.Event{Seq: r.Seq, ID: r.ID, Type: r.Type,
			ContactExternalID: tl.Contact.ExternalID, AccountExternalID: tl.Contact.AccountExternalID,
			ContactID: r.ContactID.Int64, AccountID: r.AccountID.Int64, OccurredAt: fromMs(r.OccurredAt),
			Properties: props, IngestedAt: fromMs(r.IngestedAt)}, Outcomes: byEvent[r.ID]}
		if !r.ContactID.Valid {
			te.ContactExternalID = ""
		}
		switch {
		case !r.PlannedAt.Valid:
			te.Outcomes = []outreach.EventOutcome{{Outcome: outreach.OutcomeNotPlannedYet,
				Detail: "the planner reads new events every OUTREACH_TICK, on the leader"}}
		case len(te.Outcomes) == 0 && !planned[r.ID] && r.PlannedAt.Int64 == 0:
			te.Outcomes = []outreach.EventOutcome{{Outcome: outreach.OutcomeNoTrigger,
				Detail: "imported with --no-trigger: stored as history, never planned"}}
		case len(te.Outcomes) == 0 && !planned[r.ID] && r.Type == outreach.EventContactActive:
			// The planner stores no "no campaign" row for the heartbeat.
			te.Outcomes = []outreach.EventOutcome{{Outcome: outreach.OutcomeNoCampaign,
				Detail: "no campaign of the active pack listened to contact.active when it was planned (it moves last_seen_at)"}}
		}
		if te.Outcomes == nil {
			te.Outcomes = []outreach.EventOutcome{}
		}
		tl.Events = append(tl.Events, te)
	}
	return nil
}

// delivery returns the delivery of r with its decisions (oldest first)
// and no provider events yet.
func (r deliveryRow) delivery(decisions []outreach.Decision) outreach.Delivery {
	if decisions == nil {
		decisions = []outreach.Decision{}
	}
	return outreach.Delivery{ID: r.ID, Campaign: r.Campaign, Category: r.Category,
		ContactID: r.ContactID, AccountID: r.AccountID, Occurrence: r.Occurrence, EventID: r.EventID,
		State: r.State, DueAt: fromMs(r.DueAt), NotBefore: fromMs(r.NotBefore),
		ReservedAt: fromNullMs(r.ReservedAt), SentAt: fromNullMs(r.SentAt), ClaimedBy: r.ClaimedBy,
		HeartbeatAt: fromNullMs(r.HeartbeatAt), MessageID: r.MessageID, Error: r.Error,
		CreatedAt: fromMs(r.CreatedAt), Decisions: decisions, ProviderEvents: []outreach.ProviderEvent{}}
}

// deliveryDecisions returns the decisions about the deliveries ids, by
// delivery id, each list oldest first: every decision, or with keep > 0
// the newest keep of each, with how many older ones were left out.
func (db *DB) deliveryDecisions(ctx context.Context, q sqlx.QueryerContext, ids []string, keep int) (map[string][]outreach.Decision, map[string]int, error) {
	var rows []struct {
		DeliveryID string        `db:"delivery_id"`
		At         int64         `db:"at"`
		Decision   string        `db:"decision"`
		Rule       string        `db:"rule"`
		Reason     string        `db:"reason"`
		Until      sql.NullInt64 `db:"until"`
		Total      int           `db:"total"`
	}
	if len(ids) == 0 {
		return map[string][]outreach.Decision{}, map[string]int{}, nil
	}
	query := `SELECT delivery_id, at, decision, rule, reason, until, 0 AS total
		FROM decisions WHERE ` + db.inText("delivery_id") + ` ORDER BY at, id`
	args := []any{jsonArray(ids)}
	if keep > 0 {
		// The newest keep of each delivery (a delivery deferred day after
		// day has a decision a day), and the count of the older ones.
		query = `SELECT delivery_id, at, decision, rule, reason, until, total FROM (
			SELECT delivery_id, at, decision, rule, reason, until, id,
				ROW_NUMBER() OVER (PARTITION BY delivery_id ORDER BY at DESC, id DESC) AS n,
				COUNT(*) OVER (PARTITION BY delivery_id) AS total
			FROM decisions WHERE ` + db.inText("delivery_id") + `) x
		WHERE n <= ? ORDER BY at, id`
		args = append(args, keep)
	}
	if err := sqlx.SelectContext(ctx, q, &rows, db.rebind(query), args...); err != nil {
		return nil, nil, err
	}
	out, older := map[string][]outreach.Decision{}, map[string]int{}
	for _, d := range rows {
		out[d.DeliveryID] = append(out[d.DeliveryID], outreach.Decision{DeliveryID: d.DeliveryID, At: fromMs(d.At),
			Decision: d.Decision, Rule: d.Rule, Reason: d.Reason, Until: fromNullMs(d.Until)})
		if keep > 0 && d.Total > keep {
			older[d.DeliveryID] = d.Total - keep
		}
	}
	return out, older, nil
}

func (db *DB) timelineDeliveries(ctx context.Context, tx *sqlx.Tx, tl *outreach.Timeline) error {
	var rows []deliveryRow
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT id, campaign, category, contact_id, account_id,
		occurrence, event_id, state, due_at, not_before, reserved_at, sent_at, claimed_by, heartbeat_at,
		message_id, error, created_at FROM deliveries WHERE contact_id = ?
		ORDER BY created_at DESC, due_at DESC, id`), tl.Contact.ID); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	decs, _, err := db.deliveryDecisions(ctx, tx, ids, 0)
	if err != nil {
		return err
	}
	var pevs []struct {
		ID         string  `db:"id"`
		DeliveryID string  `db:"delivery_id"`
		Email      string  `db:"email"`
		Type       string  `db:"type"`
		At         int64   `db:"at"`
		Payload    *string `db:"payload"`
	}
	if err := tx.SelectContext(ctx, &pevs, db.rebind(`SELECT id, delivery_id, email, type, at, payload
		FROM provider_events WHERE `+db.inText("delivery_id")+` ORDER BY at, id`), jsonArray(ids)); err != nil {
		return err
	}
	byID := make(map[string]*outreach.Delivery, len(rows))
	tl.Deliveries = make([]outreach.Delivery, len(rows))
	for i, r := range rows {
		tl.Deliveries[i] = r.delivery(decs[r.ID])
		byID[r.ID] = &tl.Deliveries[i]
	}
	for _, p := range pevs {
		del := byID[p.DeliveryID]
		pe := outreach.ProviderEvent{ID: p.ID, DeliveryID: p.DeliveryID, Email: p.Email, Type: p.Type, At: fromMs(p.At)}
		if p.Payload != nil {
			pe.Payload = json.RawMessage(*p.Payload)
		}
		del.ProviderEvents = append(del.ProviderEvents, pe)
	}
	return nil
}

// EraseContact deletes the contact with email and everything personal
// about it: its deliveries with their decisions, provider events and survey
// responses, its events' properties and link to it, and the address in its
// suppressions, which stay as hashes. An "all" suppression with reason
// "erased" keeps the address from ever being mailed again. The audit
// entries about its suppressions keep the address only as logs write it
// ("j…@example.com"). The reasons of its colleagues' decisions that name
// it (the account survey cap lists each survey as "(campaign to EMAIL)")
// say "to an erased contact" instead.
func (db *DB) EraseContact(ctx context.Context, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	return db.inTx(ctx, "erase contact", func(tx *sqlx.Tx, now time.Time) error {
		var id int64
		err := tx.GetContext(ctx, &id, db.rebind(`SELECT id FROM contacts WHERE email = ?`), email)
		if errors.Is(err, sql.ErrNoRows) {
			return outreach.Errorf(outreach.ENOTFOUND, "no contact with email %s", email)
		}
		if err != nil {
			return err
		}
		if err := db.redactDigests(ctx, tx, id, email); err != nil {
			return err
		}
		hash := EmailHash(email)
		steps := []struct {
			q    string
			args []any
		}{
			// The locks in the global order ("Lock order" in
			// dispatch_sends.go): its suppressions, then the person, then
			// their deliveries. Deleting the deliveries first waited for a
			// send result that held the person (shared) and waited for a
			// deleted delivery: a deadlock.
			{`UPDATE suppressions SET email = NULL WHERE email_hash = ?`, []any{hash}},
			{`INSERT INTO suppressions (email_hash, scope, email, reason, created_at) VALUES (?, 'all', NULL, 'erased', ?)
				ON CONFLICT (email_hash, scope) DO UPDATE SET reason = 'erased'`, []any{hash, ms(now)}},
			{`SELECT id FROM contacts WHERE id = ?` + db.lockRows("FOR UPDATE"), []any{id}},
			// Only the accounts its surveys counted toward can name it.
			{`UPDATE decisions SET reason = REPLACE(reason, ?, 'to an erased contact)')
				WHERE ` + db.contains("reason") + ` AND delivery_id IN (SELECT id FROM deliveries
					WHERE contact_id <> ? AND account_id IN (SELECT account_id FROM deliveries WHERE contact_id = ? AND category = 'survey'))`,
				[]any{"to " + email + ")", "to " + email + ")", id, id}},
			{`DELETE FROM decisions WHERE delivery_id IN (SELECT id FROM deliveries WHERE contact_id = ?)`, []any{id}},
			{`DELETE FROM event_outcomes WHERE contact_id = ?`, []any{id}},
			{`DELETE FROM provider_events WHERE delivery_id IN (SELECT id FROM deliveries WHERE contact_id = ?) OR email = ?`, []any{id, email}},
			// Alert notifications that showed their answers are redacted
			// (a pending one is not sent any more), and their answers leave
			// alerts, cases and the alert queue.
			{`UPDATE notifications SET subject = '(erased)', text = '(erased: the answer of an erased contact)', html = '',
				body = '{"text":"(erased)"}', last_error = CASE WHEN state = 'pending' THEN 'contact erased' ELSE last_error END,
				state = CASE WHEN state = 'pending' THEN 'failed' ELSE state END
				WHERE alert_id IN (SELECT alert_id FROM alert_answers WHERE contact_id = ?)`, []any{id}},
			{`DELETE FROM alert_answers WHERE contact_id = ?`, []any{id}},
			{`DELETE FROM case_answers WHERE contact_id = ?`, []any{id}},
			{`DELETE FROM answer_queue WHERE contact_id = ?`, []any{id}},
			{`DELETE FROM survey_responses WHERE contact_id = ?`, []any{id}},
			{`DELETE FROM deliveries WHERE contact_id = ?`, []any{id}},
			// Their events stay (account history) without personal data;
			// an unplanned one is marked planned, or the planner would
			// read it as an account-level event and mail their colleagues.
			{`UPDATE events SET properties = NULL, contact_id = NULL, planned_at = COALESCE(planned_at, ?) WHERE contact_id = ?`, []any{ms(now), id}},
			// The audit log keeps what was done (a suppression lifted),
			// not to whom: the address as a log line may carry it.
			{`UPDATE audit_log SET target = ? WHERE action = ? AND LOWER(target) = ?`,
				[]any{outreach.RedactEmail(email), outreach.AuditSuppressionDeleted, email}},
			{`DELETE FROM contacts WHERE id = ?`, []any{id}},
		}
		for _, s := range steps {
			if _, err := tx.ExecContext(ctx, db.rebind(s.q), s.args...); err != nil {
				return err
			}
		}
		return nil
	})
}
