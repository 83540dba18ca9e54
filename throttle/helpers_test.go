package throttle

import (
	"testing"
	"time"
	_ "time/tzdata" // tests must not depend on the machine's zoneinfo

	outreach "github.com/outreach-dev/outreach"
)

// ts parses an RFC 3339 instant; offsets keep table rows readable in the
// recipient's local time.
func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tsp(s string) *time.Time {
	t := ts(s)
	return &t
}

// slot builds a reservation; its id is derived from campaign and time so
// that rows stay short.
func slot(at, campaign, category string) Slot {
	return Slot{DeliveryID: campaign + "@" + at, Campaign: campaign, Category: category, At: ts(at)}
}

// slotTo is slot with the recipient that the store reads for account
// history.
func slotTo(at, campaign, category, recipient string) Slot {
	s := slot(at, campaign, category)
	s.Recipient = recipient
	return s
}

// due builds a due delivery with the default ttl.
func due(id, campaign, category string, priority int, dueAt string) Due {
	return Due{DeliveryID: id, Campaign: campaign, Category: category, Priority: priority, DueAt: ts(dueAt)}
}

func dueTTL(d Due, ttl time.Duration) Due {
	d.TTL = ttl
	return d
}

func clock(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }

func quiet(sh, sm, eh, em int) *outreach.QuietHours {
	return &outreach.QuietHours{Start: clock(sh, sm), End: clock(eh, em)}
}

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// stdPolicy is the default pack's policy.
func stdPolicy() outreach.Policy {
	return outreach.Policy{
		Timezone:                 "UTC",
		MaxPerDay:                1,
		MaxPerWeek:               3,
		MinGap:                   20 * time.Hour,
		SurveyCooldown:           30 * day,
		AccountMaxSurveysPerWeek: 2,
		QuietHours:               quiet(19, 0, 9, 0),
		BusinessDays:             weekdays,
		ExemptCategories:         []string{outreach.CategoryTransactional},
	}
}

// windowOnly is a policy with only quiet hours 19:00–09:00 (and optionally
// business days).
func windowOnly(days ...time.Weekday) outreach.Policy {
	return outreach.Policy{QuietHours: quiet(19, 0, 9, 0), BusinessDays: days}
}

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
