package templates

import (
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
)

// Data is what a template sees as dot.
type Data struct {
	Contact  Person
	Account  Org
	Campaign CampaignInfo
	// Event holds the properties of the triggering event; nil for scheduled
	// triggers. Properties set to null count as absent.
	Event map[string]any
	// Occurrence is the delivery's occurrence key: a milestone, an
	// anniversary year, a renewal date, an event id.
	Occurrence string
	// Reminder is true in a survey's one reminder (reminder: {after: D}):
	// its links answer the first email's survey.
	Reminder bool
	// SurveyLinks are the 11 signed answer URLs for scores 0..10 (surveys).
	SurveyLinks    []string
	UnsubscribeURL string
	PostalAddress  string
	Now            time.Time
	// Location is the recipient's zone for dates; nil = Contact.Timezone,
	// then UTC.
	Location *time.Location
}

// Person is the recipient.
type Person struct {
	Email string
	Name  string
	// FirstName is filled by Render when empty: the given name out of Name,
	// or a localised default ("there" in English) when there is no name.
	FirstName string
	Role      string
	Locale    string
	Timezone  string
}

// Org is the recipient's account (the customer company). Its dates are
// optional, so they are pointers: nil when the account has none, which
// {{with .Account.RenewalDate}}...{{end}} and {{if ...}} skip (a zero
// time.Time would count as set in a template).
type Org struct {
	Name        string
	Plan        string
	RenewalDate *time.Time // a calendar date at 00:00 UTC; nil = unset
	StartedAt   *time.Time // nil = unset
}

// CampaignInfo names the campaign a message belongs to.
type CampaignInfo struct {
	Key      string
	Name     string
	Category string
}

// Rendered is one rendered email.
type Rendered struct {
	Locale  string // the template locale actually used
	Subject string
	Text    string
	HTML    string
}

// PersonFromContact converts a domain contact.
func PersonFromContact(c *outreach.Contact) Person {
	return Person{Email: c.Email, Name: c.Name, Role: c.Role, Locale: c.Locale, Timezone: c.Timezone}
}

// OrgFromAccount converts a domain account. A renewal date that is not a
// YYYY-MM-DD date is an error (the store only keeps valid ones).
func OrgFromAccount(a *outreach.Account) (Org, error) {
	o := Org{Name: a.Name, Plan: a.Plan}
	if a.StartedAt != nil && !a.StartedAt.IsZero() {
		started := *a.StartedAt
		o.StartedAt = &started
	}
	if a.RenewalDate != "" {
		d, err := time.Parse(time.DateOnly, a.RenewalDate)
		if err != nil {
			return Org{}, fmt.Errorf("account %s: renewal_date %q is not a date (2026-12-31)", a.ExternalID, a.RenewalDate)
		}
		o.RenewalDate = &d
	}
	return o, nil
}

// sampleNow is the fixed instant of sample data, so previews and validation
// are reproducible.
var sampleNow = time.Date(2026, time.November, 16, 14, 30, 0, 0, time.UTC)

// samplePeople are realistic contacts per language.
var samplePeople = map[string]Person{
	"en": {Email: "jane.cooper@example.com", Name: "Jane Cooper", Timezone: "America/New_York"},
	"pt": {Email: "ana.souza@example.com", Name: "Ana Souza", Timezone: "America/Sao_Paulo"},
	"fr": {Email: "claire.martin@example.com", Name: "Claire Martin", Timezone: "Europe/Paris"},
	"ru": {Email: "anna.smirnova@example.com", Name: "Анна Смирнова", Timezone: "Europe/Moscow"},
	"hu": {Email: "anna.kovacs@example.com", Name: "Kovács Anna", Timezone: "Europe/Budapest"},
	"id": {Email: "rina.wijaya@example.com", Name: "Rina Wijaya", Timezone: "Asia/Jakarta"},
}

// sampleCampaigns are the campaigns of the default pack that sample data
// pretends to come from, per category.
var sampleCampaigns = map[string]CampaignInfo{
	outreach.CategorySurvey:        {Key: "nps-onboarding", Name: "NPS after onboarding"},
	outreach.CategoryLifecycle:     {Key: "anniversary", Name: "Account anniversary"},
	outreach.CategoryMarketing:     {Key: "product-news", Name: "Product news"},
	outreach.CategoryTransactional: {Key: "renewal-reminder", Name: "Renewal reminder"},
}

