package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.IngestStore = (*DB)(nil)

// UpsertAccounts inserts or updates accounts by external_id in one
// transaction; "" and nil fields keep the current value. An external_id
// repeated in the batch merges onto its first occurrence.
func (db *DB) UpsertAccounts(ctx context.Context, items []outreach.Account) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	var bad outreach.BatchError
	merged := make([]outreach.Account, 0, len(items))
	at := map[string]int{}
	for i, a := range items {
		a.ExternalID = strings.TrimSpace(a.ExternalID)
		if a.ExternalID == "" {
			bad.Add(i, "external_id", "is required")
			continue
		}
		if j, ok := at[a.ExternalID]; ok {
			merged[j] = mergeAccount(merged[j], a)
			continue
		}
		at[a.ExternalID] = len(merged)
		merged = append(merged, a)
	}
	if err := bad.Err(); err != nil {
		return res, err
	}
	err := db.inTx(ctx, "upsert accounts", func(tx *sqlx.Tx, now time.Time) error {
		existing, err := db.accountIDs(ctx, tx, keys(at))
		if err != nil {
			return err
		}
		for start := 0; start < len(merged); start += chunkRows {
			chunk := merged[start:min(start+chunkRows, len(merged))]
			if err := db.upsertAccountChunk(ctx, tx, chunk, now); err != nil {
				return err
			}
		}
		for _, a := range merged {
			if _, ok := existing[a.ExternalID]; !ok {
				res.Created++
			}
		}
		res.Updated = len(items) - res.Created
		return nil
	})
	return res, err
}

func mergeAccount(dst, src outreach.Account) outreach.Account {
	set := func(d *string, s string) {
		if s != "" {
			*d = s
		}
	}
	set(&dst.Name, src.Name)
	set(&dst.OwnerEmail, src.OwnerEmail)
	set(&dst.Plan, src.Plan)
	set(&dst.Timezone, src.Timezone)
	set(&dst.RenewalDate, src.RenewalDate)
	if src.StartedAt != nil {
		dst.StartedAt = src.StartedAt
	}
	if src.PausedUntil != nil {
		dst.PausedUntil = src.PausedUntil
	}
	if src.Attributes != nil {
		dst.Attributes = src.Attributes
	}
	return dst
}

func (db *DB) upsertAccountChunk(ctx context.Context, tx *sqlx.Tx, chunk []outreach.Account, now time.Time) error {
	const cols = 11
	args := make([]any, 0, len(chunk)*cols)
	for _, a := range chunk {
		attrs, err := jsonText(a.Attributes)
		if err != nil {
			return fmt.Errorf("account %s attributes: %w", a.ExternalID, err)
		}
		args = append(args, a.ExternalID, a.Name, strings.ToLower(a.OwnerEmail), a.Plan, a.Timezone,
			msPtr(a.StartedAt), a.RenewalDate, msPtr(a.PausedUntil), attrs, ms(now), ms(now))
	}
	q := `INSERT INTO accounts (external_id, name, owner_email, plan, timezone, started_at,
		renewal_date, paused_until, attributes, created_at, updated_at) VALUES ` + db.values(len(chunk), cols) + `
		ON CONFLICT (external_id) DO UPDATE SET
			name = CASE WHEN excluded.name = '' THEN accounts.name ELSE excluded.name END,
			owner_email = CASE WHEN excluded.owner_email = '' THEN accounts.owner_email ELSE excluded.owner_email END,
			plan = CASE WHEN excluded.plan = '' THEN accounts.plan ELSE excluded.plan END,
			timezone = CASE WHEN excluded.timezone = '' THEN accounts.timezone ELSE excluded.timezone END,
			started_at = COALESCE(excluded.started_at, accounts.started_at),
			renewal_date = CASE WHEN excluded.renewal_date = '' THEN accounts.renewal_date ELSE excluded.renewal_date END,
			paused_until = COALESCE(excluded.paused_until, accounts.paused_until),
			attributes = COALESCE(excluded.attributes, accounts.attributes),
			updated_at = excluded.updated_at`
	_, err := tx.ExecContext(ctx, q, args...)
	return err
}

// accountIDs maps the known external ids among ext to their row ids.
func (db *DB) accountIDs(ctx context.Context, tx *sqlx.Tx, ext []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ext))
	if len(ext) == 0 {
		return out, nil
	}
	rows, err := tx.QueryContext(ctx, db.rebind(`SELECT external_id, id FROM accounts WHERE `+db.inText("external_id")), jsonArray(ext))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var id int64
		if err := rows.Scan(&e, &id); err != nil {
			return nil, err
		}
		out[e] = id
	}
	return out, rows.Err()
}

// UpsertTeam inserts or updates team members by (lower-cased) email.
func (db *DB) UpsertTeam(ctx context.Context, items []outreach.TeamMember) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	var bad outreach.BatchError
	merged := make([]outreach.TeamMember, 0, len(items))
	at := map[string]int{}
	for i, m := range items {
		m.Email = strings.ToLower(strings.TrimSpace(m.Email))
		if m.Email == "" {
			bad.Add(i, "email", "is required")
			continue
		}
		if j, ok := at[m.Email]; ok {
			for _, f := range [][2]*string{{&merged[j].Name, &m.Name}, {&merged[j].Timezone, &m.Timezone}, {&merged[j].DigestSchedule, &m.DigestSchedule}} {
				if *f[1] != "" {
					*f[0] = *f[1]
				}
			}
			continue
		}
		at[m.Email] = len(merged)
		merged = append(merged, m)
	}
	if err := bad.Err(); err != nil {
		return res, err
	}
	err := db.inTx(ctx, "upsert team", func(tx *sqlx.Tx, now time.Time) error {
		var existing []string
		q := db.rebind(`SELECT email FROM team_members WHERE ` + db.inText("email"))
		if err := tx.SelectContext(ctx, &existing, q, jsonArray(keys(at))); err != nil {
			return err
		}
		for start := 0; start < len(merged); start += chunkRows {
			chunk := merged[start:min(start+chunkRows, len(merged))]
			args := make([]any, 0, len(chunk)*6)
			for _, m := range chunk {
				args = append(args, m.Email, m.Name, m.Timezone, m.DigestSchedule, ms(now), ms(now))
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO team_members (email, name, timezone, digest_schedule, created_at, updated_at)
				VALUES `+db.values(len(chunk), 6)+`
				ON CONFLICT (email) DO UPDATE SET
					name = CASE WHEN excluded.name = '' THEN team_members.name ELSE excluded.name END,
					timezone = CASE WHEN excluded.timezone = '' THEN team_members.timezone ELSE excluded.timezone END,
					digest_schedule = CASE WHEN excluded.digest_schedule = '' THEN team_members.digest_schedule ELSE excluded.digest_schedule END,
					updated_at = excluded.updated_at`, args...)
			if err != nil {
				return err
			}
		}
		res.Created = len(merged) - len(existing)
		res.Updated = len(items) - res.Created
		return nil
	})
	return res, err
}
