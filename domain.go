package outreach

import (
	"encoding/json"
	"time"
)

// Account is a customer company.
type Account struct {
	ID          int64          `json:"-"`
	ExternalID  string         `json:"external_id"`
	Name        string         `json:"name,omitempty"`
	OwnerEmail  string         `json:"owner_email,omitempty"` // the CSM who owns it
	Plan        string         `json:"plan,omitempty"`
	Timezone    string         `json:"timezone,omitempty"` // IANA name; "" = unset
	StartedAt   *time.Time     `json:"started_at,omitempty"`
	RenewalDate string         `json:"renewal_date,omitempty"` // YYYY-MM-DD; "" = unset
	PausedUntil *time.Time     `json:"paused_until,omitempty"` // CS holds automated outreach until then
	Attributes  map[string]any `json:"attributes,omitempty"`   // extra columns
}

// Contact statuses.
const (
	ContactActive   = "active"
	ContactInactive = "inactive"
)

// Contact is a person at an account.
type Contact struct {
	ID                int64          `json:"-"`
	ExternalID        string         `json:"external_id,omitempty"`
	AccountID         int64          `json:"-"`
	AccountExternalID string         `json:"account_external_id,omitempty"`
	Email             string         `json:"email"` // lower-cased
	Name              string         `json:"name,omitempty"`
	Role              string         `json:"role,omitempty"`     // admin, champion, billing, user, ...
	Locale            string         `json:"locale,omitempty"`   // BCP 47, canonical form
	Timezone          string         `json:"timezone,omitempty"` // IANA name; "" = unset
	LastSeenAt        *time.Time     `json:"last_seen_at,omitempty"`
	Status            string         `json:"status,omitempty"`
	Attributes        map[string]any `json:"attributes,omitempty"`
}

// Canonical event types. Other types are accepted too.
const (
	EventOnboardingCompleted = "onboarding.completed"
	EventQBRCompleted        = "qbr.completed"
	EventTicketClosed        = "support.ticket_closed"
	EventRenewalCompleted    = "renewal.completed"
	EventMilestoneReached    = "milestone.reached"
	EventContactActive       = "contact.active"
)

// Event is something that happened to a contact or an account. Its ID is
// supplied by the client and is the idempotency key.
type Event struct {
	Seq               int64          `json:"-"` // store-assigned order of ingestion
	ID                string         `json:"id"`
	Type              string         `json:"type"`
	ContactExternalID string         `json:"contact_external_id,omitempty"`
	AccountExternalID string         `json:"account_external_id,omitempty"`
	ContactID         int64          `json:"-"`
	AccountID         int64          `json:"-"`
	OccurredAt        time.Time      `json:"occurred_at"`
	Properties        map[string]any `json:"properties,omitempty"`
	IngestedAt        time.Time      `json:"ingested_at,omitempty"`
	// NoTrigger events are stored without planning (imports of history).
	NoTrigger bool `json:"-"`
}

// TeamMember is someone at the vendor who receives a digest, usually a CSM.
type TeamMember struct {
	Email          string `json:"email"`
	Name           string `json:"name,omitempty"`
	Timezone       string `json:"timezone,omitempty"`
	DigestSchedule string `json:"digest_schedule,omitempty"` // cron, in Timezone
	// SlackWebhookURL and TeamsWebhookURL receive the alerts of the
	// accounts they own ("" = the OUTREACH_SLACK_WEBHOOK_URL and
	// OUTREACH_TEAMS_WEBHOOK_URL fallbacks).
	SlackWebhookURL string `json:"slack_webhook_url,omitempty"`
	TeamsWebhookURL string `json:"teams_webhook_url,omitempty"`
	// ConsoleRole is admin, marketing or cs; "" means no console access.
	ConsoleRole string `json:"console_role,omitempty"`
	// Locale is the member's language for the console (BCP 47); "" lets
	// the browser's Accept-Language choose.
	Locale string `json:"locale,omitempty"`
}

// Suppression scopes. Besides these, a scope may name one campaign category.
const (
	ScopeAll  = "all"  // every non-transactional category
	ScopeHard = "hard" // everything: bounces, spam reports, erasure
)

// Campaign categories.
const (
	CategorySurvey        = "survey"
	CategoryLifecycle     = "lifecycle"
	CategoryMarketing     = "marketing"
	CategoryTransactional = "transactional"
)

// Categories lists the campaign categories in a stable order.
var Categories = []string{CategorySurvey, CategoryLifecycle, CategoryMarketing, CategoryTransactional}

