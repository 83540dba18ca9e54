package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/outreach-dev/outreach"
)

// Responses returns the answers q selects, oldest first, after q's cursor
// position: a stable order (answer time, then delivery id) that a cursor
// can resume, as the export API does.
func (db *DB) Responses(ctx context.Context, q outreach.ResponseQuery) ([]outreach.ResponseRow, error) {
	sqlq := `SELECT r.delivery_id, r.campaign, r.score, r.comment, r.at, c.email, c.external_id, a.external_id AS account, a.owner_email
		FROM survey_responses r JOIN contacts c ON c.id = r.contact_id JOIN accounts a ON a.id = c.account_id WHERE 1 = 1`
	var args []any
	if q.Campaign != "" {
		sqlq += ` AND r.campaign = ?`
		args = append(args, q.Campaign)
	}
	if q.Account != "" {
		sqlq += ` AND a.external_id = ?`
		args = append(args, q.Account)
	}
	if q.From != nil {
		sqlq += ` AND r.at >= ?`
		args = append(args, ms(*q.From))
	}
	if q.To != nil {
		sqlq += ` AND r.at < ?`
		args = append(args, ms(*q.To))
	}
	if !q.AfterAt.IsZero() {
		sqlq += ` AND (r.at > ? OR (r.at = ? AND r.delivery_id > ?))`
		args = append(args, ms(q.AfterAt), ms(q.AfterAt), q.AfterID)
	}
	sqlq += ` ORDER BY r.at, r.delivery_id LIMIT ?`
	args = append(args, q.Limit)
	rows, err := db.db.QueryContext(ctx, db.rebind(sqlq), args...)
	if err != nil {
		return nil, fmt.Errorf("responses: %w", err)
	}
	defer rows.Close()
	out := []outreach.ResponseRow{}
	for rows.Next() {
		var r outreach.ResponseRow
		var at int64
		var ext sql.NullString
		if err := rows.Scan(&r.DeliveryID, &r.Campaign, &r.Score, &r.Comment, &at, &r.Contact, &ext, &r.Account, &r.Owner); err != nil {
			return nil, fmt.Errorf("responses: %w", err)
		}
		r.At, r.ContactID, r.Class = fromMs(at), ext.String, outreach.ScoreClass(r.Score)
		out = append(out, r)
	}
	return out, rows.Err()
}
