package throttle

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// The property test checks Decide against a naive oracle: for random
// policies, histories and instants, every deferral's Until is allowed by
// every rule and no earlier candidate instant is; every drop has no allowed
// instant up to its expiry; every send is allowed at Now given the slots
// reserved before it. The oracle evaluates each rule directly (counting
// slots, reading the wall clock) and shares no code with Decide.
//
// Candidates: the earliest allowed instant of a union of half-open allowed
// intervals is Now, the end of a pause, a slot plus a window, or a local
// boundary. Every zone used here changes offset on the quarter hour and the
// random quiet hours are on the half hour, so all local boundaries lie on
// the UTC 15-minute grid, which the oracle tries in full.

var propertyZones = []string{
	"UTC", "America/New_York", "Europe/Berlin", "America/Sao_Paulo", "Pacific/Tongatapu", "Pacific/Auckland",
	"Pacific/Honolulu", "Asia/Kolkata", "Australia/Adelaide", "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago",
}

// propertyNows are instants near DST changes, jittered per case.
var propertyNows = []string{
	"2026-03-06T18:00:00Z", "2026-03-28T20:00:00Z", "2026-04-04T10:00:00Z", "2026-09-05T23:00:00Z",
	"2026-10-24T12:00:00Z", "2026-10-31T22:00:00Z", "2026-06-15T08:00:00Z", "2026-12-31T21:00:00Z",
}

type world struct {
	in       Input
	loc      *time.Location
	contact  []Slot // grows as the oracle replays sends
	accountS []Slot // account survey slots, deduplicated, growing
}

func randomPolicy(r *rand.Rand) outreach.Policy {
	p := outreach.Policy{Timezone: propertyZones[r.IntN(len(propertyZones))]}
	if r.IntN(2) == 0 {
		p.MaxPerDay = 1 + r.IntN(3)
	}
	if r.IntN(2) == 0 {
		p.MaxPerWeek = 1 + r.IntN(5)
	}
	if r.IntN(3) == 0 {
		p.MinGap = time.Duration(1+r.IntN(48)) * time.Hour
	}
	if r.IntN(3) == 0 {
		p.SurveyCooldown = time.Duration(1+r.IntN(20)) * day
	}
	if r.IntN(3) == 0 {
		p.AccountMaxSurveysPerWeek = 1 + r.IntN(3)
	}
	if r.IntN(4) != 0 {
		s, e := r.IntN(48), r.IntN(48)
		for e == s {
			e = r.IntN(48)
		}
		p.QuietHours = &outreach.QuietHours{Start: time.Duration(s) * 30 * time.Minute, End: time.Duration(e) * 30 * time.Minute}
	}
	if r.IntN(3) != 0 {
		p.BusinessDays = []time.Weekday{}
		for d := time.Sunday; d <= time.Saturday; d++ {
			if r.IntN(2) == 0 {
				p.BusinessDays = append(p.BusinessDays, d)
			}
		}
		if len(p.BusinessDays) == 0 {
			p.BusinessDays = append(p.BusinessDays, time.Weekday(r.IntN(7)))
		}
	}
	if r.IntN(2) == 0 {
		p.ExemptCategories = []string{outreach.CategoryTransactional}
	}
	return p
}

