package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// This file serves the CSM digests (package digest): what one owner's
// digest covers, in one query per section however many accounts the owner
// has, the digests table, and pausing an account from a digest's link.

// personCols selects a DigestPerson from contacts c (and the delivery's or
// contact's account id).
const personCols = `c.email AS contact_email, c.name AS contact_name`

type digestPersonRow struct {
	AccountID    int64  `db:"account_id"`
	ContactEmail string `db:"contact_email"`
	ContactName  string `db:"contact_name"`
}

func (r digestPersonRow) person() outreach.DigestPerson {
	return outreach.DigestPerson{AccountID: r.AccountID, ContactEmail: r.ContactEmail, ContactName: r.ContactName}
}

type digestResponseRow struct {
	digestPersonRow
	Campaign string `db:"campaign"`
	Score    int    `db:"score"`
	Comment  string `db:"comment"`
	At       int64  `db:"at"`
}

type digestDeliveryRow struct {
	digestPersonRow
	ID         string         `db:"id"`
	Campaign   string         `db:"campaign"`
	Category   string         `db:"category"`
	Occurrence string         `db:"occurrence"`
	EventID    string         `db:"event_id"`
	State      string         `db:"state"`
	NotBefore  int64          `db:"not_before"`
	CreatedAt  int64          `db:"created_at"`
	Error      string         `db:"error"`
	Decision   sql.NullString `db:"decision"`
	Reason     sql.NullString `db:"reason"`
	At         sql.NullInt64  `db:"at"`
	Until      sql.NullInt64  `db:"until"`
}

func (r digestDeliveryRow) delivery() outreach.DigestDelivery {
	d := outreach.DigestDelivery{
		DigestPerson: r.person(), ID: r.ID, Campaign: r.Campaign, Category: r.Category,
		Occurrence: r.Occurrence, EventID: r.EventID, State: r.State,
		NotBefore: fromMs(r.NotBefore), CreatedAt: fromMs(r.CreatedAt), Error: r.Error,
		Decision: r.Decision.String, Reason: r.Reason.String, Until: fromNullMs(r.Until),
	}
	if r.At.Valid {
		d.At = fromMs(r.At.Int64)
	}
	return d
}

// deliveryCols selects a digestDeliveryRow from deliveries dl and contacts c.
const deliveryCols = `dl.account_id, ` + personCols + `, dl.id, dl.campaign, dl.category, dl.occurrence,
	dl.event_id, dl.state, dl.not_before, dl.created_at, dl.error`

// ownedDeliveries joins the owner's deliveries with their contacts.
const ownedDeliveries = `deliveries dl JOIN accounts a ON a.id = dl.account_id JOIN contacts c ON c.id = dl.contact_id`

// DigestData reads everything q's digest covers: the owner's accounts and,
// for their contacts, survey answers, decisions, scheduled and planned
// deliveries, milestones and suppressions. Each section is one query.
func (db *DB) DigestData(ctx context.Context, q outreach.DigestQuery) (*outreach.DigestData, error) {
	owner := strings.ToLower(strings.TrimSpace(q.Owner))
	out := &outreach.DigestData{}
	steps := []struct {
		what string
		fn   func() error
	}{
		{"accounts", func() (err error) { out.Accounts, err = db.ownedAccounts(ctx, owner); return err }},
		{"responses", func() (err error) { out.Responses, err = db.digestResponses(ctx, owner, q); return err }},
		{"latest responses", func() (err error) { out.Latest, err = db.latestResponses(ctx, owner, q); return err }},
		{"decisions", func() (err error) { out.Decided, err = db.decidedDeliveries(ctx, owner, q); return err }},
		{"scheduled deliveries", func() error {
			var err error
			out.Scheduled, err = db.digestDeliveries(ctx, `a.owner_email = ? AND dl.event_id = '' AND dl.created_at >= ? AND dl.created_at < ?
				ORDER BY dl.created_at, dl.id`, owner, ms(q.From), ms(q.To))
			return err
		}},
		{"planned deliveries", func() error {
			// Due in [To, PlannedUntil), or overdue: due before To and
			// not expired at To (an expired one is dropped, not sent).
			var err error
			out.Planned, err = db.digestDeliveries(ctx, `a.owner_email = ? AND dl.state = 'planned' AND dl.not_before < ?
				AND (dl.not_before >= ? OR dl.expires_at > ?)
				ORDER BY dl.not_before, dl.id`, owner, ms(q.PlannedUntil), ms(q.To), ms(q.To))
			return err
		}},
		{"milestones", func() (err error) { out.Milestones, err = db.digestMilestones(ctx, owner, q); return err }},
		{"suppressions", func() (err error) { out.Suppressions, err = db.digestSuppressions(ctx, owner, q); return err }},
		{"cases", func() (err error) { out.Cases, err = db.digestCases(ctx, owner, q); return err }},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("digest %s: %w", s.what, err)
		}
	}
	return out, nil
}

