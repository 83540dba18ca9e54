-- +goose Up
-- The console's cases page reads one view at a time in keyset order: the
-- cases not closed by due time (the overdue view: due_at before now), and
-- the closed ones newest first. Open and in-progress use cases_state_due.
CREATE INDEX cases_not_closed_due ON cases (due_at, id) WHERE state <> 'closed';
CREATE INDEX cases_closed_at ON cases (closed_at, id) WHERE state = 'closed';

-- +goose Down
DROP INDEX cases_closed_at;
DROP INDEX cases_not_closed_due;
