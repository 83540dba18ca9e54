-- +goose Up
-- Everyone who created or saved a revision of a pack draft, one address a
-- line: with OUTREACH_PACK_APPROVAL=required none of them may approve it
-- (an admin who edits someone else's draft is one of its authors).
-- Existing drafts get theirs from the audit log of their saves.
ALTER TABLE pack_drafts ADD COLUMN editors TEXT NOT NULL DEFAULT '';
UPDATE pack_drafts SET editors = coalesce((SELECT string_agg(DISTINCT actor, E'\n') FROM audit_log
    WHERE target = 'pack_draft:' || pack_drafts.id AND action IN ('pack.draft_create', 'pack.draft_save')), '');

-- +goose Down
ALTER TABLE pack_drafts DROP COLUMN editors;
