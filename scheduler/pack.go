package scheduler

import (
	"context"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// PackApplier is what ApplyPack needs of the store; *store.DB implements
// it.
type PackApplier interface {
	outreach.PackActivator
	// SyncCampaigns records the campaigns of the active pack (when each
	// first appeared) and drops the planned deliveries of the others.
	SyncCampaigns(ctx context.Context, keys []string, now time.Time) (dropped int, err error)
}

// ApplyPack makes loaded the active pack at now: it stores it with a new
// version when its content hash changed, records when each of its
// campaigns first appeared (a new campaign applies only to events ingested
// from then on, and its schedule counts from then), and drops the pending
// deliveries of campaigns no longer in it with the reason "campaign
// removed". It sets loaded.Pack.Version. Applying the active pack again
// changes nothing.
func ApplyPack(ctx context.Context, st PackApplier, loaded *campaigns.Loaded, now time.Time) (version int, changed bool, err error) {
	if loaded == nil || loaded.Pack == nil {
		return 0, false, fmt.Errorf("apply pack: no pack")
	}
	hash := loaded.Pack.Hash
	if hash == "" {
		hash = campaigns.Hash(loaded.Files)
	}
	version, changed, err = st.ActivatePack(ctx, hash, loaded.Files)
	if err != nil {
		return 0, false, err
	}
	keys := make([]string, len(loaded.Pack.Campaigns))
	for i, c := range loaded.Pack.Campaigns {
		keys[i] = c.Key
	}
	if _, err := st.SyncCampaigns(ctx, keys, now); err != nil {
		return 0, false, err
	}
	loaded.Pack.Version = version
	return version, changed, nil
}
