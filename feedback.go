package outreach

import (
	"context"
	"time"
)

// FeedbackEvent is one provider (SendGrid) webhook event, already verified
// and classified by the HTTP layer, ready for the store.
type FeedbackEvent struct {
	// Event is what goes on the delivery's timeline. Event.ID (the
	// provider's event id) deduplicates retried webhook requests.
	// Event.DeliveryID may be empty; the store then looks the delivery up
	// by MessageID.
	Event ProviderEvent
	// MessageID is the provider's id of the message (X-Message-Id).
	MessageID string
	// Suppress is the suppression scope the event creates for Event.Email
	// (ScopeHard for bounces and spam reports, ScopeAll for unsubscribes),
	// or "" for none.
	Suppress string
	// Reason is the suppression's reason, e.g. "sendgrid bounce".
	Reason string
	// Processed marks the provider's acceptance of the message: a delivery
	// still in `sending` (its process crashed before recording the answer)
	// becomes `sent`, with MessageID.
	Processed bool
}

// FeedbackResult counts what a webhook request changed.
type FeedbackResult struct {
	Recorded   int `json:"recorded"`   // new provider events stored
	Duplicates int `json:"duplicates"` // events seen before (same id)
	Suppressed int `json:"suppressed"` // new suppressions created
	Reconciled int `json:"reconciled"` // `sending` deliveries settled as `sent`
}

// SurveyTarget is the survey delivery a signed survey link points at, with
// what the public page needs to know about its recipient.
type SurveyTarget struct {
	DeliveryID string
	Campaign   string
	Category   string
	State      string
	ContactID  int64
	Email      string
	Name       string
	Locale     string
}

// NPSFilter narrows an NPS report. Empty fields mean no filter; the window
// is [From, To).
type NPSFilter struct {
	Campaign string     // campaign key
	Account  string     // account external id
	From     *time.Time // inclusive
	To       *time.Time // exclusive
	// ExcludeCampaigns leaves the surveys and answers of these campaign
	// keys out of the report: without a Campaign, the HTTP API passes the
	// CSAT campaigns here, so that the NPS counts NPS surveys only.
	ExcludeCampaigns []string
	// Owner (accounts.owner_email, any case), Plan, Role and Locale narrow
	// the answers to those accounts and contacts.
	Owner, Plan, Role, Locale string
	// Interval (IntervalWeek, IntervalMonth) asks for a series; GroupBy
	// (one of NPSGroupings) for groups.
	Interval, GroupBy string
}

// NPSReport is the Net Promoter Score of the responses a filter selects:
// % promoters (9-10) minus % detractors (0-6), from -100 to +100.
type NPSReport struct {
	// NPS is nil when there are no responses.
	NPS        *float64 `json:"nps"`
	Promoters  int      `json:"promoters"`
	Passives   int      `json:"passives"`
	Detractors int      `json:"detractors"`
	Responses  int      `json:"responses"`
	// SurveysSent counts survey deliveries sent in the window.
	SurveysSent int `json:"surveys_sent"`
	// Answered counts those of SurveysSent that have a response.
	Answered int `json:"answered"`
	// ResponseRate is Answered / SurveysSent (0 when none were sent).
	ResponseRate float64 `json:"response_rate"`
	// Overall is the NPS of every selected answer with its margin of
	// error; Series has one entry per week or month with answers (with an
	// interval), Groups one per value of the grouping (with group_by).
	Overall NPSStats   `json:"overall"`
	Series  []NPSPoint `json:"series"`
	Groups  []NPSGroup `json:"groups"`
}

// FeedbackStore is what the feedback loop needs from the store: the
// provider's event webhook, survey answers, unsubscribes and NPS.
type FeedbackStore interface {
	// RecordProviderEvents applies one webhook request atomically: new
	// events are stored, suppressions created (stopping pending
	// deliveries to the address), `sending` deliveries reconciled.
	// Events with a known id change nothing.
	RecordProviderEvents(ctx context.Context, events []FeedbackEvent) (FeedbackResult, error)
	// SurveyDelivery returns the delivery a survey link names, or
	// ENOTFOUND (unknown or erased).
	SurveyDelivery(ctx context.Context, deliveryID string) (*SurveyTarget, error)
	// RecordSurveyResponse stores an answer; a later answer to the same
	// delivery replaces the earlier one. ENOTFOUND for an unknown delivery.
	RecordSurveyResponse(ctx context.Context, r SurveyResponse) error
	// ContactLocale returns the locale of the contact with email, or ""
	// when there is no such contact (or it has none).
	ContactLocale(ctx context.Context, email string) (string, error)
	// SuppressionScopes returns the scopes suppressed for email.
	SuppressionScopes(ctx context.Context, email string) ([]string, error)
	// AddSuppressions is IngestStore.AddSuppressions.
	AddSuppressions(ctx context.Context, items []Suppression) (BatchResult, error)
	// NPS computes the NPS report of the responses f selects. An unknown
	// account is ENOTFOUND.
	NPS(ctx context.Context, f NPSFilter) (*NPSReport, error)
	// SentCampaigns returns the keys of the campaigns that ever sent an
	// email or received an answer, sorted, including campaigns no longer
	// in the active pack.
	SentCampaigns(ctx context.Context) ([]string, error)
}

// SurveyText is what a survey asks in one language: its question and the
// labels of the two ends of the 0-10 scale. A pack defines it once per
// template and locale (the front matter of the template's .txt file); the
// email and the survey page both show it, so they never ask differently.
type SurveyText struct {
	Locale   string // the template locale it comes from (after fallback)
	Question string
	Low      string // under 0
	High     string // under 10
}

// EventSurveyAnswered is the type of the event each recorded survey answer
// (and each change of it) adds on the contact, so that campaigns trigger on
// answers through the same budget. Its properties are score, class
// (ScoreClass), campaign, survey (the kind) and has_comment.
const EventSurveyAnswered = "survey.answered"

// Answer classes of a 0-10 score.
const (
	ClassPromoter  = "promoter"  // 9-10
	ClassPassive   = "passive"   // 7-8
	ClassDetractor = "detractor" // 0-6
)

// ScoreClasses lists the answer classes in a stable order.
var ScoreClasses = []string{ClassPromoter, ClassPassive, ClassDetractor}

// ScoreClass returns the class of a 0-10 score: promoter (9-10), passive
// (7-8) or detractor (0-6).
func ScoreClass(score int) string {
	switch {
	case score >= 9:
		return ClassPromoter
	case score >= 7:
		return ClassPassive
	}
	return ClassDetractor
}

// ResponseQuery selects survey answers for the export API, in (At,
// DeliveryID) order after the cursor position.
type ResponseQuery struct {
	From, To *time.Time // [From, To) of the answer time
	Campaign string
	Account  string // external id
	// AfterAt and AfterID: the position of the last row of the previous
	// page (zero AfterAt = from the start).
	AfterAt time.Time
	AfterID string
	Limit   int
}

// ResponseRow is one exported answer.
type ResponseRow struct {
	DeliveryID string    `json:"delivery_id"`
	Campaign   string    `json:"campaign"`
	Score      int       `json:"score"`
	Class      string    `json:"class"`
	Comment    string    `json:"comment"`
	At         time.Time `json:"at"`
	Contact    string    `json:"contact"` // email
	ContactID  string    `json:"contact_external_id"`
	Account    string    `json:"account"` // external id
	Owner      string    `json:"owner"`
}
