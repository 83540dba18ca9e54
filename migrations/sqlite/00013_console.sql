-- +goose Up
-- The console: team members' roles, one-time sign-in links and sessions
-- (both kept as SHA-256 hashes of their random tokens), the audit log, and
-- paused campaigns (read by the dispatcher's claim transaction).
ALTER TABLE team_members ADD COLUMN console_role TEXT NOT NULL DEFAULT '';

CREATE TABLE console_signins (
    token_hash TEXT PRIMARY KEY,
    email      TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX console_signins_expires ON console_signins (expires_at);

CREATE TABLE console_sessions (
    id_hash      TEXT PRIMARY KEY,
    email        TEXT NOT NULL,
    csrf         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_email ON console_sessions (email);

-- audit_log itself comes from 00006_audit.sql; the console filters it by actor and action.
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

CREATE TABLE campaign_pauses (
    campaign  TEXT PRIMARY KEY,
    paused_by TEXT NOT NULL,
    paused_at BIGINT NOT NULL
);

-- The console's campaign list counts one period with set-based queries on
-- these indexes (store/campaigns_console.go); the campaign page reads a
-- campaign's latest deliveries; resuming a campaign finds its deferred ones.
CREATE INDEX deliveries_created_campaign ON deliveries (created_at, campaign);
CREATE INDEX deliveries_campaign_created ON deliveries (campaign, created_at);
CREATE INDEX deliveries_sent_campaign ON deliveries (sent_at, campaign) WHERE state = 'sent';
CREATE INDEX deliveries_failed_campaign ON deliveries (updated_at, campaign) WHERE state = 'failed';
CREATE INDEX deliveries_planned_campaign ON deliveries (campaign, not_before) WHERE state = 'planned';
CREATE INDEX decisions_decision_at ON decisions (decision, at, delivery_id);
CREATE INDEX survey_responses_at ON survey_responses (at, campaign, score);

-- +goose Down
DROP INDEX survey_responses_at;
DROP INDEX decisions_decision_at;
DROP INDEX deliveries_planned_campaign;
DROP INDEX deliveries_failed_campaign;
DROP INDEX deliveries_sent_campaign;
DROP INDEX deliveries_campaign_created;
DROP INDEX deliveries_created_campaign;
DROP TABLE campaign_pauses;
DROP INDEX audit_log_actor;
DROP INDEX audit_log_action;
DROP TABLE console_sessions;
DROP TABLE console_signins;
ALTER TABLE team_members DROP COLUMN console_role;
