package throttle

import (
	"strings"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

func TestValidatePolicy(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *outreach.Policy)
		keys   []string // expected error keys, in order
		msg    string   // a fragment of the first message
	}{
		{"the default pack's policy is valid", func(*outreach.Policy) {}, nil, ""},
		{"the empty policy is valid (no rules)", func(p *outreach.Policy) { *p = outreach.Policy{} }, nil, ""},
		{"quiet hours with start = end", func(p *outreach.Policy) { p.QuietHours = quiet(9, 0, 9, 0) },
			[]string{"policy.quiet_hours"}, "start and end are both 09:00"},
		{"quiet hours out of range", func(p *outreach.Policy) {
			p.QuietHours = &outreach.QuietHours{Start: 25 * time.Hour, End: -time.Minute}
		},
			[]string{"policy.quiet_hours.start", "policy.quiet_hours.end"}, "from 00:00 to 23:59"},
		{"empty business days", func(p *outreach.Policy) { p.BusinessDays = []time.Weekday{} },
			[]string{"policy.business_days"}, "nothing could ever be sent"},
		{"a weekday out of range", func(p *outreach.Policy) { p.BusinessDays = []time.Weekday{time.Monday, 9} },
			[]string{"policy.business_days"}, "9 is not a weekday"},
		{"negative caps and durations", func(p *outreach.Policy) {
			p.MaxPerDay, p.MaxPerWeek, p.AccountMaxSurveysPerWeek = -1, -2, -3
			p.MinGap, p.SurveyCooldown = -time.Hour, -time.Hour
		}, []string{"policy.contact.max_per_day", "policy.contact.max_per_week", "policy.account.max_surveys_per_week",
			"policy.contact.min_gap", "policy.surveys.cooldown"}, "must be at least 1"},
		{"unknown timezone", func(p *outreach.Policy) { p.Timezone = "Mars/Olympus" }, []string{"policy.timezone"}, "Mars/Olympus"},
		{"Local timezone", func(p *outreach.Policy) { p.Timezone = "Local" }, []string{"policy.timezone"}, "Local"},
		{"unknown exempt category", func(p *outreach.Policy) { p.ExemptCategories = []string{"transactional", "promo"} },
			[]string{"policy.exempt_categories"}, `"promo" is not a category`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := stdPolicy()
			c.mutate(&p)
			errs := ValidatePolicy(p)
			var keys []string
			for _, e := range errs {
				keys = append(keys, e.Key)
			}
			if strings.Join(keys, ",") != strings.Join(c.keys, ",") {
				t.Fatalf("keys = %v, want %v (%v)", keys, c.keys, errs)
			}
			if c.msg != "" && !strings.Contains(errs[0].Error(), c.msg) {
				t.Errorf("message %q lacks %q", errs[0].Error(), c.msg)
			}
			if len(errs) > 0 && !strings.HasPrefix(errs[0].Error(), errs[0].Key+": ") {
				t.Errorf("Error() = %q does not start with the key", errs[0].Error())
			}
		})
	}
}

func TestHistoryWindow(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *outreach.Policy)
		want   Windows
	}{
		{"default pack", func(*outreach.Policy) {}, Windows{Contact: 30 * day, Account: week}},
		{"no rules", func(p *outreach.Policy) { *p = outreach.Policy{} }, Windows{}},
		{"per day only", func(p *outreach.Policy) { *p = outreach.Policy{MaxPerDay: 2} }, Windows{Contact: day}},
		{"long min gap", func(p *outreach.Policy) { *p = outreach.Policy{MaxPerWeek: 2, MinGap: 10 * day} }, Windows{Contact: 10 * day}},
	}
	for _, c := range cases {
		p := stdPolicy()
		c.mutate(&p)
		if got := HistoryWindow(p); got != c.want {
			t.Errorf("%s: HistoryWindow = %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestWallInstants(t *testing.T) {
	cases := []struct {
		tz    string
		date  string
		clock time.Duration
		want  []string
	}{
		{"America/New_York", "2026-03-08", clock(9, 0), []string{"2026-03-08T09:00:00-04:00"}},
		{"America/New_York", "2026-03-08", clock(2, 30), []string{"2026-03-08T03:00:00-04:00"}}, // gap: first instant after it
		{"America/New_York", "2026-11-01", clock(1, 30), []string{"2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00"}},
		{"Europe/Berlin", "2026-03-29", clock(2, 0), []string{"2026-03-29T03:00:00+02:00"}},
		{"Europe/Berlin", "2026-10-25", clock(2, 15), []string{"2026-10-25T02:15:00+02:00", "2026-10-25T02:15:00+01:00"}},
		{"Asia/Kolkata", "2026-03-02", clock(9, 0), []string{"2026-03-02T09:00:00+05:30"}},
		// Midnight that does not exist: Chile moved clocks 00:00 -> 01:00 on 2025-09-07.
		{"America/Santiago", "2025-09-07", 0, []string{"2025-09-07T01:00:00-03:00"}},
	}
	for _, c := range cases {
		loc := mustLoad(t, c.tz)
		d := ts(c.date + "T00:00:00Z")
		got := wallInstants(d.Year(), d.Month(), d.Day(), c.clock, loc)
		var gs []string
		for _, g := range got {
			gs = append(gs, g.In(loc).Format(time.RFC3339))
		}
		if strings.Join(gs, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s %s %s: got %v, want %v", c.tz, c.date, fmtClock(c.clock), gs, c.want)
		}
	}
}

func TestFormat(t *testing.T) {
	days := func(ds ...time.Weekday) (a [7]bool) {
		for _, d := range ds {
			a[d] = true
		}
		return a
	}
	for _, c := range []struct {
		days [7]bool
		want string
	}{
		{days(weekdays...), "mon–fri"},
		{days(time.Monday, time.Wednesday, time.Friday), "mon, wed, fri"},
		{days(time.Saturday, time.Sunday), "sat, sun"},
		{days(time.Friday, time.Saturday, time.Sunday, time.Monday), "mon, fri–sun"},
		{days(), "none"},
	} {
		if got := fmtDays(c.days); got != c.want {
			t.Errorf("fmtDays = %q, want %q", got, c.want)
		}
	}
	for _, c := range []struct {
		d    time.Duration
		want string
	}{{30 * day, "30d"}, {20 * time.Hour, "20h"}, {90 * time.Minute, "90m"}, {45 * time.Second, "45s"}, {1500 * time.Millisecond, "1.5s"}} {
		if got := fmtDuration(c.d); got != c.want {
			t.Errorf("fmtDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
	if got := fmtClock(clock(9, 5) + 7*time.Second); got != "09:05:07" {
		t.Errorf("fmtClock = %q", got)
	}
}
