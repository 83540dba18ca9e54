-- +goose Up
-- A team member's console language (BCP 47, '' = the browser's).
ALTER TABLE team_members ADD COLUMN locale TEXT NOT NULL DEFAULT '';

-- The console's campaign list reads per-campaign daily counters instead of
-- counting deliveries, decisions and answers (store/campaigns_console.go,
-- docs/scaling.md). Triggers keep them in the transaction that writes the
-- rows they count. day is the UTC day (epoch ms / 86400000). shard is the
-- writing backend's pid: two transactions running at once never update the
-- same counter row, so the counters add no lock wait and no deadlock to
-- dispatch; readers sum the shards.
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

-- +goose StatementBegin
-- plpgsql, not sql: it keeps the INSERT's plan from one call to the next
-- (a LANGUAGE sql function that cannot be inlined is planned on every call).
CREATE FUNCTION campaign_counters_add(c TEXT, at BIGINT, d_planned INT, d_sent INT, d_deferred INT, d_dropped INT,
    d_suppressed INT, d_failed INT, d_answered INT, d_promoters INT, d_passives INT, d_detractors INT)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO campaign_counters AS k (day, campaign, shard, planned, sent, deferred, dropped, suppressed, failed, answered, promoters, passives, detractors)
    VALUES (at / 86400000, c, pg_backend_pid(), d_planned, d_sent, d_deferred, d_dropped, d_suppressed, d_failed, d_answered,
        d_promoters, d_passives, d_detractors)
    ON CONFLICT (day, campaign, shard) DO UPDATE SET
        planned = k.planned + excluded.planned, sent = k.sent + excluded.sent, deferred = k.deferred + excluded.deferred,
        dropped = k.dropped + excluded.dropped, suppressed = k.suppressed + excluded.suppressed, failed = k.failed + excluded.failed,
        answered = k.answered + excluded.answered, promoters = k.promoters + excluded.promoters,
        passives = k.passives + excluded.passives, detractors = k.detractors + excluded.detractors;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A delivery counts as planned on its creation day, as sent on its sent_at
-- day while it is sent (with its answer, if any), as failed on its
-- updated_at day while it is failed. An update takes the old row's share
-- back and adds the new row's.
CREATE FUNCTION campaign_counters_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    answered INT := 0;
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM campaign_counters_add(NEW.campaign, NEW.created_at, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    ELSE
        IF OLD.state IN ('sent', 'failed') OR NEW.state = 'sent' THEN
            SELECT count(*) INTO answered FROM survey_responses WHERE delivery_id = NEW.id;
        END IF;
        IF OLD.state = 'sent' THEN
            PERFORM campaign_counters_add(OLD.campaign, OLD.sent_at, 0, -1, 0, 0, 0, 0, -answered, 0, 0, 0);
        ELSIF OLD.state = 'failed' THEN
            PERFORM campaign_counters_add(OLD.campaign, OLD.updated_at, 0, 0, 0, 0, 0, -1, 0, 0, 0, 0);
        END IF;
    END IF;
    IF NEW.state = 'sent' AND NEW.sent_at IS NOT NULL THEN
        PERFORM campaign_counters_add(NEW.campaign, NEW.sent_at, 0, 1, 0, 0, 0, 0, answered, 0, 0, 0);
    ELSIF NEW.state = 'failed' THEN
        PERFORM campaign_counters_add(NEW.campaign, NEW.updated_at, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- A delivery counts as deferred (dropped, suppressed) on the day of its
-- first such decision.
CREATE FUNCTION campaign_counters_decision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c TEXT;
BEGIN
    IF EXISTS (SELECT 1 FROM decisions WHERE delivery_id = NEW.delivery_id AND decision = NEW.decision AND id < NEW.id) THEN
        RETURN NULL;
    END IF;
    SELECT campaign INTO c FROM deliveries WHERE id = NEW.delivery_id;
    IF c IS NOT NULL THEN
        PERFORM campaign_counters_add(c, NEW.at, 0, 0,
            CASE NEW.decision WHEN 'deferred' THEN 1 ELSE 0 END, CASE NEW.decision WHEN 'dropped' THEN 1 ELSE 0 END,
            CASE NEW.decision WHEN 'suppressed' THEN 1 ELSE 0 END, 0, 0, 0, 0, 0);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- An answer counts on its at day by score, and as answered on the day its
-- delivery was sent.
CREATE FUNCTION campaign_counters_response() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sent BIGINT;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM campaign_counters_add(OLD.campaign, OLD.at, 0, 0, 0, 0, 0, 0, 0,
            -(OLD.score >= 9)::int, -(OLD.score BETWEEN 7 AND 8)::int, -(OLD.score <= 6)::int);
    ELSE
        SELECT sent_at INTO sent FROM deliveries WHERE id = NEW.delivery_id AND state = 'sent';
        IF sent IS NOT NULL THEN
            PERFORM campaign_counters_add(NEW.campaign, sent, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0);
        END IF;
    END IF;
    PERFORM campaign_counters_add(NEW.campaign, NEW.at, 0, 0, 0, 0, 0, 0, 0,
        (NEW.score >= 9)::int, (NEW.score BETWEEN 7 AND 8)::int, (NEW.score <= 6)::int);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER campaign_counters_delivery_insert AFTER INSERT ON deliveries
    FOR EACH ROW EXECUTE FUNCTION campaign_counters_delivery();
CREATE TRIGGER campaign_counters_delivery_update AFTER UPDATE ON deliveries
    FOR EACH ROW WHEN ((OLD.state IN ('sent', 'failed') OR NEW.state IN ('sent', 'failed'))
        AND (OLD.state IS DISTINCT FROM NEW.state OR OLD.sent_at IS DISTINCT FROM NEW.sent_at
            OR (NEW.state = 'failed' AND OLD.updated_at <> NEW.updated_at)))
    EXECUTE FUNCTION campaign_counters_delivery();
CREATE TRIGGER campaign_counters_decision_insert AFTER INSERT ON decisions
    FOR EACH ROW WHEN (NEW.decision IN ('deferred', 'dropped', 'suppressed'))
    EXECUTE FUNCTION campaign_counters_decision();
CREATE TRIGGER campaign_counters_response_insert AFTER INSERT ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION campaign_counters_response();
CREATE TRIGGER campaign_counters_response_update AFTER UPDATE ON survey_responses
    FOR EACH ROW WHEN (OLD.score <> NEW.score OR OLD.at <> NEW.at)
    EXECUTE FUNCTION campaign_counters_response();

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
DROP TRIGGER campaign_counters_response_update ON survey_responses;
DROP TRIGGER campaign_counters_response_insert ON survey_responses;
DROP TRIGGER campaign_counters_decision_insert ON decisions;
DROP TRIGGER campaign_counters_delivery_update ON deliveries;
DROP TRIGGER campaign_counters_delivery_insert ON deliveries;
DROP FUNCTION campaign_counters_response();
DROP FUNCTION campaign_counters_decision();
DROP FUNCTION campaign_counters_delivery();
DROP FUNCTION campaign_counters_add(TEXT, BIGINT, INT, INT, INT, INT, INT, INT, INT, INT, INT, INT);
DROP TABLE campaign_counters;
ALTER TABLE team_members DROP COLUMN locale;