// ownedAccounts returns the owner's accounts by name.
func (db *DB) ownedAccounts(ctx context.Context, owner string) ([]outreach.Account, error) {
	var rows []accountRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT id, external_id, name, owner_email, plan, timezone,
		started_at, renewal_date, paused_until, attributes FROM accounts WHERE owner_email = ?
		ORDER BY name, external_id`), owner); err != nil {
		return nil, err
	}
	out := make([]outreach.Account, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.account())
	}
	return out, nil
}

// account converts a row, leaving attributes out (digests do not show them).
func (r accountRow) account() outreach.Account {
	return outreach.Account{ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, OwnerEmail: r.OwnerEmail,
		Plan: r.Plan, Timezone: r.Timezone, StartedAt: fromNullMs(r.StartedAt), RenewalDate: r.RenewalDate,
		PausedUntil: fromNullMs(r.PausedUntil)}
}

const responseCols = `c.account_id, ` + personCols + `, r.campaign, r.score, r.comment, r.at`

func (db *DB) digestResponses(ctx context.Context, owner string, q outreach.DigestQuery) ([]outreach.DigestResponse, error) {
	return db.selectResponses(ctx, `SELECT `+responseCols+`
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id JOIN accounts a ON a.id = c.account_id
		WHERE a.owner_email = ? AND r.at >= ? AND r.at < ?
		ORDER BY r.at, r.delivery_id`, owner, ms(q.PrevFrom), ms(q.To))
}

// latestResponses returns each contact's newest answer to each campaign in
// [LatestSince, To) at the owner's accounts renewing in the range (per
// campaign, so the digest can skip CSAT answers and still find the newest
// NPS one).
func (db *DB) latestResponses(ctx context.Context, owner string, q outreach.DigestQuery) ([]outreach.DigestResponse, error) {
	return db.selectResponses(ctx, `SELECT `+responseCols+`
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id JOIN accounts a ON a.id = c.account_id
		WHERE a.owner_email = ? AND a.renewal_date <> '' AND a.renewal_date >= ? AND a.renewal_date <= ?
		AND r.at >= ? AND r.at < ?
		AND NOT EXISTS (SELECT 1 FROM survey_responses r2 WHERE r2.contact_id = r.contact_id
			AND r2.campaign = r.campaign
			AND r2.at < ? AND (r2.at > r.at OR (r2.at = r.at AND r2.delivery_id > r.delivery_id)))
		ORDER BY r.at, r.delivery_id`,
		owner, q.RenewalFrom, q.RenewalTo, ms(q.LatestSince), ms(q.To), ms(q.To))
}

func (db *DB) selectResponses(ctx context.Context, query string, args ...any) ([]outreach.DigestResponse, error) {
	var rows []digestResponseRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(query), args...); err != nil {
		return nil, err
	}
	out := make([]outreach.DigestResponse, 0, len(rows))
	for _, r := range rows {
		out = append(out, outreach.DigestResponse{DigestPerson: r.person(), Campaign: r.Campaign,
			Score: r.Score, Comment: r.Comment, At: fromMs(r.At)})
	}
	return out, nil
}

// decidedDeliveries returns the owner's deliveries with a decision in
// [From, To), each with the latest one.
func (db *DB) decidedDeliveries(ctx context.Context, owner string, q outreach.DigestQuery) ([]outreach.DigestDelivery, error) {
	var rows []digestDeliveryRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT `+deliveryCols+`, d.decision, d.reason, d.at, d.until
		FROM decisions d JOIN deliveries dl ON dl.id = d.delivery_id
		JOIN accounts a ON a.id = dl.account_id JOIN contacts c ON c.id = dl.contact_id
		WHERE a.owner_email = ? AND d.at >= ? AND d.at < ?
		AND NOT EXISTS (SELECT 1 FROM decisions d2 WHERE d2.delivery_id = d.delivery_id
			AND d2.at < ? AND (d2.at > d.at OR (d2.at = d.at AND d2.id > d.id)))
		ORDER BY d.at, d.id`), owner, ms(q.From), ms(q.To), ms(q.To))
	if err != nil {
		return nil, err
	}
	return deliveries(rows), nil
}

