package outreach

import (
	"fmt"
	"strings"
)

// Event outcomes: why an event planned nothing for a contact. The planner
// records them (store table event_outcomes) when it plans the event;
// explain and the timeline show them next to the event.
const (
	// OutcomeNoCampaign: no campaign of the active pack listens to the
	// event's type.
	OutcomeNoCampaign = "no campaign"
	// OutcomeStale: the delivery would have been due more than its ttl
	// before the event was planned.
	OutcomeStale = "stale"
	// OutcomeFiltered: the campaign's where (event property) or filter
	// (role, plan, locale) left the contact out; the detail names the rule.
	OutcomeFiltered = "filtered"
	// OutcomeCooldown: the contact was sent this campaign within its
	// cooldown; the detail says until when.
	OutcomeCooldown = "cooldown"
	// OutcomeDuplicate: a delivery for the same occurrence (the event id,
	// or its dedupe property) already exists.
	OutcomeDuplicate = "duplicate occurrence"
	// OutcomeInactive: the contact is not active.
	OutcomeInactive = "inactive"
	// OutcomeBeforeCampaign: the event was ingested before the campaign
	// joined the active pack (a new campaign applies to new events).
	OutcomeBeforeCampaign = "before campaign"
	// OutcomeNoOccurrence: the campaign dedupes on a property the event
	// lacks (or holds a list or object in).
	OutcomeNoOccurrence = "no occurrence"
	// OutcomeNotPlannedYet: the planner has not read the event yet (it
	// runs every OUTREACH_TICK on the leader). Shown, never stored.
	OutcomeNotPlannedYet = "not planned yet"
	// OutcomeNoTrigger: the event was imported with --no-trigger. Shown,
	// never stored.
	OutcomeNoTrigger = "no trigger"
)

// EventOutcome is why an event planned nothing for a contact, for one
// campaign ("" for OutcomeNoCampaign and the shown-only outcomes).
// ContactID 0 means every contact the event concerns.
type EventOutcome struct {
	EventID   string `json:"-"`
	ContactID int64  `json:"-"`
	Campaign  string `json:"campaign,omitempty"`
	Outcome   string `json:"outcome"`
	Detail    string `json:"detail,omitempty"`
}

// EventPlan is what the planner makes of a batch of events: the deliveries
// to plan, per campaign, and the outcomes it already knows (those that hold
// whatever the contact: no campaign, stale, where, ...). The store adds the
// per-contact ones (filter, cooldown, duplicate, inactive) as it plans.
type EventPlan struct {
	Requests []PlanRequest
	Outcomes []EventOutcome
}

// TimelineEvent is an event in a contact's timeline, with why it planned
// nothing for the contact (empty when it planned a delivery, which is then
// in the timeline's deliveries with this event_id).
type TimelineEvent struct {
	Event
	Outcomes []EventOutcome `json:"outcomes"`
}

// Miss returns "" when a contact with role, locale and account plan passes
// filter f, else which rule leaves it out: `role "user" is not one of
// admin, champion`. Empty lists mean everyone. Roles and plans compare
// case-insensitively. A locale entry matches that locale and its regional
// variants ("pt" matches "pt-BR"); a contact without a locale counts as
// FallbackLocale, the language it will be sent. This is the one home of
// the filter rule: campaigns.FilterMatches and the store's explanation use
// it, and the store's SQL filter mirrors it.
func (f Filter) Miss(role, locale, plan string) string {
	if len(f.Roles) > 0 && !containsFold(f.Roles, role) {
		return fmt.Sprintf("role %q is not one of %s", role, strings.Join(f.Roles, ", "))
	}
	if len(f.Plans) > 0 && !containsFold(f.Plans, plan) {
		return fmt.Sprintf("account plan %q is not one of %s", plan, strings.Join(f.Plans, ", "))
	}
	if len(f.Locales) > 0 {
		loc := locale
		if loc == "" {
			loc = FallbackLocale
		}
		for _, want := range f.Locales {
			if strings.EqualFold(loc, want) || (len(loc) > len(want) && strings.EqualFold(loc[:len(want)+1], want+"-")) {
				return ""
			}
		}
		return fmt.Sprintf("locale %q is not one of %s", loc, strings.Join(f.Locales, ", "))
	}
	return ""
}

// containsFold reports whether list holds s, ignoring case; "" is never in
// a list.
func containsFold(list []string, s string) bool {
	if s == "" {
		return false
	}
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
