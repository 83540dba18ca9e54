-- +goose Up
-- Survey reminders, incremental (issue 14, forecast speed): a sent survey's
-- reminder_settled turns 1 in the transaction that sees its reminder
-- planned (or the survey answered, or it is a reminder itself), so each
-- planning tick reads only the surveys still unsettled, through this index,
-- instead of every survey sent in the last after + ttl.
ALTER TABLE deliveries ADD COLUMN reminder_settled INTEGER NOT NULL DEFAULT 0;
UPDATE deliveries SET reminder_settled = 1 WHERE occurrence LIKE '%#reminder';
CREATE INDEX deliveries_reminder_pending ON deliveries (campaign, sent_at)
    WHERE state = 'sent' AND category = 'survey' AND reminder_settled = 0;

-- +goose Down
DROP INDEX deliveries_reminder_pending;
ALTER TABLE deliveries DROP COLUMN reminder_settled;
