package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.IngestStore = (*DB)(nil)

// UpsertAccounts inserts or updates accounts by external_id in one
// transaction; "" and nil fields keep the current value. An external_id
// repeated in the batch merges onto its first occurrence.
//
// The transaction locks the stored accounts of the batch in id order (as
// dispatch does), inserts the others (in external_id order on PostgreSQL,
// numbered in batch order all the same: see newIDs) and then updates the
// stored ones, so that concurrent batches over the same accounts never
// deadlock; one that finds an account it meant to insert inserted meanwhile
// by another runs again, and so updates it instead (each account is
// reported created once).
func (db *DB) UpsertAccounts(ctx context.Context, items []outreach.Account) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	var bad outreach.BatchError
	merged := make([]outreach.Account, 0, len(items))
	at := map[string]int{}
	for i, a := range items {
		a.ID = 0 // the store numbers accounts, never the caller
		a.ExternalID = strings.TrimSpace(a.ExternalID)
		if bad.AddFirst(i, a.Validate()) {
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
	err := db.inBatchTx(ctx, "upsert accounts", func(tx *sqlx.Tx, now time.Time) error {
		res = outreach.BatchResult{}
		existing, err := db.accountIDs(ctx, tx, keys(at), "FOR NO KEY UPDATE")
		if err != nil {
			return err
		}
		var fresh, stored []outreach.Account
		for _, a := range merged {
			if _, ok := existing[a.ExternalID]; ok {
				stored = append(stored, a)
			} else {
				fresh = append(fresh, a)
			}
		}
		ids, err := db.newIDs(ctx, tx, "accounts", "id", len(fresh))
		if err != nil {
			return err
		}
		if ids != nil {
			for i, id := range ids {
				fresh[i].ID = id
			}
			slices.SortFunc(fresh, func(a, b outreach.Account) int { return strings.Compare(a.ExternalID, b.ExternalID) })
		}
		if err := db.writeAccounts(ctx, tx, fresh, now, false); err != nil {
			return err
		}
		if err := db.writeAccounts(ctx, tx, stored, now, true); err != nil {
			return err
		}
		res.Created = len(fresh)
		res.Updated = len(items) - res.Created
		return nil
	})
	if err != nil {
		return outreach.BatchResult{}, err
	}
	return res, nil
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

// writeAccounts inserts accounts, in chunks; with update, the stored ones
// are updated, else one that exists is errRaced.
func (db *DB) writeAccounts(ctx context.Context, tx *sqlx.Tx, accounts []outreach.Account, now time.Time, update bool) error {
	for start := 0; start < len(accounts); start += chunkRows {
		chunk := accounts[start:min(start+chunkRows, len(accounts))]
		if err := db.writeAccountChunk(ctx, tx, chunk, now, update); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) writeAccountChunk(ctx context.Context, tx *sqlx.Tx, chunk []outreach.Account, now time.Time, update bool) error {
	cols := 11
	if !update {
		cols++ // the id
	}
	args := make([]any, 0, len(chunk)*cols)
	for _, a := range chunk {
		attrs, err := jsonText(a.Attributes)
		if err != nil {
			return fmt.Errorf("account %s attributes: %w", a.ExternalID, err)
		}
		if !update {
			args = append(args, nullID(a.ID))
		}
		args = append(args, a.ExternalID, a.Name, strings.ToLower(a.OwnerEmail), a.Plan, a.Timezone,
			msPtr(a.StartedAt), a.RenewalDate, msPtr(a.PausedUntil), attrs, ms(now), ms(now))
	}
	const columns = `external_id, name, owner_email, plan, timezone, started_at,
		renewal_date, paused_until, attributes, created_at, updated_at`
	if !update {
		q := `INSERT INTO accounts (id, ` + columns + `) VALUES ` + db.values(len(chunk), cols) + ` ON CONFLICT DO NOTHING`
		return insertAll(ctx, tx, len(chunk), q, args)
	}
	q := `INSERT INTO accounts (` + columns + `) VALUES ` + db.values(len(chunk), cols) + ` ON CONFLICT (external_id) DO UPDATE SET
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

// insertAll runs q, an INSERT ... ON CONFLICT DO NOTHING of n rows; a row
// left out (created by a concurrent transaction since the caller read the
// table) is errRaced.
func insertAll(ctx context.Context, tx *sqlx.Tx, n int, q string, args []any) error {
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if inserted < int64(n) {
		return errRaced
	}
	return nil
}

// accountIDs maps the known external ids among ext to their row ids. A
// non-empty lock ("FOR KEY SHARE", ...) locks the rows on PostgreSQL, in id
// order.
func (db *DB) accountIDs(ctx context.Context, tx *sqlx.Tx, ext []string, lock string) (map[string]int64, error) {
	out := make(map[string]int64, len(ext))
	if len(ext) == 0 {
		return out, nil
	}
	q := `SELECT external_id, id FROM accounts WHERE ` + db.anyText("external_id")
	if lock != "" {
		q += ` ORDER BY id` + db.lockRows(lock)
	}
	rows, err := tx.QueryContext(ctx, db.rebind(q), db.textsArg(ext))
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

// UpsertTeam inserts or updates team members by (lower-cased) email, like
// UpsertAccounts: the stored ones are locked in email order, the others
// inserted in email order, then the stored ones updated. Removing a
// member's console role (RoleNone) ends their console sessions.
func (db *DB) UpsertTeam(ctx context.Context, items []outreach.TeamMember) (outreach.BatchResult, error) {
	var res outreach.BatchResult
	var bad outreach.BatchError
	merged := make([]outreach.TeamMember, 0, len(items))
	at := map[string]int{}
	for i, m := range items {
		m.Email = strings.ToLower(strings.TrimSpace(m.Email))
		if bad.AddFirst(i, m.Validate()) {
			continue
		}
		if j, ok := at[m.Email]; ok {
			for _, f := range [][2]*string{{&merged[j].Name, &m.Name}, {&merged[j].Timezone, &m.Timezone}, {&merged[j].DigestSchedule, &m.DigestSchedule},
				{&merged[j].SlackWebhookURL, &m.SlackWebhookURL}, {&merged[j].TeamsWebhookURL, &m.TeamsWebhookURL}, {&merged[j].ConsoleRole, &m.ConsoleRole}, {&merged[j].Locale, &m.Locale}} {
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
	slices.SortFunc(merged, func(a, b outreach.TeamMember) int { return strings.Compare(a.Email, b.Email) })
	err := db.inBatchTx(ctx, "upsert team", func(tx *sqlx.Tx, now time.Time) error {
		res = outreach.BatchResult{}
		var existing []string
		q := db.rebind(`SELECT email FROM team_members WHERE ` + db.anyText("email") + ` ORDER BY email` + db.lockRows("FOR NO KEY UPDATE"))
		if err := tx.SelectContext(ctx, &existing, q, db.textsArg(keys(at))); err != nil {
			return err
		}
		stored := make(map[string]bool, len(existing))
		for _, e := range existing {
			stored[e] = true
		}
		var fresh, known []outreach.TeamMember
		for _, m := range merged {
			if stored[m.Email] {
				known = append(known, m)
			} else {
				fresh = append(fresh, m)
			}
		}
		for _, rows := range []struct {
			members []outreach.TeamMember
			update  bool
		}{{fresh, false}, {known, true}} {
			for start := 0; start < len(rows.members); start += chunkRows {
				if err := db.writeTeamChunk(ctx, tx, rows.members[start:min(start+chunkRows, len(rows.members))], now, rows.update); err != nil {
					return err
				}
			}
		}
		// A member whose console role is removed is signed out for good:
		// their sessions end now, so a role given back later does not
		// revive a session (one kept alive on a lost or stolen device).
		var removed []string
		for _, m := range known {
			if m.ConsoleRole == outreach.RoleNone {
				removed = append(removed, m.Email)
			}
		}
		if len(removed) > 0 {
			if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM console_sessions WHERE `+db.anyText("email")), db.textsArg(removed)); err != nil {
				return err
			}
		}
		res.Created = len(fresh)
		res.Updated = len(items) - res.Created
		return nil
	})
	if err != nil {
		return outreach.BatchResult{}, err
	}
	return res, nil
}

