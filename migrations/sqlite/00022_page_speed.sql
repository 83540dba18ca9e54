-- +goose Up
-- A team member's console language (BCP 47, '' = the browser's).
ALTER TABLE team_members ADD COLUMN locale TEXT NOT NULL DEFAULT '';

-- The console's campaign list reads per-campaign daily counters instead of
-- counting deliveries, decisions and answers (store/campaigns_console.go,
-- docs/scaling.md). Triggers keep them in the transaction that writes the
-- rows they count. day is the UTC day (epoch ms / 86400000). shard is 0 on
-- SQLite (one writer at a time); PostgreSQL uses the backend's pid.
CREATE TABLE campaign_counters (
    day        BIGINT NOT NULL,
    campaign   TEXT NOT NULL,
    shard      INTEGER NOT NULL,
    planned    BIGINT NOT NULL DEFAULT 0, -- deliveries created that day
    sent       BIGINT NOT NULL DEFAULT 0, -- by sent_at
    deferred   BIGINT NOT NULL DEFAULT 0, -- deliveries first deferred that day
    dropped    BIGINT NOT NULL DEFAULT 0,
    suppressed BIGINT NOT NULL DEFAULT 0,
    failed     BIGINT NOT NULL DEFAULT 0, -- by updated_at of the failed row
    answered   BIGINT NOT NULL DEFAULT 0, -- answers, on the day their delivery was sent
    promoters  BIGINT NOT NULL DEFAULT 0, -- answers 9-10 by their at
    passives   BIGINT NOT NULL DEFAULT 0,
    detractors BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, campaign, shard)
);

-- A delivery counts as planned on its creation day, as sent on its sent_at
-- day while it is sent (with its answer, if any), as failed on its
-- updated_at day while it is failed. An update takes the old row's share
-- back and adds the new row's.
-- +goose StatementBegin
CREATE TRIGGER campaign_counters_delivery_insert AFTER INSERT ON deliveries BEGIN
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.created_at / 86400000, NEW.campaign, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0 WHERE true
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.sent_at / 86400000, NEW.campaign, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 WHERE NEW.state = 'sent' AND NEW.sent_at IS NOT NULL
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.updated_at / 86400000, NEW.campaign, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 WHERE NEW.state = 'failed'
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER campaign_counters_delivery_update AFTER UPDATE ON deliveries
    WHEN (OLD.state IN ('sent', 'failed') OR NEW.state IN ('sent', 'failed'))
        AND (OLD.state IS NOT NEW.state OR OLD.sent_at IS NOT NEW.sent_at OR (NEW.state = 'failed' AND OLD.updated_at <> NEW.updated_at)) BEGIN
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT OLD.sent_at / 86400000, OLD.campaign, 0, 0, -1, 0, 0, 0, 0, -(SELECT count(*) FROM survey_responses WHERE delivery_id = OLD.id), 0, 0, 0 WHERE OLD.state = 'sent' AND OLD.sent_at IS NOT NULL
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT OLD.updated_at / 86400000, OLD.campaign, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0 WHERE OLD.state = 'failed'
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.sent_at / 86400000, NEW.campaign, 0, 0, 1, 0, 0, 0, 0, (SELECT count(*) FROM survey_responses WHERE delivery_id = NEW.id), 0, 0, 0 WHERE NEW.state = 'sent' AND NEW.sent_at IS NOT NULL
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.updated_at / 86400000, NEW.campaign, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 WHERE NEW.state = 'failed'
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
END;
-- +goose StatementEnd

-- A delivery counts as deferred (dropped, suppressed) on the day of its
-- first such decision.
-- +goose StatementBegin
CREATE TRIGGER campaign_counters_decision_insert AFTER INSERT ON decisions
    WHEN NEW.decision IN ('deferred', 'dropped', 'suppressed') BEGIN
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.at / 86400000, (SELECT campaign FROM deliveries WHERE id = NEW.delivery_id), 0, 0, 0, (NEW.decision = 'deferred'), (NEW.decision = 'dropped'), (NEW.decision = 'suppressed'), 0, 0, 0, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM decisions WHERE delivery_id = NEW.delivery_id AND decision = NEW.decision AND id < NEW.id) AND (SELECT campaign FROM deliveries WHERE id = NEW.delivery_id) IS NOT NULL
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
END;
-- +goose StatementEnd

