package throttle

import (
	"strings"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// lc is a delivery used by the send-window cases, due a day before now,
// with a ttl long enough that no case drops it.
func lc(now string) []Due {
	return []Due{dueTTL(due("d1", "reengagement", "lifecycle", 20, ts(now).Add(-day).Format(time.RFC3339)), 30*day)}
}

// windowCase is a short row: policy, zone, now -> decision and until.
type windowCase struct {
	name   string
	policy outreach.Policy
	tz     string
	now    string
	until  string // "" = sent now
	reason string // exact when set
}

func TestDecideSendWindow(t *testing.T) {
	wd := windowOnly(weekdays...)
	cases := []windowCase{
		// Quiet hours wrapping midnight, [start, end).
		{name: "evening is quiet", policy: windowOnly(), tz: "UTC", now: "2026-03-03T23:30:00Z", until: "2026-03-04T09:00:00Z",
			reason: "quiet hours 19:00–09:00 in UTC (contact timezone): local time 23:30; next allowed 2026-03-04 09:00 UTC"},
		{name: "after midnight is quiet", policy: windowOnly(), tz: "UTC", now: "2026-03-04T02:00:00Z", until: "2026-03-04T09:00:00Z"},
		{name: "a second before start is open", policy: windowOnly(), tz: "UTC", now: "2026-03-03T18:59:59Z"},
		{name: "start is quiet", policy: windowOnly(), tz: "UTC", now: "2026-03-03T19:00:00Z", until: "2026-03-04T09:00:00Z"},
		{name: "end is open", policy: windowOnly(), tz: "UTC", now: "2026-03-04T09:00:00Z"},
		{name: "quiet hours not wrapping", policy: outreach.Policy{QuietHours: quiet(12, 0, 13, 30)}, tz: "UTC",
			now: "2026-03-04T12:10:00Z", until: "2026-03-04T13:30:00Z"},
		{name: "quiet until midnight", policy: outreach.Policy{QuietHours: quiet(22, 0, 0, 0)}, tz: "UTC",
			now: "2026-03-04T23:10:00Z", until: "2026-03-05T00:00:00Z"},
		{name: "the example from the issue", policy: windowOnly(), tz: "America/Sao_Paulo",
			now: "2026-03-02T21:14:00-03:00", until: "2026-03-03T09:00:00-03:00",
			reason: "quiet hours 19:00–09:00 in America/Sao_Paulo (contact timezone): local time 21:14; next allowed 2026-03-03 09:00 -03"},

		// Business days.
		{name: "Friday evening skips the weekend to Monday 09:00", policy: wd, tz: "America/Sao_Paulo",
			now: "2026-03-06T19:30:00-03:00", until: "2026-03-09T09:00:00-03:00",
			reason: "quiet hours 19:00–09:00 in America/Sao_Paulo (contact timezone): local time Fri 19:30, then business days mon–fri at local time Sat 09:00; next allowed 2026-03-09 09:00 -03"},
		{name: "Saturday noon without quiet hours opens at Monday midnight", policy: outreach.Policy{BusinessDays: weekdays}, tz: "Europe/Berlin",
			now: "2026-03-07T12:00:00+01:00", until: "2026-03-09T00:00:00+01:00",
			reason: "business days mon–fri in Europe/Berlin (contact timezone): local time Sat 12:00; next allowed 2026-03-09 00:00 CET"},
		{name: "weekend only", policy: windowOnly(time.Saturday, time.Sunday), tz: "UTC",
			now: "2026-03-02T10:00:00Z", until: "2026-03-07T09:00:00Z"},
		{name: "Sunday only, from Sunday evening: a week later", policy: windowOnly(time.Sunday), tz: "UTC",
			now: "2026-03-08T20:00:00Z", until: "2026-03-15T09:00:00Z"},

		// DST in America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
		{name: "NY spring forward: 09:00 is daylight time", policy: windowOnly(), tz: "America/New_York",
			now: "2026-03-07T20:00:00-05:00", until: "2026-03-08T09:00:00-04:00",
			reason: "quiet hours 19:00–09:00 in America/New_York (contact timezone): local time 20:00; next allowed 2026-03-08 09:00 EDT"},
		{name: "NY spring forward: an end inside the gap opens at 03:00 EDT", policy: outreach.Policy{QuietHours: quiet(22, 0, 2, 30)}, tz: "America/New_York",
			now: "2026-03-08T01:00:00-05:00", until: "2026-03-08T03:00:00-04:00"},
		{name: "NY fall back: 09:00 is standard time", policy: windowOnly(), tz: "America/New_York",
			now: "2026-10-31T20:00:00-04:00", until: "2026-11-01T09:00:00-05:00"},
		{name: "NY fall back: the clock falling back out of quiet hours opens the window", policy: outreach.Policy{QuietHours: quiet(1, 30, 3, 0)}, tz: "America/New_York",
			now: "2026-11-01T01:45:00-04:00", until: "2026-11-01T01:00:00-05:00",
			reason: "quiet hours 01:30–03:00 in America/New_York (contact timezone): local time 01:45; next allowed 2026-11-01 01:00 EST"},
		{name: "NY fall back: the first 01:30 ends quiet hours", policy: outreach.Policy{QuietHours: quiet(0, 0, 1, 30)}, tz: "America/New_York",
			now: "2026-11-01T01:15:00-04:00", until: "2026-11-01T01:30:00-04:00"},
		{name: "NY fall back: the repeated hour is quiet again until the second 01:30", policy: outreach.Policy{QuietHours: quiet(0, 0, 1, 30)}, tz: "America/New_York",
			now: "2026-11-01T01:10:00-05:00", until: "2026-11-01T01:30:00-05:00"},
		{name: "NY spring forward on a business-days policy: Monday 09:00 EDT", policy: wd, tz: "America/New_York",
			now: "2026-03-06T19:30:00-05:00", until: "2026-03-09T09:00:00-04:00"},

		// DST in Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
		{name: "Berlin spring forward", policy: windowOnly(), tz: "Europe/Berlin",
			now: "2026-03-28T20:00:00+01:00", until: "2026-03-29T09:00:00+02:00",
			reason: "quiet hours 19:00–09:00 in Europe/Berlin (contact timezone): local time 20:00; next allowed 2026-03-29 09:00 CEST"},
		{name: "Berlin spring forward: an end inside the gap opens at 03:00 CEST", policy: outreach.Policy{QuietHours: quiet(23, 0, 2, 30)}, tz: "Europe/Berlin",
			now: "2026-03-29T01:00:00+01:00", until: "2026-03-29T03:00:00+02:00"},
		{name: "Berlin fall back", policy: windowOnly(), tz: "Europe/Berlin",
			now: "2026-10-24T20:00:00+02:00", until: "2026-10-25T09:00:00+01:00"},

		// Far offsets and half-hour zones.
		{name: "UTC+13 (Tonga): Friday evening there is Friday morning UTC; Monday 09:00 is Sunday UTC", policy: wd, tz: "Pacific/Tongatapu",
			now: "2026-03-06T06:30:00Z", until: "2026-03-08T20:00:00Z",
			reason: "quiet hours 19:00–09:00 in Pacific/Tongatapu (contact timezone): local time Fri 19:30, then business days mon–fri at local time Sat 09:00; next allowed 2026-03-09 09:00 +13"},
		{name: "UTC+13 (Tonga): Monday 10:00 there is Sunday UTC and is open", policy: wd, tz: "Pacific/Tongatapu",
			now: "2026-03-08T21:00:00Z"},
		{name: "UTC+13 (Auckland daylight time)", policy: windowOnly(), tz: "Pacific/Auckland",
			now: "2026-03-03T06:00:00Z", until: "2026-03-03T20:00:00Z"},
		{name: "Auckland fall back (2026-04-05 03:00 NZDT -> 02:00 NZST)", policy: windowOnly(), tz: "Pacific/Auckland",
			now: "2026-04-04T20:00:00+13:00", until: "2026-04-05T09:00:00+12:00"},
		{name: "UTC-10 (Honolulu) morning", policy: wd, tz: "Pacific/Honolulu",
			now: "2026-03-02T18:00:00Z", until: "2026-03-02T19:00:00Z"},
		{name: "UTC-10 (Honolulu): Friday 19:00 there is Saturday UTC", policy: wd, tz: "Pacific/Honolulu",
			now: "2026-03-07T05:00:00Z", until: "2026-03-09T19:00:00Z",
			reason: "quiet hours 19:00–09:00 in Pacific/Honolulu (contact timezone): local time Fri 19:00, then business days mon–fri at local time Sat 09:00; next allowed 2026-03-09 09:00 HST"},
		{name: "half-hour zone (Kolkata +05:30)", policy: wd, tz: "Asia/Kolkata",
			now: "2026-03-02T03:00:00Z", until: "2026-03-02T03:30:00Z",
			reason: "quiet hours 19:00–09:00 in Asia/Kolkata (contact timezone): local time Mon 08:30; next allowed 2026-03-02 09:00 IST"},
		{name: "half-hour zone with DST (Adelaide +10:30)", policy: wd, tz: "Australia/Adelaide",
			now: "2026-03-02T22:00:00Z", until: "2026-03-02T22:30:00Z"},
		{name: "Adelaide fall back (2026-04-05 03:00 ACDT -> 02:00 ACST)", policy: windowOnly(), tz: "Australia/Adelaide",
			now: "2026-04-04T20:00:00+10:30", until: "2026-04-05T09:00:00+09:30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := Input{Policy: c.policy, Now: ts(c.now), ContactTimezone: c.tz, Due: lc(c.now)}
			got := Decide(in)
			w := want{id: "d1", decision: sent, until: c.until, reason: c.reason}
			if c.until != "" {
				w.decision = deferred
			}
			checkOutcome(t, 0, got[0], w)
		})
	}
}

