-- +goose Up
-- The NPS report's weekly and monthly rollups (issue 15: the NPS page at
-- 1,000,000 answers): nps_daily summed per UTC week (from Monday) and per
-- UTC calendar month, with the same grain otherwise (campaign, account,
-- role, locale). week and month are the day number (as nps_daily.day) of
-- the period's first day. A report by week, or by month (or with no
-- interval), reads the whole periods of its window from the rollup, about
-- 6 and 28 times fewer rows than nps_daily for a year, and only the days
-- of the partial periods at its ends from nps_daily (store/nps_daily.go).
--
-- No trigger writes them: the fold (store.FoldNPS) moves each pending
-- delta of nps_daily_delta into nps_daily and both rollups in one
-- statement, so the three agree at every commit, and the report sums the
-- pending deltas of the whole periods with the rollup.
CREATE TABLE nps_weekly (
    week       BIGINT NOT NULL,
    campaign   TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  BIGINT NOT NULL DEFAULT 0,
    passives   BIGINT NOT NULL DEFAULT 0,
    detractors BIGINT NOT NULL DEFAULT 0,
    sent       BIGINT NOT NULL DEFAULT 0,
    answered   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (week, campaign, account_id, role, locale)
);
-- One owner's accounts, period by period (as nps_daily_account_day, 00025).
CREATE INDEX nps_weekly_account_week ON nps_weekly (account_id, week);

CREATE TABLE nps_monthly (
    month      BIGINT NOT NULL,
    campaign   TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    role       TEXT NOT NULL,
    locale     TEXT NOT NULL,
    promoters  BIGINT NOT NULL DEFAULT 0,
    passives   BIGINT NOT NULL DEFAULT 0,
    detractors BIGINT NOT NULL DEFAULT 0,
    sent       BIGINT NOT NULL DEFAULT 0,
    answered   BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, campaign, account_id, role, locale)
);
CREATE INDEX nps_monthly_account_month ON nps_monthly (account_id, month);

-- +goose StatementBegin
-- nps_month returns the day number of the first day of the UTC month of
-- the day number day.
CREATE FUNCTION nps_month(day BIGINT) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT CAST(EXTRACT(EPOCH FROM date_trunc('month', to_timestamp(day * 86400) AT TIME ZONE 'UTC')) AS BIGINT) / 86400
$$;
-- +goose StatementEnd

-- +goose StatementBegin
-- nps_rebuild_rollups sums the rollups from nps_daily (writers stopped, or
-- nps_daily locked: a fold meanwhile would be counted in the days only).
CREATE FUNCTION nps_rebuild_rollups() RETURNS void LANGUAGE sql AS $$
    DELETE FROM nps_weekly;
    DELETE FROM nps_monthly;
    INSERT INTO nps_weekly (week, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered)
    SELECT day - ((day + 3) % 7 + 7) % 7, campaign, account_id, role, locale,
        SUM(promoters), SUM(passives), SUM(detractors), SUM(sent), SUM(answered)
    FROM nps_daily GROUP BY 1, 2, 3, 4, 5;
    INSERT INTO nps_monthly (month, campaign, account_id, role, locale, promoters, passives, detractors, sent, answered)
    SELECT nps_month(day), campaign, account_id, role, locale, SUM(promoters), SUM(passives), SUM(detractors), SUM(sent), SUM(answered)
    FROM nps_daily GROUP BY 1, 2, 3, 4, 5;
$$;
-- +goose StatementEnd

-- nps_rebuild (00023) rebuilds the rollups too: the days' rebuild is kept
-- as nps_rebuild_daily, and nps_rebuild runs it, then sums the rollups.
ALTER FUNCTION nps_rebuild() RENAME TO nps_rebuild_daily;
-- +goose StatementBegin
CREATE FUNCTION nps_rebuild() RETURNS void LANGUAGE sql AS $$
    SELECT nps_rebuild_daily();
    SELECT nps_rebuild_rollups();
$$;
-- +goose StatementEnd

-- The rollups of what is folded (the pending deltas go to all three
-- tables at the next fold); a fold waits until they are filled.
LOCK TABLE nps_daily IN SHARE MODE;
SELECT nps_rebuild_rollups();

-- The comment feed of one owner's (or account's) accounts: their commented
-- answers newest first, account by account (store/nps_comments.go), not
-- every answer of their people through survey_responses_contact_id.
CREATE INDEX survey_responses_account_commented ON survey_responses (account_id, at, delivery_id) WHERE comment <> '';

-- +goose Down
DROP INDEX survey_responses_account_commented;
DROP FUNCTION nps_rebuild();
ALTER FUNCTION nps_rebuild_daily() RENAME TO nps_rebuild;
DROP FUNCTION nps_rebuild_rollups();
DROP FUNCTION nps_month(BIGINT);
DROP TABLE nps_monthly;
DROP TABLE nps_weekly;
