package digest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// FirstPeriod is how far back a team member's first digest looks.
const FirstPeriod = 7 * 24 * time.Hour

// RenewalHorizon is how far ahead the renewals section looks, in days; it
// groups renewals by RenewalBuckets.
const RenewalHorizon = 90

// RenewalBuckets are the "renewing within N days" groups.
var RenewalBuckets = []int{30, 60, 90}

// PlannedHorizon is how far ahead the automation section lists planned
// deliveries: those due in [period end, period end + PlannedHorizon).
// Planned deliveries due before the period end and not sent yet are listed
// apart as overdue (unless their ttl ran out: they are dropped, not sent).
const PlannedHorizon = 7 * 24 * time.Hour

// LatestWindow bounds the answers behind an account's latest NPS.
const LatestWindow = 365 * 24 * time.Hour

// Store reads what a digest covers (implemented by store.DB).
type Store interface {
	DigestData(ctx context.Context, q outreach.DigestQuery) (*outreach.DigestData, error)
}

// Digest is one team member's digest for the period [From, To), its
// sections as data. A nil or empty section is left out of the email.
type Digest struct {
	Owner    outreach.TeamMember
	From, To time.Time
	Location *time.Location // the owner's timezone, or the policy's

	// Accounts are every account the owner owns, by name.
	Accounts []outreach.Account

	Cases      *Cases         // 0. follow-up cases: open and overdue first, closed this period
	Feedback   *Feedback      // 1. answers and NPS
	Renewals   []Renewal      // 2. renewals in the next 90 days, soonest first
	Quiet      []QuietContact // 3. contacts who went quiet
	Milestones []Milestone    // 3. milestones reached
	Activity   *Activity      // 4. what automation did and will do
	MailIssues []MailIssue    // 5. bounces, spam reports, unsubscribes
}

// Empty reports whether the digest has nothing to report (it is then not
// sent).
func (d *Digest) Empty() bool {
	return d.Cases == nil && d.Feedback == nil && len(d.Renewals) == 0 && len(d.Quiet) == 0 && len(d.Milestones) == 0 &&
		d.Activity == nil && len(d.MailIssues) == 0
}

// Person is a contact at one of the owner's accounts.
type Person struct {
	Account *outreach.Account
	Email   string
	Name    string
}

// Label is "Name <email>", or the email alone.
func (p Person) Label() string {
	if p.Name == "" {
		return p.Email
	}
	return p.Name + " <" + p.Email + ">"
}

// Feedback is the survey section: NPS overall and per account, with the
// change from the previous period of the same length, and every answer of
// the period, detractors first. Answers to CSAT campaigns (Pack.IsCSAT)
// count in no NPS figure and no NPS class: they are listed in CSAT.
type Feedback struct {
	Overall    Trend          // no current answers when the period has CSAT answers only
	Accounts   []AccountTrend // accounts with NPS answers in the period, lowest NPS first
	Detractors []Response     // 0-6, lowest score first
	Passives   []Response     // 7-8, newest first
	Promoters  []Response     // 9-10, newest first
	CSAT       []Response     // answers to CSAT campaigns, lowest score first
}

// Trend is an NPS for the period and for the previous period.
type Trend struct {
	Current, Previous NPS
}

// Change returns the current NPS minus the previous one, and false when
// either period has no answers.
func (t Trend) Change() (int, bool) {
	if t.Current.Responses() == 0 || t.Previous.Responses() == 0 {
		return 0, false
	}
	return t.Current.Score() - t.Previous.Score(), true
}

// AccountTrend is one account's NPS trend.
type AccountTrend struct {
	Account *outreach.Account
	Trend
}

// Response is one survey answer.
type Response struct {
	Person
	Campaign string
	Score    int
	Comment  string
	At       time.Time
}

// Renewal is an account renewing within RenewalHorizon days.
type Renewal struct {
	Account  *outreach.Account
	Date     string // YYYY-MM-DD
	DaysLeft int    // from the period end's date in the digest's timezone
	Within   int    // the RenewalBuckets group: 30, 60 or 90
	// Latest is the NPS over each contact's most recent answer within
	// LatestWindow; no answers means unknown.
	Latest NPS
}

// QuietContact is a contact for whom a re-engagement email was planned in
// the period because they stopped using the product.
type QuietContact struct {
	Person
	LastSeen time.Time
	Campaign string
	State    string // of the re-engagement delivery
}

