-- +goose Up
-- The NPS report's daily aggregate (issue 12, "Measure"): see
-- migrations/postgres/00023_nps_daily.sql, which this file mirrors with
-- SQLite row triggers (a day is epoch milliseconds div 86,400,000, floored).
CREATE TABLE nps_daily (
    day        INTEGER NOT NULL,
    campaign   TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  INTEGER NOT NULL DEFAULT 0,
    passives   INTEGER NOT NULL DEFAULT 0,
    detractors INTEGER NOT NULL DEFAULT 0,
    sent       INTEGER NOT NULL DEFAULT 0,
    answered   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, campaign, account_id, role, locale)
);

CREATE TABLE nps_daily_delta (
    day        INTEGER NOT NULL,
    campaign   TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  INTEGER NOT NULL DEFAULT 0,
    passives   INTEGER NOT NULL DEFAULT 0,
    detractors INTEGER NOT NULL DEFAULT 0,
    sent       INTEGER NOT NULL DEFAULT 0,
    answered   INTEGER NOT NULL DEFAULT 0
);

-- +goose StatementBegin
CREATE TRIGGER nps_responses_insert AFTER INSERT ON survey_responses FOR EACH ROW BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((NEW.at) - (((NEW.at) % 86400000) + 86400000) % 86400000) / 86400000, NEW.campaign, c.account_id, c.role, c.locale,
        (NEW.score >= 9), (NEW.score BETWEEN 7 AND 8), (NEW.score <= 6)
    FROM contacts c WHERE c.id = NEW.contact_id;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, c.role, c.locale, 1
    FROM deliveries d JOIN contacts c ON c.id = d.contact_id
    WHERE d.id = NEW.delivery_id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nps_responses_update AFTER UPDATE ON survey_responses FOR EACH ROW WHEN OLD.score IS NOT NEW.score OR OLD.at IS NOT NEW.at OR OLD.campaign IS NOT NEW.campaign OR OLD.contact_id IS NOT NEW.contact_id OR OLD.delivery_id IS NOT NEW.delivery_id BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((OLD.at) - (((OLD.at) % 86400000) + 86400000) % 86400000) / 86400000, OLD.campaign, c.account_id, c.role, c.locale,
        -(OLD.score >= 9), -(OLD.score BETWEEN 7 AND 8), -(OLD.score <= 6)
    FROM contacts c WHERE c.id = OLD.contact_id;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((NEW.at) - (((NEW.at) % 86400000) + 86400000) % 86400000) / 86400000, NEW.campaign, c.account_id, c.role, c.locale,
        (NEW.score >= 9), (NEW.score BETWEEN 7 AND 8), (NEW.score <= 6)
    FROM contacts c WHERE c.id = NEW.contact_id;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, c.role, c.locale, -1
    FROM deliveries d JOIN contacts c ON c.id = d.contact_id
    WHERE d.id = OLD.delivery_id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL AND OLD.delivery_id <> NEW.delivery_id;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, c.role, c.locale, 1
    FROM deliveries d JOIN contacts c ON c.id = d.contact_id
    WHERE d.id = NEW.delivery_id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL AND OLD.delivery_id <> NEW.delivery_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nps_responses_delete AFTER DELETE ON survey_responses FOR EACH ROW BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((OLD.at) - (((OLD.at) % 86400000) + 86400000) % 86400000) / 86400000, OLD.campaign, c.account_id, c.role, c.locale,
        -(OLD.score >= 9), -(OLD.score BETWEEN 7 AND 8), -(OLD.score <= 6)
    FROM contacts c WHERE c.id = OLD.contact_id;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, c.role, c.locale, -1
    FROM deliveries d JOIN contacts c ON c.id = d.contact_id
    WHERE d.id = OLD.delivery_id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nps_deliveries_insert AFTER INSERT ON deliveries FOR EACH ROW WHEN NEW.category = 'survey' AND NEW.state = 'sent' BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((NEW.sent_at) - (((NEW.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, NEW.campaign, NEW.account_id, c.role, c.locale, 1,
        EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = NEW.id)
    FROM contacts c WHERE c.id = NEW.contact_id AND NEW.sent_at IS NOT NULL;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nps_deliveries_update AFTER UPDATE ON deliveries FOR EACH ROW WHEN ((OLD.category = 'survey' AND OLD.state = 'sent') OR (NEW.category = 'survey' AND NEW.state = 'sent')) AND (OLD.state IS NOT NEW.state OR OLD.category IS NOT NEW.category OR OLD.sent_at IS NOT NEW.sent_at OR OLD.campaign IS NOT NEW.campaign OR OLD.account_id IS NOT NEW.account_id OR OLD.contact_id IS NOT NEW.contact_id OR OLD.id IS NOT NEW.id) BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((OLD.sent_at) - (((OLD.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, OLD.campaign, OLD.account_id, c.role, c.locale, -1,
        -EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = OLD.id)
    FROM contacts c WHERE c.id = OLD.contact_id AND OLD.sent_at IS NOT NULL AND OLD.category = 'survey' AND OLD.state = 'sent';
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((NEW.sent_at) - (((NEW.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, NEW.campaign, NEW.account_id, c.role, c.locale, 1,
        EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = NEW.id)
    FROM contacts c WHERE c.id = NEW.contact_id AND NEW.sent_at IS NOT NULL AND NEW.category = 'survey' AND NEW.state = 'sent';
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nps_deliveries_delete AFTER DELETE ON deliveries FOR EACH ROW WHEN OLD.category = 'survey' AND OLD.state = 'sent' BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((OLD.sent_at) - (((OLD.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, OLD.campaign, OLD.account_id, c.role, c.locale, -1,
        -EXISTS (SELECT 1 FROM survey_responses r WHERE r.delivery_id = OLD.id)
    FROM contacts c WHERE c.id = OLD.contact_id AND OLD.sent_at IS NOT NULL;
END;
-- +goose StatementEnd

-- A contact's answers count under its account, role and locale, and its
-- sent surveys under its role and locale: a change moves them.
-- +goose StatementBegin
CREATE TRIGGER nps_contacts_update AFTER UPDATE ON contacts FOR EACH ROW WHEN OLD.account_id IS NOT NEW.account_id OR OLD.role IS NOT NEW.role OR OLD.locale IS NOT NEW.locale OR OLD.id IS NOT NEW.id BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((r.at) - (((r.at) % 86400000) + 86400000) % 86400000) / 86400000, r.campaign, OLD.account_id, OLD.role, OLD.locale,
        -SUM(r.score >= 9), -SUM(r.score BETWEEN 7 AND 8), -SUM(r.score <= 6)
    FROM survey_responses r WHERE r.contact_id = OLD.id GROUP BY 1, 2;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((r.at) - (((r.at) % 86400000) + 86400000) % 86400000) / 86400000, r.campaign, NEW.account_id, NEW.role, NEW.locale,
        SUM(r.score >= 9), SUM(r.score BETWEEN 7 AND 8), SUM(r.score <= 6)
    FROM survey_responses r WHERE r.contact_id = NEW.id GROUP BY 1, 2;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, OLD.role, OLD.locale, -COUNT(*), -COUNT(r.delivery_id)
    FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id
    WHERE d.contact_id = OLD.id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL AND (OLD.role IS NOT NEW.role OR OLD.locale IS NOT NEW.locale OR OLD.id IS NOT NEW.id)
    GROUP BY 1, 2, 3;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, NEW.role, NEW.locale, COUNT(*), COUNT(r.delivery_id)
    FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id
    WHERE d.contact_id = NEW.id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL AND (OLD.role IS NOT NEW.role OR OLD.locale IS NOT NEW.locale OR OLD.id IS NOT NEW.id)
    GROUP BY 1, 2, 3;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nps_contacts_delete AFTER DELETE ON contacts FOR EACH ROW BEGIN
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, promoters, passives, detractors)
    SELECT ((r.at) - (((r.at) % 86400000) + 86400000) % 86400000) / 86400000, r.campaign, OLD.account_id, OLD.role, OLD.locale,
        -SUM(r.score >= 9), -SUM(r.score BETWEEN 7 AND 8), -SUM(r.score <= 6)
    FROM survey_responses r WHERE r.contact_id = OLD.id GROUP BY 1, 2;
    INSERT INTO nps_daily_delta (day, campaign, account_id, role, locale, sent, answered)
    SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, OLD.role, OLD.locale, -COUNT(*), -COUNT(r.delivery_id)
    FROM deliveries d LEFT JOIN survey_responses r ON r.delivery_id = d.id
    WHERE d.contact_id = OLD.id AND d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL
    GROUP BY 1, 2, 3;
END;
-- +goose StatementEnd

-- The aggregate of what is stored.
INSERT INTO nps_daily (day, campaign, account_id, role, locale, promoters, passives, detractors)
SELECT ((r.at) - (((r.at) % 86400000) + 86400000) % 86400000) / 86400000, r.campaign, c.account_id, c.role, c.locale,
    SUM(r.score >= 9), SUM(r.score BETWEEN 7 AND 8), SUM(r.score <= 6)
FROM survey_responses r JOIN contacts c ON c.id = r.contact_id WHERE true GROUP BY 1, 2, 3, 4, 5;

INSERT INTO nps_daily (day, campaign, account_id, role, locale, sent, answered)
SELECT ((d.sent_at) - (((d.sent_at) % 86400000) + 86400000) % 86400000) / 86400000, d.campaign, d.account_id, c.role, c.locale, COUNT(*), COUNT(r.delivery_id)
FROM deliveries d JOIN contacts c ON c.id = d.contact_id LEFT JOIN survey_responses r ON r.delivery_id = d.id
WHERE d.category = 'survey' AND d.state = 'sent' AND d.sent_at IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
ON CONFLICT (day, campaign, account_id, role, locale) DO UPDATE SET sent = excluded.sent, answered = excluded.answered;

-- +goose Down
DROP TRIGGER nps_contacts_delete;
DROP TRIGGER nps_contacts_update;
DROP TRIGGER nps_deliveries_delete;
DROP TRIGGER nps_deliveries_update;
DROP TRIGGER nps_deliveries_insert;
DROP TRIGGER nps_responses_delete;
DROP TRIGGER nps_responses_update;
DROP TRIGGER nps_responses_insert;
DROP TABLE nps_daily_delta;
DROP TABLE nps_daily;
