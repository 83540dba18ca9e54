-- +goose Up
-- The console's accounts page ranks an owner's accounts in one query: the
-- latest activity of each account's people and their NPS answers of the
-- last two windows are read from these indexes, account by account.
CREATE INDEX contacts_account_last_seen ON contacts (account_id, last_seen_at);
CREATE INDEX survey_responses_contact_at ON survey_responses (contact_id, at, score);
-- A detractor counts until a case of the account is closed after it.
CREATE INDEX cases_account_closed ON cases (account_id, closed_at) WHERE state = 'closed';

-- +goose Down
DROP INDEX cases_account_closed;
DROP INDEX survey_responses_contact_at;
DROP INDEX contacts_account_last_seen;
