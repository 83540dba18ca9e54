package dispatch

import (
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// Message renders, for tests, delivery id of campaign nps-onboarding to
// contact c as a send would.
func (d *Dispatcher) Message(l *campaigns.Loaded, id string, c outreach.Contact, now time.Time) (*outreach.Message, error) {
	rd := &outreach.ReservedDelivery{
		Delivery: outreach.Delivery{ID: id, Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Occurrence: id},
		Contact:  c,
	}
	return d.message(l, rd, now)
}
