package outreach

import "time"

// This file is the one home of the suppression rule (which scope stops
// which mail) and of its wording in decisions, whether the throttle finds
// the suppression when it decides, or a new suppression (API, webhook,
// unsubscribe page) stops deliveries already planned or waiting for a retry.

// Suppresses reports whether a suppression of scope stops mail of category:
// a hard one stops everything; "all" and a category scope stop everything
// but transactional mail (even a "transactional" scope: only a hard
// suppression stops a renewal notice).
func Suppresses(scope, category string) bool {
	if scope == ScopeHard {
		return true
	}
	if category == CategoryTransactional {
		return false
	}
	return scope == ScopeAll || scope == category
}

// StoppedBy returns the suppression among sups that stops mail of category:
// a hard one if any, else the first that applies.
func StoppedBy(sups []Suppression, category string) (Suppression, bool) {
	var hit *Suppression
	for i := range sups {
		if !Suppresses(sups[i].Scope, category) {
			continue
		}
		if sups[i].Scope == ScopeHard {
			return sups[i], true
		}
		if hit == nil {
			hit = &sups[i]
		}
	}
	if hit == nil {
		return Suppression{}, false
	}
	return *hit, true
}

// Describe says in words what s stops and since when, for the decision of
// a suppressed delivery: "unsubscribed from all non-transactional mail since
// 2026-02-01 09:00 CET (one-click)". Times are shown in loc (the
// recipient's zone; nil = UTC).
func (s Suppression) Describe(loc *time.Location) string {
	var what string
	switch s.Scope {
	case ScopeHard:
		what = "hard suppression (stops all mail)"
	case ScopeAll:
		what = "unsubscribed from all non-transactional mail"
	default:
		what = "unsubscribed from " + s.Scope + " mail"
	}
	if !s.CreatedAt.IsZero() {
		if loc == nil {
			loc = time.UTC
		}
		what += " since " + s.CreatedAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	if s.Reason != "" {
		what += " (" + s.Reason + ")"
	}
	return what
}
