-- +goose Up
-- Closing the loop (issue 12).

-- Each change of an answer adds one survey.answered event, numbered by the
-- answer's revision (0 for the first answer), so the event id is stable.
ALTER TABLE survey_responses ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;

-- Team members' incoming-webhook URLs for alerts ('' = none).
ALTER TABLE team_members ADD COLUMN slack_webhook_url TEXT NOT NULL DEFAULT '';
ALTER TABLE team_members ADD COLUMN teams_webhook_url TEXT NOT NULL DEFAULT '';

-- Recorded answers (and changes) waiting for the alert rules; a row is
-- deleted once the rules have seen it.
CREATE TABLE answer_queue (
    event_id    TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    contact_id  BIGINT NOT NULL,
    survey      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX answer_queue_created ON answer_queue (created_at);

-- Follow-up cases: one open (or in progress) case per account and alert.
CREATE TABLE cases (
    id         BIGSERIAL PRIMARY KEY,
    account_id BIGINT NOT NULL,
    alert      TEXT NOT NULL,
    state      TEXT NOT NULL,
    assignee   TEXT NOT NULL DEFAULT '',
    due_at     BIGINT NOT NULL,
    outcome    TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at  BIGINT
);
CREATE UNIQUE INDEX cases_one_open ON cases (account_id, alert) WHERE state <> 'closed';
CREATE INDEX cases_state_due ON cases (state, due_at);
CREATE TABLE case_notes (
    case_id BIGINT NOT NULL,
    at      BIGINT NOT NULL,
    state   TEXT NOT NULL,
    note    TEXT NOT NULL DEFAULT '',
    author  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_notes_case ON case_notes (case_id, at);
CREATE TABLE case_answers (
    case_id     BIGINT NOT NULL,
    delivery_id TEXT NOT NULL,
    contact_id  BIGINT NOT NULL,
    PRIMARY KEY (case_id, delivery_id)
);
CREATE INDEX case_answers_contact ON case_answers (contact_id);

-- Alerts: the answers of one account matching one rule within the burst
-- window, told together when fire_at comes.
CREATE TABLE alerts (
    id         BIGSERIAL PRIMARY KEY,
    rule       TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    case_id    BIGINT,
    fire_at    BIGINT NOT NULL,
    fired_at   BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX alerts_one_pending ON alerts (account_id, rule) WHERE fired_at IS NULL;
CREATE INDEX alerts_due ON alerts (fire_at) WHERE fired_at IS NULL;
CREATE TABLE alert_answers (
    alert_id    BIGINT NOT NULL,
    delivery_id TEXT NOT NULL,
    contact_id  BIGINT NOT NULL,
    PRIMARY KEY (alert_id, delivery_id)
);
CREATE INDEX alert_answers_contact ON alert_answers (contact_id);

-- The outbox of alert notifications (email, Slack, Teams): retried until
-- sent, for NotificationRetryFor.
CREATE TABLE notifications (
    id         TEXT PRIMARY KEY,
    alert_id   BIGINT NOT NULL,
    channel    TEXT NOT NULL,
    target     TEXT NOT NULL,
    subject    TEXT NOT NULL DEFAULT '',
    text       TEXT NOT NULL DEFAULT '',
    html       TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    BIGINT NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_at) WHERE state = 'pending';
CREATE INDEX notifications_alert ON notifications (alert_id);

-- Outgoing webhooks (Standard Webhooks): endpoints and the outbox of their
-- messages, one per event and endpoint, retried for 24 h.
CREATE TABLE webhook_endpoints (
    id         TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    events     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE TABLE webhook_messages (
    id           TEXT PRIMARY KEY,
    endpoint_id  TEXT NOT NULL,
    type         TEXT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    next_at      BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX webhook_messages_due ON webhook_messages (next_at) WHERE state = 'pending';
CREATE INDEX webhook_messages_endpoint ON webhook_messages (endpoint_id, created_at);

-- +goose Down
DROP TABLE webhook_messages;
DROP TABLE webhook_endpoints;
DROP TABLE notifications;
DROP TABLE alert_answers;
DROP TABLE alerts;
DROP TABLE case_answers;
DROP TABLE case_notes;
DROP TABLE cases;
DROP TABLE answer_queue;
ALTER TABLE team_members DROP COLUMN teams_webhook_url;
ALTER TABLE team_members DROP COLUMN slack_webhook_url;
ALTER TABLE survey_responses DROP COLUMN revision;
