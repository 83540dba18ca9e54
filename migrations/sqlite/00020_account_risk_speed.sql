-- +goose Up
-- The accounts page ranks a page of at most 300 accounts (one owner's, or
-- the next 300 by external id) from indexes alone: the page in external id
-- order within an owner, and each person's answers of the two NPS windows
-- with score and campaign. (contacts_account_last_seen already covers the
-- contact's id: SQLite keeps the rowid in every index.)
CREATE INDEX accounts_owner_external ON accounts (owner_email, external_id);
DROP INDEX accounts_owner_email;
CREATE INDEX survey_responses_contact_window ON survey_responses (contact_id, at, score, campaign);
DROP INDEX survey_responses_contact_at;

-- +goose Down
CREATE INDEX survey_responses_contact_at ON survey_responses (contact_id, at, score);
DROP INDEX survey_responses_contact_window;
CREATE INDEX accounts_owner_email ON accounts (owner_email);
DROP INDEX accounts_owner_external;
