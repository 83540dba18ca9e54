package throttle

import (
	"strings"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// want is the expected outcome of one due. until is RFC 3339 ("" for no
// deferral). reason is compared exactly when it is set; contains lists
// fragments that must appear otherwise.
type want struct {
	id, decision, until string
	reason              string
	contains            []string
	rule                string // compared when set; "-" means no rule
}

type decideCase struct {
	name              string
	policy            outreach.Policy
	now               string
	contactTZ, acctTZ string
	recipient         string // Input.Recipient: the contact's email
	history, account  []Slot
	sups              []outreach.Suppression
	paused            string
	dues              []Due
	want              []want
}

const (
	sent       = outreach.DecisionSent
	deferred   = outreach.DecisionDeferred
	dropped    = outreach.DecisionDropped
	suppressed = outreach.DecisionSuppressed
)

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{
				Policy: tc.policy, Now: ts(tc.now),
				ContactTimezone: tc.contactTZ, AccountTimezone: tc.acctTZ, Recipient: tc.recipient,
				ContactHistory: tc.history, AccountHistory: tc.account,
				Suppressions: tc.sups, Due: tc.dues,
			}
			if tc.paused != "" {
				in.PausedUntil = tsp(tc.paused)
			}
			got := Decide(in)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d outcomes, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				checkOutcome(t, i, got[i], w)
			}
		})
	}
}

func checkOutcome(t *testing.T, i int, o Outcome, w want) {
	t.Helper()
	if o.DeliveryID != w.id || o.Decision != w.decision {
		t.Errorf("outcome %d = %s %s (%s), want %s %s", i, o.DeliveryID, o.Decision, o.Reason, w.id, w.decision)
		return
	}
	switch {
	case w.until == "" && o.Until != nil:
		t.Errorf("%s: until = %v, want none", w.id, o.Until.UTC())
	case w.until != "" && o.Until == nil:
		t.Errorf("%s: no until, want %s (reason %q)", w.id, w.until, o.Reason)
	case w.until != "" && !o.Until.Equal(ts(w.until)):
		t.Errorf("%s: until = %s, want %s (reason %q)", w.id, o.Until.UTC().Format(time.RFC3339), ts(w.until).UTC().Format(time.RFC3339), o.Reason)
	}
	switch {
	case w.rule == "-" && o.Rule != "":
		t.Errorf("%s: rule = %q, want none", w.id, o.Rule)
	case w.rule != "" && w.rule != "-" && o.Rule != w.rule:
		t.Errorf("%s: rule = %q, want %q (reason %q)", w.id, o.Rule, w.rule, o.Reason)
	}
	if w.reason != "" && o.Reason != w.reason {
		t.Errorf("%s: reason\n got: %s\nwant: %s", w.id, o.Reason, w.reason)
	}
	for _, frag := range w.contains {
		if !strings.Contains(o.Reason, frag) {
			t.Errorf("%s: reason %q lacks %q", w.id, o.Reason, frag)
		}
	}
}

func capsOnly(f func(p *outreach.Policy)) outreach.Policy {
	p := outreach.Policy{Timezone: "UTC", ExemptCategories: []string{outreach.CategoryTransactional}}
	f(&p)
	return p
}

