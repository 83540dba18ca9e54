package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

// The console's campaign statistics and campaign pauses (migration 00013
// adds the indexes these queries use).

var _ outreach.CampaignStore = (*DB)(nil)

const dayMs = int64(24 * time.Hour / time.Millisecond)

// CampaignStats counts each campaign's deliveries in [from, to) with a
// fixed number of set-based queries, each on an index of migration 00013:
// planned by created_at, sent (per day) by sent_at, deferred, dropped and
// suppressed by the decisions' (decision, at), failed by updated_at,
// answers by the sends and the responses' at.
func (db *DB) CampaignStats(ctx context.Context, from, to time.Time) (map[string]*outreach.CampaignStats, error) {
	f, t := ms(from), ms(to)
	days := int((t - f + dayMs - 1) / dayMs)
	out := map[string]*outreach.CampaignStats{}
	get := func(c string) *outreach.CampaignStats {
		s, ok := out[c]
		if !ok {
			s = &outreach.CampaignStats{Campaign: c, SentPerDay: make([]int, days)}
			out[c] = s
		}
		return s
	}
	type row struct {
		Campaign string `db:"campaign"`
		Key      string `db:"k"`
		N        int64  `db:"n"`
		M        int64  `db:"m"`
		O        int64  `db:"o"`
	}
	queries := []struct {
		q    string
		args []any
		add  func(s *outreach.CampaignStats, r row)
	}{
		{`SELECT campaign, '' AS k, count(*) AS n, 0 AS m, 0 AS o FROM deliveries
			WHERE created_at >= ? AND created_at < ? GROUP BY campaign`, []any{f, t},
			func(s *outreach.CampaignStats, r row) { s.Planned += int(r.N) }},
		{`SELECT campaign, '' AS k, (sent_at - ?) / ? AS n, count(*) AS m, 0 AS o FROM deliveries
			WHERE state = 'sent' AND sent_at >= ? AND sent_at < ? GROUP BY campaign, (sent_at - ?) / ?`, []any{f, dayMs, f, t, f, dayMs},
			func(s *outreach.CampaignStats, r row) {
				s.Sent += int(r.M)
				if r.N >= 0 && int(r.N) < len(s.SentPerDay) {
					s.SentPerDay[r.N] += int(r.M)
				}
			}},
		{`SELECT d.campaign, x.decision AS k, count(DISTINCT x.delivery_id) AS n, 0 AS m, 0 AS o
			FROM decisions x JOIN deliveries d ON d.id = x.delivery_id
			WHERE x.decision IN ('deferred', 'dropped', 'suppressed') AND x.at >= ? AND x.at < ?
			GROUP BY d.campaign, x.decision`, []any{f, t},
			func(s *outreach.CampaignStats, r row) {
				switch r.Key {
				case outreach.DecisionDeferred:
					s.Deferred += int(r.N)
				case outreach.DecisionDropped:
					s.Dropped += int(r.N)
				case outreach.DecisionSuppressed:
					s.Suppressed += int(r.N)
				}
			}},
		{`SELECT campaign, '' AS k, count(*) AS n, 0 AS m, 0 AS o FROM deliveries
			WHERE state = 'failed' AND updated_at >= ? AND updated_at < ? GROUP BY campaign`, []any{f, t},
			func(s *outreach.CampaignStats, r row) { s.Failed += int(r.N) }},
		{`SELECT d.campaign, '' AS k, count(*) AS n, 0 AS m, 0 AS o FROM deliveries d
			JOIN survey_responses r ON r.delivery_id = d.id
			WHERE d.state = 'sent' AND d.sent_at >= ? AND d.sent_at < ? GROUP BY d.campaign`, []any{f, t},
			func(s *outreach.CampaignStats, r row) { s.Answered += int(r.N) }},
		{`SELECT campaign, '' AS k,
				coalesce(sum(CASE WHEN score >= 9 THEN 1 ELSE 0 END), 0) AS n,
				coalesce(sum(CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END), 0) AS m,
				coalesce(sum(CASE WHEN score <= 6 THEN 1 ELSE 0 END), 0) AS o
			FROM survey_responses WHERE at >= ? AND at < ? GROUP BY campaign`, []any{f, t},
			func(s *outreach.CampaignStats, r row) {
				s.Promoters, s.Passives, s.Detractors = int(r.N), int(r.M), int(r.O)
			}},
	}
	for _, q := range queries {
		var rows []row
		if err := db.db.SelectContext(ctx, &rows, db.rebind(q.q), q.args...); err != nil {
			return nil, fmt.Errorf("campaign stats: %w", err)
		}
		for _, r := range rows {
			q.add(get(r.Campaign), r)
		}
	}
	return out, nil
}

