package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// The read-only reports over the store's own tables that `outreach
// simulate` prints at the end of a run (its decision log and summary) and
// reads while it runs (the surveys it answers).

// DecisionLogRow is one decision about one delivery, with the delivery's
// campaign and the recipient it was for.
type DecisionLogRow struct {
	At         time.Time
	DeliveryID string
	Campaign   string
	Category   string
	Contact    string // email
	Account    string // external id
	Decision   string
	Rule       string
	Reason     string
	Until      *time.Time // deferrals: when it will be decided again
}

const decisionLogQuery = `SELECT d.at, d.delivery_id, l.campaign, l.category, c.email, a.external_id,
	d.decision, d.rule, d.reason, d.until
	FROM decisions d
	JOIN deliveries l ON l.id = d.delivery_id
	JOIN contacts c ON c.id = l.contact_id
	JOIN accounts a ON a.id = l.account_id
	ORDER BY d.at, d.id`

// EachDecision calls fn with every decision in time order; it streams, so
// a long simulation never holds its log in memory. An error from fn stops
// the walk and is returned as is.
func (db *DB) EachDecision(ctx context.Context, fn func(*DecisionLogRow) error) error {
	rows, err := db.db.QueryContext(ctx, decisionLogQuery)
	if err != nil {
		return fmt.Errorf("read decisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r         DecisionLogRow
			at        int64
			until     sql.NullInt64
			accountID sql.NullString
		)
		if err := rows.Scan(&at, &r.DeliveryID, &r.Campaign, &r.Category, &r.Contact, &accountID,
			&r.Decision, &r.Rule, &r.Reason, &until); err != nil {
			return fmt.Errorf("read decisions: %w", err)
		}
		r.At = time.UnixMilli(at).UTC()
		r.Account = accountID.String
		if until.Valid {
			u := time.UnixMilli(until.Int64).UTC()
			r.Until = &u
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read decisions: %w", err)
	}
	return nil
}

// DeliveryStateCount is how many deliveries of a campaign are in a state.
type DeliveryStateCount struct {
	Campaign string `db:"campaign"`
	Category string `db:"category"`
	State    string `db:"state"`
	N        int    `db:"n"`
}

// DeliveryStates counts the deliveries of each campaign by state.
func (db *DB) DeliveryStates(ctx context.Context) ([]DeliveryStateCount, error) {
	var out []DeliveryStateCount
	err := db.db.SelectContext(ctx, &out, `SELECT campaign, category, state, COUNT(*) AS n FROM deliveries GROUP BY campaign, category, state`)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	return out, nil
}

// AccountsOwned counts the accounts each team member owns, keyed by the
// lower-cased owner email.
func (db *DB) AccountsOwned(ctx context.Context) (map[string]int, error) {
	var rows []struct {
		Owner string `db:"owner_email"`
		N     int    `db:"n"`
	}
	err := db.db.SelectContext(ctx, &rows, `SELECT owner_email, COUNT(*) AS n FROM accounts WHERE owner_email <> '' GROUP BY owner_email`)
	if err != nil {
		return nil, fmt.Errorf("read account owners: %w", err)
	}
	owned := map[string]int{}
	for _, r := range rows {
		owned[strings.ToLower(r.Owner)] += r.N
	}
	return owned, nil
}

// DigestSentRow is one digest in a state, with when it was sent.
type DigestSentRow struct {
	Owner   string
	SentAt  time.Time
	Subject string
}

// DigestsInState lists the digests in state, in the order they were sent.
func (db *DB) DigestsInState(ctx context.Context, state string) ([]DigestSentRow, error) {
	q := db.db.Rebind(`SELECT owner_email, sent_at, subject FROM digests WHERE state = ? ORDER BY sent_at, owner_email`)
	rows, err := db.db.QueryContext(ctx, q, state)
	if err != nil {
		return nil, fmt.Errorf("read digests: %w", err)
	}
	defer rows.Close()
	var out []DigestSentRow
	for rows.Next() {
		var r DigestSentRow
		var at int64
		if err := rows.Scan(&r.Owner, &at, &r.Subject); err != nil {
			return nil, fmt.Errorf("read digests: %w", err)
		}
		r.SentAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read digests: %w", err)
	}
	return out, nil
}

// DigestStateCount is how many digests are in a state, and for how many
// distinct team members.
type DigestStateCount struct {
	State   string `db:"state"`
	N       int    `db:"n"`
	Members int    `db:"members"`
}

// DigestStates counts the digests by state.
func (db *DB) DigestStates(ctx context.Context) ([]DigestStateCount, error) {
	var out []DigestStateCount
	err := db.db.SelectContext(ctx, &out, `SELECT state, COUNT(*) AS n, COUNT(DISTINCT owner_email) AS members FROM digests GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count digests: %w", err)
	}
	return out, nil
}

// SentSurvey is a survey delivery that was sent, with the recipient's
// locale and account.
type SentSurvey struct {
	ID, Campaign, Locale, Account string
	SentAt                        time.Time
}

// SurveysSent lists the deliveries of category sent in [from, to), in the
// order they were sent.
func (db *DB) SurveysSent(ctx context.Context, category string, from, to time.Time) ([]SentSurvey, error) {
	q := db.db.Rebind(`SELECT l.id, l.campaign, l.sent_at, c.locale, a.external_id
	FROM deliveries l
	JOIN contacts c ON c.id = l.contact_id
	JOIN accounts a ON a.id = l.account_id
	WHERE l.state = 'sent' AND l.category = ? AND l.sent_at >= ? AND l.sent_at < ?
	ORDER BY l.sent_at, l.id`)
	rows, err := db.db.QueryContext(ctx, q, category, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read surveys sent: %w", err)
	}
	defer rows.Close()
	var out []SentSurvey
	for rows.Next() {
		var r SentSurvey
		var at int64
		if err := rows.Scan(&r.ID, &r.Campaign, &at, &r.Locale, &r.Account); err != nil {
			return nil, fmt.Errorf("read surveys sent: %w", err)
		}
		r.SentAt = time.UnixMilli(at).UTC()
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read surveys sent: %w", err)
	}
	return out, nil
}
