package outreach

import (
	"testing"
	"time"
)

func TestRecipientZone(t *testing.T) {
	cases := []struct {
		contact, account, policy string
		name, source, note       string
	}{
		{"Asia/Tokyo", "Europe/Berlin", "UTC", "Asia/Tokyo", "contact timezone", ""},
		{"", "Europe/Berlin", "UTC", "Europe/Berlin", "account timezone", "no timezone on contact: using account timezone Europe/Berlin"},
		{"", "", "UTC", "UTC", "policy timezone", "no timezone on contact or account: using policy timezone UTC"},
		{"", "", "", "UTC", "default", "no timezone on contact, account or policy: using UTC"},
		{"Nowhere/Land", "", "UTC", "UTC", "policy timezone",
			`no timezone on account; contact timezone "Nowhere/Land" is unknown: using policy timezone UTC`},
		{"Local", "Europe/Berlin", "", "Europe/Berlin", "account timezone", `contact timezone "Local" is unknown: using account timezone Europe/Berlin`},
	}
	for _, c := range cases {
		z := RecipientZone(c.contact, c.account, c.policy)
		if z.Name != c.name || z.Source != c.source || z.Note != c.note || z.Loc == nil || z.Loc.String() != c.name {
			t.Errorf("RecipientZone(%q, %q, %q) = %+v, want %s / %s / %q", c.contact, c.account, c.policy, z, c.name, c.source, c.note)
		}
	}
	// The cache gives the same answers as the uncached rule, and a second
	// lookup of a name returns the same *time.Location.
	var zones Locations
	for _, c := range cases {
		if got, want := zones.Recipient(c.contact, c.account, c.policy), RecipientZone(c.contact, c.account, c.policy); got.Name != want.Name || got.Note != want.Note || got.Source != want.Source {
			t.Errorf("Locations.Recipient(%q, %q, %q) = %+v, want %+v", c.contact, c.account, c.policy, got, want)
		}
	}
	if a, b := zones.Load("Asia/Tokyo"), zones.Load("Asia/Tokyo"); a == nil || a != b {
		t.Errorf("Locations.Load(Asia/Tokyo) twice = %p, %p; want one cached location", a, b)
	}
	if got := LocationOrUTC("", "Nowhere/Land", "Europe/Paris"); got.String() != "Europe/Paris" {
		t.Errorf("LocationOrUTC skips unset and unknown names: got %s, want Europe/Paris", got)
	}
	if got := LocationOrUTC("Local"); got != time.UTC {
		t.Errorf(`LocationOrUTC("Local") = %s, want UTC`, got)
	}
}
