package outreach

import (
	"context"
	"time"
)

// Outgoing webhook event types (Standard Webhooks).
const (
	WebhookResponseCreated    = "response.created"
	WebhookResponseUpdated    = "response.updated"
	WebhookSuppressionCreated = "suppression.created"
	WebhookSuppressionDeleted = "suppression.deleted"
	WebhookDeliverySent       = "delivery.sent"
	WebhookDeliveryFailed     = "delivery.failed"
	WebhookDeliveryDropped    = "delivery.dropped"
	WebhookDeliverySuppressed = "delivery.suppressed"
	WebhookCaseOpened         = "case.opened"
	WebhookCaseUpdated        = "case.updated"
	WebhookCaseClosed         = "case.closed"
)

// WebhookEventTypes lists every event type an endpoint may subscribe to.
var WebhookEventTypes = []string{WebhookResponseCreated, WebhookResponseUpdated, WebhookSuppressionCreated,
	WebhookSuppressionDeleted, WebhookDeliverySent, WebhookDeliveryFailed, WebhookDeliveryDropped,
	WebhookDeliverySuppressed, WebhookCaseOpened, WebhookCaseUpdated, WebhookCaseClosed}

// WebhookRetryFor is how long a message an endpoint does not take (non-2xx
// or no answer) is tried again, with exponential backoff, before it is
// marked failed.
const WebhookRetryFor = 24 * time.Hour

// WebhookEndpoint is a subscriber of outgoing webhooks.
type WebhookEndpoint struct {
	ID        string    `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	Secret    string    `json:"-"` // "whsec_" + base64 of the key: shown once, at creation
}

// Webhook message states.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
)

// WebhookMessage is one event for one endpoint: its id (webhook-id) is the
// same on every attempt.
type WebhookMessage struct {
	ID          string     `json:"id"`
	EndpointID  string     `json:"-"`
	Type        string     `json:"type"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastStatus  int        `json:"last_status,omitempty"`
	LastError   string     `json:"last_error,omitempty"`
	NextAt      *time.Time `json:"next_attempt_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	Body        []byte     `json:"-"` // {"type","timestamp","data"}
	URL         string     `json:"-"` // of the endpoint, for the sender
	Secret      string     `json:"-"`
}

// WebhookStore keeps endpoints and the outbox of their messages.
type WebhookStore interface {
	CreateWebhook(ctx context.Context, e WebhookEndpoint) error
	Webhooks(ctx context.Context) ([]WebhookEndpoint, error)
	DeleteWebhook(ctx context.Context, id string) error // ENOTFOUND
	// WebhookDeliveries lists the endpoint's messages, newest first.
	WebhookDeliveries(ctx context.Context, id string, limit int) ([]WebhookMessage, error)
	// ClaimWebhookMessages leases up to limit due pending messages.
	ClaimWebhookMessages(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]WebhookMessage, error)
	// FinishWebhookMessages records attempts made at now, in one
	// transaction (one commit for a batch, not one per message).
	FinishWebhookMessages(ctx context.Context, now time.Time, attempts []WebhookAttempt) error
}

// WebhookAttempt is the outcome of one attempt to deliver a message.
type WebhookAttempt struct {
	ID     string // the message
	Status int    // the HTTP status; 0 without an answer
	// Err is "" when the message was delivered; otherwise it is retried
	// at RetryAt, or failed for good when RetryAt is zero.
	Err     string
	RetryAt time.Time
}
