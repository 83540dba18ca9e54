-- +goose Up
-- Times are BIGINT epoch milliseconds UTC, dates are TEXT 'YYYY-MM-DD',
-- JSON is TEXT; text columns use '' for unset unless noted NULL-able.

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL DEFAULT '',
    owner_email  TEXT NOT NULL DEFAULT '',
    plan         TEXT NOT NULL DEFAULT '',
    timezone     TEXT NOT NULL DEFAULT '',
    started_at   BIGINT,
    renewal_date TEXT NOT NULL DEFAULT '',
    paused_until BIGINT,
    attributes   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX accounts_owner_email ON accounts (owner_email);

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    external_id  TEXT UNIQUE,
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    email        TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL DEFAULT '',
    locale       TEXT NOT NULL DEFAULT '',
    timezone     TEXT NOT NULL DEFAULT '',
    last_seen_at BIGINT,
    status       TEXT NOT NULL DEFAULT 'active',
    attributes   TEXT,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX contacts_account_id ON contacts (account_id);
CREATE INDEX contacts_last_seen_at ON contacts (last_seen_at);

CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    type        TEXT NOT NULL,
    contact_id  BIGINT,
    account_id  BIGINT,
    occurred_at BIGINT NOT NULL,
    properties  TEXT,
    ingested_at BIGINT NOT NULL,
    planned_at  BIGINT
);
-- The planner's cursor: events not planned yet.
CREATE INDEX events_unplanned ON events (seq) WHERE planned_at IS NULL;
CREATE INDEX events_contact ON events (contact_id, occurred_at);
CREATE INDEX events_account ON events (account_id, occurred_at);

CREATE TABLE team_members (
    email           TEXT PRIMARY KEY,
    name            TEXT NOT NULL DEFAULT '',
    timezone        TEXT NOT NULL DEFAULT '',
    digest_schedule TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- email_hash is the hex SHA-256 of the lower-cased address; email is NULL
-- after erasure.
CREATE TABLE suppressions (
    email_hash TEXT NOT NULL,
    scope      TEXT NOT NULL,
    email      TEXT,
    reason     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (email_hash, scope)
);

CREATE TABLE deliveries (
    id           TEXT PRIMARY KEY,
    campaign     TEXT NOT NULL,
    category     TEXT NOT NULL,
    contact_id   BIGINT NOT NULL,
    account_id   BIGINT NOT NULL,
    occurrence   TEXT NOT NULL,
    event_id     TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    due_at       BIGINT NOT NULL,
    not_before   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    reserved_at  BIGINT,
    sent_at      BIGINT,
    claimed_by   TEXT NOT NULL DEFAULT '',
    heartbeat_at BIGINT,
    message_id   TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX deliveries_planned ON deliveries (not_before) WHERE state = 'planned';
CREATE INDEX deliveries_contact_reserved ON deliveries (contact_id, reserved_at);
CREATE INDEX deliveries_account_reserved ON deliveries (account_id, reserved_at);
CREATE INDEX deliveries_sending ON deliveries (state) WHERE state = 'sending';
CREATE INDEX deliveries_message_id ON deliveries (message_id);

CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id TEXT NOT NULL,
    at          BIGINT NOT NULL,
    decision    TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    until       BIGINT
);
CREATE INDEX decisions_delivery_id ON decisions (delivery_id);

CREATE TABLE provider_events (
    id          TEXT PRIMARY KEY,
    delivery_id TEXT,
    email       TEXT NOT NULL DEFAULT '',
    type        TEXT NOT NULL,
    at          BIGINT NOT NULL,
    payload     TEXT
);
CREATE INDEX provider_events_delivery_id ON provider_events (delivery_id);

CREATE TABLE survey_responses (
    delivery_id TEXT PRIMARY KEY,
    contact_id  BIGINT NOT NULL,
    campaign    TEXT NOT NULL,
    score       INTEGER NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX survey_responses_contact_id ON survey_responses (contact_id);
CREATE INDEX survey_responses_campaign_at ON survey_responses (campaign, at);

CREATE TABLE digests (
    owner_email  TEXT NOT NULL,
    period_end   BIGINT NOT NULL,
    period_start BIGINT NOT NULL,
    state        TEXT NOT NULL,
    subject      TEXT NOT NULL DEFAULT '',
    text         TEXT NOT NULL DEFAULT '',
    html         TEXT NOT NULL DEFAULT '',
    sent_at      BIGINT,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (owner_email, period_end)
);

CREATE TABLE packs (
    version      INTEGER PRIMARY KEY,
    hash         TEXT NOT NULL,
    files        TEXT NOT NULL,
    activated_at BIGINT NOT NULL
);

CREATE TABLE schedule_fires (
    campaign     TEXT PRIMARY KEY,
    last_fire_at BIGINT NOT NULL
);

CREATE TABLE tokens (
    name       TEXT PRIMARY KEY,
    scope      TEXT NOT NULL,
    hash       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE settings;
DROP TABLE tokens;
DROP TABLE schedule_fires;
DROP TABLE packs;
DROP TABLE digests;
DROP TABLE survey_responses;
DROP TABLE provider_events;
DROP TABLE decisions;
DROP TABLE deliveries;
DROP TABLE suppressions;
DROP TABLE team_members;
DROP TABLE events;
DROP TABLE contacts;
DROP TABLE accounts;
