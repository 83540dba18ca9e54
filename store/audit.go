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

var _ outreach.AuditStore = (*DB)(nil)

// reasonErased is the reason of the suppression an erasure keeps.
const reasonErased = "erased"

// audit appends an entry to the audit log inside tx.
func (db *DB) audit(ctx context.Context, tx *sqlx.Tx, now time.Time, actor, action, target, detail string) error {
	_, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)`),
		ms(now), actor, action, target, detail)
	if err != nil {
		return fmt.Errorf("write audit log: %w", err)
	}
	return nil
}

// DeleteSuppression lifts the suppression of email for scope, writing the
// audit entry in the same transaction. Hard and erasure suppressions need
// force.
func (db *DB) DeleteSuppression(ctx context.Context, email, scope string, force bool, actor string) (*outreach.Suppression, error) {
	return db.deleteSuppression(ctx, outreach.SuppressionLift{Email: email, Scope: scope, Force: force, Actor: actor})
}

// LiftSuppression is DeleteSuppression with the reason the person gave
// (the console's resubscribe form), written into the audit entry. With
// l.Owner set, a suppression of an address that is not a contact of one of
// Owner's accounts (someone else's customer, an erased person, a stranger)
// is ENOTFOUND and stays: the check and the delete are one transaction.
func (db *DB) LiftSuppression(ctx context.Context, l outreach.SuppressionLift) (*outreach.Suppression, error) {
	l.Reason = strings.TrimSpace(l.Reason)
	if l.Reason == "" {
		return nil, outreach.Errorf(outreach.EINVALID, "reason: say why the suppression is lifted (who asked, when)")
	}
	return db.deleteSuppression(ctx, l)
}

func (db *DB) deleteSuppression(ctx context.Context, l outreach.SuppressionLift) (*outreach.Suppression, error) {
	email := strings.ToLower(strings.TrimSpace(l.Email))
	scope, force, actor, note := l.Scope, l.Force, l.Actor, l.Reason
	owned, args := "", []any{EmailHash(email), scope}
	if l.Owner != "" {
		owned, args = suppressionOwned, append(args, strings.ToLower(strings.TrimSpace(l.Owner)))
	}
	if !outreach.ValidScope(scope) {
		return nil, outreach.Errorf(outreach.EINVALID, "%v", outreach.CheckScope(scope))
	}
	var out *outreach.Suppression
	err := db.inTx(ctx, "delete suppression", func(tx *sqlx.Tx, now time.Time) error {
		var r struct {
			Reason    string `db:"reason"`
			CreatedAt int64  `db:"created_at"`
		}
		err := tx.GetContext(ctx, &r, db.rebind(`SELECT s.reason, s.created_at FROM suppressions s
			WHERE s.email_hash = ? AND s.scope = ?`+owned+db.lockRows("FOR UPDATE")), args...)
		if errors.Is(err, sql.ErrNoRows) && l.Owner != "" {
			return outreach.Errorf(outreach.ENOTFOUND, "%s has no %q suppression among the people of your accounts", email, scope)
		}
		if errors.Is(err, sql.ErrNoRows) {
			return outreach.Errorf(outreach.ENOTFOUND, "%s has no %q suppression: GET /api/v1/contacts/{email}/timeline lists its suppressions", email, scope)
		}
		if err != nil {
			return err
		}
		if !force && (scope == outreach.ScopeHard || r.Reason == reasonErased) {
			why := "a hard suppression (bounce or spam report): mailing the address again can hurt the sender's reputation"
			if r.Reason == reasonErased {
				why = "kept by an erasure, so that the person is never mailed again"
			}
			return outreach.Errorf(outreach.ECONFLICT, "the %q suppression of %s is %s; add force=true to lift it all the same", scope, email, why)
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM suppressions WHERE email_hash = ? AND scope = ?`), EmailHash(email), scope); err != nil {
			return err
		}
		detail := "scope " + scope
		if r.Reason != "" {
			detail += "; was: " + r.Reason
		}
		if force {
			detail += "; forced"
		}
		if note != "" {
			detail += "; because: " + note
		}
		out = &outreach.Suppression{Email: email, Scope: scope, Reason: r.Reason, CreatedAt: fromMs(r.CreatedAt)}
		if err := db.emitSuppressionDeleted(ctx, tx, email, scope, r.Reason, actor, now); err != nil {
			return err
		}
		return db.audit(ctx, tx, now, actor, outreach.AuditSuppressionDeleted, email, detail)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// emitSuppressionDeleted queues the suppression.deleted webhook event of a
