package simulate

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one line of the decision log: one decision about one delivery.
type Record struct {
	// At is when the decision was taken; for sent, when the slot was
	// reserved.
	At         time.Time `json:"at"`
	DeliveryID string    `json:"delivery_id"`
	Campaign   string    `json:"campaign"`
	Category   string    `json:"category"`
	Contact    string    `json:"contact"` // email
	Account    string    `json:"account"` // external id
	Decision   string    `json:"decision"`
	// Rule names the rule that bound a deferred or dropped delivery
	// (outreach.Rule*: max_per_week, quiet_hours, ttl, ...).
	Rule   string     `json:"rule,omitempty"`
	Reason string     `json:"reason"`
	Until  *time.Time `json:"until,omitempty"` // deferrals: when it will be decided again
}

// The decision log is read with one query through the store's connection:
// it is a read-only report over the store's own tables, and it streams, so
// a long simulation never holds its log in memory.
const decisionsQuery = `SELECT d.at, d.delivery_id, l.campaign, l.category, c.email, a.external_id,
	d.decision, d.rule, d.reason, d.until
	FROM decisions d
	JOIN deliveries l ON l.id = d.delivery_id
	JOIN contacts c ON c.id = l.contact_id
	JOIN accounts a ON a.id = l.account_id
	ORDER BY d.at, d.id`

const statesQuery = `SELECT campaign, category, state, COUNT(*) FROM deliveries GROUP BY campaign, category, state`

// report reads the decisions back in time order, writes them to
// Options.Out as JSONL, with a line per digest sent after the decisions of
// its instant, and builds the summary.
func (s *sim) report(ctx context.Context) error {
	sb := newSummaryBuilder(s.pack.Pack)
	if err := s.readStates(ctx, sb); err != nil {
		return err
	}
	digests, err := s.readDigests(ctx)
	if err != nil {
		return err
	}
	var w *bufio.Writer
	var enc *json.Encoder
	if s.opts.Out != nil {
		w = bufio.NewWriterSize(s.opts.Out, 64<<10)
		enc = json.NewEncoder(w)
		enc.SetEscapeHTML(false)
	}
	rows, err := s.db.SQLX().QueryContext(ctx, decisionsQuery)
	if err != nil {
		return fmt.Errorf("simulate: read decisions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			r         Record
			at        int64
			until     sql.NullInt64
			accountID sql.NullString
		)
		if err := rows.Scan(&at, &r.DeliveryID, &r.Campaign, &r.Category, &r.Contact, &accountID,
			&r.Decision, &r.Rule, &r.Reason, &until); err != nil {
			return fmt.Errorf("simulate: read decisions: %w", err)
		}
		r.At = time.UnixMilli(at).UTC()
		r.Account = accountID.String
		if until.Valid {
			u := time.UnixMilli(until.Int64).UTC()
			r.Until = &u
		}
		sb.add(&r)
		s.res.Decisions++
		if enc != nil {
			for len(digests) > 0 && digests[0].At.Before(r.At) {
				if err := enc.Encode(&digests[0]); err != nil {
					return fmt.Errorf("simulate: write decision log: %w", err)
				}
				digests = digests[1:]
			}
			if err := enc.Encode(&r); err != nil {
				return fmt.Errorf("simulate: write decision log: %w", err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("simulate: read decisions: %w", err)
	}
	for i := range digests {
		if enc == nil {
			break
		}
		if err := enc.Encode(&digests[i]); err != nil {
			return fmt.Errorf("simulate: write decision log: %w", err)
		}
	}
	if w != nil {
		if err := w.Flush(); err != nil {
			return fmt.Errorf("simulate: write decision log: %w", err)
		}
	}
	s.res.Summary = sb.summary()
	return nil
}

// readStates counts the deliveries of each campaign by final state.
func (s *sim) readStates(ctx context.Context, sb *summaryBuilder) error {
	rows, err := s.db.SQLX().QueryContext(ctx, statesQuery)
	if err != nil {
		return fmt.Errorf("simulate: count deliveries: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var campaign, category, state string
		var n int
		if err := rows.Scan(&campaign, &category, &state, &n); err != nil {
			return fmt.Errorf("simulate: count deliveries: %w", err)
		}
		sb.state(campaign, category, state, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("simulate: count deliveries: %w", err)
	}
	return nil
}
