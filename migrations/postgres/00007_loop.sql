-- +goose Up
-- Closing the loop (issue 12).

-- Each change of an answer adds one survey.answered event, numbered by the
-- answer's revision (0 for the first answer), so the event id is stable.
ALTER TABLE survey_responses ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE survey_responses DROP COLUMN revision;
