package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// Event outcomes (table event_outcomes) say why an event planned nothing
// for a contact. The scheduler knows those that hold for everyone the
// event concerns (no campaign listens, where, stale, ...: contact_id is the
// event's contact, or NULL for an account-level event); contactOutcomes
// finds, in the planning transaction, those of each contact the campaign
// did not plan: inactive, filtered (role, plan, locale), cooldown (until
// when), duplicate occurrence. Rows are written only for what was not
// planned, so an event costs at most one row per contact it concerns and
// campaign it triggers: never more than the deliveries it could plan.

// outcomeCandidate is a target contact of a request that has no delivery
// from this event, with what classifying it needs.
type outcomeCandidate struct {
	EventID       string        `db:"event_id"`
	ContactID     int64         `db:"contact_id"`
	Status        string        `db:"status"`
	Role          string        `db:"role"`
	Locale        string        `db:"locale"`
	Plan          string        `db:"plan"`
	Occurrence    string        `db:"occurrence"`
	ExistingEvent string        `db:"existing_event"`
	HasDelivery   int           `db:"has_delivery"`
	LastSent      sql.NullInt64 `db:"last_sent"`
}

// allContacts reports whether every target names a contact (none fans out
// to an account), so that one delivery per target means all planned.
func allContacts(targets []outreach.PlanTarget) bool {
	for _, t := range targets {
		if t.ContactID == 0 {
			return false
		}
	}
	return true
}

// contactOutcomes returns why req planned nothing for some of its target
// contacts, read after planTargets in the same transaction.
func (db *DB) contactOutcomes(ctx context.Context, tx *sqlx.Tx, req outreach.PlanRequest, now time.Time) ([]outreach.EventOutcome, error) {
	contacts, accounts := targetRows(req)
	c := req.Campaign
	var out []outreach.EventOutcome
	for _, part := range []struct {
		rows [][]any
		join string
	}{{contacts, "c.id"}, {accounts, "c.account_id"}} {
		for start := 0; start < len(part.rows); start += chunkRows {
			chunk := part.rows[start:min(start+chunkRows, len(part.rows))]
			src := db.targetSource(part.join, jsonArray(chunk))
			lastSent, args := `CAST(NULL AS bigint)`, []any{}
			if c.Cooldown > 0 {
				lastSent = `(SELECT MAX(p.reserved_at) FROM deliveries p WHERE p.campaign = ? AND p.contact_id = c.id
					AND p.state IN ('sending', 'sent'))`
				args = append(args, c.Key)
			}
			args = append(append(args, src.args...), c.Key)
			q := `SELECT ` + src.event + ` AS event_id, c.id AS contact_id, c.status, c.role, c.locale, a.plan,
					` + src.occurrence + ` AS occurrence, COALESCE(d.event_id, '') AS existing_event,
					CASE WHEN d.id IS NULL THEN 0 ELSE 1 END AS has_delivery, ` + lastSent + ` AS last_sent
				FROM ` + src.from + `
				LEFT JOIN deliveries d ON d.id = ` + db.deliveryIDExpr("c.id", "("+src.occurrence+")") + `
				WHERE d.id IS NULL OR d.event_id <> (` + src.event + `)`
			var cands []outcomeCandidate
			if err := tx.SelectContext(ctx, &cands, db.rebind(q), args...); err != nil {
				return nil, err
			}
			for _, k := range cands {
				if o, ok := classifyCandidate(c, k, now); ok {
					out = append(out, o)
				}
			}
		}
	}
	return out, nil
}

// classifyCandidate says why campaign c planned nothing for k, checking
// the rules in the order planning applies them; ok is false when none
// holds (nothing to say).
func classifyCandidate(c *outreach.Campaign, k outcomeCandidate, now time.Time) (o outreach.EventOutcome, ok bool) {
	o = outreach.EventOutcome{EventID: k.EventID, ContactID: k.ContactID, Campaign: c.Key}
	switch {
	case k.Status != outreach.ContactActive:
		o.Outcome, o.Detail = outreach.OutcomeInactive, fmt.Sprintf("the contact's status is %q: only active contacts are planned", k.Status)
	case c.Filter.Miss(k.Role, k.Locale, k.Plan) != "":
		o.Outcome, o.Detail = outreach.OutcomeFiltered, c.Filter.Miss(k.Role, k.Locale, k.Plan)
	case c.Cooldown > 0 && k.LastSent.Valid && k.LastSent.Int64 > ms(now.Add(-c.Cooldown)):
		last := fromMs(k.LastSent.Int64)
		o.Outcome = outreach.OutcomeCooldown
		o.Detail = fmt.Sprintf("until %s: sent this campaign %s, cooldown %s",
			last.Add(c.Cooldown).UTC().Format(time.RFC3339), last.UTC().Format(time.RFC3339), formatDays(c.Cooldown))
	case k.HasDelivery == 1:
		o.Outcome = outreach.OutcomeDuplicate
		o.Detail = fmt.Sprintf("occurrence %q already has a delivery", k.Occurrence)
		if k.ExistingEvent != "" {
			o.Detail += " (planned from event " + k.ExistingEvent + ")"
		}
	default:
		return o, false
	}
	return o, true
}

// formatDays writes a cooldown as the pack does when it is whole days
// ("60d"), else in Go's notation.
func formatDays(d time.Duration) string {
	if day := 24 * time.Hour; d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	return d.String()
}

// insertOutcomes records event outcomes, one statement per chunk whose
// rows travel as one JSON parameter (a multi-row VALUES list of six
// parameters per row is several times slower to bind on both drivers).
func (db *DB) insertOutcomes(ctx context.Context, tx *sqlx.Tx, outcomes []outreach.EventOutcome, now time.Time) error {
	q := db.rebind(db.pick(
		`INSERT INTO event_outcomes (event_id, contact_id, campaign, outcome, detail, at)
			SELECT r->>0, CAST(r->>1 AS bigint), r->>2, r->>3, r->>4, CAST(? AS bigint)
			FROM jsonb_array_elements(CAST(? AS jsonb)) AS r`,
		`INSERT INTO event_outcomes (event_id, contact_id, campaign, outcome, detail, at)
			SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
				json_extract(value, '$[3]'), json_extract(value, '$[4]'), ?
			FROM json_each(?)`))
	for start := 0; start < len(outcomes); start += chunkRows {
		chunk := outcomes[start:min(start+chunkRows, len(outcomes))]
		rows := make([][]any, len(chunk))
		for i, o := range chunk {
			var contact any // JSON null: every contact the event concerns
			if o.ContactID != 0 {
				contact = o.ContactID
			}
			rows[i] = []any{o.EventID, contact, o.Campaign, o.Outcome, o.Detail}
		}
		if _, err := tx.ExecContext(ctx, q, ms(now), jsonArray(rows)); err != nil {
			return err
		}
	}
	return nil
}
