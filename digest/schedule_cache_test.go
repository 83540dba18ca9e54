package digest

import (
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

// A member's schedule is parsed once, and parsed again when what it is
// made of changes (schedule, timezone, policy timezone).
func TestScheduleCache(t *testing.T) {
	var c scheduleCache
	m := outreach.DigestMember{TeamMember: outreach.TeamMember{Email: "ann@vendor.example", Timezone: "Europe/Paris",
		DigestSchedule: "0 8 * * MON"}}
	s1, loc1, err := c.get(m, "UTC")
	if err != nil || loc1.String() != "Europe/Paris" {
		t.Fatalf("get: %v, %v", loc1, err)
	}
	s2, _, _ := c.get(m, "UTC")
	if s1 != s2 || len(c.m) != 1 {
		t.Fatalf("the same member's schedule was parsed again (%d entries)", len(c.m))
	}
	m.Timezone = ""
	if _, loc, _ := c.get(m, "America/New_York"); loc.String() != "America/New_York" {
		t.Fatalf("without a member timezone: %v, want the policy's", loc)
	}
	m.DigestSchedule = "0 9 * * TUE"
	s3, loc, _ := c.get(m, "America/New_York")
	ref := time.Date(2026, 3, 2, 0, 0, 0, 0, loc) // a Monday
	if got := s3.Next(ref); got.Weekday() != time.Tuesday || got.Hour() != 9 {
		t.Fatalf("edited schedule fires %v, want Tuesday 09:00", got)
	}
	m.DigestSchedule = "every monday"
	if _, _, err := c.get(m, "UTC"); err == nil {
		t.Fatal("a bad cron spec was accepted")
	}
	if len(c.m) != 4 {
		t.Fatalf("%d entries, want 4", len(c.m))
	}
}
