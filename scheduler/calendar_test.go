package scheduler_test

import (
	"context"
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the zones below must load on any machine

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/scheduler"
)

// calendarZones are policy timezones west and east of UTC, up to the
// extremes (UTC-12, UTC+14), where a day in the zone and the UTC day of the
// same date overlap least.
var calendarZones = []string{
	"Etc/GMT+12", "Pacific/Pago_Pago", "America/Los_Angeles", "America/New_York", "America/Sao_Paulo",
	"UTC", "Europe/Paris", "Asia/Kolkata", "Pacific/Auckland", "Pacific/Apia", "Pacific/Kiritimati",
}

// coversStart reports whether anniversary query q selects an account that
// started at started.
func coversStart(q outreach.AudienceQuery, started time.Time) bool {
	for _, r := range q.AnniversaryRanges {
		if !started.Before(r[0]) && started.Before(r[1]) {
			return true
		}
	}
	return false
}

// A date-only started_at (stored as midnight UTC of its date) is a calendar
// date: its anniversary is that month and day wherever the policy zone is,
// at any hour of the local day the schedule fires.
func TestAnniversaryIsTheCalendarDateInEveryZone(t *testing.T) {
	c := &outreach.Campaign{Key: "a", Trigger: outreach.Trigger{Schedule: "0 * * * *", Audience: outreach.Audience{Anniversary: "started_at"}}}
	for _, tc := range []struct {
		name    string
		started string // date-only, as imported
		year    int    // the year the schedule fires in
		want    string // the one local day (MM-DD) it is celebrated, of want-1..want+1
	}{
		{"ordinary date", "2021-11-22", 2026, "11-22"},
		{"first of the month", "2021-03-01", 2026, "03-01"},
		{"new year's day", "2020-01-01", 2027, "01-01"},
		{"new year's eve", "2020-12-31", 2026, "12-31"},
		{"leap day in a common year", "2024-02-29", 2027, "02-28"},
		{"leap day in a leap year", "2024-02-29", 2028, "02-29"},
		{"28 February in a leap year", "2023-02-28", 2028, "02-28"},
	} {
		started, err := time.Parse(time.DateOnly, tc.started)
		if err != nil {
			t.Fatal(err)
		}
		for _, zone := range calendarZones {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Fatal(err)
			}
			want, err := time.ParseInLocation("2006-01-02", fmt.Sprintf("%d-%s", tc.year, tc.want), loc)
			if err != nil {
				t.Fatal(err)
			}
			for dayOff := -1; dayOff <= 1; dayOff++ {
				local := want.AddDate(0, 0, dayOff)
				for _, hour := range []int{0, 12, 23} {
					now := time.Date(local.Year(), local.Month(), local.Day(), hour, 59, 0, 0, loc)
					q := scheduler.AudienceQuery(c, loc, now)
					if got := coversStart(q, started); got != (dayOff == 0) {
						t.Errorf("%s: started_at %s, policy %s, fired at %s local (%s): celebrated = %v, want %v",
							tc.name, tc.started, zone, now.Format("2006-01-02 15:04"), now.UTC().Format(time.RFC3339), got, dayOff == 0)
					}
					if want := now.Format("2006"); q.AnniversaryYear != want {
						t.Errorf("%s, %s, %s: occurrence year %q, want the local year %s", tc.name, zone, now, q.AnniversaryYear, want)
					}
				}
			}
		}
	}
}

// renewal_date is a calendar date too: the range runs from the local date
// of the fire, wherever the zone is.
func TestRenewalWithinStartsOnTheLocalDateInEveryZone(t *testing.T) {
	c := &outreach.Campaign{Key: "r", Trigger: outreach.Trigger{Schedule: "0 * * * *", Audience: outreach.Audience{RenewalWithin: 30 * day}}}
	for _, zone := range calendarZones {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		for _, hour := range []int{0, 12, 23} {
			now := time.Date(2026, 11, 22, hour, 59, 0, 0, loc)
			q := scheduler.AudienceQuery(c, loc, now)
			if q.RenewalFrom != "2026-11-22" || q.RenewalTo != "2026-12-22" {
				t.Errorf("%s at %s local: renewal range %s..%s, want 2026-11-22..2026-12-22", zone, now.Format("15:04"), q.RenewalFrom, q.RenewalTo)
			}
		}
	}
}

// The audit's case, end to end: policy America/New_York, an account that
// started on 2021-11-22 (imported as a date) is celebrated by the daily
// schedule at New York's midnight of 22 November, not the day before; one
// that started the 23rd a day later.
func TestAnniversaryWestOfUTCFiresOnTheDay(t *testing.T) {
	const pack = `
policy:
  timezone: America/New_York
campaigns:
  - key: anniversary
    category: lifecycle
    priority: 35
    trigger: {schedule: "@daily", audience: {anniversary: started_at}}
    template: anniversary
`
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setupPack(t, dialect, pack)
		ctx := context.Background()
		d22, d23 := time.Date(2021, 11, 22, 0, 0, 0, 0, time.UTC), time.Date(2021, 11, 23, 0, 0, 0, 0, time.UTC)
		if _, err := b.db.UpsertAccounts(ctx, []outreach.Account{
			{ExternalID: "gamma", Name: "Gamma", StartedAt: &d22},
			{ExternalID: "delta", Name: "Delta", StartedAt: &d23},
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.db.UpsertContacts(ctx, []outreach.Contact{
			{ExternalID: "gus", AccountExternalID: "gamma", Email: "gus@gamma.test", Locale: "en"},
			{ExternalID: "dot", AccountExternalID: "delta", Email: "dot@delta.test", Locale: "en"},
		}); err != nil {
			t.Fatal(err)
		}
		b.loadIDs(t)
		// Hourly ticks from 19 to 25 November (UTC).
		for at := time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC); at.Before(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)); at = at.Add(time.Hour) {
			b.clock.Set(at)
			b.tick(t)
		}
		got := map[string]string{}
		for _, d := range b.deliveries(t, "anniversary") {
			got[b.contactsOf([]delivery{d})[0]] = time.UnixMilli(d.DueAt).UTC().Format(time.RFC3339) + " " + d.Occurrence
		}
		want := map[string]string{
			"gus": "2026-11-22T05:00:00Z 2026", // midnight of the 22nd in New York
			"dot": "2026-11-23T05:00:00Z 2026",
		}
		if len(got) != len(want) || got["gus"] != want["gus"] || got["dot"] != want["dot"] {
			t.Errorf("anniversary deliveries (due, occurrence) = %v, want %v", got, want)
		}
	})
}