// digestDeliveries selects deliveries of the owner matching where.
func (db *DB) digestDeliveries(ctx context.Context, where string, args ...any) ([]outreach.DigestDelivery, error) {
	var rows []digestDeliveryRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT `+deliveryCols+`,
		NULL AS decision, NULL AS reason, NULL AS at, NULL AS until
		FROM `+ownedDeliveries+` WHERE `+where), args...)
	if err != nil {
		return nil, err
	}
	return deliveries(rows), nil
}

func deliveries(rows []digestDeliveryRow) []outreach.DigestDelivery {
	out := make([]outreach.DigestDelivery, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.delivery())
	}
	return out
}

type digestEventRow struct {
	digestPersonRow
	Type       string  `db:"type"`
	OccurredAt int64   `db:"occurred_at"`
	Properties *string `db:"properties"`
}

func (db *DB) digestMilestones(ctx context.Context, owner string, q outreach.DigestQuery) ([]outreach.DigestEvent, error) {
	var rows []digestEventRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT a.id AS account_id,
		COALESCE(c.email, '') AS contact_email, COALESCE(c.name, '') AS contact_name,
		e.type, e.occurred_at, e.properties
		FROM events e LEFT JOIN contacts c ON c.id = e.contact_id
		JOIN accounts a ON a.id = COALESCE(NULLIF(e.account_id, 0), c.account_id)
		WHERE a.owner_email = ? AND e.type = ? AND e.occurred_at >= ? AND e.occurred_at < ?
		ORDER BY e.occurred_at, e.seq`), owner, outreach.EventMilestoneReached, ms(q.From), ms(q.To))
	if err != nil {
		return nil, err
	}
	out := make([]outreach.DigestEvent, 0, len(rows))
	for _, r := range rows {
		props, err := parseJSON(r.Properties)
		if err != nil {
			return nil, fmt.Errorf("event properties: %w", err)
		}
		out = append(out, outreach.DigestEvent{DigestPerson: r.person(), Type: r.Type,
			OccurredAt: fromMs(r.OccurredAt), Properties: props})
	}
	return out, nil
}

type digestSuppressionRow struct {
	digestPersonRow
	Scope     string `db:"scope"`
	Reason    string `db:"reason"`
	CreatedAt int64  `db:"created_at"`
}

