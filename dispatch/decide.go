package dispatch

import (
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/throttle"
)

// decider returns the callback that the store calls, inside the claim
// transaction, once per claimed contact: it reads priority and ttl from
// the active pack, drops deliveries of removed campaigns, and lets the
// throttle decide the rest against the one read of the history. One claim
// decides several contacts, possibly of one account, in one transaction:
// the survey slots it reserves are added to the account history of the
// contacts decided after them. It counts the decisions in rep.
func (d *Dispatcher) decider(pack *outreach.Pack, now time.Time, rep *StepReport) func(*outreach.DueContact) []outreach.DispatchOutcome {
	reservedSurveys := map[int64][]outreach.Reservation{} // account id -> surveys reserved by this claim
	return func(dc *outreach.DueContact) []outreach.DispatchOutcome {
		if extra := reservedSurveys[dc.Account.ID]; len(extra) > 0 {
			dc.AccountSurveys = append(append([]outreach.Reservation(nil), dc.AccountSurveys...), extra...)
		}
		byID := make(map[string]outreach.Delivery, len(dc.Due))
		for _, del := range dc.Due {
			byID[del.ID] = del
		}
		out := decideContact(pack, now, dc, &d.zones)
		for _, o := range out {
			switch o.Decision.Decision {
			case outreach.DecisionSent:
				rep.Reserved++
				if del := byID[o.DeliveryID]; del.Category == outreach.CategorySurvey {
					reservedSurveys[dc.Account.ID] = append(reservedSurveys[dc.Account.ID],
						outreach.Reservation{DeliveryID: del.ID, Campaign: del.Campaign, Category: del.Category, At: now, Recipient: dc.Contact.Email})
				}
			case outreach.DecisionDeferred:
				rep.Deferred++
			case outreach.DecisionDropped:
				rep.Dropped++
			case outreach.DecisionSuppressed:
				rep.Suppressed++
			}
		}
		return out
	}
}

// decideContact is the pure decision for one contact at now; zones caches
// timezone lookups (nil: none).
func decideContact(p *outreach.Pack, now time.Time, dc *outreach.DueContact, zones *outreach.Locations) []outreach.DispatchOutcome {
	in := throttle.Input{
		Zones:           zones,
		Policy:          p.Policy,
		Now:             now,
		ContactTimezone: dc.Contact.Timezone,
		AccountTimezone: dc.Account.Timezone,
		Recipient:       dc.Contact.Email,
		ContactHistory:  slots(dc.History),
		AccountHistory:  slots(dc.AccountSurveys),
		Suppressions:    dc.Suppressions,
		PausedUntil:     dc.Account.PausedUntil,
	}
	out := make([]outreach.DispatchOutcome, 0, len(dc.Due))
	expires := make(map[string]time.Time, len(dc.Due))
	for _, del := range dc.Due {
		c := p.Campaign(del.Campaign)
		if c == nil {
			out = append(out, outreach.DispatchOutcome{Decision: outreach.Decision{
				DeliveryID: del.ID, At: now, Decision: outreach.DecisionDropped, Rule: outreach.RuleCampaignRemoved, Reason: outreach.ReasonCampaignRemoved}})
			continue
		}
		ttl := outreach.TTLOrDefault(c.TTL)
		expires[del.ID] = del.DueAt.Add(ttl)
		due := throttle.Due{DeliveryID: del.ID, Campaign: del.Campaign, Category: del.Category,
			Priority: c.Priority, DueAt: del.DueAt, TTL: ttl, Reminder: outreach.IsReminder(del.Occurrence)}
		if p, ok := dc.Paused[del.Campaign]; ok {
			due.Paused = &p
		}
		in.Due = append(in.Due, due)
	}
	if len(in.Due) == 0 {
		return out
	}
	for _, o := range throttle.Decide(in) {
		out = append(out, outreach.DispatchOutcome{
			Decision:  outreach.Decision{DeliveryID: o.DeliveryID, At: now, Decision: o.Decision, Rule: o.Rule, Reason: o.Reason, Until: o.Until},
			ExpiresAt: expires[o.DeliveryID],
		})
	}
	return out
}

// slots converts the store's reservations to the throttle's.
func slots(rs []outreach.Reservation) []throttle.Slot {
	if len(rs) == 0 {
		return nil
	}
	out := make([]throttle.Slot, len(rs))
	for i, r := range rs {
		out[i] = throttle.Slot{DeliveryID: r.DeliveryID, Campaign: r.Campaign, Category: r.Category, At: r.At, Recipient: r.Recipient, Reminder: r.Reminder}
	}
	return out
}
