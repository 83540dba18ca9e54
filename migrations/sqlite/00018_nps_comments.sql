-- +goose Up
-- The console's NPS comment feed (issue 15) reads commented answers newest
-- first, (at, delivery_id) descending, a page at a time after a cursor.
CREATE INDEX survey_responses_commented ON survey_responses (at, delivery_id) WHERE comment <> '';

-- +goose Down
DROP INDEX survey_responses_commented;