// Milestone is a milestone.reached event of the period.
type Milestone struct {
	Person        // Email is "" for account-level milestones
	Name   string // the event's "milestone" property
	At     time.Time
}

// Activity is the automation section.
type Activity struct {
	Sent     []Item // sent in the period
	Failed   []Item // the provider refused them (Error)
	Deferred []Item // waiting, with the reason and until when
	Dropped  []Item // dropped or suppressed, with the reason
	// Overdue are still planned though due before the period end (and not
	// expired): not sent yet, e.g. behind a dispatcher that is down (At =
	// not before).
	Overdue []Item
	Planned []Item // due within PlannedHorizon from the period end (At = not before)
}

// Item is one delivery in the automation section.
type Item struct {
	Person
	DeliveryID string
	Campaign   string
	Category   string
	Decision   string
	Reason     string
	At         time.Time
	Until      *time.Time
	Error      string
}

// MailIssue is a bounce, spam report or unsubscribe of a contact.
type MailIssue struct {
	Person
	Kind   string // "bounce", "spam report", "unsubscribe"
	Scope  string
	Reason string
	At     time.Time
}

// Query returns what the store must read for owner's digest of [from, to)
// in loc.
func Query(owner string, from, to time.Time, loc *time.Location) outreach.DigestQuery {
	today := civilDate(to.In(loc))
	return outreach.DigestQuery{
		Owner:        strings.ToLower(strings.TrimSpace(owner)),
		From:         from,
		To:           to,
		PrevFrom:     from.Add(-to.Sub(from)),
		LatestSince:  to.Add(-LatestWindow),
		RenewalFrom:  today.Format(time.DateOnly),
		RenewalTo:    today.AddDate(0, 0, RenewalHorizon).Format(time.DateOnly),
		PlannedUntil: to.Add(PlannedHorizon),
	}
}

// civilDate is t's calendar date at UTC midnight (for day arithmetic).
func civilDate(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// Build reads and assembles owner's digest for the period [from, to), in
// the owner's timezone or else the policy timezone of pack, the active
// campaign pack, which also tells CSAT answers from NPS ones
// (Pack.IsCSAT). A nil pack means UTC and campaign keys alone. An owner
// without accounts gets a digest with no Accounts, which is Empty.
func Build(ctx context.Context, st Store, owner outreach.TeamMember, from, to time.Time, pack *outreach.Pack) (*Digest, error) {
	if !from.Before(to) {
		return nil, outreach.Errorf(outreach.EINVALID, "digest period is empty: %s is not before %s",
			from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339))
	}
	var policyTZ string
	if pack != nil {
		policyTZ = pack.Policy.Timezone
	}
	loc := outreach.LocationOrUTC(owner.Timezone, policyTZ) // the member's zone, else the policy's
	data, err := st.DigestData(ctx, Query(owner.Email, from, to, loc))
	if err != nil {
		return nil, err
	}
	return Assemble(owner, from, to, loc, data, pack.IsCSAT), nil
}

// Assemble turns what the store read into a Digest. isCSAT tells the
// campaigns whose answers are CSAT, not NPS (nil: none). It is pure: Build
// is Assemble over a store read.
func Assemble(owner outreach.TeamMember, from, to time.Time, loc *time.Location, data *outreach.DigestData, isCSAT func(campaign string) bool) *Digest {
	if isCSAT == nil {
		isCSAT = func(string) bool { return false }
	}
	d := &Digest{Owner: owner, From: from, To: to, Location: loc, Accounts: data.Accounts}
	byID := make(map[int64]*outreach.Account, len(d.Accounts))
	for i := range d.Accounts {
		byID[d.Accounts[i].ID] = &d.Accounts[i]
	}
	person := func(p outreach.DigestPerson) (Person, bool) {
		a, ok := byID[p.AccountID]
		return Person{Account: a, Email: p.ContactEmail, Name: p.ContactName}, ok
	}
	d.Cases = cases(data.Cases)
	d.Feedback = feedback(data.Responses, from, person, isCSAT)
	d.Renewals = renewals(d.Accounts, data.Latest, to.In(loc), isCSAT)
	d.Quiet = quiet(data.Scheduled, person)
	for _, e := range data.Milestones {
		if p, ok := person(e.DigestPerson); ok {
			name, _ := e.Properties["milestone"].(string)
			if name == "" && e.Properties["milestone"] != nil {
				name = fmt.Sprint(e.Properties["milestone"])
			}
			d.Milestones = append(d.Milestones, Milestone{Person: p, Name: name, At: e.OccurredAt})
		}
	}
	d.Activity = activity(data.Decided, data.Planned, to, person)
	for _, s := range data.Suppressions {
		if p, ok := person(s.DigestPerson); ok {
			d.MailIssues = append(d.MailIssues, MailIssue{Person: p, Kind: issueKind(s.Scope, s.Reason),
				Scope: s.Scope, Reason: s.Reason, At: s.CreatedAt})
		}
	}
	return d
}

