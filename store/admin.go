package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var (
	_ outreach.TokenStore   = (*DB)(nil)
	_ outreach.PackStore    = (*DB)(nil)
	_ outreach.SettingStore = (*DB)(nil)
)

type tokenRow struct {
	Name      string        `db:"name"`
	Scope     string        `db:"scope"`
	Hash      string        `db:"hash"`
	CreatedAt int64         `db:"created_at"`
	RevokedAt sql.NullInt64 `db:"revoked_at"`
	LastUsed  sql.NullInt64 `db:"last_used_at"`
}

func (r tokenRow) token() outreach.Token {
	return outreach.Token{Name: r.Name, Scope: r.Scope, Hash: r.Hash, CreatedAt: fromMs(r.CreatedAt), RevokedAt: fromNullMs(r.RevokedAt),
		LastUsedAt: fromNullMs(r.LastUsed)}
}

// CreateToken stores a token; a taken name (or hash) is ECONFLICT.
// CreatedAt defaults to db.Now.
//
// Names are unique forever: a revoked token keeps its name, so that a name
// in the access log or in `token list` always means one secret. The error
// says so when the name belonged to a revoked token.
func (db *DB) CreateToken(ctx context.Context, t outreach.Token) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = db.Now()
	}
	res, err := db.db.ExecContext(ctx, db.rebind(`INSERT INTO tokens (name, scope, hash, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), t.Name, t.Scope, t.Hash, ms(t.CreatedAt))
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create token: %w", err)
	} else if n == 0 {
		return db.tokenConflict(ctx, t.Name)
	}
	return nil
}

// tokenConflict explains why a token named name could not be created.
func (db *DB) tokenConflict(ctx context.Context, name string) error {
	var r tokenRow
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT name, scope, hash, created_at, revoked_at FROM tokens WHERE name = ?`), name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// The name is free, so the random secret's hash is taken.
		return outreach.Errorf(outreach.ECONFLICT, "the new token's secret collides with a stored one: run the command again")
	case err != nil:
		return fmt.Errorf("create token: %w", err)
	case r.RevokedAt.Valid:
		return outreach.Errorf(outreach.ECONFLICT,
			"a token named %q existed and was revoked on %s; names are never reused (the access log names tokens): choose another name, such as %q",
			name, fromMs(r.RevokedAt.Int64).UTC().Format(time.RFC3339), name+"-2")
	}
	return outreach.Errorf(outreach.ECONFLICT, "an %s token named %q already exists (created %s): choose another name",
		r.Scope, name, fromMs(r.CreatedAt).UTC().Format(time.RFC3339))
}

// Tokens lists every token, revoked ones included, by name.
func (db *DB) Tokens(ctx context.Context) ([]outreach.Token, error) {
	var rows []tokenRow
	if err := db.db.SelectContext(ctx, &rows, `SELECT name, scope, hash, created_at, revoked_at, last_used_at FROM tokens ORDER BY name`); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]outreach.Token, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.token())
	}
	return out, nil
}

// RevokeToken revokes the token named name at db.Now; revoking twice keeps
// the first time. ENOTFOUND when no such token exists.
func (db *DB) RevokeToken(ctx context.Context, name string) error {
	return db.inTx(ctx, "revoke token", func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE name = ?`), ms(now), name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return outreach.Errorf(outreach.ENOTFOUND, "no token named %q: see outreach token list", name)
		}
		return nil
	})
}

// TokenByHash returns the live token with this hash, or ENOTFOUND.
func (db *DB) TokenByHash(ctx context.Context, hash string) (*outreach.Token, error) {
	var r tokenRow
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT name, scope, hash, created_at, revoked_at, last_used_at FROM tokens
		WHERE hash = ? AND revoked_at IS NULL`), hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "unknown or revoked token")
	}
	if err != nil {
		return nil, fmt.Errorf("token by hash: %w", err)
	}
	t := r.token()
	return &t, nil
}

// TokenUsedEvery is how often a token's last use is written: at most once
// per interval per token, so that the API does not write on every request.
const TokenUsedEvery = time.Minute

// TouchToken records that the token named name was used at at, unless its
// recorded last use is less than TokenUsedEvery before at (concurrent
// requests, other replicas: the condition lets one write through).
func (db *DB) TouchToken(ctx context.Context, name string, at time.Time) error {
	_, err := db.db.ExecContext(ctx, db.rebind(`UPDATE tokens SET last_used_at = ?
		WHERE name = ? AND (last_used_at IS NULL OR last_used_at <= ?)`), ms(at), name, ms(at.Add(-TokenUsedEvery)))
	if err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}

type packRow struct {
	Version     int    `db:"version"`
	Hash        string `db:"hash"`
	Files       string `db:"files"`
	ActivatedAt int64  `db:"activated_at"`
}

