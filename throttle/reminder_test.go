package throttle

import (
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

func reminderSlot(at, campaign string) Slot {
	s := slot(at, campaign, outreach.CategorySurvey)
	s.Reminder = true
	return s
}

func reminderDue(id, campaign, dueAt string) Due {
	d := due(id, campaign, outreach.CategorySurvey, 50, dueAt)
	d.Reminder = true
	return d
}

// TestDecideReminders: a survey reminder neither restarts nor waits for the
// contact's survey cooldown, but it spends the contact's budget (caps,
// min_gap) like any email.
func TestDecideReminders(t *testing.T) {
	cooldown := capsOnly(func(p *outreach.Policy) { p.SurveyCooldown = 30 * day })
	runDecideCases(t, []decideCase{{
		name:   "a sent reminder does not restart the survey cooldown",
		policy: cooldown, now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-02-01T10:00:00Z", "nps-onboarding", "survey"), reminderSlot("2026-02-06T10:00:00Z", "nps-onboarding")},
		dues:    []Due{dueTTL(due("s1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"), 30*day)},
		want:    []want{{id: "s1", decision: sent}},
	}, {
		name:   "the survey it follows up does not hold the reminder",
		policy: cooldown, now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-02-26T10:00:00Z", "nps-onboarding", "survey")},
		dues:    []Due{reminderDue("r1", "nps-onboarding", "2026-03-03T10:00:00Z")},
		want:    []want{{id: "r1", decision: sent}},
	}, {
		name:   "a reminder reserved now does not hold a survey due after it",
		policy: cooldown, now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-01-26T10:00:00Z", "nps-onboarding", "survey")},
		dues:    []Due{reminderDue("r1", "nps-onboarding", "2026-03-03T08:00:00Z"), dueTTL(due("s1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"), 30*day)},
		want:    []want{{id: "r1", decision: sent}, {id: "s1", decision: sent}},
	}, {
		name:   "a reminder still counts for max_per_day",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-03T10:00:00Z",
		history: []Slot{reminderSlot("2026-03-03T08:00:00Z", "nps-onboarding")},
		dues:    []Due{due("l1", "reengagement", "lifecycle", 20, "2026-03-03T09:00:00Z")},
		want:    []want{{id: "l1", decision: deferred, until: "2026-03-04T08:00:00Z"}},
	}, {
		name:   "a reminder is held by min_gap",
		policy: capsOnly(func(p *outreach.Policy) { p.MinGap = 20 * time.Hour }), now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-03-03T09:00:00Z", "welcome", "lifecycle")},
		dues:    []Due{reminderDue("r1", "nps-onboarding", "2026-03-03T10:00:00Z")},
		want:    []want{{id: "r1", decision: deferred, until: "2026-03-04T05:00:00Z"}},
	}})
}