-- An answer counts on its at day by score, and as answered on the day its
-- delivery was sent.
-- +goose StatementBegin
CREATE TRIGGER campaign_counters_response_insert AFTER INSERT ON survey_responses BEGIN
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT (SELECT sent_at FROM deliveries WHERE id = NEW.delivery_id AND state = 'sent') / 86400000, NEW.campaign, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 WHERE (SELECT sent_at FROM deliveries WHERE id = NEW.delivery_id AND state = 'sent') IS NOT NULL
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.at / 86400000, NEW.campaign, 0, 0, 0, 0, 0, 0, 0, 0, (NEW.score >= 9), (NEW.score BETWEEN 7 AND 8), (NEW.score <= 6) WHERE true
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER campaign_counters_response_update AFTER UPDATE ON survey_responses
    WHEN OLD.score <> NEW.score OR OLD.at <> NEW.at BEGIN
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT OLD.at / 86400000, OLD.campaign, 0, 0, 0, 0, 0, 0, 0, 0, -(OLD.score >= 9), -(OLD.score BETWEEN 7 AND 8), -(OLD.score <= 6) WHERE true
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
    INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    SELECT NEW.at / 86400000, NEW.campaign, 0, 0, 0, 0, 0, 0, 0, 0, (NEW.score >= 9), (NEW.score BETWEEN 7 AND 8), (NEW.score <= 6) WHERE true
    ON CONFLICT (day, campaign, shard) DO UPDATE SET planned = planned + excluded.planned, sent = sent + excluded.sent, deferred = deferred + excluded.deferred, dropped = dropped + excluded.dropped, suppressed = suppressed + excluded.suppressed, failed = failed + excluded.failed, answered = answered + excluded.answered, promoters = promoters + excluded.promoters, passives = passives + excluded.passives, detractors = detractors + excluded.detractors;
END;
-- +goose StatementEnd

-- The rows stored so far (store.RebuildCampaignCounters runs the same).
INSERT INTO campaign_counters (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
SELECT t / 86400000, campaign, 0, sum(planned), sum(sent), sum(deferred), sum(dropped), sum(suppressed), sum(failed),
    sum(answered), sum(promoters), sum(passives), sum(detractors)
FROM (
    SELECT campaign, created_at AS t, 1 AS planned, 0 AS sent, 0 AS deferred, 0 AS dropped, 0 AS suppressed, 0 AS failed,
        0 AS answered, 0 AS promoters, 0 AS passives, 0 AS detractors FROM deliveries
    UNION ALL SELECT campaign, sent_at, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 FROM deliveries WHERE state = 'sent' AND sent_at IS NOT NULL
    UNION ALL SELECT campaign, updated_at, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 FROM deliveries WHERE state = 'failed'
    UNION ALL SELECT d.campaign, x.at, 0, 0, CASE x.decision WHEN 'deferred' THEN 1 ELSE 0 END,
        CASE x.decision WHEN 'dropped' THEN 1 ELSE 0 END, CASE x.decision WHEN 'suppressed' THEN 1 ELSE 0 END, 0, 0, 0, 0, 0
        FROM (SELECT min(id) AS id FROM decisions WHERE decision IN ('deferred', 'dropped', 'suppressed') GROUP BY delivery_id, decision) f
        JOIN decisions x ON x.id = f.id JOIN deliveries d ON d.id = x.delivery_id
    UNION ALL SELECT d.campaign, d.sent_at, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0
        FROM survey_responses r JOIN deliveries d ON d.id = r.delivery_id WHERE d.state = 'sent' AND d.sent_at IS NOT NULL
    UNION ALL SELECT campaign, at, 0, 0, 0, 0, 0, 0, 0, CASE WHEN score >= 9 THEN 1 ELSE 0 END,
        CASE WHEN score BETWEEN 7 AND 8 THEN 1 ELSE 0 END, CASE WHEN score <= 6 THEN 1 ELSE 0 END FROM survey_responses
) s
GROUP BY t / 86400000, campaign;

-- +goose Down
DROP TRIGGER campaign_counters_response_update;
DROP TRIGGER campaign_counters_response_insert;
DROP TRIGGER campaign_counters_decision_insert;
DROP TRIGGER campaign_counters_delivery_update;
DROP TRIGGER campaign_counters_delivery_insert;
DROP TABLE campaign_counters;
ALTER TABLE team_members DROP COLUMN locale;
