-- +goose Up
-- Survey reminders (issue 12): the planner looks for each reminder
-- campaign's sent surveys of the last after + ttl.
CREATE INDEX deliveries_campaign_sent ON deliveries (campaign, sent_at) WHERE state = 'sent';

-- +goose Down
DROP INDEX deliveries_campaign_sent;
