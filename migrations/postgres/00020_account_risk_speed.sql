-- +goose Up
-- The accounts page ranks a page of at most 300 accounts (one owner's, or
-- the next 300 by external id) from indexes alone, account by account:
-- the page in external id order within an owner, each account's people
-- (last seen and id, to reach their answers) and each person's answers of
-- the two NPS windows with score and campaign (the CSAT campaigns are left
-- out), so no table row is read (index-only scans; 1,000,000 contacts:
-- BenchmarkAccountsPage in console).
CREATE INDEX accounts_owner_external ON accounts (owner_email, external_id);
DROP INDEX accounts_owner_email;
CREATE INDEX contacts_account_seen_id ON contacts (account_id, last_seen_at) INCLUDE (id);
DROP INDEX contacts_account_last_seen;
CREATE INDEX survey_responses_contact_window ON survey_responses (contact_id, at) INCLUDE (score, campaign);
DROP INDEX survey_responses_contact_at;

-- +goose Down
CREATE INDEX survey_responses_contact_at ON survey_responses (contact_id, at, score);
DROP INDEX survey_responses_contact_window;
CREATE INDEX contacts_account_last_seen ON contacts (account_id, last_seen_at);
DROP INDEX contacts_account_seen_id;
CREATE INDEX accounts_owner_email ON accounts (owner_email);
DROP INDEX accounts_owner_external;
