-- +goose Up
-- The accounts page ranks a page of at most 300 accounts account by
-- account from indexes alone (see the PostgreSQL migration): the page in
-- external id order within an owner, and each account's answers side by
-- side through survey_responses.account_id, the account of the answer's
-- person, kept by the triggers below for every writer.
CREATE INDEX accounts_owner_external ON accounts (owner_email, external_id);
DROP INDEX accounts_owner_email;

ALTER TABLE survey_responses ADD COLUMN account_id INTEGER;
UPDATE survey_responses SET account_id = (SELECT account_id FROM contacts WHERE contacts.id = survey_responses.contact_id);
CREATE INDEX survey_responses_account_at ON survey_responses (account_id, at, score, campaign);
DROP INDEX survey_responses_contact_at;

-- +goose StatementBegin
CREATE TRIGGER survey_responses_account AFTER INSERT ON survey_responses BEGIN
    UPDATE survey_responses SET account_id = (SELECT account_id FROM contacts WHERE id = NEW.contact_id)
    WHERE delivery_id = NEW.delivery_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER survey_responses_contact_moved AFTER UPDATE OF contact_id ON survey_responses BEGIN
    UPDATE survey_responses SET account_id = (SELECT account_id FROM contacts WHERE id = NEW.contact_id)
    WHERE delivery_id = NEW.delivery_id;
END;
-- +goose StatementEnd
-- A person moved to another account takes their answers along.
-- +goose StatementBegin
CREATE TRIGGER contacts_account_moved AFTER UPDATE OF account_id ON contacts
WHEN OLD.account_id IS NOT NEW.account_id BEGIN
    UPDATE survey_responses SET account_id = NEW.account_id WHERE contact_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER contacts_account_moved;
DROP TRIGGER survey_responses_contact_moved;
DROP TRIGGER survey_responses_account;
CREATE INDEX survey_responses_contact_at ON survey_responses (contact_id, at, score);
DROP INDEX survey_responses_account_at;
ALTER TABLE survey_responses DROP COLUMN account_id;
CREATE INDEX accounts_owner_email ON accounts (owner_email);
DROP INDEX accounts_owner_external;
