package outreach_test

import (
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestPackIsCSAT(t *testing.T) {
	pack := &outreach.Pack{Campaigns: []outreach.Campaign{
		{Key: "nps-quarterly", Template: "nps"},
		{Key: "ticket-feedback", Template: "CSAT-Ticket"},
		{Key: "CSAT-support", Template: "nps"},
		{Key: "onboarding", Template: "welcome"},
	}}
	tests := []struct {
		pack *outreach.Pack
		key  string
		want bool
	}{
		{pack, "nps-quarterly", false},
		{pack, "ticket-feedback", true}, // by its template, in any case
		{pack, "CSAT-support", true},    // by its key, whatever its template
		{pack, "onboarding", false},
		{pack, "csat-old", true},    // removed from the pack: the key says CSAT
		{pack, "ticket-old", false}, // removed from the pack: the key alone
		{pack, "", false},
		{nil, "support-csat", true}, // no pack: the key alone
		{nil, "ticket-feedback", false},
	}
	for _, tt := range tests {
		if got := tt.pack.IsCSAT(tt.key); got != tt.want {
			t.Errorf("IsCSAT(%q) with pack %v = %v, want %v", tt.key, tt.pack != nil, got, tt.want)
		}
	}
}
