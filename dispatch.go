package outreach

import (
	"fmt"
	"time"
)

// This file holds the data that the dispatcher (package dispatch) and the
// store exchange: a claim of contacts with due deliveries, the one read of
// their history, the outcomes decided for them, and the deliveries reserved
// for sending.

// DispatchClaim asks the store to claim contacts with due deliveries.
type DispatchClaim struct {
	Now       time.Time // the decision instant: due means not_before <= Now
	ProcessID string    // recorded as claimed_by on reserved deliveries
	Limit     int       // contacts per claim (one transaction)
	// ContactWindow is how far back each contact's reservations are read.
	ContactWindow time.Duration
	// AccountWindow is how far back the account's survey reservations are
	// read; 0 reads none and does not lock the account.
	AccountWindow time.Duration
	// PackVersion is the version of the campaign pack that decides. A
	// claim compares it, in its transaction and after reading the due
	// deliveries, with the stored active version, and decides nothing when
	// the stored one is newer (StalePackError).
	PackVersion int
}

// StalePackError is what a claim returns when the stored active campaign
// pack is newer than the one it was given to decide with: it decided and
// changed nothing, and the dispatcher loads the stored pack and claims
// again. No replica thus drops a delivery of a campaign its own pack does
// not know yet, or decides one with an older policy.
type StalePackError struct {
	Have, Stored int // the claim's pack version, the stored active version
}

func (e *StalePackError) Error() string {
	return fmt.Sprintf("campaign pack version %d is older than the stored active version %d: load it before deciding", e.Have, e.Stored)
}

// Reservation is a delivery in sending or sent state, timed at the instant
// its slot was reserved.
type Reservation struct {
	DeliveryID, Campaign, Category string
	At                             time.Time
	// Recipient is the email address of the contact it went to. The store
	// fills it for DueContact.AccountSurveys (the account cap's reason
	// names who took each survey); History leaves it empty, the contact
	// being DueContact.Contact.
	Recipient string
	// Reminder marks a survey reminder's reservation (IsReminder), which
	// does not restart the survey cooldown.
	Reminder bool
}

// DueContact is one claimed contact with one read of everything a decision
// needs. The store holds the contact (and, for the account cap, the
// account) locked while the dispatcher decides.
type DueContact struct {
	Contact        Contact
	Account        Account
	Due            []Delivery    // planned and due, re-read under the lock
	History        []Reservation // the contact's reservations within ContactWindow
	AccountSurveys []Reservation // the account's survey reservations within AccountWindow
	Suppressions   []Suppression // of the contact's address
	// Paused holds the paused campaigns by key, read in the claim
	// transaction (shared by the contacts of one claim; do not modify).
	Paused map[string]CampaignPause
}

// DispatchOutcome is the decision for one due delivery. A sent decision
// reserves the slot (state sending) at Decision.At; deferred sets
// not_before to Until; dropped and suppressed are final.
type DispatchOutcome struct {
	Decision
	ExpiresAt time.Time // due + the active pack's ttl; zero keeps the stored one
}

// ReservedDelivery is a delivery in sending state claimed by this process,
// with what rendering needs.
type ReservedDelivery struct {
	Delivery  Delivery
	Contact   Contact
	Account   Account
	ExpiresAt time.Time
	Attempts  int // HTTP requests made so far
	// OwnerName is the name of the account's owner (Account.OwnerEmail)
	// in the team data; "" when the owner is not a team member.
	OwnerName       string
	EventProperties map[string]any // of deliveries.event_id; nil when none
}

// Send results recorded by FinishSends.
const (
	SendSent   = "sent"   // accepted by the provider
	SendFailed = "failed" // refused for good, or given up
	SendRetry  = "retry"  // released, to be sent again at RetryAt
	// SendUnanswered: the request was sent and its answer lost (a timeout,
	// a broken connection); the provider may have accepted it. The row
	// stays sending under its claim, with the heartbeat at At, and no
	// longer refreshed: recovery settles it like a crashed send — the
	// processed event, else a resend after the grace (webhook) or failed
	// "outcome unknown" (no webhook) — never an immediate resend.
	SendUnanswered = "unanswered"
)

// SendOutcome is the result of sending (or recovering) one reserved
// delivery.
type SendOutcome struct {
	DeliveryID string
	ClaimedBy  string // the claim it settles: only a row still claimed so is changed
	Result     string // SendSent, SendFailed, SendRetry or SendUnanswered
	At         time.Time
	MessageID  string    // sent
	Error      string    // failed, retry: what went wrong
	RetryAt    time.Time // retry: when to send again
	Attempted  bool      // an HTTP request was made (counts in attempts)
	// FailReason classifies a failed send for /metrics (one of the
	// FailReason* values: a bounded label, never the provider's text).
	FailReason string
	// Latency is how long the provider took to answer (0: no request).
	Latency time.Duration
}

// Reasons a send fails, as /metrics counts them: a closed set.
const (
	FailRender         = "render"          // the message could not be built
	FailRefused        = "refused"         // the provider refused it for good (4xx other than 429)
	FailExpired        = "expired"         // retries ran past the delivery's ttl
	FailOutcomeUnknown = "outcome_unknown" // its process vanished and nothing confirms it was sent
)

// StaleSending is a sending delivery whose process stopped refreshing its
// heartbeat, with the provider's processed event when one arrived.
type StaleSending struct {
	DeliveryID  string
	ClaimedBy   string
	HeartbeatAt time.Time
	ExpiresAt   time.Time
	ProcessedAt *time.Time // the earliest processed event for it, if any
	MessageID   string     // from that event
}
