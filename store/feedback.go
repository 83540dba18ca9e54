package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.FeedbackStore = (*DB)(nil)

// RecordProviderEvents applies one webhook request in one transaction.
// Each event with a new id is stored (on its delivery, found by delivery id
// or else by the provider's message id); a repeated id is a duplicate and
// changes nothing, so SendGrid's retries are harmless. A suppressing event
// adds its suppression, which stops the planned deliveries to the address
// at once (as AddSuppressions does); a processed event settles a delivery
// still in `sending` as `sent`. Text is stored as StorableText (a NUL or an
// invalid UTF-8 byte in one event must not fail the batch).
//
// On PostgreSQL the transaction takes its locks in the global order of
// dispatch_sends.go ("Lock order"): events and suppressions are inserted
// sorted by key, then the contacts of newly suppressed addresses and all
// the deliveries it will change are locked by id before any is updated.
func (db *DB) RecordProviderEvents(ctx context.Context, events []outreach.FeedbackEvent) (outreach.FeedbackResult, error) {
	var res outreach.FeedbackResult
	for i, fe := range events {
		if fe.Event.ID == "" {
			return res, outreach.Errorf(outreach.EINVALID, "provider event %d has no id", i)
		}
		if fe.Suppress != "" && !outreach.ValidScope(fe.Suppress) {
			return res, outreach.Errorf(outreach.EINVALID, "provider event %d: %q is not a suppression scope", i, fe.Suppress)
		}
	}
	events = storableEvents(events)
	err := db.inTx(ctx, "record provider events", func(tx *sqlx.Tx, now time.Time) error {
		res = outreach.FeedbackResult{}
		seen := make(map[string]bool, len(events))
		var sups []outreach.Suppression
		var settle []outreach.FeedbackEvent // processed events naming one of our deliveries
		supSeen := map[[2]string]bool{}
		deliveries, err := db.eventDeliveries(ctx, tx, events)
		if err != nil {
			return err
		}
		for i, fe := range events {
			if seen[fe.Event.ID] {
				res.Duplicates++
				continue
			}
			seen[fe.Event.ID] = true
			deliveryID := deliveries[i]
			inserted, err := db.insertProviderEvent(ctx, tx, fe.Event, deliveryID, now)
			if err != nil {
				return err
			}
			if !inserted {
				res.Duplicates++
				continue
			}
			res.Recorded++
			email := strings.ToLower(strings.TrimSpace(fe.Event.Email))
			if key := [2]string{email, fe.Suppress}; fe.Suppress != "" && email != "" && !supSeen[key] {
				supSeen[key] = true
				sups = append(sups, outreach.Suppression{Email: email, Scope: fe.Suppress, Reason: fe.Reason})
			}
			if fe.Processed && deliveryID != "" {
				fe.Event.DeliveryID = deliveryID
				settle = append(settle, fe)
			}
		}
		created, err := db.insertSuppressions(ctx, tx, sups, now)
		if err != nil {
			return err
		}
		if err := db.lockFeedbackRows(ctx, tx, settle, created); err != nil {
			return err
		}
		for _, fe := range settle {
			n, err := db.reconcileSent(ctx, tx, fe.Event.DeliveryID, fe, now)
			if err != nil {
				return err
			}
			res.Reconciled += n
		}
		for _, s := range created {
			if err := db.suppressPending(ctx, tx, s, now); err != nil {
				return err
			}
		}
		res.Suppressed = len(created)
		return nil
	})
	return res, err
}

// storableEvents returns a copy of events with their text made storable
// (outreach.StorableText, StorableJSON), sorted by event id so that
// concurrent requests insert the same events in the same order.
func storableEvents(events []outreach.FeedbackEvent) []outreach.FeedbackEvent {
	out := make([]outreach.FeedbackEvent, len(events))
	for i, fe := range events {
		e := &fe.Event
		e.ID, e.DeliveryID, e.Email, e.Type = outreach.StorableText(e.ID), outreach.StorableText(e.DeliveryID),
			outreach.StorableText(e.Email), outreach.StorableText(e.Type)
		if len(e.Payload) > 0 {
			e.Payload = outreach.StorableJSON(e.Payload)
		}
		fe.MessageID, fe.Reason = outreach.StorableText(fe.MessageID), outreach.StorableText(fe.Reason)
		out[i] = fe
	}
	slices.SortStableFunc(out, func(a, b outreach.FeedbackEvent) int { return strings.Compare(a.Event.ID, b.Event.ID) })
	return out
}

