package outreach

import (
	"fmt"
	"strings"
)

// The Validate methods below are the one home of what each ingested entity
// must hold, whichever way it arrives: ingestion (API batches and CSV
// imports, which also parse and normalise each value and report every
// problem of an item) and the store (which refuses an item with its first
// problem) both call them, so a rule and its wording exist once. Each
// returns the problems in field order, each naming its field, or nil.

// Validate checks that the account has an external id.
func (a *Account) Validate() []FieldError {
	if a.ExternalID == "" {
		return []FieldError{{Field: "external_id", Message: "is required"}}
	}
	return nil
}

// Validate checks that the contact is named by an email or an external id
// and that its status, when set, is one of the contact statuses.
func (c *Contact) Validate() []FieldError {
	var p []FieldError
	if c.Email == "" && c.ExternalID == "" {
		p = append(p, FieldError{Field: "email", Message: "is required"})
	}
	if c.Status != "" && c.Status != ContactActive && c.Status != ContactInactive {
		p = append(p, FieldError{Field: "status",
			Message: fmt.Sprintf("%q is not a contact status: use %q or %q", c.Status, ContactActive, ContactInactive)})
	}
	return p
}

// Validate checks that the event has an id, a type, an instant and a
// contact or an account (or both).
func (e *Event) Validate() []FieldError {
	var p []FieldError
	if e.ID == "" {
		p = append(p, FieldError{Field: "id", Message: "is required"})
	}
	if e.Type == "" {
		p = append(p, FieldError{Field: "type", Message: "is required"})
	}
	if e.ContactExternalID == "" && e.AccountExternalID == "" {
		p = append(p, FieldError{Field: "contact_external_id",
			Message: "an event needs contact_external_id or account_external_id (or both)"})
	}
	if e.OccurredAt.IsZero() {
		p = append(p, FieldError{Field: "occurred_at", Message: "is required"})
	}
	return p
}

// Validate checks that the team member has an email.
func (m *TeamMember) Validate() []FieldError {
	if m.Email == "" {
		return []FieldError{{Field: "email", Message: "is required"}}
	}
	return nil
}

// Validate checks that the suppression has an email and a known scope.
func (s *Suppression) Validate() []FieldError {
	var p []FieldError
	if s.Email == "" {
		p = append(p, FieldError{Field: "email", Message: "is required"})
	}
	if s.Scope == "" {
		p = append(p, FieldError{Field: "scope", Message: "is required"})
	} else if err := CheckScope(s.Scope); err != nil {
		p = append(p, FieldError{Field: "scope", Message: err.Error()})
	}
	return p
}

// CheckScope returns the error of a scope that is not a suppression scope
// (see ValidScope), worded for the person who typed it.
func CheckScope(scope string) error {
	if ValidScope(scope) {
		return nil
	}
	return fmt.Errorf("%q is not a suppression scope: use all, hard, or a category (%s)", scope, strings.Join(Categories, ", "))
}

// AddFirst adds the first of problems, as the problem of item index, and
// reports whether there was one: the store refuses an item with its first
// problem.
func (b *BatchError) AddFirst(index int, problems []FieldError) bool {
	if len(problems) == 0 {
		return false
	}
	b.Add(index, problems[0].Field, "%s", problems[0].Message)
	return true
}
