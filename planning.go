package outreach

import "time"

// CampaignState is what the store remembers about a campaign of the active
// pack, for the planner.
type CampaignState struct {
	// Since is when the campaign first appeared in an active pack; a
	// schedule that never fired counts its ticks from here.
	Since time.Time
	// EventsFrom is the ingestion time from which the campaign's event
	// trigger applies: a new campaign applies to events ingested from then
	// on (the campaigns of the very first pack apply to every event).
	EventsFrom time.Time
	// LastFire is when the campaign's schedule last fired; nil = never.
	LastFire *time.Time
}

// PlanTarget is one delivery an event asks for: to contact ContactID, or,
// when ContactID is 0, to every active contact of account AccountID.
type PlanTarget struct {
	ContactID  int64
	AccountID  int64
	Occurrence string
	EventID    string
	DueAt      time.Time
}

// PlanRequest asks the store to plan Campaign's deliveries to Targets,
// keeping only active contacts that pass the campaign's filter and are out
// of its cooldown.
type PlanRequest struct {
	Campaign *Campaign
	Targets  []PlanTarget
}

// AudienceQuery asks the store to fire a scheduled campaign at FireAt: plan
// a delivery due at FireAt to every contact of its audience (after filter
// and cooldown), once. The store records FireAt as the schedule's last fire
// only if the last fire is still PrevFire (compare-and-set), so two
// planners never fire one tick twice.
type AudienceQuery struct {
	Campaign *Campaign
	FireAt   time.Time
	PrevFire *time.Time

	// InactiveBefore: inactive_for audiences select contacts last seen
	// before this instant (contacts never seen are not selected).
	InactiveBefore time.Time
	// RenewalFrom and RenewalTo (YYYY-MM-DD, inclusive): renewal_within
	// audiences select accounts whose renewal_date is in this range.
	RenewalFrom, RenewalTo string
	// AnniversaryRanges: anniversary audiences select accounts whose
	// started_at falls in one of these [from, to) ranges, one per past year;
	// the occurrence is AnniversaryYear.
	AnniversaryRanges [][2]time.Time
	AnniversaryYear   string
}

// PlanResult counts what one planning step did.
type PlanResult struct {
	Events     int // events marked planned
	Deliveries int // deliveries inserted (not already planned)
	CooledDown int // deliveries not planned because of the campaign's cooldown
}