// insertSuppressions inserts sups sorted by address hash and scope (the
// lock order) and returns the new ones.
func (db *DB) insertSuppressions(ctx context.Context, tx *sqlx.Tx, sups []outreach.Suppression, now time.Time) ([]outreach.Suppression, error) {
	key := func(s outreach.Suppression) string { return EmailHash(s.Email) + "\x00" + s.Scope }
	slices.SortFunc(sups, func(a, b outreach.Suppression) int { return strings.Compare(key(a), key(b)) })
	var created []outreach.Suppression
	for start := 0; start < len(sups); start += chunkRows {
		c, err := db.insertSuppressionChunk(ctx, tx, sups[start:min(start+chunkRows, len(sups))], now)
		if err != nil {
			return created, err
		}
		created = append(created, c...)
	}
	return created, nil
}

// lockFeedbackRows locks, on PostgreSQL, the rows a webhook transaction is
// about to update, in the global order: by id, the contacts of the newly
// suppressed addresses (a dispatcher's claim updates the planned
// deliveries of the contacts it holds) and those of the surveys that
// processed events settle (the settled send counts in nps_daily under its
// person's role, locale and account, as FinishSends holds them for), then,
// by id, the deliveries that processed events settle (by primary key,
// whatever their state) and the pending deliveries of the suppressed
// contacts. SQLite serialises writers; it locks nothing.
func (db *DB) lockFeedbackRows(ctx context.Context, tx *sqlx.Tx, settle []outreach.FeedbackEvent, created []outreach.Suppression) error {
	if !db.postgres() || (len(settle) == 0 && len(created) == 0) {
		return nil
	}
	emails := make([]string, len(created))
	for i, s := range created {
		emails[i] = s.Email
	}
	ids := make([]string, len(settle))
	for i, fe := range settle {
		ids[i] = fe.Event.DeliveryID
	}
	var people []struct {
		ID         int64 `db:"id"`
		Suppressed bool  `db:"suppressed"`
	}
	if err := tx.SelectContext(ctx, &people, `SELECT c.id, c.email = ANY(CAST($1 AS text[])) AS suppressed FROM contacts c
		WHERE c.email = ANY(CAST($1 AS text[]))
		OR c.id IN (SELECT d.contact_id FROM deliveries d WHERE d.id = ANY(CAST($2 AS text[])) AND d.category = 'survey')
		ORDER BY c.id FOR UPDATE OF c`, textArray(emails), textArray(ids)); err != nil {
		return fmt.Errorf("lock contacts: %w", err)
	}
	contacts := []int64{}
	for _, p := range people {
		if p.Suppressed {
			contacts = append(contacts, p.ID)
		}
	}
	var locked []string
	if err := tx.SelectContext(ctx, &locked, `SELECT id FROM deliveries
		WHERE id = ANY(CAST($1 AS text[]))
		OR (contact_id = ANY(CAST($2 AS bigint[])) AND (state = 'planned' OR (state = 'sending' AND claimed_by = '')))
		ORDER BY id FOR NO KEY UPDATE`, textArray(ids), intArray(contacts)); err != nil {
		return fmt.Errorf("lock deliveries: %w", err)
	}
	return nil
}

