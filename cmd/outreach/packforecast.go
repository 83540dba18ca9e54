package main

import (
	"context"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/simulate"
	"github.com/outreach-dev/outreach/store"
)

// Bounds of the console's forecast over the stored base: contacts, events,
// and how far back events are read.
const (
	forecastMaxContacts = 100_000
	forecastMaxEvents   = 1_000_000
	forecastHistory     = 30 * 24 * time.Hour
)

// packForecaster returns the console's Forecaster: it reads the stored
// customers once (bounded) and runs simulate over them for each pack, from
// the start of today (UTC).
func (m *Main) packForecaster(db *store.DB) func(ctx context.Context, packs []*campaigns.Loaded, days int) ([]simulate.Summary, error) {
	return func(ctx context.Context, packs []*campaigns.Loaded, days int) ([]simulate.Summary, error) {
		now := m.Now().UTC()
		in, err := db.ForecastData(ctx, now.Add(-forecastHistory), forecastMaxContacts, forecastMaxEvents)
		if err != nil {
			return nil, err
		}
		return simulate.ForecastPacks(ctx, simulate.Options{Accounts: in.Accounts, Contacts: in.Contacts,
			Events: in.Events, Suppressions: in.Suppressions, From: now.Truncate(24 * time.Hour), Days: days}, packs)
	}
}
