package dispatch

import (
	"time"

	"github.com/outreach-dev/outreach"
)

// Message renders, for tests, delivery id of campaign nps-onboarding to
// contact c with d's pack as a send would.
func (d *Dispatcher) Message(id string, c outreach.Contact, now time.Time) (*outreach.Message, error) {
	rd := &outreach.ReservedDelivery{
		Delivery: outreach.Delivery{ID: id, Campaign: "nps-onboarding", Category: outreach.CategorySurvey, Occurrence: id},
		Contact:  c,
	}
	pack, r := d.Pack()
	return d.message(pack, r, rd, now)
}