// Suppression stops mail to an address, for one scope.
type Suppression struct {
	Email     string    `json:"email"`
	Scope     string    `json:"scope"`
	Reason    string    `json:"reason,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Delivery states.
const (
	DeliveryPlanned    = "planned"
	DeliverySending    = "sending"
	DeliverySent       = "sent"
	DeliveryFailed     = "failed"
	DeliveryDropped    = "dropped"
	DeliverySuppressed = "suppressed"
)

// Delivery is one email to one contact from one campaign for one occurrence:
// the outbox row. Its ID is deterministic (see DeliveryID).
type Delivery struct {
	ID          string     `json:"id"`
	Campaign    string     `json:"campaign"`
	Category    string     `json:"category"`
	ContactID   int64      `json:"-"`
	AccountID   int64      `json:"-"`
	Occurrence  string     `json:"occurrence"`
	EventID     string     `json:"event_id,omitempty"`
	State       string     `json:"state"`
	DueAt       time.Time  `json:"due_at"`
	NotBefore   time.Time  `json:"not_before"`
	ReservedAt  *time.Time `json:"reserved_at,omitempty"` // when its slot was reserved (sending)
	SentAt      *time.Time `json:"sent_at,omitempty"`
	ClaimedBy   string     `json:"claimed_by,omitempty"`
	HeartbeatAt *time.Time `json:"heartbeat_at,omitempty"`
	MessageID   string     `json:"message_id,omitempty"` // provider's message id
	Error       string     `json:"error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`

	Decisions      []Decision      `json:"decisions"`
	ProviderEvents []ProviderEvent `json:"provider_events"`
}

// Decision kinds: a closed set.
const (
	DecisionSent       = "sent"
	DecisionDeferred   = "deferred"
	DecisionDropped    = "dropped"
	DecisionSuppressed = "suppressed"
)

// Rules that defer or drop a delivery: the Rule of a deferred or dropped
// Decision names the one that bound it (see package throttle: when several
// rules hold a delivery back, the one whose earliest allowed instant is the
// latest). The names are those of the campaign pack's policy keys.
const (
	RuleQuietHours     = "quiet_hours"
	RuleBusinessDays   = "business_days"
	RuleMaxPerDay      = "max_per_day"
	RuleMaxPerWeek     = "max_per_week"
	RuleMinGap         = "min_gap"
	RuleSurveyCooldown = "survey_cooldown"
	RuleAccountSurveys = "account_surveys"
	RuleAccountPaused  = "account_paused"
	// RuleCampaignPaused is reserved for a campaign paused from the console.
	RuleCampaignPaused = "campaign_paused"
	// RuleTTL: the delivery's due + ttl passed before any rule held it
	// (the dispatcher was down, or retries ran out of time).
	RuleTTL = "ttl"
	// RuleCampaignRemoved: the campaign left the active pack.
	RuleCampaignRemoved = "campaign_removed"
	// RuleAnswered: a survey reminder whose survey was answered before it
	// was sent (an answer cancels the reminder).
	RuleAnswered = "answered"
	// RuleInvalidPolicy: the throttle was handed a policy that fails
	// validation (a last line of defence; packs are validated first).
	RuleInvalidPolicy = "invalid_policy"
)

// Decision is an append-only record of what the throttle decided for a
// delivery, and why. Rule is set on deferred and dropped decisions.
type Decision struct {
	DeliveryID string     `json:"delivery_id"`
	At         time.Time  `json:"at"`
	Decision   string     `json:"decision"`
	Rule       string     `json:"rule,omitempty"`
	Reason     string     `json:"reason"`
	Until      *time.Time `json:"until,omitempty"`
}

// ProviderEvent is what the mail provider reported about a delivery
// (processed, delivered, open, click, bounce, ...).
type ProviderEvent struct {
	ID         string          `json:"id"` // sg_event_id
	DeliveryID string          `json:"delivery_id,omitempty"`
	Email      string          `json:"email"`
	Type       string          `json:"type"`
	At         time.Time       `json:"at"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

// SurveyResponse is an NPS or CSAT answer to a survey delivery.
type SurveyResponse struct {
	DeliveryID string    `json:"delivery_id"`
	Campaign   string    `json:"campaign"`
	ContactID  int64     `json:"-"`
	Score      int       `json:"score"` // 0-10
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
	// Survey is the campaign's survey kind (SurveyNPS, SurveyCSAT), set by
	// the caller that records the answer from the active pack; it goes
	// into the survey.answered event.
	Survey string `json:"survey,omitempty"`
}

// Token scopes.
const (
	ScopeIngest = "ingest" // may only POST data
	ScopeAdmin  = "admin"  // may do everything
)

// Token is an API token; only the SHA-256 hash of its secret is stored.
type Token struct {
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	Hash      string     `json:"-"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// LastUsedAt is when the token last authenticated a request, to the
	// minute (written at most once a minute); nil = never.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// BatchResult counts what an ingestion batch did.
type BatchResult struct {
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Duplicates int `json:"duplicates"`
}

// Add sums two results.
func (r BatchResult) Add(o BatchResult) BatchResult {
	return BatchResult{r.Created + o.Created, r.Updated + o.Updated, r.Duplicates + o.Duplicates}
}

// Timeline is everything known about one contact, for the timeline API.
type Timeline struct {
	Contact      Contact          `json:"contact"`
	Account      *Account         `json:"account"`
	Events       []TimelineEvent  `json:"events"`     // newest first, with outcomes
	Deliveries   []Delivery       `json:"deliveries"` // with decisions and provider events
	Suppressions []Suppression    `json:"suppressions"`
	Responses    []SurveyResponse `json:"responses"`
}
