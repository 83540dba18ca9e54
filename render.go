package outreach

import "time"

// MessageData is what the email of one delivery is rendered from, in the
// domain's terms: dispatch fills it from the reserved delivery, and the
// pack's Renderer (package templates) turns it into its template data.
type MessageData struct {
	Contact  *Contact
	Account  *Account
	Campaign *Campaign
	Category string // the delivery's category
	// Event holds the properties of the triggering event; nil for
	// scheduled triggers.
	Event      map[string]any
	Occurrence string // the delivery's occurrence key
	// Reminder is true in a survey's one reminder, whose links answer the
	// first email's survey.
	Reminder bool
	// SurveyLinks are the 11 signed answer URLs for scores 0..10 (surveys).
	SurveyLinks    []string
	UnsubscribeURL string // empty for transactional mail
	PostalAddress  string
	Now            time.Time
	// Location is the recipient's zone for dates (RecipientZone).
	Location *time.Location
}

// RenderedMessage is the content of a rendered email.
type RenderedMessage struct {
	Subject, Text, HTML string
}

// Renderer renders the templates of a campaign pack: the template named
// template in the locale of its reader (with the locale fallback). The
// dispatcher gets it with the active pack (templates.Set implements it;
// cmd wires campaigns.Loaded.PackAndTemplates), so that it depends on the
// domain and not on the template package.
type Renderer interface {
	RenderMessage(template, locale string, d *MessageData) (RenderedMessage, error)
}