// eventDeliveries returns the delivery each event is about (see
// eventDelivery), or "". An event naming no delivery id whose message id
// is that of a processed event of the same request is about that event's
// delivery, whose message id is recorded by the same request.
func (db *DB) eventDeliveries(ctx context.Context, tx *sqlx.Tx, events []outreach.FeedbackEvent) ([]string, error) {
	ids := make([]string, len(events))
	byMessage := map[string]string{}
	for i, fe := range events {
		id, err := db.eventDelivery(ctx, tx, fe)
		if err != nil {
			return nil, err
		}
		ids[i] = id
		if fe.Processed && id != "" && fe.MessageID != "" {
			byMessage[fe.MessageID] = id
		}
	}
	for i, fe := range events {
		if ids[i] == "" && fe.MessageID != "" {
			ids[i] = byMessage[fe.MessageID]
		}
	}
	return ids, nil
}

// eventDelivery returns the id of our delivery an event is about, or ""
// when it names none of ours (another system's mail on the same SendGrid
// account, or an erased contact's).
func (db *DB) eventDelivery(ctx context.Context, tx *sqlx.Tx, fe outreach.FeedbackEvent) (string, error) {
	var id string
	if fe.Event.DeliveryID != "" {
		err := tx.GetContext(ctx, &id, db.rebind(`SELECT id FROM deliveries WHERE id = ?`), fe.Event.DeliveryID)
		if err == nil || !errors.Is(err, sql.ErrNoRows) {
			return id, err
		}
	}
	if fe.MessageID == "" {
		return "", nil
	}
	err := tx.GetContext(ctx, &id, db.rebind(`SELECT id FROM deliveries WHERE message_id = ? ORDER BY created_at DESC LIMIT 1`), fe.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}

// insertProviderEvent stores e unless its id is known, and reports whether
// it was new.
func (db *DB) insertProviderEvent(ctx context.Context, tx *sqlx.Tx, e outreach.ProviderEvent, deliveryID string, now time.Time) (bool, error) {
	at := e.At
	if at.IsZero() {
		at = now
	}
	var payload any
	if len(e.Payload) > 0 {
		payload = string(e.Payload)
	}
	r, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO provider_events (id, delivery_id, email, type, at, payload)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		e.ID, nullString(deliveryID), strings.ToLower(strings.TrimSpace(e.Email)), e.Type, ms(at), payload)
	if err != nil {
		return false, err
	}
	n, err := r.RowsAffected()
	return n == 1, err
}

// reconcileSent settles a delivery left in `sending` by a process that
// crashed between SendGrid's answer and recording it: the processed event
// proves SendGrid accepted it.
func (db *DB) reconcileSent(ctx context.Context, tx *sqlx.Tx, deliveryID string, fe outreach.FeedbackEvent, now time.Time) (int, error) {
	at := fe.Event.At
	if at.IsZero() {
		at = now
	}
	r, err := tx.ExecContext(ctx, db.rebind(`UPDATE deliveries SET state = 'sent', sent_at = ?,
		message_id = CASE WHEN message_id = '' THEN ? ELSE message_id END, heartbeat_at = NULL, updated_at = ?
		WHERE id = ? AND state = 'sending'`), ms(at), fe.MessageID, ms(now), deliveryID)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	return int(n), err
}

// SurveyDelivery returns the delivery a survey link names with its
// recipient, or ENOTFOUND.
func (db *DB) SurveyDelivery(ctx context.Context, deliveryID string) (*outreach.SurveyTarget, error) {
	var row struct {
		ID        string `db:"id"`
		Campaign  string `db:"campaign"`
		Category  string `db:"category"`
		State     string `db:"state"`
		ContactID int64  `db:"contact_id"`
		Email     string `db:"email"`
		Name      string `db:"name"`
		Locale    string `db:"locale"`
	}
	err := db.db.GetContext(ctx, &row, db.rebind(`SELECT d.id, d.campaign, d.category, d.state, d.contact_id,
		c.email, c.name, c.locale FROM deliveries d JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?`), deliveryID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no delivery %s", deliveryID)
	}
	if err != nil {
		return nil, fmt.Errorf("survey delivery: %w", err)
	}
	return &outreach.SurveyTarget{DeliveryID: row.ID, Campaign: row.Campaign, Category: row.Category, State: row.State,
		ContactID: row.ContactID, Email: row.Email, Name: row.Name, Locale: row.Locale}, nil
}