// SampleData returns realistic data for a sample contact of locale, as a
// campaign of category would see it: used by validation and preview. Survey
// data has its 11 SurveyLinks; Event is nil, as for a scheduled trigger, so
// a template that validates renders without event properties.
func SampleData(category, locale string) *Data {
	base := outreach.BaseLanguage(outreach.CanonicalLocale(locale))
	p, ok := samplePeople[base]
	if !ok {
		p = samplePeople[FallbackLocale]
	}
	p.Role = "admin"
	p.Locale = outreach.CanonicalLocale(locale)
	if p.Locale == "" {
		p.Locale = FallbackLocale
	}
	c := sampleCampaigns[category]
	if c.Key == "" {
		c = CampaignInfo{Key: "sample", Name: "Sample campaign"}
	}
	c.Category = category
	renewal := time.Date(2026, time.December, 31, 0, 0, 0, 0, time.UTC)
	started := time.Date(2023, time.November, 14, 9, 0, 0, 0, time.UTC)
	d := &Data{
		Contact:  p,
		Account:  Org{Name: "Acme Logistics", Plan: "Business", RenewalDate: &renewal, StartedAt: &started},
		Campaign: c,
		// The occurrence of an anniversary is its year; other campaigns do
		// not print theirs.
		Occurrence:     "2026",
		UnsubscribeURL: "https://outreach.example.com/u/sample-unsubscribe-token",
		PostalAddress:  "Outreach Inc., 548 Market Street, San Francisco, CA 94104, USA",
		Now:            sampleNow,
		Location:       outreach.LocationOrUTC(p.Timezone),
	}
	if category == outreach.CategorySurvey {
		d.SurveyLinks = make([]string, 11)
		for i := range d.SurveyLinks {
			d.SurveyLinks[i] = fmt.Sprintf("https://outreach.example.com/s/sample-survey-token?score=%d", i)
		}
	}
	return d
}

// BareSampleData returns SampleData with every optional field empty, as
// for a real contact known only by an email address: no name, role or zone,
// and an account without name, plan, renewal date or start date. Pack
// validation renders templates with it as well, so that a template printing
// an optional value without a guard such as
// {{with .Account.RenewalDate}}{{date .}}{{end}} fails there rather than on
// a real contact. The caller sets back what its campaign guarantees (an
// audience of renewal_within always has a renewal date).
func BareSampleData(category, locale string) *Data {
	d := SampleData(category, locale)
	d.Contact = Person{Email: d.Contact.Email, Locale: d.Contact.Locale}
	d.Account = Org{}
	d.Location = nil
	return d
}

// RenderMessage renders template name in locale for the delivery that d
// describes: the outreach.Renderer of a pack's templates, which the
// dispatcher calls. An account date that does not parse is returned as
// OrgFromAccount words it; a failed render as "render template NAME: ...".
func (s *Set) RenderMessage(name, locale string, d *outreach.MessageData) (outreach.RenderedMessage, error) {
	org, err := OrgFromAccount(d.Account)
	if err != nil {
		return outreach.RenderedMessage{}, err
	}
	r, err := s.Render(name, locale, &Data{
		Contact:        PersonFromContact(d.Contact),
		Account:        org,
		Campaign:       CampaignInfo{Key: d.Campaign.Key, Name: d.Campaign.Name, Category: d.Category},
		Event:          d.Event,
		Occurrence:     d.Occurrence,
		Reminder:       d.Reminder,
		SurveyLinks:    d.SurveyLinks,
		UnsubscribeURL: d.UnsubscribeURL,
		PostalAddress:  d.PostalAddress,
		Now:            d.Now,
		Location:       d.Location,
	})
	if err != nil {
		return outreach.RenderedMessage{}, fmt.Errorf("render template %s: %w", name, err)
	}
	return outreach.RenderedMessage{Subject: r.Subject, Text: r.Text, HTML: r.HTML}, nil
}
