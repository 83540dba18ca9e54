package outreach

import (
	"reflect"
	"testing"
	"time"
)

func TestEntityValidate(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fe := func(field, msg string) FieldError { return FieldError{Field: field, Message: msg} }
	for _, tc := range []struct {
		name string
		v    interface{ Validate() []FieldError }
		want []FieldError
	}{
		{"account ok", &Account{ExternalID: "a1"}, nil},
		{"account no id", &Account{Name: "Acme"}, []FieldError{fe("external_id", "is required")}},
		{"contact by external id", &Contact{ExternalID: "c1"}, nil},
		{"contact by email", &Contact{Email: "a@b.co", Status: ContactInactive}, nil},
		{"contact unnamed, bad status", &Contact{Status: "gone"}, []FieldError{fe("email", "is required"),
			fe("status", `"gone" is not a contact status: use "active" or "inactive"`)}},
		{"event ok", &Event{ID: "e1", Type: "x", AccountExternalID: "a1", OccurredAt: at}, nil},
		{"event empty", &Event{}, []FieldError{fe("id", "is required"), fe("type", "is required"),
			fe("contact_external_id", "an event needs contact_external_id or account_external_id (or both)"),
			fe("occurred_at", "is required")}},
		{"team member", &TeamMember{}, []FieldError{fe("email", "is required")}},
		{"suppression ok", &Suppression{Email: "a@b.co", Scope: ScopeHard}, nil},
		{"suppression empty", &Suppression{}, []FieldError{fe("email", "is required"), fe("scope", "is required")}},
		{"suppression bad scope", &Suppression{Email: "a@b.co", Scope: "often"}, []FieldError{
			fe("scope", `"often" is not a suppression scope: use all, hard, or a category (survey, lifecycle, marketing, transactional)`)}},
	} {
		if got := tc.v.Validate(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Validate() = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
