package throttle_test

import (
	"fmt"
	"time"

	outreach "github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/throttle"
)

// A contact in São Paulo on a Friday evening: the transactional renewal
// reminder goes out at once (exempt, but counted), so the NPS survey waits
// for the daily cap to free, which falls on Saturday evening, and then for
// Monday morning.
func ExampleDecide() {
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	policy := outreach.Policy{
		Timezone:         "UTC",
		MaxPerDay:        1,
		MaxPerWeek:       3,
		QuietHours:       &outreach.QuietHours{Start: 19 * time.Hour, End: 9 * time.Hour},
		BusinessDays:     []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
		ExemptCategories: []string{outreach.CategoryTransactional},
	}
	out := throttle.Decide(throttle.Input{
		Policy:          policy,
		Now:             at("2026-03-06T19:30:00-03:00"),
		ContactTimezone: "America/Sao_Paulo",
		ContactHistory: []throttle.Slot{
			{DeliveryID: "a", Campaign: "csat-support", Category: "survey", At: at("2026-03-04T10:00:00-03:00")},
		},
		Due: []throttle.Due{
			{DeliveryID: "nps", Campaign: "nps-qbr", Category: "survey", Priority: 50, DueAt: at("2026-03-06T12:00:00-03:00"), TTL: 10 * 24 * time.Hour},
			{DeliveryID: "renewal", Campaign: "renewal-reminder", Category: "transactional", Priority: 90, DueAt: at("2026-03-06T12:00:00-03:00")},
		},
	})
	for _, o := range out {
		fmt.Printf("%s: %s", o.DeliveryID, o.Decision)
		if o.Until != nil {
			fmt.Printf(" until %s", o.Until.UTC().Format(time.RFC3339))
		}
		fmt.Printf("\n  %s\n", o.Reason)
	}
	// Output:
	// renewal: sent
	//   transactional is exempt from quiet hours, business days and caps (it still counts toward them)
	// nps: deferred until 2026-03-09T12:00:00Z
	//   max_per_day 1 reached: sent to this contact 2026-03-06 19:30 -03 (renewal-reminder); frees at 2026-03-07 19:30 -03; then quiet hours 19:00–09:00 and business days mon–fri in America/Sao_Paulo (contact timezone): local time Sat 19:30; next allowed 2026-03-09 09:00 -03
}
