-- +goose Up
-- The NPS report's weekly and monthly rollups: see
-- migrations/postgres/00027_nps_rollups.sql, which this file mirrors (a
-- week or month is the day number of its first day; store.FoldNPS fills
-- them).
CREATE TABLE nps_weekly (
    week       INTEGER NOT NULL,
    campaign   TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  INTEGER NOT NULL DEFAULT 0,
    passives   INTEGER NOT NULL DEFAULT 0,
    detractors INTEGER NOT NULL DEFAULT 0,
    sent       INTEGER NOT NULL DEFAULT 0,
    answered   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (week, campaign, account_id, role, locale)
);
CREATE INDEX nps_weekly_account_week ON nps_weekly (account_id, week);

CREATE TABLE nps_monthly (
    month      INTEGER NOT NULL,
    campaign   TEXT NOT NULL,
    account_id INTEGER NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  INTEGER NOT NULL DEFAULT 0,
    passives   INTEGER NOT NULL DEFAULT 0,
    detractors INTEGER NOT NULL DEFAULT 0,
    sent       INTEGER NOT NULL DEFAULT 0,
    answered   INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (month, campaign, account_id, role, locale)
);
CREATE INDEX nps_monthly_account_month ON nps_monthly (account_id, month);

INSERT INTO nps_weekly (week, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered)
SELECT day - ((day + 3) % 7 + 7) % 7, campaign, account_id, role, locale,
    SUM(promoters), SUM(passives), SUM(detractors), SUM(sent), SUM(answered)
FROM nps_daily WHERE true GROUP BY 1, 2, 3, 4, 5;

INSERT INTO nps_monthly (month, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered)
SELECT CAST(strftime('%s', day * 86400, 'unixepoch', 'start of month') AS INTEGER) / 86400, campaign, account_id, role, locale,
    SUM(promoters), SUM(passives), SUM(detractors), SUM(sent), SUM(answered)
FROM nps_daily WHERE true GROUP BY 1, 2, 3, 4, 5;

-- The comment feed of one owner's (or account's) accounts: their commented
-- answers newest first, account by account (store/nps_comments.go), not
-- every answer of their people through survey_responses_contact_id.
CREATE INDEX survey_responses_account_commented ON survey_responses (account_id, at, delivery_id) WHERE comment <> '';

-- +goose Down
DROP INDEX survey_responses_account_commented;
DROP TABLE nps_monthly;
DROP TABLE nps_weekly;