// lifted suppression in tx, next to its audit entry: data {email, scope,
// reason (what the suppression said), actor (the token name, or
// outreach.ActorPublicPage for a resubscribe)}.
func (db *DB) emitSuppressionDeleted(ctx context.Context, tx *sqlx.Tx, email, scope, reason, actor string, now time.Time) error {
	return db.emitWebhook(ctx, tx, outreach.WebhookSuppressionDeleted, map[string]any{"email": email, "scope": scope,
		"reason": reason, "actor": actor}, now)
}

// Resubscribe lifts the suppressions of email that a person may lift on the
// preference page: all and the categories, never hard or an erasure's.
// Each lifted scope gets its audit entry.
func (db *DB) Resubscribe(ctx context.Context, email, actor string) ([]string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var lifted []string
	err := db.inTx(ctx, "resubscribe", func(tx *sqlx.Tx, now time.Time) error {
		lifted = nil
		var rows []struct {
			Scope  string `db:"scope"`
			Reason string `db:"reason"`
		}
		if err := tx.SelectContext(ctx, &rows, db.rebind(`SELECT scope, reason FROM suppressions
			WHERE email_hash = ? AND scope <> 'hard' AND reason <> ? ORDER BY scope`+db.lockRows("FOR UPDATE")),
			EmailHash(email), reasonErased); err != nil {
			return err
		}
		for _, r := range rows {
			if _, err := tx.ExecContext(ctx, db.rebind(`DELETE FROM suppressions WHERE email_hash = ? AND scope = ?`), EmailHash(email), r.Scope); err != nil {
				return err
			}
			detail := "scope " + r.Scope + "; resubscribed"
			if r.Reason != "" {
				detail += "; was: " + r.Reason
			}
			if err := db.audit(ctx, tx, now, actor, outreach.AuditSuppressionDeleted, email, detail); err != nil {
				return err
			}
			if err := db.emitSuppressionDeleted(ctx, tx, email, r.Scope, r.Reason, actor, now); err != nil {
				return err
			}
			lifted = append(lifted, r.Scope)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return lifted, nil
}

// SetAccountPause sets or clears the account's pause, with its audit entry.
func (db *DB) SetAccountPause(ctx context.Context, externalID string, until *time.Time, extendOnly bool, actor string) (*outreach.Account, error) {
	err := db.inTx(ctx, "set account pause", func(tx *sqlx.Tx, now time.Time) error {
		var cur sql.NullInt64
		err := tx.GetContext(ctx, &cur, db.rebind(`SELECT paused_until FROM accounts WHERE external_id = ?`+db.lockRows("FOR UPDATE")), externalID)
		if errors.Is(err, sql.ErrNoRows) {
			return outreach.Errorf(outreach.ENOTFOUND, "no account %q", externalID)
		}
		if err != nil {
			return err
		}
		next := msPtr(until)
		if extendOnly && until != nil && cur.Valid && cur.Int64 > ms(*until) {
			next = cur
		}
		if next == cur {
			return nil // nothing changes: nothing to audit
		}
		if _, err := tx.ExecContext(ctx, db.rebind(`UPDATE accounts SET paused_until = ?, updated_at = ? WHERE external_id = ?`),
			next, ms(now), externalID); err != nil {
			return err
		}
		action, detail := outreach.AuditAccountResumed, "resumed"
		if next.Valid {
			action, detail = outreach.AuditAccountPaused, "paused until "+fromMs(next.Int64).Format(time.RFC3339)
		}
		if cur.Valid {
			detail += "; was paused until " + fromMs(cur.Int64).Format(time.RFC3339)
		}
		return db.audit(ctx, tx, now, actor, action, externalID, detail)
	})
	if err != nil {
		return nil, err
	}
	return db.AccountByExternalID(ctx, externalID)
}

// AuditLog returns entries newest first.
func (db *DB) AuditLog(ctx context.Context, before int64, limit int) ([]outreach.AuditEntry, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	var rows []struct {
		ID     int64  `db:"id"`
		At     int64  `db:"at"`
		Actor  string `db:"actor"`
		Action string `db:"action"`
		Target string `db:"target"`
		Detail string `db:"detail"`
	}
	if err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT id, at, actor, action, target, detail FROM audit_log
		WHERE id < ? ORDER BY id DESC LIMIT ?`), before, limit); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	out := make([]outreach.AuditEntry, 0, len(rows))
	for _, r := range rows {
		out = append(out, outreach.AuditEntry{ID: r.ID, At: fromMs(r.At), Actor: r.Actor, Action: r.Action, Target: r.Target, Detail: r.Detail})
	}
	return out, nil
}
