-- +goose Up
-- The accounts page ranks a page of at most 300 accounts (one owner's
-- book, or the next 300 by external id) account by account from indexes
-- alone, so its work follows the page, not the tables (1,000,000 contacts
-- and answers: BenchmarkAccountRisks in store):
-- - the page in external id order within an owner;
-- - each account's people, last seen (contacts_account_last_seen, 00014);
-- - each account's answers of the two NPS windows with score and campaign
--   (the CSAT campaigns are left out). Reached through the people, an
--   account's answers are one index probe per person, scattered over the
--   index; survey_responses.account_id (the account of the answer's person,
--   kept by the triggers below for every writer) puts them side by side.
CREATE INDEX accounts_owner_external ON accounts (owner_email, external_id);
DROP INDEX accounts_owner_email;

ALTER TABLE survey_responses ADD COLUMN account_id BIGINT;
UPDATE survey_responses r SET account_id = c.account_id FROM contacts c WHERE c.id = r.contact_id;
CREATE INDEX survey_responses_account_at ON survey_responses (account_id, at) INCLUDE (score, campaign);
DROP INDEX survey_responses_contact_at;

-- +goose StatementBegin
CREATE FUNCTION survey_responses_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.account_id := (SELECT account_id FROM contacts WHERE id = NEW.contact_id);
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER survey_responses_account BEFORE INSERT OR UPDATE OF contact_id ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION survey_responses_account();

-- A person moved to another account takes their answers along.
-- +goose StatementBegin
CREATE FUNCTION contacts_account_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE survey_responses SET account_id = NEW.account_id WHERE contact_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER contacts_account_moved AFTER UPDATE OF account_id ON contacts
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id) EXECUTE FUNCTION contacts_account_moved();

-- +goose Down
DROP TRIGGER contacts_account_moved ON contacts;
DROP FUNCTION contacts_account_moved();
DROP TRIGGER survey_responses_account ON survey_responses;
DROP FUNCTION survey_responses_account();
CREATE INDEX survey_responses_contact_at ON survey_responses (contact_id, at, score);
DROP INDEX survey_responses_account_at;
ALTER TABLE survey_responses DROP COLUMN account_id;
CREATE INDEX accounts_owner_email ON accounts (owner_email);
DROP INDEX accounts_owner_external;
