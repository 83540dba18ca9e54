package outreach_test

import (
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestPackIsCSAT(t *testing.T) {
	pack := &outreach.Pack{Campaigns: []outreach.Campaign{
		{Key: "nps-quarterly", Template: "csat", Survey: outreach.SurveyNPS},
		{Key: "ticket-feedback", Template: "feedback", Survey: outreach.SurveyCSAT},
		{Key: "csat-declared-nps", Template: "csat", Survey: outreach.SurveyNPS},
		{Key: "onboarding", Template: "welcome"},
	}}
	tests := []struct {
		pack *outreach.Pack
		key  string
		want bool
	}{
		{pack, "nps-quarterly", false},     // declared nps, whatever its template
		{pack, "ticket-feedback", true},    // declared csat, whatever its key and template
		{pack, "csat-declared-nps", false}, // the declaration wins over the key
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