func (db *DB) digestSuppressions(ctx context.Context, owner string, q outreach.DigestQuery) ([]outreach.DigestSuppression, error) {
	var rows []digestSuppressionRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT c.account_id, `+personCols+`, s.scope, s.reason, s.created_at
		FROM suppressions s JOIN contacts c ON c.email = s.email JOIN accounts a ON a.id = c.account_id
		WHERE a.owner_email = ? AND s.created_at >= ? AND s.created_at < ?
		ORDER BY s.created_at, c.email, s.scope`), owner, ms(q.From), ms(q.To))
	if err != nil {
		return nil, err
	}
	out := make([]outreach.DigestSuppression, 0, len(rows))
	for _, r := range rows {
		out = append(out, outreach.DigestSuppression{DigestPerson: r.person(), Scope: r.Scope,
			Reason: r.Reason, CreatedAt: fromMs(r.CreatedAt)})
	}
	return out, nil
}

type digestMemberRow struct {
	Email          string        `db:"email"`
	Name           string        `db:"name"`
	Timezone       string        `db:"timezone"`
	DigestSchedule string        `db:"digest_schedule"`
	CreatedAt      int64         `db:"created_at"`
	LastPeriodEnd  sql.NullInt64 `db:"last_period_end"`
}

func (r digestMemberRow) member() outreach.DigestMember {
	return outreach.DigestMember{
		TeamMember: outreach.TeamMember{Email: r.Email, Name: r.Name, Timezone: r.Timezone, DigestSchedule: r.DigestSchedule},
		CreatedAt:  fromMs(r.CreatedAt), LastPeriodEnd: fromNullMs(r.LastPeriodEnd),
	}
}

const memberQuery = `SELECT m.email, m.name, m.timezone, m.digest_schedule, m.created_at,
	(SELECT MAX(g.period_end) FROM digests g WHERE g.owner_email = m.email) AS last_period_end
	FROM team_members m`

// DigestMembers returns the team members with a digest schedule, each with
// the end of their latest stored digest period, by email.
func (db *DB) DigestMembers(ctx context.Context) ([]outreach.DigestMember, error) {
	var rows []digestMemberRow
	if err := db.db.SelectContext(ctx, &rows, memberQuery+` WHERE m.digest_schedule <> '' ORDER BY m.email`); err != nil {
		return nil, fmt.Errorf("digest members: %w", err)
	}
	out := make([]outreach.DigestMember, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.member())
	}
	return out, nil
}

// DigestMember returns the team member with email (with or without a
// schedule), or ENOTFOUND.
func (db *DB) DigestMember(ctx context.Context, email string) (*outreach.DigestMember, error) {
	var r digestMemberRow
	email = strings.ToLower(strings.TrimSpace(email))
	err := db.db.GetContext(ctx, &r, db.rebind(memberQuery+` WHERE m.email = ?`), email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no team member %s: import them with `outreach import team FILE.csv`", email)
	}
	if err != nil {
		return nil, fmt.Errorf("digest member: %w", err)
	}
	m := r.member()
	return &m, nil
}

// LastDigestEnd returns the end of owner's latest stored digest period, or
// nil before the first (for owners who are not team members too).
func (db *DB) LastDigestEnd(ctx context.Context, owner string) (*time.Time, error) {
	var end sql.NullInt64
	if err := db.db.GetContext(ctx, &end, db.rebind(`SELECT MAX(period_end) FROM digests WHERE owner_email = ?`),
		strings.ToLower(strings.TrimSpace(owner))); err != nil {
		return nil, fmt.Errorf("last digest: %w", err)
	}
	return fromNullMs(end), nil
}

// InsertDigest stores d unless a digest of the same owner and period end
// exists, and reports whether it inserted it: only the inserter sends.
func (db *DB) InsertDigest(ctx context.Context, d outreach.DigestRecord) (bool, error) {
	res, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO digests (owner_email, period_end, period_start, state,
		subject, text, html, sent_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (owner_email, period_end) DO NOTHING`),
		strings.ToLower(d.OwnerEmail), ms(d.PeriodEnd), ms(d.PeriodStart), d.State, d.Subject, d.Text, d.HTML,
		msPtr(d.SentAt), ms(db.Now()))
	if err != nil {
		return false, fmt.Errorf("insert digest: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("insert digest: %w", err)
	}
	return n == 1, nil
}

