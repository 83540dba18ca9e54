-- +goose Up
-- Planning: the campaigns of the active pack with the time each first
-- appeared, and an index for the per-campaign cooldown. Delivery ids are
-- computed by outreach_delivery_id(campaign, contact_id, occurrence), a
-- deterministic function the store registers from Go.

-- One row per campaign of the active pack. since is when the campaign first
-- appeared (a schedule without a fire yet counts from it); events_from is
-- the ingestion time from which its event trigger applies (0 for the
-- campaigns of the very first pack, so that data imported before the first
-- start is planned, subject to ttl).
CREATE TABLE pack_campaigns (
    campaign    TEXT PRIMARY KEY,
    since       BIGINT NOT NULL,
    events_from BIGINT NOT NULL
);

-- Cooldown: "was this campaign sent to this contact since T?"
CREATE INDEX deliveries_campaign_cooldown ON deliveries (campaign, contact_id, reserved_at)
    WHERE state IN ('sending', 'sent');

-- +goose Down
DROP INDEX deliveries_campaign_cooldown;
DROP TABLE pack_campaigns;
