package throttle

import (
	"fmt"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// benchInput is a busy contact: 200 reservations over the last 30 days (so
// every cap is full), 50 account surveys, and 10 due deliveries of mixed
// categories, in a DST zone on a Friday evening so the send window walks
// over a weekend.
func benchInput() Input {
	now := ts("2026-03-06T19:30:00-05:00")
	in := Input{Policy: stdPolicy(), Now: now, ContactTimezone: "America/New_York"}
	for i := range 200 {
		in.ContactHistory = append(in.ContactHistory, Slot{
			DeliveryID: fmt.Sprintf("h%03d", i), Campaign: "nps-qbr", Category: outreach.Categories[i%3],
			At: now.Add(-time.Duration(i) * 3 * time.Hour),
		})
	}
	for i := range 50 {
		in.AccountHistory = append(in.AccountHistory, Slot{
			DeliveryID: fmt.Sprintf("a%03d", i), Campaign: "csat-support", Category: outreach.CategorySurvey,
			At: now.Add(-time.Duration(i) * 3 * time.Hour),
		})
	}
	for i := range 10 {
		in.Due = append(in.Due, Due{
			DeliveryID: fmt.Sprintf("d%02d", i), Campaign: "camp", Category: outreach.Categories[i%4],
			Priority: i * 10, DueAt: now.Add(-time.Duration(i) * time.Hour), TTL: 60 * day,
		})
	}
	return in
}

func BenchmarkDecide(b *testing.B) {
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if out := Decide(in); len(out) != 10 {
			b.Fatal(len(out))
		}
	}
}

// BenchmarkDecideSendWindowOnly is the baseline: the same dues with no
// history and only the send window, to show what the caps add.
func BenchmarkDecideSendWindowOnly(b *testing.B) {
	in := benchInput()
	in.ContactHistory, in.AccountHistory = nil, nil
	in.Policy = windowOnly(weekdays...)
	b.ReportAllocs()
	for b.Loop() {
		Decide(in)
	}
}
