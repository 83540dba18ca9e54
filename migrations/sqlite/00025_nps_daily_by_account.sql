-- +goose Up
-- The NPS report of one customer-success manager (the console's NPS page
-- for a cs member, GET /api/v1/nps?owner=) reads the daily aggregate of
-- their accounts only, account by account, instead of every day of
-- everyone's (the primary key leads with the day).
CREATE INDEX nps_daily_account_day ON nps_daily (account_id, day);

-- +goose Down
DROP INDEX nps_daily_account_day;
