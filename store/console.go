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

// The console's sign-in links, sessions and audit log (migration 00013).

var _ outreach.ConsoleAuthStore = (*DB)(nil)
var _ outreach.AuditLog = (*DB)(nil)

// ConsoleMember returns the team member with email (matched without case),
// or ENOTFOUND.
func (db *DB) ConsoleMember(ctx context.Context, email string) (*outreach.TeamMember, error) {
	return db.TeamMember(ctx, strings.ToLower(strings.TrimSpace(email)))
}

// CreateSignIn stores a one-time sign-in link by its token's hash. Links
// that expired more than a day ago are deleted on the way (an indexed
// range), so the table stays small.
func (db *DB) CreateSignIn(ctx context.Context, tokenHash, email string, expires time.Time) error {
	return db.inTx(ctx, "create sign-in link", func(tx *sqlx.Tx, now time.Time) error {
		if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM console_signins WHERE expires_at < ?`), ms(now.Add(-24*time.Hour))); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO console_signins (token_hash, email, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			tokenHash, email, ms(now), ms(expires))
		return err
	})
}

// ConsumeSignIn marks a sign-in link used and creates the session s for its
// email in the same transaction, with an audit entry. A link that is
// unknown, expired or used is an ENOTFOUND error with the message
// SignInUnknown, SignInExpired or SignInUsed; so is one whose member lost
// the console role since it was sent.
func (db *DB) ConsumeSignIn(ctx context.Context, tokenHash string, s *outreach.ConsoleSession) error {
	return db.inTx(ctx, "sign in", func(tx *sqlx.Tx, now time.Time) error {
		var (
			email   string
			expires int64
			used    sql.NullInt64
		)
		err := tx.QueryRowxContext(ctx, db.rebind(`SELECT email, expires_at, used_at FROM console_signins WHERE token_hash = ?`+db.lockRows("FOR UPDATE")), tokenHash).
			Scan(&email, &expires, &used)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return outreach.Errorf(outreach.ENOTFOUND, outreach.SignInUnknown)
		case err != nil:
			return err
		case used.Valid:
			return outreach.Errorf(outreach.ENOTFOUND, outreach.SignInUsed)
		case ms(now) >= expires:
			return outreach.Errorf(outreach.ENOTFOUND, outreach.SignInExpired)
		}
		var role string
		err = tx.QueryRowxContext(ctx, db.rebind(`SELECT console_role FROM team_members WHERE email = ?`), email).Scan(&role)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && role == "") {
			return outreach.Errorf(outreach.ENOTFOUND, outreach.SignInUnknown)
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE console_signins SET used_at = ? WHERE token_hash = ?`), ms(now), tokenHash); err != nil {
			return err
		}
		s.Email, s.CreatedAt, s.LastSeenAt = email, now, now
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO console_sessions (id_hash, email, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`),
			s.IDHash, email, s.CSRF, ms(now), ms(now)); err != nil {
			return err
		}
		return db.writeAudit(ctx, tx, now, outreach.AuditEntry{Actor: email, Action: "console.sign_in", Target: email})
	})
}

// ConsoleSession returns the session with idHash, with its member, if it
// was last seen after idleSince, and marks it seen now. Sessions idle for
// longer are deleted. One indexed read per page (session joined with its
// member); the write happens at most once a minute, so no transaction.
func (db *DB) ConsoleSession(ctx context.Context, idHash string, idleSince time.Time) (*outreach.ConsoleSession, error) {
	var s outreach.ConsoleSession
	var created, seen int64
	m := &s.Member
	err := db.db.QueryRowxContext(ctx, db.rebind(`SELECT s.email, s.csrf, s.created_at, s.last_seen_at,
			m.name, m.timezone, m.digest_schedule, m.console_role, m.locale
		FROM console_sessions s JOIN team_members m ON m.email = s.email WHERE s.id_hash = ?`), idHash).
		Scan(&s.Email, &s.CSRF, &created, &seen, &m.Name, &m.Timezone, &m.DigestSchedule, &m.ConsoleRole, &m.Locale)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no such console session")
	} else if err != nil {
		return nil, fmt.Errorf("console session: %w", err)
	}
	s.IDHash, m.Email = idHash, s.Email
	if seen <= ms(idleSince) {
		// The guard keeps a session that another request just marked seen.
		if _, err := db.db.ExecContext(ctx, db.rebind(`DELETE FROM console_sessions WHERE id_hash = ? AND last_seen_at <= ?`),
			idHash, ms(idleSince)); err != nil {
			return nil, fmt.Errorf("console session: %w", err)
		}
		return nil, outreach.Errorf(outreach.ENOTFOUND, "console session expired")
	}
	now := db.Now()
	s.CreatedAt, s.LastSeenAt = fromMs(created), now
	// Marking the session seen once a minute is enough for a 12 h idle
	// timeout, and spares a write per page.
	if ms(now)-seen > int64(time.Minute/time.Millisecond) {
		if _, err := db.db.ExecContext(ctx, db.rebind(`UPDATE console_sessions SET last_seen_at = ? WHERE id_hash = ? AND last_seen_at < ?`),
			ms(now), idHash, ms(now)); err != nil {
			return nil, fmt.Errorf("console session: %w", err)
		}
	}
	return &s, nil
}

// DeleteConsoleSession ends a session and writes audit in the same
// transaction. An unknown session is not an error (sign-out is idempotent).
func (db *DB) DeleteConsoleSession(ctx context.Context, idHash string, audit outreach.AuditEntry) error {
	return db.inTx(ctx, "sign out", func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM console_sessions WHERE id_hash = ?`), idHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return db.writeAudit(ctx, tx, now, audit)
	})
}

// writeAudit appends an entry to the audit log inside tx, at the
// transaction's time. Every store method that changes state for the console
// calls it, so a change and its audit line commit together.
func (db *DB) writeAudit(ctx context.Context, tx *sqlx.Tx, now time.Time, e outreach.AuditEntry) error {
	if e.Actor == "" || e.Action == "" {
		return fmt.Errorf("audit entry needs an actor and an action, got %+v", e)
	}
	_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`),
		ms(now), e.Actor, e.Action, e.Target, e.Detail)
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// maxAuditPage caps one page of the audit log.
const maxAuditPage = 500

// AuditEntries returns audit entries matching f, newest first.
func (db *DB) AuditEntries(ctx context.Context, f outreach.AuditFilter) ([]outreach.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	for _, c := range []struct{ col, val string }{{"actor", f.Actor}, {"action", f.Action}, {"target", f.Target}} {
		if c.val != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.val)
		}
	}
	if f.Before > 0 {
		where = append(where, "id < ?")
		args = append(args, f.Before)
	}
	if f.Limit <= 0 || f.Limit > maxAuditPage {
		f.Limit = maxAuditPage
	}
	q := `SELECT id, at, actor, action, target, detail FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", f.Limit)
	rows, err := db.db.QueryxContext(ctx, db.rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []outreach.AuditEntry
	for rows.Next() {
		var e outreach.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.At = fromMs(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
