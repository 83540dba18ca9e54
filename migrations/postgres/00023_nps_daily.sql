-- +goose Up
-- The NPS report's daily aggregate (issue 12, "Measure"): the answers of
-- each UTC day (epoch milliseconds div 86,400,000, of survey_responses.at)
-- and the survey deliveries sent that day (of deliveries.sent_at) with how
-- many of them were answered, per campaign, account, and the contact's role
-- and locale. The owner and plan are read from accounts when the report
-- runs (they change), so they are not copied here. store/nps_daily.go
-- reads it.
--
-- The triggers below keep it exact in the transaction of every change of an
-- answer, a survey delivery or a contact, on every path (the API, erasure,
-- ingestion). They only append to nps_daily_delta, which nothing else
-- updates, so concurrent answers and sends never wait on a shared row; the
-- report folds the deltas into nps_daily (one statement, rows upserted in
-- key order) and always sums both tables. Answers and deliveries whose
-- contact does not exist are left out (erasure deletes them first).
CREATE TABLE nps_daily (
    day        BIGINT NOT NULL,
    campaign   TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  BIGINT NOT NULL DEFAULT 0,
    passives   BIGINT NOT NULL DEFAULT 0,
    detractors BIGINT NOT NULL DEFAULT 0,
    sent       BIGINT NOT NULL DEFAULT 0,
    answered   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, campaign, account_id, role, locale)
);

CREATE TABLE nps_daily_delta (
    day        BIGINT NOT NULL,
    campaign   TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  BIGINT NOT NULL DEFAULT 0,
    passives   BIGINT NOT NULL DEFAULT 0,
    detractors BIGINT NOT NULL DEFAULT 0,
    sent       BIGINT NOT NULL DEFAULT 0,
    answered   BIGINT NOT NULL DEFAULT 0
);

-- +goose StatementBegin
CREATE FUNCTION nps_day(ms BIGINT) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT (ms - ((ms % 86400000) + 86400000) % 86400000) / 86400000
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION nps_responses_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
        SELECT nps_day(OLD.at), OLD.campaign, c.account_id, c.role, c.locale,
            -(CASE WHEN OLD.score >= 9 THEN 1 ELSE 0 END), -(CASE WHEN OLD.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
            -(CASE WHEN OLD.score <= 6 THEN 1 ELSE 0 END)
        FROM contacts c WHERE c.id = OLD.contact_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
        SELECT nps_day(NEW.at), NEW.campaign, c.account_id, c.role, c.locale,
            (CASE WHEN NEW.score >= 9 THEN 1 ELSE 0 END), (CASE WHEN NEW.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
            (CASE WHEN NEW.score <= 6 THEN 1 ELSE 0 END)
        FROM contacts c WHERE c.id = NEW.contact_id;
    END IF;
    -- The answered count of the delivery answered (or no longer).
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.delivery_id <> NEW.delivery_id) THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, answered)
        SELECT nps_day(d.sent_at), d.campaign, d.account_id, c.role, c.locale, -1
        FROM deliveries d JOIN contacts c ON c.id = d.contact_id
        WHERE d.id = OLD.delivery_id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.delivery_id <> NEW.delivery_id) THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, answered)
        SELECT nps_day(d.sent_at), d.campaign, d.account_id, c.role, c.locale, 1
        FROM deliveries d JOIN contacts c ON c.id = d.contact_id
        WHERE d.id = NEW.delivery_id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER nps_responses_insert AFTER INSERT ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION nps_responses_changed();
CREATE TRIGGER nps_responses_update AFTER UPDATE ON survey_responses
    FOR EACH ROW WHEN ((OLD.score, OLD.at, OLD.campaign, OLD.contact_id, OLD.delivery_id)
        IS DISTINCT FROM (NEW.score, NEW.at, NEW.campaign, NEW.contact_id, NEW.delivery_id))
    EXECUTE FUNCTION nps_responses_changed();
CREATE TRIGGER nps_responses_delete AFTER DELETE ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION nps_responses_changed();

-- +goose StatementBegin
CREATE FUNCTION nps_deliveries_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.category = 'survey' AND OLD.state = 'sent' THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
        SELECT nps_day(OLD.sent_at), OLD.campaign, OLD.account_id, c.role, c.locale, -1,
            -(CASE WHEN EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = OLD.id) THEN 1 ELSE 0 END)
        FROM contacts c WHERE c.id = OLD.contact_id AND OLD.sent_at IS NOT NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.category = 'survey' AND NEW.state = 'sent' THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
        SELECT nps_day(NEW.sent_at), NEW.campaign, NEW.account_id, c.role, c.locale, 1,
            (CASE WHEN EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = NEW.id) THEN 1 ELSE 0 END)
        FROM contacts c WHERE c.id = NEW.contact_id AND NEW.sent_at IS NOT NULL;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER nps_deliveries_insert AFTER INSERT ON deliveries
    FOR EACH ROW WHEN (NEW.category = 'survey' AND NEW.state = 'sent')
    EXECUTE FUNCTION nps_deliveries_changed();