// FinishDigest records the outcome of sending a stored digest: its state
// and, when sent, the time.
func (db *DB) FinishDigest(ctx context.Context, owner string, periodEnd time.Time, state string, sentAt *time.Time) error {
	res, err := db.db.ExecContext(ctx, db.rebind(`UPDATE digests SET state = ?, sent_at = ?
		WHERE owner_email = ? AND period_end = ?`), state, msPtr(sentAt), strings.ToLower(owner), ms(periodEnd))
	if err != nil {
		return fmt.Errorf("finish digest: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return outreach.Errorf(outreach.ENOTFOUND, "no digest for %s ending %s", owner, periodEnd.UTC().Format(time.RFC3339))
	}
	return nil
}

// UnsentDigests returns the digests left failed, or pending since before
// stalePending (their sender stopped), whose period ended at or after
// since, oldest first.
func (db *DB) UnsentDigests(ctx context.Context, since, stalePending time.Time) ([]outreach.DigestRecord, error) {
	return db.selectDigests(ctx, `WHERE period_end >= ? AND (state = ? OR (state = ? AND created_at < ?))
		ORDER BY period_end, owner_email`, ms(since), outreach.DigestFailed, outreach.DigestPending, ms(stalePending))
}

// Digests returns the stored digests of owner, newest first.
func (db *DB) Digests(ctx context.Context, owner string) ([]outreach.DigestRecord, error) {
	return db.selectDigests(ctx, `WHERE owner_email = ? ORDER BY period_end DESC`, strings.ToLower(owner))
}

type digestRow struct {
	OwnerEmail  string        `db:"owner_email"`
	PeriodStart int64         `db:"period_start"`
	PeriodEnd   int64         `db:"period_end"`
	State       string        `db:"state"`
	Subject     string        `db:"subject"`
	Text        string        `db:"text"`
	HTML        string        `db:"html"`
	SentAt      sql.NullInt64 `db:"sent_at"`
	CreatedAt   int64         `db:"created_at"`
}

func (db *DB) selectDigests(ctx context.Context, where string, args ...any) ([]outreach.DigestRecord, error) {
	var rows []digestRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT owner_email, period_start, period_end, state,
		subject, text, html, sent_at, created_at FROM digests `+where), args...); err != nil {
		return nil, fmt.Errorf("read digests: %w", err)
	}
	out := make([]outreach.DigestRecord, 0, len(rows))
	for _, r := range rows {
		out = append(out, outreach.DigestRecord{OwnerEmail: r.OwnerEmail, PeriodStart: fromMs(r.PeriodStart),
			PeriodEnd: fromMs(r.PeriodEnd), State: r.State, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
			SentAt: fromNullMs(r.SentAt), CreatedAt: fromMs(r.CreatedAt)})
	}
	return out, nil
}

// redactDigests removes the contact id, at address email, from every
// stored digest that names them: their name and address, and the comments
// they typed (outreach.ErasedPerson.Redact). It runs in the erasure's
// transaction, before the comments are deleted. A digest names a person
// only next to their address, so the digests to change are the ones that
// hold it.
func (db *DB) redactDigests(ctx context.Context, tx *sqlx.Tx, id int64, email string) error {
	p := outreach.ErasedPerson{Email: email}
	if err := tx.GetContext(ctx, &p.Name, db.rebind(`SELECT name FROM contacts WHERE id = ?`), id); err != nil {
		return fmt.Errorf("redact digests: %w", err)
	}
	if err := tx.SelectContext(ctx, &p.Comments, db.rebind(`SELECT comment FROM survey_responses
		WHERE contact_id = ? AND comment <> '' ORDER BY at`), id); err != nil {
		return fmt.Errorf("redact digests: %w", err)
	}
	var rows []digestRow
	if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT owner_email, period_end, text, html FROM digests
		WHERE `+db.contains("text")+` OR `+db.contains("html")+` ORDER BY owner_email, period_end`), email, email); err != nil {
		return fmt.Errorf("redact digests: %w", err)
	}
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE digests SET text = ?, html = ? WHERE owner_email = ? AND period_end = ?`),
			p.Redact(r.Text), p.Redact(r.HTML), r.OwnerEmail, r.PeriodEnd); err != nil {
			return fmt.Errorf("redact digests: %w", err)
		}
	}
	return nil
}

// AccountByExternalID returns the account, or ENOTFOUND.
func (db *DB) AccountByExternalID(ctx context.Context, externalID string) (*outreach.Account, error) {
	var r accountRow
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT id, external_id, name, owner_email, plan, timezone,
		started_at, renewal_date, paused_until, attributes FROM accounts WHERE external_id = ?`), externalID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no account %q", externalID)
	}
	if err != nil {
		return nil, fmt.Errorf("read account: %w", err)
	}
	a := r.account()
	return &a, nil
}

// PauseAccount holds automated outreach to the account until until (the
// dispatcher defers its deliveries) and returns the account, or ENOTFOUND.
// A pause already reaching further is kept. It is the digest's pause link,
// audited as a change made on the public page.
func (db *DB) PauseAccount(ctx context.Context, externalID string, until time.Time) (*outreach.Account, error) {
	return db.SetAccountPause(ctx, externalID, &until, true, outreach.ActorPublicPage)
}

// digestCases reads the owner's open and in-progress cases and those
// closed in [From, To), overdue judged at To.
func (db *DB) digestCases(ctx context.Context, owner string, q outreach.DigestQuery) ([]outreach.Case, error) {
	var rows []caseRow
	if err := db.db.SelectContext(ctx, &rows, db.rebind(caseSelect+` WHERE a.owner_email = ?
		AND (k.state <> 'closed' OR (k.closed_at >= ? AND k.closed_at < ?)) ORDER BY k.due_at, k.id LIMIT 500`),
		owner, ms(q.From), ms(q.To)); err != nil {
		return nil, err
	}
	out := make([]outreach.Case, 0, len(rows))
	for _, r := range rows {
		c, err := db.fillCase(ctx, db.db, r, q.To)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}
