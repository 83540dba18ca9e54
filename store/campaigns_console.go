package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/migrations"
)

// The console's campaign statistics (read from the counters of migration
// 00022), decisions and campaign pauses.

var _ outreach.CampaignStore = (*DB)(nil)

const dayMs = int64(24 * time.Hour / time.Millisecond)

// CampaignStats counts each campaign's deliveries over the whole UTC days
// from from's day to to's day (to itself is "now": nothing later is
// stored) from the daily counters of migration 00022, which triggers keep
// in the transaction of every delivery, decision and answer: one range
// scan of a few rows per campaign and day, however many deliveries there
// are (docs/scaling.md). A delivery counts as planned on its creation day,
// sent on its sent_at day, deferred (dropped, suppressed) on the day of its
// first such decision, failed on the day it failed; answers count on the
// day their delivery was sent (the response rate) and by score on the day
// they were given (the NPS). Erasing a person leaves the counts as they
// were: they hold no personal data.
//
// With only, it counts that campaign alone (the campaign page).
func (db *DB) CampaignStats(ctx context.Context, from, to time.Time, only ...string) (map[string]*outreach.CampaignStats, error) {
	first := ms(from) / dayMs
	days := int((ms(to) - ms(from) + dayMs - 1) / dayMs)
	q, args := db.CampaignStatsStatement(from, to, only...)
	// A few hundred rows per page view: scanned by hand, not by sqlx's
	// reflection, which cost more than the query (BenchmarkConsolePages).
	type row struct {
		Day, Shards, Planned, Sent, Deferred, Dropped, Suppressed, Failed int64
		Answered, Promoters, Passives, Detractors                         int64
		Campaign                                                          string
	}
	var rows []row
	rs, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("campaign stats: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.Day, &r.Campaign, &r.Planned, &r.Sent, &r.Deferred, &r.Dropped, &r.Suppressed, &r.Failed,
			&r.Answered, &r.Promoters, &r.Passives, &r.Detractors, &r.Shards); err != nil {
			return nil, fmt.Errorf("campaign stats: %w", err)
		}
		rows = append(rows, r)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("campaign stats: %w", err)
	}
	today := ms(db.Now()) / dayMs
	for _, r := range rows {
		if r.Shards > 1 && r.Day < today {
			if err := db.compactCampaignCounters(ctx, today); err != nil {
				return nil, err
			}
			break
		}
	}
	out := map[string]*outreach.CampaignStats{}
	for _, r := range rows {
		s, ok := out[r.Campaign]
		if !ok {
			s = &outreach.CampaignStats{Campaign: r.Campaign, SentPerDay: make([]int, days)}
			out[r.Campaign] = s
		}
		s.Planned += int(r.Planned)
		s.Sent += int(r.Sent)
		if i := r.Day - first; i >= 0 && i < int64(days) {
			s.SentPerDay[i] += int(r.Sent)
		}
		s.Deferred += int(r.Deferred)
		s.Dropped += int(r.Dropped)
		s.Suppressed += int(r.Suppressed)
		s.Failed += int(r.Failed)
		s.Answered += int(r.Answered)
		s.Promoters += int(r.Promoters)
		s.Passives += int(r.Passives)
		s.Detractors += int(r.Detractors)
	}
	for k, s := range out { // a campaign whose counters cancel out had no activity
		if s.Planned == 0 && s.Sent == 0 && s.Deferred == 0 && s.Dropped == 0 && s.Suppressed == 0 && s.Failed == 0 &&
			s.Answered == 0 && s.Promoters == 0 && s.Passives == 0 && s.Detractors == 0 {
			delete(out, k)
		}
	}
	return out, nil
}

// CampaignStatsStatement is the statement CampaignStats runs, in the
// store's dialect, for the page-speed benchmark's bare-SQL baseline.
func (db *DB) CampaignStatsStatement(from, to time.Time, only ...string) (string, []any) {
	args := []any{ms(from) / dayMs, ms(to) / dayMs}
	filter := ""
	if len(only) > 0 {
		filter = " AND campaign IN (?" + strings.Repeat(", ?", len(only)-1) + ")"
		for _, c := range only {
			args = append(args, c)
		}
	}
	return db.rebind(`SELECT day, campaign, sum(planned) AS planned, sum(sent) AS sent, sum(deferred) AS deferred,
		sum(dropped) AS dropped, sum(suppressed) AS suppressed, sum(failed) AS failed, sum(answered) AS answered,
		sum(promoters) AS promoters, sum(passives) AS passives, sum(detractors) AS detractors, count(*) AS shards
		FROM campaign_counters WHERE day >= ? AND day <= ?` + filter + ` GROUP BY day, campaign`), args
}

