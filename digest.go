package outreach

import "time"

// This file holds the data that the digest builder (package digest) and the
// store exchange: what one team member's digest covers, read in a few
// set-based queries, and the stored digest rows.

// Digest states.
const (
	DigestPending = "pending" // stored, not sent yet
	DigestSent    = "sent"    // accepted by the sender
	DigestEmpty   = "empty"   // nothing to report: not sent
	DigestFailed  = "failed"  // the sender refused it
)

// DigestQuery asks the store for everything one owner's digest covers.
type DigestQuery struct {
	Owner    string    // accounts.owner_email, lower-cased
	From, To time.Time // the period [From, To)
	PrevFrom time.Time // the previous period is [PrevFrom, From), for the NPS change
	// LatestSince bounds the answers read for each account's latest NPS.
	LatestSince time.Time
	// RenewalFrom and RenewalTo (YYYY-MM-DD, inclusive) select renewals.
	RenewalFrom, RenewalTo string
	// PlannedUntil ends the week ahead: planned deliveries due in [To,
	// PlannedUntil) are read, and the overdue ones (due before To).
	PlannedUntil time.Time
}

// DigestPerson names a contact and its account in a digest row.
type DigestPerson struct {
	AccountID    int64
	ContactEmail string
	ContactName  string
}

// DigestResponse is a survey answer of one of the owner's contacts.
type DigestResponse struct {
	DigestPerson
	Campaign string
	Score    int
	Comment  string
	At       time.Time
}

// DigestDelivery is a delivery to one of the owner's contacts, with its
// latest decision in the period (Decision is "" for planned deliveries read
// for the week ahead).
type DigestDelivery struct {
	DigestPerson
	ID         string
	Campaign   string
	Category   string
	Occurrence string
	EventID    string
	State      string
	NotBefore  time.Time
	CreatedAt  time.Time
	Error      string
	Decision   string
	Reason     string
	At         time.Time  // of the decision
	Until      *time.Time // of a deferral
}

// DigestEvent is an event concerning one of the owner's accounts (a
// milestone); ContactEmail is "" for account-level events.
type DigestEvent struct {
	DigestPerson
	Type       string
	OccurredAt time.Time
	Properties map[string]any
}

// DigestSuppression is a suppression of one of the owner's contacts.
type DigestSuppression struct {
	DigestPerson
	Scope     string
	Reason    string
	CreatedAt time.Time
}

// DigestData is what the store read for a DigestQuery. Rows name accounts
// by ID; Accounts holds every account the owner owns.
type DigestData struct {
	Accounts []Account
	// Responses in [PrevFrom, To), oldest first.
	Responses []DigestResponse
	// Latest holds each contact's most recent answer to each campaign in
	// [LatestSince, To), oldest first, for the accounts renewing between
	// RenewalFrom and RenewalTo (the digest keeps each contact's newest NPS
	// answer: a later CSAT answer does not hide it).
	Latest []DigestResponse
	// Decided holds every delivery with a decision in [From, To), with the
	// latest such decision.
	Decided []DigestDelivery
	// Scheduled holds deliveries created in [From, To) by scheduled
	// triggers (event_id ""): re-engagement, renewal and anniversary mail.
	Scheduled []DigestDelivery
	// Planned holds deliveries in state planned whose not_before is in
	// [To, PlannedUntil), and the overdue ones: not_before before To and
	// not expired at To (expires_at after To), by not_before.
	Planned []DigestDelivery
	// Milestones are milestone.reached events that occurred in [From, To).
	Milestones []DigestEvent
	// Suppressions created in [From, To).
	Suppressions []DigestSuppression
	// Cases of the owner's accounts: every open or in-progress one, and
	// those closed in [From, To) (with their outcome notes).
	Cases []Case
}

// DigestMember is a team member with the end of their latest stored
// digest period (nil before the first) and when they joined.
type DigestMember struct {
	TeamMember
	CreatedAt     time.Time
	LastPeriodEnd *time.Time
}

// DigestRecord is one stored digest: one per owner and period end.
type DigestRecord struct {
	OwnerEmail  string
	PeriodStart time.Time
	PeriodEnd   time.Time
	State       string
	Subject     string
	Text        string
	HTML        string
	SentAt      *time.Time
	CreatedAt   time.Time
}

// PauseFor is how long a digest's "pause outreach" link holds automated
// outreach to an account.
const PauseFor = 14 * 24 * time.Hour

// PauseLinkValidity is how long a digest's pause link can be used.
const PauseLinkValidity = 30 * 24 * time.Hour