func randomInput(r *rand.Rand) Input {
	now := ts(propertyNows[r.IntN(len(propertyNows))]).Add(time.Duration(r.Int64N(int64(3 * day))))
	in := Input{Policy: randomPolicy(r), Now: now}
	if r.IntN(2) == 0 {
		in.ContactTimezone = propertyZones[r.IntN(len(propertyZones))]
	}
	cat := func() string { return outreach.Categories[r.IntN(len(outreach.Categories))] }
	for i := range r.IntN(12) {
		at := now.Add(-time.Duration(r.Int64N(int64(35 * day))))
		in.ContactHistory = append(in.ContactHistory, Slot{DeliveryID: fmt.Sprintf("h%d", i), Campaign: "c", Category: cat(), At: at})
	}
	for i := range r.IntN(8) {
		at := now.Add(-time.Duration(r.Int64N(int64(8 * day))))
		in.AccountHistory = append(in.AccountHistory, Slot{DeliveryID: fmt.Sprintf("a%d", i), Campaign: "c", Category: "survey", At: at})
	}
	if r.IntN(5) == 0 {
		pu := now.Add(time.Duration(r.Int64N(int64(5 * day))))
		in.PausedUntil = &pu
	}
	for i := range 1 + r.IntN(4) {
		in.Due = append(in.Due, Due{
			DeliveryID: fmt.Sprintf("d%d", i), Campaign: fmt.Sprintf("camp%d", i), Category: cat(),
			Priority: r.IntN(3) * 10, DueAt: now.Add(-time.Duration(r.Int64N(int64(5 * day)))),
			TTL: time.Duration(1+r.IntN(20)) * day,
		})
	}
	return in
}

func newWorld(in Input) *world {
	w := &world{in: in, loc: outreach.RecipientZone(in.ContactTimezone, in.AccountTimezone, in.Policy.Timezone).Loc}
	w.contact = slices.Clone(in.ContactHistory)
	seen := map[string]bool{}
	for _, s := range append(slices.Clone(in.AccountHistory), in.ContactHistory...) {
		if s.Category == "survey" && !seen[s.DeliveryID] {
			seen[s.DeliveryID] = true
			w.accountS = append(w.accountS, s)
		}
	}
	return w
}

func countSince(slots []Slot, from time.Time, category string) int {
	n := 0
	for _, s := range slots {
		if s.At.After(from) && (category == "" || s.Category == category) {
			n++
		}
	}
	return n
}

// allowed is the oracle: does every rule allow a delivery of category at t?
func (w *world) allowed(category string, t time.Time) bool {
	p := w.in.Policy
	if w.in.PausedUntil != nil && t.Before(*w.in.PausedUntil) {
		return false
	}
	if p.Exempt(category) {
		return true
	}
	switch {
	case p.MaxPerDay > 0 && countSince(w.contact, t.Add(-day), "") >= p.MaxPerDay,
		p.MaxPerWeek > 0 && countSince(w.contact, t.Add(-week), "") >= p.MaxPerWeek,
		p.MinGap > 0 && countSince(w.contact, t.Add(-p.MinGap), "") > 0,
		category == "survey" && p.SurveyCooldown > 0 && countSince(w.contact, t.Add(-p.SurveyCooldown), "survey") > 0,
		category == "survey" && p.AccountMaxSurveysPerWeek > 0 && countSince(w.accountS, t.Add(-week), "") >= p.AccountMaxSurveysPerWeek:
		return false
	}
	lt := t.In(w.loc)
	if p.BusinessDays != nil && !slices.Contains(p.BusinessDays, lt.Weekday()) {
		return false
	}
	if q := p.QuietHours; q != nil {
		c := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
		if (q.Start < q.End && c >= q.Start && c < q.End) || (q.Start > q.End && (c >= q.Start || c < q.End)) {
			return false
		}
	}
	return true
}

// candidates lists the instants in [from, to) at which an allowed interval
// can begin.
func (w *world) candidates(from, to time.Time) []time.Time {
	out := []time.Time{from}
	if w.in.PausedUntil != nil {
		out = append(out, *w.in.PausedUntil)
	}
	p := w.in.Policy
	for _, s := range append(slices.Clone(w.contact), w.accountS...) {
		for _, d := range []time.Duration{day, week, p.MinGap, p.SurveyCooldown} {
			out = append(out, s.At.Add(d))
		}
	}
	for g := from.Truncate(15 * time.Minute); g.Before(to); g = g.Add(15 * time.Minute) {
		out = append(out, g)
	}
	return slices.DeleteFunc(out, func(c time.Time) bool { return c.Before(from) || !c.Before(to) })
}

// firstAllowed returns the earliest candidate in [from, to) that the oracle
// allows.
func (w *world) firstAllowed(category string, from, to time.Time) (time.Time, bool) {
	cs := w.candidates(from, to)
	slices.SortFunc(cs, time.Time.Compare)
	for _, c := range cs {
		if w.allowed(category, c) {
			return c, true
		}
	}
	return time.Time{}, false
}

func TestDecideProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20260302, 1))
	const n = 600
	counts := map[string]int{}
	for i := range n {
		in := randomInput(r)
		if errs := ValidatePolicy(in.Policy); len(errs) > 0 {
			t.Fatalf("case %d: generator made an invalid policy: %v", i, errs)
		}
		out := Decide(in)
		if len(out) != len(in.Due) {
			t.Fatalf("case %d: %d outcomes for %d dues", i, len(out), len(in.Due))
		}
		w := newWorld(in)
		byID := map[string]Due{}
		for _, d := range in.Due {
			byID[d.DeliveryID] = d
		}
		for _, o := range out {
			counts[o.Decision]++
			if msg := w.check(byID[o.DeliveryID], o); msg != "" {
				t.Fatalf("case %d: %s\npolicy %+v quiet %+v\ninput %+v\noutcomes %+v", i, msg, in.Policy, in.Policy.QuietHours, in, out)
			}
		}
	}
	t.Logf("outcomes: %v", counts)
	// The generator must exercise every kind of outcome it can.
	for _, d := range []string{sent, deferred, dropped} {
		if counts[d] < n/20 {
			t.Errorf("only %d %s outcomes in %d cases: the generator is too narrow (%v)", counts[d], d, n, counts)
		}
	}
}

// check verifies one outcome against the oracle and replays a send.
func (w *world) check(d Due, o Outcome) string {
	now := w.in.Now
	expiry := d.DueAt.Add(d.TTL)
	exempt := w.in.Policy.Exempt(d.Category)
	if o.Reason == "" {
		return o.DeliveryID + ": empty reason"
	}
	switch o.Decision {
	case sent:
		if !w.allowed(d.Category, now) {
			return fmt.Sprintf("%s sent at %s but a rule forbids it (%s)", d.DeliveryID, now, o.Reason)
		}
		if now.After(expiry) {
			return d.DeliveryID + " sent after its expiry"
		}
		s := Slot{DeliveryID: d.DeliveryID, Category: d.Category, At: now}
		w.contact = append(w.contact, s)
		if d.Category == "survey" {
			w.accountS = append(w.accountS, s)
		}
	case deferred:
		if o.Until == nil || !o.Until.After(now) {
			return fmt.Sprintf("%s deferred without a future until: %v", d.DeliveryID, o.Until)
		}
		if !w.allowed(d.Category, *o.Until) {
			return fmt.Sprintf("%s deferred until %s, which a rule forbids (%s)", d.DeliveryID, o.Until.UTC(), o.Reason)
		}
		if o.Until.After(expiry) {
			return fmt.Sprintf("%s deferred past its expiry %s", d.DeliveryID, expiry)
		}
		if c, ok := w.firstAllowed(d.Category, now, *o.Until); ok {
			return fmt.Sprintf("%s deferred until %s but %s is allowed (%s)", d.DeliveryID, o.Until.UTC(), c.UTC(), o.Reason)
		}
	case dropped:
		if exempt {
			// Only the pause holds exempt mail: dropped is right only when
			// the pause (or now) already lies past the expiry.
			start := now
			if p := w.in.PausedUntil; p != nil && p.After(now) {
				start = *p
			}
			if !start.After(expiry) {
				return fmt.Sprintf("%s: exempt mail dropped though it could go at %s, before its expiry %s", d.DeliveryID, start.UTC(), expiry.UTC())
			}
			return ""
		}
		if c, ok := w.firstAllowed(d.Category, now, expiry.Add(time.Nanosecond)); ok {
			return fmt.Sprintf("%s dropped but %s (before expiry %s) is allowed (%s)", d.DeliveryID, c.UTC(), expiry.UTC(), o.Reason)
		}
	default:
		return fmt.Sprintf("%s: unexpected decision %q", d.DeliveryID, o.Decision)
	}
	return ""
}