// feedback builds the survey section from the answers of [prevFrom, to);
// nil when the period [from, to) has none. CSAT answers of the period are
// listed apart and count in no NPS.
func feedback(rs []outreach.DigestResponse, from time.Time, person func(outreach.DigestPerson) (Person, bool), isCSAT func(string) bool) *Feedback {
	f := &Feedback{}
	trends := map[*outreach.Account]*Trend{}
	for _, r := range rs {
		p, ok := person(r.DigestPerson)
		if !ok {
			continue
		}
		if isCSAT(r.Campaign) {
			if !r.At.Before(from) {
				f.CSAT = append(f.CSAT, Response{Person: p, Campaign: r.Campaign, Score: r.Score, Comment: r.Comment, At: r.At})
			}
			continue
		}
		t := trends[p.Account]
		if t == nil {
			t = &Trend{}
			trends[p.Account] = t
		}
		if r.At.Before(from) {
			t.Previous.Add(r.Score)
			f.Overall.Previous.Add(r.Score)
			continue
		}
		t.Current.Add(r.Score)
		f.Overall.Current.Add(r.Score)
		resp := Response{Person: p, Campaign: r.Campaign, Score: r.Score, Comment: r.Comment, At: r.At}
		switch Classify(r.Score) {
		case Detractor:
			f.Detractors = append(f.Detractors, resp)
		case Passive:
			f.Passives = append(f.Passives, resp)
		default:
			f.Promoters = append(f.Promoters, resp)
		}
	}
	if f.Overall.Current.Responses() == 0 && len(f.CSAT) == 0 {
		return nil
	}
	for a, t := range trends {
		if t.Current.Responses() > 0 {
			f.Accounts = append(f.Accounts, AccountTrend{Account: a, Trend: *t})
		}
	}
	sort.Slice(f.Accounts, func(i, j int) bool {
		x, y := f.Accounts[i], f.Accounts[j]
		if x.Current.Score() != y.Current.Score() {
			return x.Current.Score() < y.Current.Score()
		}
		return accountKey(x.Account) < accountKey(y.Account)
	})
	lowestFirst := func(rs []Response) {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].Score < rs[j].Score })
	}
	lowestFirst(f.Detractors)
	lowestFirst(f.CSAT)
	newestFirst := func(rs []Response) {
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].At.After(rs[j].At) })
	}
	newestFirst(f.Passives)
	newestFirst(f.Promoters)
	return f
}

// accountKey orders accounts by name, then external id.
func accountKey(a *outreach.Account) string { return strings.ToLower(a.Name) + "\x00" + a.ExternalID }

// renewals lists the accounts renewing within RenewalHorizon days of the
// date of to, soonest first, with their latest NPS: over each contact's
// newest answer to an NPS (not CSAT) campaign. latest holds each contact's
// newest answer per campaign, oldest first.
func renewals(accounts []outreach.Account, latest []outreach.DigestResponse, to time.Time, isCSAT func(string) bool) []Renewal {
	newest := map[string]outreach.DigestResponse{} // by contact email
	for _, r := range latest {
		if !isCSAT(r.Campaign) {
			newest[r.ContactEmail] = r
		}
	}
	nps := map[int64]*NPS{}
	for _, r := range newest {
		if nps[r.AccountID] == nil {
			nps[r.AccountID] = &NPS{}
		}
		nps[r.AccountID].Add(r.Score)
	}
	today := civilDate(to)
	var out []Renewal
	for i := range accounts {
		a := &accounts[i]
		date, err := time.Parse(time.DateOnly, a.RenewalDate)
		if err != nil {
			continue
		}
		days := int(date.Sub(today).Hours() / 24)
		if days < 0 || days > RenewalHorizon {
			continue
		}
		r := Renewal{Account: a, Date: a.RenewalDate, DaysLeft: days}
		for _, b := range RenewalBuckets {
			if days <= b {
				r.Within = b
				break
			}
		}
		if n := nps[a.ID]; n != nil {
			r.Latest = *n
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date < out[j].Date })
	return out
}