// RecordSurveyResponse stores r for its delivery: the last answer wins.
// The contact and campaign come from the delivery; r.At defaults to db.Now.
// A new answer, and each change of its score or comment, also adds a
// survey.answered event on the contact (AnsweredEvent) in the same
// transaction, unplanned, so the planner triggers campaigns on it.
func (db *DB) RecordSurveyResponse(ctx context.Context, r outreach.SurveyResponse) error {
	if r.Score < 0 || r.Score > 10 {
		return outreach.Errorf(outreach.EINVALID, "score %d is outside 0-10", r.Score)
	}
	err := db.inTx(ctx, "record survey response", func(tx *sqlx.Tx, now time.Time) error {
		var d struct {
			ContactID  int64  `db:"contact_id"`
			AccountID  int64  `db:"account_id"`
			Campaign   string `db:"campaign"`
			Occurrence string `db:"occurrence"`
		}
		// The person's row is held (shared) first, as the lock order
		// wants: a concurrent change of their role, locale or account
		// finishes before the answer's trigger reads them for the daily
		// NPS aggregate (00023), or waits for the answer.
		err := tx.GetContext(ctx, &d, db.rebind(`SELECT d.contact_id, c.account_id, d.campaign, d.occurrence FROM deliveries d
			JOIN contacts c ON c.id = d.contact_id WHERE d.id = ?`+db.lockRows("FOR SHARE OF c")), r.DeliveryID)
		if errors.Is(err, sql.ErrNoRows) {
			return outreach.Errorf(outreach.ENOTFOUND, "no delivery %s", r.DeliveryID)
		}
		if err != nil {
			return err
		}
		at := r.At
		if at.IsZero() {
			at = now
		}
		var prev struct {
			Score    int    `db:"score"`
			Comment  string `db:"comment"`
			Revision int    `db:"revision"`
		}
		err = tx.GetContext(ctx, &prev, db.rebind(`SELECT score, comment, revision FROM survey_responses WHERE delivery_id = ?`+db.lockRows("FOR UPDATE")), r.DeliveryID)
		revision := 0
		switch {
		case err == nil && prev.Score == r.Score && prev.Comment == r.Comment:
			return nil // the same answer again: nothing changed
		case err == nil:
			revision = prev.Revision + 1
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO survey_responses (delivery_id, contact_id, campaign, score, comment, at, updated_at, revision)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO UPDATE SET score = excluded.score,
			comment = excluded.comment, at = excluded.at, updated_at = excluded.updated_at, revision = excluded.revision`),
			r.DeliveryID, d.ContactID, d.Campaign, r.Score, r.Comment, ms(at), ms(now), revision)
		if err != nil {
			return err
		}
		r.Campaign, r.At = d.Campaign, at
		e := AnsweredEvent(r, revision)
		e.ContactID, e.AccountID = d.ContactID, d.AccountID
		seqs, err := db.newIDs(ctx, tx, "events", "seq", 1)
		if err != nil {
			return err
		}
		if seqs != nil {
			e.Seq = seqs[0]
		}
		if _, err = db.insertEventChunk(ctx, tx, []outreach.Event{e}, now); err != nil {
			return err
		}
		typ := outreach.WebhookResponseCreated
		if revision > 0 {
			typ = outreach.WebhookResponseUpdated
		}
		if err := db.emitWebhook(ctx, tx, typ, map[string]any{"delivery_id": r.DeliveryID, "campaign": d.Campaign,
			"survey": e.Properties["survey"], "score": r.Score, "class": outreach.ScoreClass(r.Score), "comment": r.Comment,
			"at": at.UTC().Format(time.RFC3339Nano), "contact_id": d.ContactID}, now); err != nil {
			return err
		}
		if err := db.dropReminder(ctx, tx, d.Campaign, d.ContactID, d.Occurrence, now); err != nil {
			return err
		}
		// The alert rules see every answer and change (ProcessAnswers).
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO answer_queue (event_id, delivery_id, contact_id, survey, created_at)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`), e.ID, r.DeliveryID, d.ContactID, e.Properties["survey"], ms(now))
		return err
	})
	if err == nil {
		select {
		case db.answered <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	return err
}

// AnswerRecorded receives after answers recorded by this process
// (RecordSurveyResponse), several at once coalesced into one: the alert
// worker wakes on it instead of waiting for its next poll. Answers recorded
// by other replicas are seen at the poll.
func (db *DB) AnswerRecorded() <-chan struct{} { return db.answered }

// AnsweredEvent returns the survey.answered event of revision (0 for the
// first answer) of answer r: its id is derived from the survey delivery
// and the revision, so recording it twice stores it once. Its properties
// are score, class, campaign, survey (r.Survey, else the kind the key
// suggests), has_comment, and response (the survey delivery id, which
// follow-up campaigns dedupe on).
func AnsweredEvent(r outreach.SurveyResponse, revision int) outreach.Event {
	kind := r.Survey
	if kind == "" {
		kind = (*outreach.Pack)(nil).SurveyKind(r.Campaign)
	}
	return outreach.Event{
		ID:         fmt.Sprintf("%s:%s:%d", outreach.EventSurveyAnswered, r.DeliveryID, revision),
		Type:       outreach.EventSurveyAnswered,
		OccurredAt: r.At,
		Properties: map[string]any{
			"score":       r.Score,
			"class":       outreach.ScoreClass(r.Score),
			"campaign":    r.Campaign,
			"survey":      kind,
			"has_comment": strings.TrimSpace(r.Comment) != "",
			"response":    r.DeliveryID,
		},
	}
}

// ContactLocale returns the locale of the contact with email, or "" when
// there is no such contact.
func (db *DB) ContactLocale(ctx context.Context, email string) (string, error) {
	var locale string
	err := db.db.GetContext(ctx, &locale, db.rebind(`SELECT locale FROM contacts WHERE email = ?`),
		strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("contact locale: %w", err)
	}
	return locale, nil
}

// SuppressionScopes returns the scopes suppressed for email, sorted.
func (db *DB) SuppressionScopes(ctx context.Context, email string) ([]string, error) {
	scopes := []string{}
	if err := db.db.SelectContext(ctx, &scopes, db.rebind(`SELECT scope FROM suppressions WHERE email_hash = ? ORDER BY scope`),
		EmailHash(email)); err != nil {
		return nil, fmt.Errorf("suppression scopes: %w", err)
	}
	return scopes, nil
}

// SentCampaigns returns the keys of the campaigns that ever sent an email
// (a delivery in state sent) or received a survey answer, sorted. Each
// list is read by skipping from one key to the next on an index
// (deliveries_campaign_sent, survey_responses_campaign_at): a few probes
// per campaign instead of reading every delivery and answer, which the
// NPS API and console page pay on each request.
func (db *DB) SentCampaigns(ctx context.Context) ([]string, error) {
	keys := []string{}
	if err := db.db.SelectContext(ctx, &keys, `WITH RECURSIVE
		sent(k) AS (SELECT MIN(campaign) FROM deliveries WHERE state = 'sent'
			UNION ALL SELECT (SELECT MIN(campaign) FROM deliveries WHERE state = 'sent' AND campaign > sent.k) FROM sent WHERE sent.k IS NOT NULL),
		answered(k) AS (SELECT MIN(campaign) FROM survey_responses
			UNION ALL SELECT (SELECT MIN(campaign) FROM survey_responses WHERE campaign > answered.k) FROM answered WHERE answered.k IS NOT NULL)
		SELECT k FROM sent WHERE k IS NOT NULL UNION SELECT k FROM answered WHERE k IS NOT NULL ORDER BY 1`); err != nil {
		return nil, fmt.Errorf("sent campaigns: %w", err)
	}
	return keys, nil
}

// round rounds v to places decimal places.
func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
