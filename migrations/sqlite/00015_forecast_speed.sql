-- +goose Up
-- Digests read the milestone events of a period by type and time: without
-- this index each digest scanned every event (a forecast's digests spent
-- more time there than in planning).
CREATE INDEX events_type_occurred ON events (type, occurred_at);

-- +goose Down
DROP INDEX events_type_occurred;