// quiet finds the contacts a re-engagement email was planned for: the
// scheduled deliveries whose occurrence is the contact's last_seen_at (an
// RFC 3339 time; renewal reminders use a date and anniversaries a year).
// One line per contact, the latest.
func quiet(scheduled []outreach.DigestDelivery, person func(outreach.DigestPerson) (Person, bool)) []QuietContact {
	var out []QuietContact
	at := map[string]int{}
	for _, s := range scheduled {
		seen, err := time.Parse(time.RFC3339, s.Occurrence)
		p, ok := person(s.DigestPerson)
		if err != nil || !ok {
			continue
		}
		q := QuietContact{Person: p, LastSeen: seen, Campaign: s.Campaign, State: s.State}
		if i, dup := at[p.Email]; dup {
			out[i] = q
			continue
		}
		at[p.Email] = len(out)
		out = append(out, q)
	}
	return out
}

// activity sorts the period's decided deliveries and the planned ones:
// overdue (due before to) or due within PlannedHorizon from to; nil when
// there is none. A delivery deferred in the period is listed as deferred
// only.
func activity(decided, planned []outreach.DigestDelivery, to time.Time, person func(outreach.DigestPerson) (Person, bool)) *Activity {
	a := &Activity{}
	waiting := map[string]bool{}
	item := func(d outreach.DigestDelivery, p Person) Item {
		return Item{Person: p, DeliveryID: d.ID, Campaign: d.Campaign, Category: d.Category,
			Decision: d.Decision, Reason: d.Reason, At: d.At, Until: d.Until, Error: d.Error}
	}
	for _, d := range decided {
		p, ok := person(d.DigestPerson)
		if !ok {
			continue
		}
		it := item(d, p)
		switch d.Decision {
		case outreach.DecisionSent:
			if d.State == outreach.DeliveryFailed {
				a.Failed = append(a.Failed, it)
			} else {
				a.Sent = append(a.Sent, it)
			}
		case outreach.DecisionDeferred:
			a.Deferred = append(a.Deferred, it)
			waiting[d.ID] = true
		default:
			a.Dropped = append(a.Dropped, it)
		}
	}
	for _, d := range planned {
		p, ok := person(d.DigestPerson)
		if !ok || waiting[d.ID] {
			continue
		}
		it := item(d, p)
		it.At = d.NotBefore
		switch {
		case d.NotBefore.Before(to):
			a.Overdue = append(a.Overdue, it)
		case d.NotBefore.Before(to.Add(PlannedHorizon)):
			a.Planned = append(a.Planned, it)
		}
	}
	if len(a.Sent)+len(a.Failed)+len(a.Deferred)+len(a.Dropped)+len(a.Overdue)+len(a.Planned) == 0 {
		return nil
	}
	return a
}

// issueKind names a suppression for a CSM.
func issueKind(scope, reason string) string {
	if scope != outreach.ScopeHard {
		return "unsubscribe"
	}
	if strings.Contains(strings.ToLower(reason), "spam") {
		return "spam report"
	}
	return "bounce"
}

// Cases is the digest's first section: the owner's follow-up cases.
type Cases struct {
	Open   []outreach.Case // open and in progress: overdue first, then by due time
	Closed []outreach.Case // closed in the period, with their outcome notes
}

// Overdue counts the open cases past their due time.
func (c *Cases) Overdue() int {
	n := 0
	for _, k := range c.Open {
		if k.Overdue {
			n++
		}
	}
	return n
}

// cases sorts the store's cases into the section; nil when there are none.
func cases(cs []outreach.Case) *Cases {
	if len(cs) == 0 {
		return nil
	}
	out := &Cases{}
	for _, k := range cs {
		if k.State == outreach.CaseClosed {
			out.Closed = append(out.Closed, k)
		} else {
			out.Open = append(out.Open, k)
		}
	}
	slices.SortStableFunc(out.Open, func(a, b outreach.Case) int {
		if a.Overdue != b.Overdue {
			if a.Overdue {
				return -1
			}
			return 1
		}
		return a.DueAt.Compare(b.DueAt)
	})
	return out
}
