package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/outreach-dev/outreach"
)

var _ outreach.PackDraftStore = (*DB)(nil)

type draftRow struct {
	ID               int64  `db:"id"`
	Name             string `db:"name"`
	Files            string `db:"files"`
	BaseVersion      int    `db:"base_version"`
	Author           string `db:"author"`
	UpdatedAt        int64  `db:"updated_at"`
	Revision         int    `db:"revision"`
	ApprovedBy       string `db:"approved_by"`
	ApprovedRevision int    `db:"approved_revision"`
	ActivatedVersion int    `db:"activated_version"`
	Editors          string `db:"editors"` // one address a line
}

func (r *draftRow) draft() (*outreach.PackDraft, error) {
	d := &outreach.PackDraft{ID: r.ID, Name: r.Name, BaseVersion: r.BaseVersion, Author: r.Author,
		UpdatedAt: fromMs(r.UpdatedAt), Revision: r.Revision, ApprovedBy: r.ApprovedBy,
		ApprovedRevision: r.ApprovedRevision, ActivatedVersion: r.ActivatedVersion}
	if r.Editors != "" {
		d.Editors = strings.Split(r.Editors, "\n")
	}
	if r.Files != "" {
		if err := json.Unmarshal([]byte(r.Files), &d.Files); err != nil {
			return nil, fmt.Errorf("pack draft %d: decode files: %w", r.ID, err)
		}
	}
	return d, nil
}

const draftColumns = `id, name, files, base_version, author, updated_at, revision, approved_by, approved_revision, activated_version, editors`

// CreatePackDraft stores a new draft at revision 1.
func (db *DB) CreatePackDraft(ctx context.Context, d outreach.PackDraft, audit outreach.AuditEntry) (*outreach.PackDraft, error) {
	body, err := json.Marshal(d.Files)
	if err != nil {
		return nil, fmt.Errorf("create pack draft: %w", err)
	}
	var out *outreach.PackDraft
	err = db.inTx(ctx, "create pack draft", func(tx *sqlx.Tx, now time.Time) error {
		var id int64
		err := tx.QueryRowxContext(ctx, db.rebind(`INSERT INTO pack_drafts (name, files, base_version, author, updated_at, revision, editors)
			VALUES (?, ?, ?, ?, ?, 1, ?) RETURNING id`), d.Name, string(body), d.BaseVersion, d.Author, ms(now), d.Author).Scan(&id)
		if err != nil {
			return err
		}
		audit.Target = fmt.Sprintf("pack_draft:%d", id)
		if err := db.writeAudit(ctx, tx, now, audit); err != nil {
			return err
		}
		out, err = db.draftTx(ctx, tx, id)
		return err
	})
	return out, err
}

// draftTx reads a draft inside tx.
func (db *DB) draftTx(ctx context.Context, tx *sqlx.Tx, id int64) (*outreach.PackDraft, error) {
	var r draftRow
	err := tx.GetContext(ctx, &r, db.rebind(`SELECT `+draftColumns+` FROM pack_drafts WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no pack draft %d", id)
	}
	if err != nil {
		return nil, err
	}
	return r.draft()
}

// SavePackDraft replaces a draft's name and files when revision is current.
func (db *DB) SavePackDraft(ctx context.Context, id int64, revision int, name string, files map[string]string,
	audit outreach.AuditEntry) (*outreach.PackDraft, error) {
	body, err := json.Marshal(files)
	if err != nil {
		return nil, fmt.Errorf("save pack draft: %w", err)
	}
	var out *outreach.PackDraft
	err = db.inTx(ctx, "save pack draft", func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE pack_drafts SET name = ?, files = ?, updated_at = ?, revision = revision + 1
			WHERE id = ? AND revision = ? AND activated_version = 0`), name, string(body), ms(now), id, revision)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			cur, err := db.draftTx(ctx, tx, id)
			if err != nil {
				return err
			}
			if cur.ActivatedVersion > 0 {
				return outreach.Errorf(outreach.ECONFLICT, "draft %d was activated as version %d and can no longer change: start a new draft", id, cur.ActivatedVersion)
			}
			return outreach.Errorf(outreach.ECONFLICT, "someone else saved this draft (revision %d, %s) after you opened revision %d: your text was not saved",
				cur.Revision, cur.UpdatedAt.Format("2006-01-02 15:04:05 UTC"), revision)
		}
		if err := db.writeAudit(ctx, tx, now, audit); err != nil {
			return err
		}
		if out, err = db.draftTx(ctx, tx, id); err != nil {
			return err
		}
		// Whoever saves becomes one of the draft's editors, who may not
		// approve it (PackDraft.MayApprove).
		if audit.Actor != "" && !slices.Contains(append([]string{out.Author}, out.Editors...), audit.Actor) {
			out.Editors = append(out.Editors, audit.Actor)
			_, err = tx.ExecContext(ctx, db.rebind(`UPDATE pack_drafts SET editors = ? WHERE id = ?`), strings.Join(out.Editors, "\n"), id)
		}
		return err
	})
	return out, err
}

