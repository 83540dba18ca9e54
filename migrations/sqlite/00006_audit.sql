-- +goose Up
-- The audit log: changes made by hand (API, public pages, console), each
-- written in the same transaction as the change. at is epoch milliseconds.
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     BIGINT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_target ON audit_log (target, id);
-- The list routes page by (created_at, id).
CREATE INDEX deliveries_created ON deliveries (created_at, id);

-- +goose Down
DROP INDEX deliveries_created;
DROP TABLE audit_log;
