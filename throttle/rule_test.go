package throttle

import (
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// Every deferred or dropped outcome names the rule that bound it: the one
// whose earliest allowed instant is the latest.
func TestDecideRule(t *testing.T) {
	windowDays := outreach.Policy{QuietHours: quiet(19, 0, 9, 0), BusinessDays: weekdays}
	runDecideCases(t, []decideCase{{
		name:   "sent: no rule",
		policy: stdPolicy(), now: "2026-03-03T10:00:00Z",
		dues: []Due{due("d1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z")},
		want: []want{{id: "d1", decision: sent, rule: "-"}},
	}, {
		name:   "max_per_day",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-03T15:00:00Z",
		history: []Slot{slot("2026-03-03T08:00:00Z", "nps-qbr", "survey")},
		dues:    []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want:    []want{{id: "d1", decision: deferred, until: "2026-03-04T08:00:00Z", rule: outreach.RuleMaxPerDay}},
	}, {
		name:   "max_per_week",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerWeek = 1 }), now: "2026-03-03T15:00:00Z",
		history: []Slot{slot("2026-03-02T08:00:00Z", "nps-qbr", "survey")},
		dues:    []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want:    []want{{id: "d1", decision: deferred, until: "2026-03-09T08:00:00Z", rule: outreach.RuleMaxPerWeek}},
	}, {
		name:   "min_gap",
		policy: capsOnly(func(p *outreach.Policy) { p.MinGap = 20 * time.Hour }), now: "2026-03-03T20:00:00Z",
		history: []Slot{slot("2026-03-03T09:00:00Z", "nps-qbr", "survey")},
		dues:    []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want:    []want{{id: "d1", decision: deferred, until: "2026-03-04T05:00:00Z", rule: outreach.RuleMinGap}},
	}, {
		name:   "survey cooldown",
		policy: capsOnly(func(p *outreach.Policy) { p.SurveyCooldown = 30 * day }), now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-02-20T10:00:00Z", "nps-onboarding", "survey")},
		dues:    []Due{dueTTL(due("s1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"), 30*day)},
		want:    []want{{id: "s1", decision: deferred, until: "2026-03-22T10:00:00Z", rule: outreach.RuleSurveyCooldown}},
	}, {
		name:   "account survey cap",
		policy: capsOnly(func(p *outreach.Policy) { p.AccountMaxSurveysPerWeek = 1 }), now: "2026-03-05T10:00:00Z",
		account: []Slot{slotTo("2026-03-02T11:00:00Z", "nps-qbr", "survey", "ann@c.example")},
		dues:    []Due{due("s1", "nps-onboarding", "survey", 50, "2026-03-05T09:00:00Z")},
		want:    []want{{id: "s1", decision: deferred, until: "2026-03-09T11:00:00Z", rule: outreach.RuleAccountSurveys}},
	}, {
		name:   "quiet hours on a weekday evening",
		policy: windowDays, now: "2026-03-03T21:00:00Z", contactTZ: "UTC",
		dues: []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T21:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-04T09:00:00Z", rule: outreach.RuleQuietHours}},
	}, {
		name:   "Sunday noon: business days bind, quiet hours alone would allow it now",
		policy: windowDays, now: "2026-03-08T12:00:00Z", contactTZ: "UTC",
		dues: []Due{due("d1", "x", "lifecycle", 20, "2026-03-08T12:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-09T09:00:00Z", rule: outreach.RuleBusinessDays}},
	}, {
		name:   "Friday evening: business days hold it longer than quiet hours",
		policy: windowDays, now: "2026-03-06T20:00:00Z", contactTZ: "UTC",
		dues: []Due{due("d1", "x", "lifecycle", 20, "2026-03-06T20:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-09T09:00:00Z", rule: outreach.RuleBusinessDays}},
	}, {
		name:   "several caps: the latest threshold binds",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1; p.MaxPerWeek = 2; p.MinGap = 20 * time.Hour }), now: "2026-03-05T10:00:00Z",
		history: []Slot{slot("2026-03-02T09:00:00Z", "a", "lifecycle"), slot("2026-03-05T08:00:00Z", "b", "lifecycle")},
		dues:    []Due{due("d1", "x", "lifecycle", 20, "2026-03-05T09:00:00Z")},
		want:    []want{{id: "d1", decision: deferred, until: "2026-03-09T09:00:00Z", rule: outreach.RuleMaxPerWeek}},
	}, {
		name:   "min_gap, then quiet hours: the send window moved it last",
		policy: outreach.Policy{MinGap: 20 * time.Hour, QuietHours: quiet(19, 0, 9, 0)}, now: "2026-03-03T20:00:00Z",
		contactTZ: "UTC",
		history:   []Slot{slot("2026-03-03T09:00:00Z", "nps-qbr", "survey")},
		dues:      []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want:      []want{{id: "d1", decision: deferred, until: "2026-03-04T09:00:00Z", rule: outreach.RuleQuietHours}},
	}, {
		name:   "paused account, open afterwards",
		policy: capsOnly(func(p *outreach.Policy) {}), now: "2026-03-03T10:00:00Z", paused: "2026-03-05T00:00:00Z",
		dues: []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-05T00:00:00Z", rule: outreach.RuleAccountPaused}},
	}, {
		name:   "paused account, then a cap that frees later binds",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerWeek = 1 }), now: "2026-03-03T10:00:00Z", paused: "2026-03-05T00:00:00Z",
		history: []Slot{slot("2026-03-02T10:00:00Z", "a", "lifecycle")},
		dues:    []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want:    []want{{id: "d1", decision: deferred, until: "2026-03-09T10:00:00Z", rule: outreach.RuleMaxPerWeek}},
	}, {
		name:   "pushed past its ttl by a cap: dropped, the cap named",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerWeek = 1 }), now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-03-03T09:00:00Z", "a", "lifecycle")},
		dues:    []Due{dueTTL(due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z"), day)},
		want:    []want{{id: "d1", decision: dropped, rule: outreach.RuleMaxPerWeek}},
	}, {
		name:   "already past due + ttl with nothing in the way: ttl",
		policy: capsOnly(func(p *outreach.Policy) {}), now: "2026-03-10T10:00:00Z",
		dues: []Due{dueTTL(due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z"), day)},
		want: []want{{id: "d1", decision: dropped, rule: outreach.RuleTTL}},
	}, {
		name:   "exempt mail held past its ttl by a pause",
		policy: capsOnly(func(p *outreach.Policy) {}), now: "2026-03-03T10:00:00Z", paused: "2026-04-01T00:00:00Z",
		dues: []Due{dueTTL(due("t1", "renewal-reminder", "transactional", 90, "2026-03-03T10:00:00Z"), day)},
		want: []want{{id: "t1", decision: dropped, rule: outreach.RuleAccountPaused}},
	}, {
		name:   "an invalid policy defers with its own rule",
		policy: outreach.Policy{QuietHours: quiet(9, 0, 9, 0)}, now: "2026-03-03T10:00:00Z",
		dues: []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-03T11:00:00Z", rule: outreach.RuleInvalidPolicy}},
	}})
}