// compactCampaignCounters folds the counter rows of the days before
// today, one per writing backend on PostgreSQL, into one row per campaign
// and day (shard 0, which no backend writes), so the rows a period reads
// stay a few per campaign and day. It skips the rows a transaction holds
// (SKIP LOCKED) and so never waits for a writer; it upserts in key order,
// so two compactions never deadlock. CampaignStats calls it when it reads
// a past day with more than one row.
func (db *DB) compactCampaignCounters(ctx context.Context, today int64) error {
	if !db.postgres() {
		return nil // SQLite writes shard 0 only
	}
	_, err := db.db.ExecContext(ctx, `WITH moved AS (
			DELETE FROM campaign_counters WHERE ctid IN (
				SELECT ctid FROM campaign_counters WHERE day < $1 AND shard <> 0 FOR UPDATE SKIP LOCKED)
			RETURNING *)
		INSERT INTO campaign_counters AS k (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed,
			answered, promoters, passives, detractors)
		SELECT day, campaign, 0, sum(planned), sum(sent), sum(deferred), sum(dropped), sum(suppressed), sum(failed),
			sum(answered), sum(promoters), sum(passives), sum(detractors)
		FROM moved GROUP BY day, campaign ORDER BY day, campaign
		ON CONFLICT (day, campaign, shard) DO UPDATE SET
			planned = k.planned + excluded.planned, sent = k.sent + excluded.sent, deferred = k.deferred + excluded.deferred,
			dropped = k.dropped + excluded.dropped, suppressed = k.suppressed + excluded.suppressed, failed = k.failed + excluded.failed,
			answered = k.answered + excluded.answered, promoters = k.promoters + excluded.promoters,
			passives = k.passives + excluded.passives, detractors = k.detractors + excluded.detractors`, today)
	if err != nil {
		return fmt.Errorf("compact campaign counters: %w", err)
	}
	return nil
}

// RebuildCampaignCounters recounts the campaign counters from the stored
// rows, with the statement migration 00022 runs (for a base filled with the
// triggers off, like the page-speed benchmark's).
func (db *DB) RebuildCampaignCounters(ctx context.Context) error {
	fsys := migrations.Postgres
	if !db.postgres() {
		fsys = migrations.SQLite
	}
	b, err := fs.ReadFile(fsys, "00022_page_speed.sql")
	if err != nil {
		return fmt.Errorf("rebuild campaign counters: %w", err)
	}
	text := string(b)
	i, j := strings.Index(text, "-- The rows stored so far"), strings.Index(text, "-- +goose Down")
	if i < 0 || j < i {
		return fmt.Errorf("rebuild campaign counters: migration 00022 has no backfill statement")
	}
	return db.inTx(ctx, "rebuild campaign counters", func(tx *sqlx.Tx, _ time.Time) error {
		if db.postgres() { // one big aggregate: sort in memory rather than on disk
			if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '256MB'`); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM campaign_counters`); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, text[i:j])
		return err
	})
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
	q, args := db.CampaignDecisionsStatement(campaign, limit)
	if err := db.db.SelectContext(ctx, &rows, q, args...); err != nil {
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

// CampaignDecisionsStatement is the statement CampaignDecisions runs, for
// the page-speed benchmark's bare-SQL baseline.
func (db *DB) CampaignDecisionsStatement(campaign string, limit int) (string, []any) {
	return db.rebind(`SELECT x.delivery_id, c.email, x.at, x.decision, x.reason, x.until
		FROM (SELECT id, contact_id FROM deliveries WHERE campaign = ? ORDER BY created_at DESC LIMIT ?) d
		JOIN decisions x ON x.delivery_id = d.id
		LEFT JOIN contacts c ON c.id = d.contact_id
		ORDER BY x.at DESC, x.id DESC LIMIT ?`), []any{campaign, limit, limit}
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