func TestDecideTimezoneFallback(t *testing.T) {
	cases := []struct {
		name, contact, account, policy string
		now, until                     string
		note                           string
	}{
		{"contact", "Asia/Tokyo", "Europe/Berlin", "UTC", "2026-03-03T20:00:00+09:00", "2026-03-04T09:00:00+09:00", ""},
		{"account", "", "Europe/Berlin", "UTC", "2026-03-03T20:00:00+01:00", "2026-03-04T09:00:00+01:00",
			"; no timezone on contact: using account timezone Europe/Berlin"},
		{"policy", "", "", "America/Sao_Paulo", "2026-03-03T20:00:00-03:00", "2026-03-04T09:00:00-03:00",
			"; no timezone on contact or account: using policy timezone America/Sao_Paulo"},
		{"UTC", "", "", "", "2026-03-03T20:00:00Z", "2026-03-04T09:00:00Z",
			"; no timezone on contact, account or policy: using UTC"},
		{"unknown contact zone", "Mars/Olympus", "Europe/Berlin", "", "2026-03-03T20:00:00+01:00", "2026-03-04T09:00:00+01:00",
			`; contact timezone "Mars/Olympus" is unknown: using account timezone Europe/Berlin`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := windowOnly()
			p.Timezone = c.policy
			// An unknown policy timezone would be rejected by ValidatePolicy; the
			// contact and account values come from data and are only skipped.
			got := Decide(Input{Policy: p, Now: ts(c.now), ContactTimezone: c.contact, AccountTimezone: c.account, Due: lc(c.now)})
			w := want{id: "d1", decision: deferred, until: c.until}
			checkOutcome(t, 0, got[0], w)
			if c.note == "" && got[0].Reason != "" && strings.Contains(got[0].Reason, "timezone on") {
				t.Errorf("reason mentions a fallback: %s", got[0].Reason)
			}
			if c.note != "" && !strings.HasSuffix(got[0].Reason, c.note) {
				t.Errorf("reason %q does not end with %q", got[0].Reason, c.note)
			}
		})
	}
}