// CampaignDecisions returns the decisions about the campaign's most recent
// deliveries (by creation), newest first.
func (db *DB) CampaignDecisions(ctx context.Context, campaign string, limit int) ([]outreach.CampaignDecision, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var rows []struct {
		ID       string         `db:"delivery_id"`
		Email    sql.NullString `db:"email"`
		At       int64          `db:"at"`
		Decision string         `db:"decision"`
		Reason   string         `db:"reason"`
		Until    sql.NullInt64  `db:"until"`
	}
	q := db.rebind(`SELECT x.delivery_id, c.email, x.at, x.decision, x.reason, x.until
		FROM (SELECT id, contact_id FROM deliveries WHERE campaign = ? ORDER BY created_at DESC LIMIT ?) d
		JOIN decisions x ON x.delivery_id = d.id
		LEFT JOIN contacts c ON c.id = d.contact_id
		ORDER BY x.at DESC, x.id DESC LIMIT ?`)
	if err := db.db.SelectContext(ctx, &rows, q, campaign, limit, limit); err != nil {
		return nil, fmt.Errorf("campaign decisions: %w", err)
	}
	out := make([]outreach.CampaignDecision, len(rows))
	for i, r := range rows {
		out[i] = outreach.CampaignDecision{DeliveryID: r.ID, Contact: r.Email.String, At: fromMs(r.At),
			Decision: r.Decision, Reason: r.Reason}
		if r.Until.Valid {
			u := fromMs(r.Until.Int64)
			out[i].Until = &u
		}
	}
	return out, nil
}

// CampaignPauses returns the paused campaigns.
func (db *DB) CampaignPauses(ctx context.Context) (map[string]outreach.CampaignPause, error) {
	return db.campaignPauses(ctx, db.db)
}

// campaignPauses reads the pauses through q (the pool, or the claim
// transaction).
func (db *DB) campaignPauses(ctx context.Context, q sqlx.QueryerContext) (map[string]outreach.CampaignPause, error) {
	var rows []struct {
		Campaign string `db:"campaign"`
		By       string `db:"paused_by"`
		At       int64  `db:"paused_at"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT campaign, paused_by, paused_at FROM campaign_pauses`); err != nil {
		return nil, fmt.Errorf("campaign pauses: %w", err)
	}
	out := make(map[string]outreach.CampaignPause, len(rows))
	for _, r := range rows {
		out[r.Campaign] = outreach.CampaignPause{Campaign: r.Campaign, PausedBy: r.By, PausedAt: fromMs(r.At)}
	}
	return out, nil
}

// PauseCampaign pauses a campaign, audited; pausing a paused campaign
// changes nothing and writes no audit line.
func (db *DB) PauseCampaign(ctx context.Context, campaign string, audit outreach.AuditEntry) error {
	if campaign == "" {
		return outreach.Errorf(outreach.EINVALID, "campaign key is required")
	}
	return db.inTx(ctx, "pause campaign", func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO campaign_pauses (campaign, paused_by, paused_at) VALUES (?, ?, ?)
			ON CONFLICT (campaign) DO NOTHING`), campaign, audit.Actor, ms(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return db.writeAudit(ctx, tx, now, audit)
	})
}

// ResumeCampaign ends a pause, audited, and brings the campaign's due
// deliveries that wait for a later instant forward to now, so the
// dispatcher decides them again at once (those held by another rule are
// deferred again by it). Resuming a campaign that is not paused is
// ENOTFOUND.
func (db *DB) ResumeCampaign(ctx context.Context, campaign string, audit outreach.AuditEntry) error {
	return db.inTx(ctx, "resume campaign", func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM campaign_pauses WHERE campaign = ?`), campaign)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return outreach.Errorf(outreach.ENOTFOUND, "campaign %s is not paused", campaign)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE deliveries SET not_before = ?, updated_at = ?
			WHERE state = 'planned' AND campaign = ? AND not_before > ? AND due_at <= ?`),
			ms(now), ms(now), campaign, ms(now), ms(now)); err != nil {
			return err
		}
		return db.writeAudit(ctx, tx, now, audit)
	})
}