// writeTeamChunk inserts team members; with update, the stored ones are
// updated, else one that exists is errRaced.
func (db *DB) writeTeamChunk(ctx context.Context, tx *sqlx.Tx, chunk []outreach.TeamMember, now time.Time, update bool) error {
	args := make([]any, 0, len(chunk)*10)
	for _, m := range chunk {
		role := m.ConsoleRole // "" keeps the stored role, "none" removes it
		if !update && role == outreach.RoleNone {
			role = ""
		}
		args = append(args, m.Email, m.Name, m.Timezone, m.DigestSchedule, m.SlackWebhookURL, m.TeamsWebhookURL, role, m.Locale, ms(now), ms(now))
	}
	q := `INSERT INTO team_members (email, name, timezone, digest_schedule, slack_webhook_url, teams_webhook_url, console_role, locale, created_at, updated_at)
		VALUES ` + db.values(len(chunk), 10)
	if !update {
		return insertAll(ctx, tx, len(chunk), q+` ON CONFLICT (email) DO NOTHING`, args)
	}
	_, err := tx.ExecContext(ctx, q+` ON CONFLICT (email) DO UPDATE SET
			name = CASE WHEN excluded.name = '' THEN team_members.name ELSE excluded.name END,
			timezone = CASE WHEN excluded.timezone = '' THEN team_members.timezone ELSE excluded.timezone END,
			digest_schedule = CASE WHEN excluded.digest_schedule = '' THEN team_members.digest_schedule ELSE excluded.digest_schedule END,
			slack_webhook_url = CASE WHEN excluded.slack_webhook_url = '' THEN team_members.slack_webhook_url ELSE excluded.slack_webhook_url END,
			teams_webhook_url = CASE WHEN excluded.teams_webhook_url = '' THEN team_members.teams_webhook_url ELSE excluded.teams_webhook_url END,
			console_role = CASE excluded.console_role WHEN '' THEN team_members.console_role WHEN 'none' THEN '' ELSE excluded.console_role END,
			locale = CASE WHEN excluded.locale = '' THEN team_members.locale ELSE excluded.locale END,
			updated_at = excluded.updated_at`, args...)
	return err
}
