package throttle

import (
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

func sup(scope, reason string) outreach.Suppression {
	return outreach.Suppression{Email: "jane@example.com", Scope: scope, Reason: reason, CreatedAt: ts("2026-02-01T00:00:00Z")}
}

// threeKinds are a survey, a lifecycle and a transactional delivery, in
// that decision order.
func threeKinds() []Due {
	return []Due{
		due("survey", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"),
		due("lifecycle", "reengagement", "lifecycle", 20, "2026-03-03T09:00:00Z"),
		due("transactional", "renewal-reminder", "transactional", 90, "2026-03-03T09:00:00Z"),
	}
}

func TestDecideSuppressionPauseExemptDrop(t *testing.T) {
	open := outreach.Policy{Timezone: "UTC", ExemptCategories: []string{outreach.CategoryTransactional}}
	runDecideCases(t, []decideCase{{
		name:   "hard suppression stops everything, transactional too",
		policy: open, now: "2026-03-03T10:00:00Z",
		sups: []outreach.Suppression{sup("survey", "clicked unsubscribe"), sup("hard", "bounce")},
		dues: threeKinds(),
		want: []want{
			{id: "transactional", decision: suppressed, reason: "hard suppression (stops all mail) since 2026-02-01 00:00 UTC (bounce)"},
			{id: "survey", decision: suppressed, reason: "hard suppression (stops all mail) since 2026-02-01 00:00 UTC (bounce)"},
			{id: "lifecycle", decision: suppressed},
		},
	}, {
		name:   "`all` stops everything but transactional mail",
		policy: open, now: "2026-03-03T10:00:00Z",
		sups: []outreach.Suppression{sup("all", "one-click unsubscribe")},
		dues: threeKinds(),
		want: []want{
			{id: "transactional", decision: sent},
			{id: "survey", decision: suppressed, reason: "unsubscribed from all non-transactional mail since 2026-02-01 00:00 UTC (one-click unsubscribe)"},
			{id: "lifecycle", decision: suppressed},
		},
	}, {
		name:   "a category scope stops only that category",
		policy: open, now: "2026-03-03T10:00:00Z",
		sups: []outreach.Suppression{sup("survey", "")},
		dues: threeKinds(),
		want: []want{
			{id: "transactional", decision: sent},
			{id: "survey", decision: suppressed, reason: "unsubscribed from survey mail since 2026-02-01 00:00 UTC"},
			{id: "lifecycle", decision: sent},
		},
	}, {
		name:   "a transactional scope does not stop transactional mail: only hard does",
		policy: open, now: "2026-03-03T10:00:00Z",
		sups: []outreach.Suppression{sup("transactional", "")},
		dues: threeKinds()[2:],
		want: []want{{id: "transactional", decision: sent}},
	}, {
		name:   "transactional is exempt from caps and quiet hours but counts toward them",
		policy: stdPolicy(), now: "2026-03-03T22:00:00Z", contactTZ: "UTC",
		history: []Slot{slot("2026-03-03T10:00:00Z", "welcome", "lifecycle")},
		dues:    threeKinds()[1:],
		want: []want{
			{id: "transactional", decision: sent, reason: "transactional is exempt from quiet hours, business days and caps (it still counts toward them)"},
			{id: "lifecycle", decision: deferred, until: "2026-03-05T09:00:00Z",
				reason: "max_per_day 1 reached: sent to this contact 2026-03-03 10:00 UTC (welcome), 2026-03-03 22:00 UTC (renewal-reminder); frees at 2026-03-04 22:00 UTC; " +
					"then quiet hours 19:00–09:00 in UTC (contact timezone): local time Wed 22:00; next allowed 2026-03-05 09:00 UTC"},
		},
	}, {
		name:   "paused account: deferred to the first instant after the pause that every rule allows",
		policy: stdPolicy(), now: "2026-03-03T10:00:00Z", contactTZ: "UTC", paused: "2026-03-07T00:00:00Z",
		dues: []Due{dueTTL(due("s1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"), 10*day)},
		want: []want{{id: "s1", decision: deferred, until: "2026-03-09T09:00:00Z",
			reason: "account paused until 2026-03-07 00:00 UTC; then quiet hours 19:00–09:00 and business days mon–fri in UTC (contact timezone): local time Sat 00:00; next allowed 2026-03-09 09:00 UTC"}},
	}, {
		name:   "pause holds exempt mail too, but only until it ends",
		policy: stdPolicy(), now: "2026-03-03T10:00:00Z", contactTZ: "UTC", paused: "2026-03-07T00:00:00Z",
		dues: threeKinds()[2:],
		want: []want{{id: "transactional", decision: deferred, until: "2026-03-07T00:00:00Z", reason: "account paused until 2026-03-07 00:00 UTC"}},
	}, {
		name:   "a pause that has ended changes nothing",
		policy: open, now: "2026-03-03T10:00:00Z", paused: "2026-03-03T10:00:00Z",
		dues: threeKinds()[:1],
		want: []want{{id: "survey", decision: sent}},
	}, {
		name:   "suppression wins over pause",
		policy: open, now: "2026-03-03T10:00:00Z", paused: "2026-04-01T00:00:00Z",
		sups: []outreach.Suppression{sup("hard", "spam report")},
		dues: threeKinds()[:1],
		want: []want{{id: "survey", decision: suppressed}},
	}, {
		name:   "a pause past the ttl drops",
		policy: open, now: "2026-03-03T10:00:00Z", paused: "2026-04-01T00:00:00Z",
		dues: []Due{dueTTL(due("s1", "csat-support", "survey", 70, "2026-03-03T09:00:00Z"), 3*day)},
		want: []want{{id: "s1", decision: dropped,
			reason: "expired: the earliest allowed instant 2026-04-01 00:00 UTC is after due 2026-03-03 09:00 UTC + ttl 3d = 2026-03-06 09:00 UTC: account paused until 2026-04-01 00:00 UTC"}},
	}, {
		name:   "drop when the caps free only after the ttl",
		policy: capsOnly(func(p *outreach.Policy) { p.AccountMaxSurveysPerWeek = 2 }), now: "2026-03-05T10:00:00Z",
		account: []Slot{slot("2026-03-02T11:00:00Z", "nps-qbr", "survey"), slot("2026-03-04T12:00:00Z", "nps-qbr", "survey")},
		dues:    []Due{dueTTL(due("s1", "csat-support", "survey", 70, "2026-03-04T10:00:00Z"), 3*day)},
		want: []want{{id: "s1", decision: dropped,
			reason: "expired: the earliest allowed instant 2026-03-09 11:00 UTC is after due 2026-03-04 10:00 UTC + ttl 3d = 2026-03-07 10:00 UTC: " +
				"account max_surveys_per_week 2 reached: surveys to the account's contacts 2026-03-02 11:00 UTC (nps-qbr), 2026-03-04 12:00 UTC (nps-qbr); frees at 2026-03-09 11:00 UTC"}},
	}, {
		name:   "the ttl bound is inclusive: allowed exactly at due+ttl is deferred, not dropped",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-05T10:00:00Z",
		history: []Slot{slot("2026-03-05T09:00:00Z", "a", "lifecycle")},
		dues:    []Due{dueTTL(due("d1", "x", "lifecycle", 20, "2026-03-05T08:00:00Z"), 25*time.Hour)},
		want:    []want{{id: "d1", decision: deferred, until: "2026-03-06T09:00:00Z"}},
	}, {
		name:   "delivered late: already past its ttl, dropped even though allowed now",
		policy: open, now: "2026-03-20T10:00:00Z",
		dues: []Due{due("d1", "x", "lifecycle", 20, "2026-03-03T09:00:00Z"), due("t1", "renewal-reminder", "transactional", 10, "2026-03-03T09:00:00Z")},
		want: []want{
			{id: "d1", decision: dropped, reason: "expired: the earliest allowed instant 2026-03-20 10:00 UTC is after due 2026-03-03 09:00 UTC + ttl 7d = 2026-03-10 09:00 UTC"},
			// Exempt mail skips quiet hours and caps, not the ttl: a renewal
			// reminder 17 days late is dropped, not sent.
			{id: "t1", decision: dropped, reason: "expired: the earliest allowed instant 2026-03-20 10:00 UTC is after due 2026-03-03 09:00 UTC + ttl 7d = 2026-03-10 09:00 UTC"},
		},
	}, {
		name:   "a pause past its ttl drops exempt mail; a shorter pause defers it",
		policy: open, now: "2026-03-03T10:00:00Z", paused: "2026-03-20T00:00:00Z",
		dues: []Due{due("t1", "renewal-reminder", "transactional", 90, "2026-03-03T09:00:00Z")},
		want: []want{{id: "t1", decision: dropped, contains: []string{"expired", "account paused until 2026-03-20 00:00 UTC"}}},
	}, {
		name:   "a pause within the ttl defers exempt mail to its end",
		policy: open, now: "2026-03-03T10:00:00Z", paused: "2026-03-05T00:00:00Z",
		dues: []Due{due("t1", "renewal-reminder", "transactional", 90, "2026-03-03T09:00:00Z")},
		want: []want{{id: "t1", decision: deferred, until: "2026-03-05T00:00:00Z"}},
	}, {
		name:   "an invalid policy defers everything an hour and names the key",
		policy: outreach.Policy{BusinessDays: []time.Weekday{}}, now: "2026-03-03T10:00:00Z",
		dues: threeKinds()[:1],
		want: []want{{id: "survey", decision: deferred, until: "2026-03-03T11:00:00Z", contains: []string{"policy.business_days", "fix the campaign pack"}}},
	}})
}
