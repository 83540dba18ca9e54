package store

import (
	"context"
	"fmt"
)

// A scratch store is the throwaway database of one forecast: an in-memory
// SQLite database with every migration applied, less the indexes and
// triggers that only serve reading reports afterwards — the console's
// campaign, account and NPS pages, the NPS API, the ops counts. The
// planner, the throttle, the dispatcher, the digests and the simulated
// answers run on it exactly as on a production store; what they never read
// is not kept up to date.
//
// Keeping them costs a forecast a sixth of its time: every delivery row
// written updates seventeen indexes and fires the campaign counters' and
// the NPS rollup's triggers, for pages nobody will open on a database that
// is dropped when the forecast ends.
//
// A store opened this way must not serve reports: store.NPS, the console's
// campaign counters and the account risk lists would read stale or empty
// aggregates from it.

// reportOnly lists the indexes and triggers a scratch store leaves out,
// each with who reads it. Dropping a name that no migration creates fails
// OpenScratch, so a renamed index cannot leave the list silently stale.
var reportOnly = []struct{ kind, name string }{
	// campaign_counters (console campaign list and page)
	{"TRIGGER", "campaign_counters_delivery_insert"},
	{"TRIGGER", "campaign_counters_delivery_update"},
	{"TRIGGER", "campaign_counters_decision_insert"},
	{"TRIGGER", "campaign_counters_response_insert"},
	{"TRIGGER", "campaign_counters_response_update"},
	// nps_daily (store.NPS: the NPS API and console page)
	{"TRIGGER", "nps_responses_insert"},
	{"TRIGGER", "nps_responses_update"},
	{"TRIGGER", "nps_responses_delete"},
	{"TRIGGER", "nps_deliveries_insert"},
	{"TRIGGER", "nps_deliveries_update"},
	{"TRIGGER", "nps_deliveries_delete"},
	{"TRIGGER", "nps_contacts_update"},
	{"TRIGGER", "nps_contacts_delete"},
	// console campaign pages and recent activity
	{"INDEX", "deliveries_created"},
	{"INDEX", "deliveries_created_campaign"},
	{"INDEX", "deliveries_campaign_created"},
	{"INDEX", "deliveries_sent_campaign"},
	{"INDEX", "deliveries_failed_campaign"},
	{"INDEX", "deliveries_planned_campaign"},
	{"INDEX", "decisions_decision_at"},
	// ops counts (OpsStats)
	{"INDEX", "deliveries_state"},
	// provider webhooks find a delivery by its message id; a forecast has
	// no provider
	{"INDEX", "deliveries_message_id"},
	// console account pages
	{"INDEX", "contacts_account_last_seen"},
	{"INDEX", "survey_responses_account_at"},
}

// OpenScratch opens a scratch store (see reportOnly) and migrates it.
func OpenScratch(ctx context.Context) (*DB, error) {
	db, err := Open(ctx, "sqlite::memory:")
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	for _, o := range reportOnly {
		if _, err := db.db.ExecContext(ctx, "DROP "+o.kind+" "+o.name); err != nil {
			db.Close()
			return nil, fmt.Errorf("open a scratch store: drop %s %s: %w", o.kind, o.name, err)
		}
	}
	return db, nil
}