func TestDecideCaps(t *testing.T) {
	runDecideCases(t, []decideCase{{
		name:   "nothing in the way: sent, with the budget it uses",
		policy: stdPolicy(), now: "2026-03-03T10:00:00Z",
		dues: []Due{due("d1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z")},
		want: []want{{id: "d1", decision: sent, reason: "every rule allows it now (1 of max_per_day 1, 1 of max_per_week 3, 1 of account max_surveys_per_week 2); " +
			"local time Tue 10:00 in UTC (policy timezone); no timezone on contact or account: using policy timezone UTC"}},
	}, {
		name:   "max_per_week reached: deferred until the oldest slot leaves the 7 d window",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerWeek = 3 }), now: "2026-03-06T12:00:00Z",
		history: []Slot{
			slot("2026-03-02T10:00:00Z", "renewal-reminder", "transactional"),
			slot("2026-03-03T10:00:00Z", "csat-support", "survey"),
			slot("2026-03-05T10:00:00Z", "nps-qbr", "survey"),
			slot("2026-02-20T10:00:00Z", "nps-onboarding", "survey"), // outside the window
		},
		dues: []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-06T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-09T10:00:00Z",
			reason: "max_per_week 3 reached: sent to this contact 2026-03-02 10:00 UTC (renewal-reminder), 2026-03-03 10:00 UTC (csat-support), 2026-03-05 10:00 UTC (nps-qbr); frees at 2026-03-09 10:00 UTC"}},
	}, {
		name:   "max_per_week: a slot exactly 7 d old no longer counts",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerWeek = 1 }), now: "2026-03-09T10:00:00Z",
		history: []Slot{slot("2026-03-02T10:00:00Z", "nps-qbr", "survey")},
		dues:    []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-09T10:00:00Z")},
		want:    []want{{id: "d1", decision: sent, reason: "every rule allows it now (1 of max_per_week 1)"}},
	}, {
		name:   "max_per_day is a rolling 24 h",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-03T15:00:00Z",
		history: []Slot{slot("2026-03-03T08:00:00Z", "nps-qbr", "survey")},
		dues:    []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-04T08:00:00Z",
			reason: "max_per_day 1 reached: sent to this contact 2026-03-03 08:00 UTC (nps-qbr); frees at 2026-03-04 08:00 UTC"}},
	}, {
		name:   "max_per_day 2 frees when the older of the two leaves",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 2 }), now: "2026-03-03T15:00:00Z",
		history: []Slot{slot("2026-03-03T08:00:00Z", "b", "survey"), slot("2026-03-02T20:00:00Z", "a", "lifecycle")},
		dues:    []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-03T20:00:00Z",
			reason: "max_per_day 2 reached: sent to this contact 2026-03-02 20:00 UTC (a), 2026-03-03 08:00 UTC (b); frees at 2026-03-03 20:00 UTC"}},
	}, {
		name:   "max_per_day counts 24 h of absolute time across a DST change (New York)",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-08T09:00:00-04:00",
		contactTZ: "America/New_York",
		history:   []Slot{slot("2026-03-07T10:00:00-05:00", "nps-qbr", "survey")},
		dues:      []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-08T08:00:00-04:00")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-08T11:00:00-04:00",
			reason: "max_per_day 1 reached: sent to this contact 2026-03-07 10:00 EST (nps-qbr); frees at 2026-03-08 11:00 EDT"}},
	}, {
		name:   "min_gap",
		policy: capsOnly(func(p *outreach.Policy) { p.MinGap = 20 * time.Hour }), now: "2026-03-03T20:00:00Z",
		history: []Slot{slot("2026-03-03T09:00:00Z", "nps-qbr", "survey"), slot("2026-03-01T09:00:00Z", "old", "survey")},
		dues:    []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-04T05:00:00Z",
			reason: "min_gap 20h: last sent to this contact 2026-03-03 09:00 UTC (nps-qbr); next allowed 2026-03-04 05:00 UTC"}},
	}, {
		name:   "min_gap, then quiet hours",
		policy: outreach.Policy{MinGap: 20 * time.Hour, QuietHours: quiet(19, 0, 9, 0)}, now: "2026-03-03T20:00:00Z",
		contactTZ: "UTC",
		history:   []Slot{slot("2026-03-03T09:00:00Z", "nps-qbr", "survey")},
		dues:      []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-04T09:00:00Z",
			reason: "min_gap 20h: last sent to this contact 2026-03-03 09:00 UTC (nps-qbr); next allowed 2026-03-04 05:00 UTC; " +
				"then quiet hours 19:00–09:00 in UTC (contact timezone): local time 05:00; next allowed 2026-03-04 09:00 UTC"}},
	}, {
		name:   "survey cooldown holds surveys, not other mail",
		policy: capsOnly(func(p *outreach.Policy) { p.SurveyCooldown = 30 * day }), now: "2026-03-03T10:00:00Z",
		history: []Slot{slot("2026-02-20T10:00:00Z", "nps-onboarding", "survey"), slot("2026-03-01T10:00:00Z", "welcome", "lifecycle")},
		dues: []Due{
			dueTTL(due("s1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"), 30*day),
			due("l1", "reengagement", "lifecycle", 20, "2026-03-03T09:00:00Z"),
		},
		want: []want{
			{id: "s1", decision: deferred, until: "2026-03-22T10:00:00Z",
				reason: "survey cooldown 30d: last survey to this contact 2026-02-20 10:00 UTC (nps-onboarding); next allowed 2026-03-22 10:00 UTC"},
			{id: "l1", decision: sent},
		},
	}, {
		name:   "account survey cap counts other contacts' surveys and names who got them",
		policy: capsOnly(func(p *outreach.Policy) { p.AccountMaxSurveysPerWeek = 2 }), now: "2026-03-05T10:00:00Z",
		recipient: "jane@c.example",
		account: []Slot{
			slotTo("2026-03-02T11:00:00Z", "nps-qbr", "survey", "ann@c.example"),
			slotTo("2026-03-04T12:00:00Z", "csat-support", "survey", "bob@c.example"),
			slotTo("2026-03-04T13:00:00Z", "welcome", "lifecycle", "bob@c.example"),
		},
		dues: []Due{
			due("s1", "nps-onboarding", "survey", 50, "2026-03-05T09:00:00Z"),
			due("l1", "reengagement", "lifecycle", 20, "2026-03-05T09:00:00Z"),
		},
		want: []want{
			{id: "s1", decision: deferred, until: "2026-03-09T11:00:00Z",
				reason: "account max_surveys_per_week 2 reached: surveys to the account's contacts 2026-03-02 11:00 UTC (nps-qbr to ann@c.example), 2026-03-04 12:00 UTC (csat-support to bob@c.example); frees at 2026-03-09 11:00 UTC"},
			{id: "l1", decision: sent},
		},
	}, {
		name:   "account history that includes the contact's own slots counts them once",
		policy: capsOnly(func(p *outreach.Policy) { p.AccountMaxSurveysPerWeek = 3 }), now: "2026-03-05T10:00:00Z",
		history: []Slot{slot("2026-03-02T11:00:00Z", "nps-qbr", "survey")},
		account: []Slot{slot("2026-03-02T11:00:00Z", "nps-qbr", "survey"), slot("2026-03-04T12:00:00Z", "csat-support", "survey")},
		dues:    []Due{due("s1", "nps-onboarding", "survey", 50, "2026-03-05T09:00:00Z")},
		want:    []want{{id: "s1", decision: sent, reason: "every rule allows it now (3 of account max_surveys_per_week 3)"}},
	}, {
		name:   "priorities compete for one slot: the winner is sent, the loser waits for the cap to free",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-03T10:00:00Z",
		dues: []Due{
			due("low", "reengagement", "lifecycle", 20, "2026-03-02T10:00:00Z"),
			due("high", "csat-support", "survey", 70, "2026-03-03T09:00:00Z"),
		},
		want: []want{
			{id: "high", decision: sent},
			{id: "low", decision: deferred, until: "2026-03-04T10:00:00Z",
				reason: "max_per_day 1 reached: sent to this contact 2026-03-03 10:00 UTC (csat-support); frees at 2026-03-04 10:00 UTC"},
		},
	}, {
		name:   "equal priority: the earlier due wins, then the smaller id",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerWeek = 2 }), now: "2026-03-03T10:00:00Z",
		dues: []Due{
			due("c", "x", "lifecycle", 50, "2026-03-03T09:00:00Z"),
			due("b", "x", "lifecycle", 50, "2026-03-03T08:00:00Z"),
			due("a", "x", "lifecycle", 50, "2026-03-03T09:00:00Z"),
		},
		want: []want{
			{id: "b", decision: sent, reason: "every rule allows it now (1 of max_per_week 2)"},
			{id: "a", decision: sent, reason: "every rule allows it now (2 of max_per_week 2)"},
			{id: "c", decision: dropped, // the week frees an hour after its ttl ends
				reason: "expired: the earliest allowed instant 2026-03-10 10:00 UTC is after due 2026-03-03 09:00 UTC + ttl 7d = 2026-03-10 09:00 UTC: " +
					"max_per_week 2 reached: sent to this contact 2026-03-03 10:00 UTC (x), 2026-03-03 10:00 UTC (x); frees at 2026-03-10 10:00 UTC"},
		},
	}, {
		name:   "several caps: the latest threshold wins and every rule is named",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1; p.MaxPerWeek = 2; p.MinGap = 20 * time.Hour }), now: "2026-03-05T10:00:00Z",
		history: []Slot{slot("2026-03-02T09:00:00Z", "a", "lifecycle"), slot("2026-03-05T08:00:00Z", "b", "lifecycle")},
		dues:    []Due{due("d1", "x", "lifecycle", 20, "2026-03-05T09:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-09T09:00:00Z",
			reason: "max_per_day 1 reached: sent to this contact 2026-03-05 08:00 UTC (b); frees at 2026-03-06 08:00 UTC; " +
				"then max_per_week 2 reached: sent to this contact 2026-03-02 09:00 UTC (a), 2026-03-05 08:00 UTC (b); frees at 2026-03-09 09:00 UTC"}},
	}})
}
