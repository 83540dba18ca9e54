package sample

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// events generates the lifecycle and activity events of the window, sorts
// them by time and numbers them.
func (g *gen) events() {
	var evs []outreach.Event
	for _, c := range g.d.Contacts {
		evs = append(evs, g.contactEvents(c)...)
	}
	for _, a := range g.d.Accounts {
		evs = append(evs, g.accountEvents(a)...)
	}
	if g.opts.Events > 0 {
		evs = g.fitActivity(evs)
	} else {
		for _, c := range g.d.Contacts {
			evs = append(evs, g.activity(c)...)
		}
	}
	slices.SortStableFunc(evs, func(a, b outreach.Event) int {
		if c := a.OccurredAt.Compare(b.OccurredAt); c != 0 {
			return c
		}
		return strings.Compare(a.Type+a.ContactExternalID+a.AccountExternalID, b.Type+b.ContactExternalID+b.AccountExternalID)
	})
	for i := range evs {
		evs[i].ID = fmt.Sprintf("evt-%06d", i+1)
	}
	g.d.Events = evs
}

// scale turns a rate per 90 days into the expected count for the window.
func (g *gen) scale(per90 float64) float64 { return per90 * float64(g.opts.Days) / 90 }

// poisson draws a Poisson-distributed count with mean lambda (Knuth).
func (g *gen) poisson(lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= g.r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// workTime returns a random instant of the window during working hours
// (weekdays 08:00-18:00, now and then a weekend) in loc.
func (g *gen) workTime(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	for range 20 {
		day := g.opts.From.In(loc).AddDate(0, 0, g.r.IntN(g.opts.Days+1))
		if wd := day.Weekday(); (wd == time.Saturday || wd == time.Sunday) && g.r.IntN(10) > 0 {
			continue
		}
		t := time.Date(day.Year(), day.Month(), day.Day(), 8+g.r.IntN(10), g.r.IntN(60), g.r.IntN(60), 0, loc).UTC()
		if !t.Before(g.opts.From) && t.Before(g.end) {
			return t
		}
	}
	return g.opts.From.Add(time.Duration(g.r.Int64N(int64(g.end.Sub(g.opts.From)))))
}

func contactEvent(typ string, c outreach.Contact, at time.Time, props map[string]any) outreach.Event {
	return outreach.Event{Type: typ, ContactExternalID: c.ExternalID, AccountExternalID: c.AccountExternalID, OccurredAt: at, Properties: props}
}

var ticketPriorities = []struct {
	name   string
	weight int
}{{"p1", 5}, {"p2", 20}, {"p3", 45}, {"p4", 30}}

func (g *gen) ticketPriority() string {
	n := g.r.IntN(100)
	for _, p := range ticketPriorities {
		if n < p.weight {
			return p.name
		}
		n -= p.weight
	}
	return "p4"
}

// contactEvents are one person's onboarding, closed tickets and milestones.
func (g *gen) contactEvents(c outreach.Contact) []outreach.Event {
	loc := g.zoneOf[c.ExternalID]
	var evs []outreach.Event
	if g.r.Float64() < g.scale(0.1) {
		evs = append(evs, contactEvent(outreach.EventOnboardingCompleted, c, g.workTime(loc), nil))
	}
	rate := 0.4
	if c.Role == "admin" {
		rate = 0.8 // admins file most tickets
	}
	for range g.poisson(g.scale(rate)) {
		ticket := fmt.Sprintf("T-%d", 100000+g.r.IntN(900000))
		prio := g.ticketPriority()
		at := g.workTime(loc)
		evs = append(evs, contactEvent(outreach.EventTicketClosed, c, at, map[string]any{"ticket_id": ticket, "priority": prio}))
		if g.r.IntN(10) == 0 { // reopened and closed again the next day
			if again := at.Add(24*time.Hour + time.Duration(g.r.IntN(3600))*time.Second); again.Before(g.end) {
				evs = append(evs, contactEvent(outreach.EventTicketClosed, c, again, map[string]any{"ticket_id": ticket, "priority": prio}))
			}
		}
	}
	if g.r.Float64() < g.scale(0.05) {
		m := contactMilestones[g.r.IntN(len(contactMilestones))]
		evs = append(evs, contactEvent(outreach.EventMilestoneReached, c, g.workTime(loc), map[string]any{"milestone": m}))
	}
	return evs
}

// accountEvents are a company's QBRs, renewals and milestones; they name
// only the account, so they concern every active contact of it.
func (g *gen) accountEvents(a outreach.Account) []outreach.Event {
	loc := outreach.LoadLocation(a.Timezone)
	ev := func(typ string, at time.Time, props map[string]any) outreach.Event {
		return outreach.Event{Type: typ, AccountExternalID: a.ExternalID, OccurredAt: at, Properties: props}
	}
	var evs []outreach.Event
	qbr := map[string]float64{"enterprise": 1, "growth": 0.4}[a.Plan]
	for range g.poisson(g.scale(qbr)) {
		at := g.workTime(loc)
		q := fmt.Sprintf("%d-Q%d", at.Year(), (int(at.Month())+2)/3)
		evs = append(evs, ev(outreach.EventQBRCompleted, at, map[string]any{"quarter": q}))
	}
	if g.r.Float64() < g.scale(0.3) {
		m := accountMilestones[g.r.IntN(len(accountMilestones))]
		evs = append(evs, ev(outreach.EventMilestoneReached, g.workTime(loc), map[string]any{"milestone": m}))
	}
	// Most customers whose renewal date falls in the window renew on time,
	// some a couple of weeks early.
	renewal, _ := time.ParseInLocation(time.DateOnly, a.RenewalDate, loc)
	if renewal.Before(g.end) && g.r.IntN(10) < 7 {
		at := renewal.Add(-time.Duration(g.r.IntN(15))*24*time.Hour + time.Duration(9+g.r.IntN(8))*time.Hour)
		if at.Before(g.opts.From) {
			at = g.opts.From.Add(time.Duration(g.r.IntN(48)) * time.Hour)
		}
		if at.Before(g.end) {
			evs = append(evs, ev(outreach.EventRenewalCompleted, at.UTC(), map[string]any{"plan": a.Plan, "term": "12 months"}))
		}
	}
	return evs
}

// activity is a person's contact.active events by their profile: active
// people are seen every few days, fading ones stop part-way through the
// window, and some dormant ones come back.
func (g *gen) activity(c outreach.Contact) []outreach.Event {
	loc := g.zoneOf[c.ExternalID]
	start, stop := *c.LastSeenAt, g.end
	switch g.profile[c.ExternalID] {
	case fading:
		stop = g.opts.From.Add(time.Duration(g.r.Int64N(int64(g.end.Sub(g.opts.From) / 3))))
	case dormant:
		if g.r.IntN(100) >= 15 {
			return nil
		}
		start = g.workTime(loc).Add(-24 * time.Hour)
	}
	var evs []outreach.Event
	for t := start; ; {
		t = t.Add(time.Duration(2+g.r.IntN(7))*24*time.Hour + time.Duration(g.r.IntN(6*3600)-3*3600)*time.Second)
		if !t.Before(stop) {
			return evs
		}
		if t.Before(g.opts.From) {
			continue
		}
		evs = append(evs, contactEvent(outreach.EventContactActive, c, t, nil))
	}
}

// fitActivity adds contact.active events (mostly of active people) until
// there are exactly opts.Events events, or drops random ones when the
// lifecycle events alone are more.
func (g *gen) fitActivity(evs []outreach.Event) []outreach.Event {
	if len(evs) > g.opts.Events {
		g.r.Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
		return evs[:g.opts.Events]
	}
	var pool []outreach.Contact
	for _, c := range g.d.Contacts {
		pool = append(pool, c)
		if g.profile[c.ExternalID] == active {
			pool = append(pool, c, c, c) // three times as likely
		}
	}
	for len(evs) < g.opts.Events {
		c := pool[g.r.IntN(len(pool))]
		evs = append(evs, contactEvent(outreach.EventContactActive, c, g.workTime(g.zoneOf[c.ExternalID]), nil))
	}
	return evs
}