CREATE TRIGGER nps_deliveries_update AFTER UPDATE ON deliveries
    FOR EACH ROW WHEN (((OLD.category = 'survey' AND OLD.state = 'sent') OR (NEW.category = 'survey' AND NEW.state = 'sent'))
        AND (OLD.state, OLD.category, OLD.sent_at, OLD.campaign, OLD.account_id, OLD.contact_id, OLD.id)
            IS DISTINCT FROM (NEW.state, NEW.category, NEW.sent_at, NEW.campaign, NEW.account_id, NEW.contact_id, NEW.id))
    EXECUTE FUNCTION nps_deliveries_changed();
CREATE TRIGGER nps_deliveries_delete AFTER DELETE ON deliveries
    FOR EACH ROW WHEN (OLD.category = 'survey' AND OLD.state = 'sent')
    EXECUTE FUNCTION nps_deliveries_changed();

-- +goose StatementBegin
-- A contact's answers count under its account, role and locale, and its
-- sent surveys under its role and locale: a change moves them.
CREATE FUNCTION nps_contacts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved BOOLEAN;
BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT nps_day(r.at), r.campaign, OLD.account_id, OLD.role, OLD.locale,
        -SUM(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), -SUM(CASE WHEN r.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
        -SUM(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END)
    FROM survey_responses r WHERE r.contact_id = OLD.id GROUP BY 1, 2;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
        SELECT nps_day(r.at), r.campaign, NEW.account_id, NEW.role, NEW.locale,
            SUM(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
            SUM(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END)
        FROM survey_responses r WHERE r.contact_id = NEW.id GROUP BY 1, 2;
    END IF;
    IF TG_OP = 'DELETE' THEN
        moved := true;
    ELSE
        moved := (OLD.role, OLD.locale, OLD.id) IS DISTINCT FROM (NEW.role, NEW.locale, NEW.id);
    END IF;
    IF moved THEN
        INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
        SELECT nps_day(d.sent_at), d.campaign, d.account_id, OLD.role, OLD.locale, -COUNT(*), -COUNT(r.delivery_id)
        FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id
        WHERE d.contact_id = OLD.id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL GROUP BY 1, 2, 3;
        IF TG_OP = 'UPDATE' THEN
            INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
            SELECT nps_day(d.sent_at), d.campaign, d.account_id, NEW.role, NEW.locale, COUNT(*), COUNT(r.delivery_id)
            FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id
            WHERE d.contact_id = NEW.id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL GROUP BY 1, 2, 3;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER nps_contacts_update AFTER UPDATE ON contacts
    FOR EACH ROW WHEN ((OLD.account_id, OLD.role, OLD.locale, OLD.id) IS DISTINCT FROM (NEW.account_id, NEW.role, NEW.locale, NEW.id))
    EXECUTE FUNCTION nps_contacts_changed();
CREATE TRIGGER nps_contacts_delete AFTER DELETE ON contacts
    FOR EACH ROW EXECUTE FUNCTION nps_contacts_changed();

-- +goose StatementBegin
-- nps_rebuild recomputes the aggregate from the answers and deliveries: the
-- backfill below, and the benchmark's after a bulk load with triggers off.
-- Writers must be stopped (a delta committed meanwhile would be lost).
CREATE FUNCTION nps_rebuild() RETURNS void LANGUAGE sql AS $$
    DELETE FROM nps_daily_delta;
    DELETE FROM nps_daily;
    INSERT INTO nps_daily (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT nps_day(r.at), r.campaign, c.account_id, c.role, c.locale,
        SUM(CASE WHEN r.score >= 9 THEN 1 ELSE 0 END), SUM(CASE WHEN r.score BETWEEN 7 AND 8 THEN 1 ELSE 0 END),
        SUM(CASE WHEN r.score <= 6 THEN 1 ELSE 0 END)
    FROM survey_responses r JOIN contacts c ON c.id = r.contact_id GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO nps_daily (day, campaign, account_id, role, locale, sent, answered)
    SELECT nps_day(d.sent_at), d.campaign, d.account_id, c.role, c.locale, COUNT(*), COUNT(r.delivery_id)
    FROM deliveries d JOIN contacts c ON c.id = d.contact_id LEFT JOIN survey_responses r ON r.delivery_id = d.id
    WHERE d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
    ON CONFLICT (day, campaign, account_id, role, locale) DO UPDATE SET sent = excluded.sent, answered = excluded.answered;
$$;
-- +goose StatementEnd

-- The aggregate of what is stored.
SELECT nps_rebuild();

-- +goose Down
DROP TRIGGER nps_contacts_delete ON contacts;
DROP TRIGGER nps_contacts_update ON contacts;
DROP TRIGGER nps_deliveries_delete ON deliveries;
DROP TRIGGER nps_deliveries_update ON deliveries;
DROP TRIGGER nps_deliveries_insert ON deliveries;
DROP TRIGGER nps_responses_delete ON survey_responses;
DROP TRIGGER nps_responses_update ON survey_responses;
DROP TRIGGER nps_responses_insert ON survey_responses;
DROP FUNCTION nps_rebuild();
DROP FUNCTION nps_contacts_changed();
DROP FUNCTION nps_deliveries_changed();
DROP FUNCTION nps_responses_changed();
DROP FUNCTION nps_day(BIGINT);
DROP TABLE nps_daily_delta;
DROP TABLE nps_daily;
