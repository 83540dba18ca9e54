package outreach

import (
	"testing"
	"time"
)

func TestSuppresses(t *testing.T) {
	for _, tc := range []struct {
		scope, category string
		want            bool
	}{
		{ScopeHard, CategoryTransactional, true},
		{ScopeHard, CategorySurvey, true},
		{ScopeAll, CategorySurvey, true},
		{ScopeAll, CategoryTransactional, false},
		{CategorySurvey, CategorySurvey, true},
		{CategorySurvey, CategoryLifecycle, false},
		// Only a hard suppression stops transactional mail, whatever the scope says.
		{CategoryTransactional, CategoryTransactional, false},
	} {
		if got := Suppresses(tc.scope, tc.category); got != tc.want {
			t.Errorf("Suppresses(%q, %q) = %v, want %v", tc.scope, tc.category, got, tc.want)
		}
	}
}

func TestStoppedByPrefersHardAndDescribes(t *testing.T) {
	at := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
	sups := []Suppression{
		{Scope: CategorySurvey, Reason: "asked", CreatedAt: at},
		{Scope: ScopeHard, Reason: "bounce", CreatedAt: at.Add(time.Hour)},
	}
	s, ok := StoppedBy(sups, CategorySurvey)
	if !ok || s.Scope != ScopeHard {
		t.Fatalf("StoppedBy = %+v, %v; want the hard suppression", s, ok)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if got, want := s.Describe(paris), "hard suppression (stops all mail) since 2026-02-01 11:00 CET (bounce)"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
	if got, want := sups[0].Describe(nil), "unsubscribed from survey mail since 2026-02-01 09:00 UTC (asked)"; got != want {
		t.Errorf("Describe(nil) = %q, want %q", got, want)
	}
	if _, ok := StoppedBy(sups[:1], CategoryLifecycle); ok {
		t.Error("a survey unsubscribe stopped lifecycle mail")
	}
}