// ActivatePack stores files as the active pack with the next version,
// unless the active pack already has this hash.
func (db *DB) ActivatePack(ctx context.Context, hash string, files map[string]string) (version int, changed bool, err error) {
	return db.activatePack(ctx, hash, files, nil)
}

// activatePack is ActivatePack; a non-nil then runs in the same
// transaction with the version in force (the console's audit line and
// draft mark), also when the content was already active.
func (db *DB) activatePack(ctx context.Context, hash string, files map[string]string,
	then func(tx *sqlx.Tx, now time.Time, version int) error) (version int, changed bool, err error) {
	body, err := json.Marshal(files)
	if err != nil {
		return 0, false, fmt.Errorf("activate pack: %w", err)
	}
	// Replicas starting together with the same new pack race to insert
	// the same version: the loser runs again and finds it active.
	err = db.inBatchTx(ctx, "activate pack", func(tx *sqlx.Tx, now time.Time) error {
		version, changed = 0, false
		var cur packRow
		err := tx.GetContext(ctx, &cur, `SELECT version, hash, '' AS files, activated_at FROM packs ORDER BY version DESC LIMIT 1`)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		case cur.Hash == hash:
			version = cur.Version
			if then == nil {
				return nil
			}
			return then(tx, now, version)
		}
		version, changed = cur.Version+1, true
		_, err = tx.ExecContext(ctx, db.rebind(`INSERT INTO packs (version, hash, files, activated_at) VALUES (?, ?, ?, ?)`),
			version, hash, string(body), ms(now))
		if err != nil || then == nil {
			return err
		}
		return then(tx, now, version)
	})
	if err != nil {
		return 0, false, err
	}
	return version, changed, nil
}

// ActivePackVersion returns the version of the active pack, 0 when none is
// stored: a cheap read (the primary key's last entry) that replicas poll
// to follow the stored pack.
func (db *DB) ActivePackVersion(ctx context.Context) (int, error) {
	var v int
	if err := db.db.GetContext(ctx, &v, `SELECT COALESCE(MAX(version), 0) FROM packs`); err != nil {
		return 0, fmt.Errorf("active pack version: %w", err)
	}
	return v, nil
}

// checkPackVersion fails a claim whose pack is older than the stored
// active pack with *outreach.StalePackError.
func (db *DB) checkPackVersion(ctx context.Context, tx *sqlx.Tx, have int) error {
	var stored int
	if err := tx.GetContext(ctx, &stored, `SELECT COALESCE(MAX(version), 0) FROM packs`); err != nil {
		return fmt.Errorf("read the active pack version: %w", err)
	}
	if stored > have {
		return &outreach.StalePackError{Have: have, Stored: stored}
	}
	return nil
}

// PackVersionOfHash returns the latest version stored with this content
// hash, or 0 when the content was never stored.
func (db *DB) PackVersionOfHash(ctx context.Context, hash string) (int, error) {
	var v int
	if err := db.db.GetContext(ctx, &v, db.rebind(`SELECT COALESCE(MAX(version), 0) FROM packs WHERE hash = ?`), hash); err != nil {
		return 0, fmt.Errorf("pack version of hash: %w", err)
	}
	return v, nil
}

// ActivePack returns the pack with the highest version, or ENOTFOUND.
func (db *DB) ActivePack(ctx context.Context) (*outreach.StoredPack, error) {
	var r packRow
	err := db.db.GetContext(ctx, &r, `SELECT version, hash, files, activated_at FROM packs ORDER BY version DESC LIMIT 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no campaign pack stored yet: start serve or run validate on a pack")
	}
	if err != nil {
		return nil, fmt.Errorf("active pack: %w", err)
	}
	p := &outreach.StoredPack{Version: r.Version, Hash: r.Hash, ActivatedAt: fromMs(r.ActivatedAt)}
	if err := json.Unmarshal([]byte(r.Files), &p.Files); err != nil {
		return nil, fmt.Errorf("active pack %d: decode files: %w", r.Version, err)
	}
	return p, nil
}

// Setting returns the value of key, or ok=false.
func (db *DB) Setting(ctx context.Context, key string) (string, bool, error) {
	var v string
	err := db.db.GetContext(ctx, &v, db.rebind(`SELECT value FROM settings WHERE key = ?`), key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, true, nil
}

// SetSettingIfAbsent stores value unless key exists, and returns the value
// in force.
func (db *DB) SetSettingIfAbsent(ctx context.Context, key, value string) (string, error) {
	var v string
	err := db.inTx(ctx, "set setting "+key, func(tx *sqlx.Tx, _ time.Time) error {
		if _, err := tx.ExecContext(ctx, db.rebind(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`), key, value); err != nil {
			return err
		}
		return tx.GetContext(ctx, &v, db.rebind(`SELECT value FROM settings WHERE key = ?`), key)
	})
	return v, err
}
