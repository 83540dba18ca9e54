package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

func TestSyncCampaignsSinceAndEventsFrom(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, _, err := db.ActivatePack(ctx, "h1", map[string]string{"campaigns.yaml": "1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SyncCampaigns(ctx, []string{"a"}, t0); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(time.Hour)
		if _, _, err := db.ActivatePack(ctx, "h2", map[string]string{"campaigns.yaml": "2"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SyncCampaigns(ctx, []string{"a", "b"}, later); err != nil {
			t.Fatal(err)
		}
		states, err := db.CampaignStates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, b := states["a"], states["b"]
		// The first pack's campaigns apply to every stored event; later
		// ones to events ingested from when they appeared.
		if !a.Since.Equal(t0) || a.EventsFrom.UnixMilli() != 0 || a.LastFire != nil {
			t.Errorf("a = %+v, want since t0, events from the epoch, never fired", a)
		}
		if !b.Since.Equal(later) || !b.EventsFrom.Equal(later) {
			t.Errorf("b = %+v, want since and events from %v", b, later)
		}
		if _, err := db.SyncCampaigns(ctx, []string{"b"}, later); err != nil {
			t.Fatal(err)
		}
		if states, _ := db.CampaignStates(ctx); len(states) != 1 {
			t.Errorf("after removing a: %v, want only b", states)
		}
	})
}

func TestLeaderOnSQLiteAlwaysLeads(t *testing.T) {
	db := open(t, "sqlite")
	l := store.NewLeader(db, "planner", "test")
	defer l.Close()
	if !l.IsLeader(context.Background()) {
		t.Error("SQLite process is not the leader")
	}
}
