-- +goose Up
-- Dispatch: the claim reads contact ids of due planned deliveries in
-- not_before order (covered by this index), and the retry claim reads
-- sending deliveries released for another attempt.
CREATE INDEX deliveries_due_contact ON deliveries (not_before, contact_id) WHERE state = 'planned';
CREATE INDEX deliveries_retry ON deliveries (not_before) WHERE state = 'sending' AND claimed_by = '';

-- +goose Down
DROP INDEX deliveries_retry;
DROP INDEX deliveries_due_contact;
