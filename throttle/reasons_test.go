package throttle

import (
	"strings"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// Reasons answer "why didn't Jane get the NPS survey?": the account cap
// names who took each of the account's surveys, every slot time carries
// its zone like the rest of the reason, and the send window names only the
// parts that hold at the instant it reports.

func TestReasonAccountCapNamesRecipients(t *testing.T) {
	accountCap := func(n int) outreach.Policy {
		return capsOnly(func(p *outreach.Policy) { p.AccountMaxSurveysPerWeek = n })
	}
	runDecideCases(t, []decideCase{{
		// The audit: nz4 was held by surveys that went to nz1 and nz2, and
		// the reason read as if nz4 had received them.
		name:   "surveys to colleagues: each slot names its recipient and campaign",
		policy: accountCap(2), now: "2026-11-23T10:00:00+13:00", contactTZ: "Pacific/Auckland", recipient: "nz4@c.example",
		account: []Slot{
			slotTo("2026-11-23T09:36:00+13:00", "surv-a", "survey", "nz1@c.example"),
			slotTo("2026-11-23T09:36:00+13:00", "surv-b", "survey", "nz2@c.example"),
		},
		dues: []Due{dueTTL(due("s1", "surv-c", "survey", 50, "2026-11-23T09:00:00+13:00"), 30*day)},
		want: []want{{id: "s1", decision: deferred, until: "2026-11-30T09:36:00+13:00",
			reason: "account max_surveys_per_week 2 reached: surveys to the account's contacts " +
				"2026-11-23 09:36 NZDT (surv-a to nz1@c.example), 2026-11-23 09:36 NZDT (surv-b to nz2@c.example); frees at 2026-11-30 09:36 NZDT"}},
	}, {
		name:   "the contact's own survey, read without a recipient, is named with the contact's address",
		policy: accountCap(2), now: "2026-03-05T10:00:00Z", recipient: "jane@c.example",
		history: []Slot{slot("2026-03-02T11:00:00Z", "nps-qbr", "survey")},
		account: []Slot{slot("2026-03-02T11:00:00Z", "nps-qbr", "survey"), slotTo("2026-03-04T12:00:00Z", "csat-support", "survey", "bob@c.example")},
		dues:    []Due{due("s1", "nps-onboarding", "survey", 50, "2026-03-05T09:00:00Z")},
		want: []want{{id: "s1", decision: deferred, until: "2026-03-09T11:00:00Z",
			contains: []string{"2026-03-02 11:00 UTC (nps-qbr to jane@c.example), 2026-03-04 12:00 UTC (csat-support to bob@c.example)"}}},
	}, {
		name:   "a survey reserved in the same call is named with the contact's address",
		policy: accountCap(2), now: "2026-03-05T10:00:00Z", recipient: "jane@c.example",
		account: []Slot{slotTo("2026-03-04T12:00:00Z", "csat-support", "survey", "bob@c.example")},
		dues: []Due{
			due("s1", "nps-qbr", "survey", 50, "2026-03-05T09:00:00Z"),
			dueTTL(due("s2", "nps-onboarding", "survey", 40, "2026-03-05T09:00:00Z"), 30*day),
		},
		want: []want{
			{id: "s1", decision: sent},
			{id: "s2", decision: deferred, until: "2026-03-11T12:00:00Z",
				contains: []string{"surveys to the account's contacts 2026-03-04 12:00 UTC (csat-support to bob@c.example), 2026-03-05 10:00 UTC (nps-qbr to jane@c.example)"}},
		},
	}})
}

func TestReasonPerContactRulesSayThisContact(t *testing.T) {
	runDecideCases(t, []decideCase{{
		name:   "max_per_day lists the contact's own mail, without recipients",
		policy: capsOnly(func(p *outreach.Policy) { p.MaxPerDay = 1 }), now: "2026-03-03T15:00:00Z", recipient: "jane@c.example",
		history: []Slot{slotTo("2026-03-03T08:00:00Z", "nps-qbr", "survey", "jane@c.example")},
		dues:    []Due{due("d1", "reengagement", "lifecycle", 20, "2026-03-03T10:00:00Z")},
		want: []want{{id: "d1", decision: deferred, until: "2026-03-04T08:00:00Z",
			reason: "max_per_day 1 reached: sent to this contact 2026-03-03 08:00 UTC (nps-qbr); frees at 2026-03-04 08:00 UTC"}},
	}, {
		name:   "survey cooldown names the contact's own last survey",
		policy: capsOnly(func(p *outreach.Policy) { p.SurveyCooldown = 30 * day }), now: "2026-03-03T10:00:00Z", recipient: "jane@c.example",
		history: []Slot{slot("2026-02-20T10:00:00Z", "nps-onboarding", "survey")},
		dues:    []Due{dueTTL(due("s1", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z"), 30*day)},
		want: []want{{id: "s1", decision: deferred, until: "2026-03-22T10:00:00Z",
			reason: "survey cooldown 30d: last survey to this contact 2026-02-20 10:00 UTC (nps-onboarding); next allowed 2026-03-22 10:00 UTC"}},
	}})
}

func TestReasonSlotTimesCarryTheZone(t *testing.T) {
	runDecideCases(t, []decideCase{{
		// With the abbreviation, the slot compares with "next allowed" at a
		// glance (the table in decide_test.go has a slot in EST freeing in
		// EDT).
		name:   "min_gap's last slot in Auckland time",
		policy: capsOnly(func(p *outreach.Policy) { p.MinGap = 20 * time.Hour }), now: "2026-11-23T12:00:00+13:00", contactTZ: "Pacific/Auckland",
		history: []Slot{slot("2026-11-23T09:36:00+13:00", "surv-a", "survey")},
		dues:    []Due{due("d1", "reengagement", "lifecycle", 20, "2026-11-23T09:00:00+13:00")},
		want: []want{{id: "d1", decision: deferred, until: "2026-11-24T05:36:00+13:00",
			reason: "min_gap 20h: last sent to this contact 2026-11-23 09:36 NZDT (surv-a); next allowed 2026-11-24 05:36 NZDT"}},
	}})
}

func TestReasonSendWindowNamesWhatHoldsNow(t *testing.T) {
	wd := windowOnly(weekdays...)
	cases := []windowCase{
		// The audit: Sunday 12:36 is outside business days, not in quiet
		// hours; quiet hours only hold it once Monday begins.
		{name: "Sunday noon: business days, then quiet hours from Monday 00:00", policy: wd, tz: "Pacific/Auckland",
			now: "2026-11-29T12:36:00+13:00", until: "2026-11-30T09:00:00+13:00",
			reason: "business days mon–fri in Pacific/Auckland (contact timezone): local time Sun 12:36, " +
				"then quiet hours 19:00–09:00 at local time Mon 00:00; next allowed 2026-11-30 09:00 NZDT"},
		{name: "Friday evening: quiet hours, then business days from Saturday 09:00", policy: wd, tz: "Pacific/Auckland",
			now: "2026-11-27T20:00:00+13:00", until: "2026-11-30T09:00:00+13:00",
			reason: "quiet hours 19:00–09:00 in Pacific/Auckland (contact timezone): local time Fri 20:00, " +
				"then business days mon–fri at local time Sat 09:00; next allowed 2026-11-30 09:00 NZDT"},
		{name: "Saturday night: both hold at once", policy: wd, tz: "Pacific/Auckland",
			now: "2026-11-28T20:00:00+13:00", until: "2026-11-30T09:00:00+13:00",
			reason: "quiet hours 19:00–09:00 and business days mon–fri in Pacific/Auckland (contact timezone): local time Sat 20:00; next allowed 2026-11-30 09:00 NZDT"},
		{name: "a weekday night: quiet hours only", policy: wd, tz: "Pacific/Auckland",
			now: "2026-11-24T20:00:00+13:00", until: "2026-11-25T09:00:00+13:00",
			reason: "quiet hours 19:00–09:00 in Pacific/Auckland (contact timezone): local time Tue 20:00; next allowed 2026-11-25 09:00 NZDT"},
		{name: "Sunday noon without quiet hours: business days only", policy: outreach.Policy{BusinessDays: weekdays}, tz: "Pacific/Auckland",
			now: "2026-11-29T12:36:00+13:00", until: "2026-11-30T00:00:00+13:00",
			reason: "business days mon–fri in Pacific/Auckland (contact timezone): local time Sun 12:36; next allowed 2026-11-30 00:00 NZDT"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Decide(Input{Policy: c.policy, Now: ts(c.now), ContactTimezone: c.tz, Due: lc(c.now)})
			checkOutcome(t, 0, got[0], want{id: "d1", decision: deferred, until: c.until, reason: c.reason})
			// The instant reported is the one the named rules hold at.
			head, _, _ := strings.Cut(got[0].Reason, ", then ")
			if strings.Contains(c.now, "T12:36") && strings.Contains(head, "quiet hours") {
				t.Errorf("reason says quiet hours hold at 12:36: %s", got[0].Reason)
			}
		})
	}
}
