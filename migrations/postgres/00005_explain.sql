-- +goose Up
-- Every non-send explained. decisions.rule names the rule that bound a
-- deferred or dropped delivery (quiet_hours, max_per_week, ttl, ...).
ALTER TABLE decisions ADD COLUMN rule TEXT NOT NULL DEFAULT '';

-- What planning did with an event that planned nothing for someone, and
-- why: one row per (event, campaign) for outcomes that hold for everyone the
-- event concerns (contact_id NULL: no campaign listens, stale, where
-- property filtered, ...), one row per (event, campaign, contact) for
-- outcomes of one contact (filtered by role/plan/locale, cooldown,
-- duplicate occurrence, inactive). Never more rows than the deliveries the
-- event would have planned, plus one.
CREATE TABLE event_outcomes (
    id         BIGSERIAL PRIMARY KEY,
    event_id   TEXT NOT NULL,
    contact_id BIGINT,
    campaign   TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL,
    detail     TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX event_outcomes_event ON event_outcomes (event_id);
CREATE INDEX event_outcomes_contact ON event_outcomes (contact_id) WHERE contact_id IS NOT NULL;

-- token list shows when each token was last used (written at most once a
-- minute per token).
ALTER TABLE tokens ADD COLUMN last_used_at BIGINT;

-- /metrics counts deliveries by state with an index-only scan of this
-- index instead of reading the table.
CREATE INDEX deliveries_state ON deliveries (state);

-- +goose Down
DROP INDEX deliveries_state;
ALTER TABLE tokens DROP COLUMN last_used_at;
DROP INDEX event_outcomes_contact;
DROP INDEX event_outcomes_event;
DROP TABLE event_outcomes;
ALTER TABLE decisions DROP COLUMN rule;