// PackDraft returns one draft with its files.
func (db *DB) PackDraft(ctx context.Context, id int64) (*outreach.PackDraft, error) {
	var r draftRow
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT `+draftColumns+` FROM pack_drafts WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no pack draft %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("pack draft: %w", err)
	}
	return r.draft()
}

// PackDrafts lists drafts newest first, without their files.
func (db *DB) PackDrafts(ctx context.Context, limit int) ([]outreach.PackDraft, error) {
	var rows []draftRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT id, name, '' AS files, base_version, author, updated_at, revision,
		approved_by, approved_revision, activated_version, editors FROM pack_drafts ORDER BY updated_at DESC, id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("pack drafts: %w", err)
	}
	out := make([]outreach.PackDraft, 0, len(rows))
	for i := range rows {
		d, err := rows[i].draft()
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// ApprovePackDraft records an approval of the draft's current revision,
// refused (EFORBIDDEN) to anyone who wrote any of it.
func (db *DB) ApprovePackDraft(ctx context.Context, id int64, revision int, approver string, audit outreach.AuditEntry) error {
	return db.inTx(ctx, "approve pack draft", func(tx *sqlx.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, db.rebind(`UPDATE pack_drafts SET approved_by = ?, approved_revision = revision
			WHERE id = ? AND revision = ? AND activated_version = 0`), approver, id, revision)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := db.draftTx(ctx, tx, id); err != nil {
				return err
			}
			return outreach.Errorf(outreach.ECONFLICT, "draft %d changed since you opened revision %d (or was activated): review it again", id, revision)
		}
		// The approver is checked against the editors of the revision
		// approved, here, where the row is locked: a save of the approver's
		// that landed after the caller read the draft makes them an
		// editor (PackDraft.MayApprove).
		d, err := db.draftTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := d.MayApprove(approver); err != nil {
			return err
		}
		return db.writeAudit(ctx, tx, now, audit)
	})
}

// ActivatePackDraft stores files as the next pack version as ActivatePack
// does, and in the same transaction writes audit and, when draftID is not
// 0, marks the draft activated — refusing (ECONFLICT) a draft whose
// revision is no longer revision.
func (db *DB) ActivatePackDraft(ctx context.Context, hash string, files map[string]string, draftID int64, revision int,
	audit outreach.AuditEntry) (int, bool, error) {
	return db.activatePack(ctx, hash, files, func(tx *sqlx.Tx, now time.Time, version int) error {
		if draftID != 0 {
			res, err := tx.ExecContext(ctx, db.rebind(`UPDATE pack_drafts SET activated_version = ?
				WHERE id = ? AND revision = ? AND activated_version = 0`), version, draftID, revision)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return outreach.Errorf(outreach.ECONFLICT, "draft %d changed since revision %d (or was activated already): nothing activated", draftID, revision)
			}
		}
		audit.Detail = fmt.Sprintf("version %d; %s", version, audit.Detail)
		return db.writeAudit(ctx, tx, now, audit)
	})
}

// PackVersions lists stored pack versions, newest first.
func (db *DB) PackVersions(ctx context.Context, limit int) ([]outreach.PackVersionInfo, error) {
	var rows []packRow
	err := db.db.SelectContext(ctx, &rows, db.rebind(`SELECT version, hash, '' AS files, activated_at FROM packs ORDER BY version DESC LIMIT ?`), limit)
	if err != nil {
		return nil, fmt.Errorf("pack versions: %w", err)
	}
	out := make([]outreach.PackVersionInfo, len(rows))
	for i, r := range rows {
		out[i] = outreach.PackVersionInfo{Version: r.Version, Hash: r.Hash, ActivatedAt: fromMs(r.ActivatedAt)}
	}
	return out, nil
}

// StoredPackVersion returns one stored version with its files.
func (db *DB) StoredPackVersion(ctx context.Context, version int) (*outreach.StoredPack, error) {
	var r packRow
	err := db.db.GetContext(ctx, &r, db.rebind(`SELECT version, hash, files, activated_at FROM packs WHERE version = ?`), version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no pack version %d", version)
	}
	if err != nil {
		return nil, fmt.Errorf("pack version %d: %w", version, err)
	}
	p := &outreach.StoredPack{Version: r.Version, Hash: r.Hash, ActivatedAt: fromMs(r.ActivatedAt)}
	if err := json.Unmarshal([]byte(r.Files), &p.Files); err != nil {
		return nil, fmt.Errorf("pack version %d: decode files: %w", r.Version, err)
	}
	return p, nil
}
