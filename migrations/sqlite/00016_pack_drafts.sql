-- +goose Up
-- Drafts of the campaign pack edited in the console. files is the JSON
-- object path -> content; revision grows with each save (a save naming an
-- older revision is refused, so two editors never overwrite each other);
-- an approval holds for the revision approved only. Times are epoch ms.
CREATE TABLE pack_drafts (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL,
    files             TEXT NOT NULL,
    base_version      INTEGER NOT NULL,
    author            TEXT NOT NULL,
    updated_at        BIGINT NOT NULL,
    revision          INTEGER NOT NULL,
    approved_by       TEXT NOT NULL DEFAULT '',
    approved_revision INTEGER NOT NULL DEFAULT 0,
    activated_version INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX pack_drafts_updated ON pack_drafts (updated_at, id);

-- The pack preview finds a contact by the start of its email or name
-- (range scans: email is unique and already indexed).
CREATE INDEX contacts_name_prefix ON contacts (lower(name));

-- +goose Down
DROP INDEX contacts_name_prefix;
DROP TABLE pack_drafts;
