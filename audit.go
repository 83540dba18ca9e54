package outreach

import (
	"context"
	"time"
)

// AuditEntry is one line of the audit log: a change that a person or an API
// client made by hand (lifting a suppression, resuming an account), as
// opposed to what the automation decided (the decision log). The store
// writes it in the same transaction as the change, so the log never claims
// a change that did not happen nor misses one that did.
type AuditEntry struct {
	ID     int64     `json:"id"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // the API token's name, "public page", a console user
	Action string    `json:"action"` // one of the Audit* actions
	Target string    `json:"target"` // what changed: an address, an account's external id
	Detail string    `json:"detail,omitempty"`
}

// Audit actions.
const (
	AuditSuppressionDeleted = "suppression.deleted"
	AuditAccountPaused      = "account.paused"
	AuditAccountResumed     = "account.resumed"
	// Case changes (CaseAuditAction picks one): taken ("I'm on it"), a
	// note added, closed with its outcome, reopened, or another move.
	AuditCaseTaken    = "case.taken"
	AuditCaseNoted    = "case.noted"
	AuditCaseClosed   = "case.closed"
	AuditCaseReopened = "case.reopened"
	AuditCaseUpdated  = "case.updated"
)

// ActorPublicPage is the actor of changes made on the public pages (a
// customer resubscribing on /u, a CSM resuming an account on /p): the
// signed link is the only credential there, so no name is known.
const ActorPublicPage = "public page"

// AuditStore holds the audited changes that undo what was done to a person
// or an account, and reads the log back. Every change method writes its
// AuditEntry (with actor) in the change's own transaction; the API, the
// public pages and the console all go through it, so there is one log.
type AuditStore interface {
	// DeleteSuppression lifts the suppression of email for scope and
	// returns it. ENOTFOUND when there is none. A hard suppression
	// (bounce, spam report) or an erasure's is ECONFLICT unless force is
	// true: mailing such an address again harms the sender's reputation or
	// breaks a promise, so it takes a deliberate choice.
	DeleteSuppression(ctx context.Context, email, scope string, force bool, actor string) (*Suppression, error)
	// Resubscribe lifts every suppression of email that the person may
	// lift themselves (all and the categories; never hard or erased) and
	// returns the scopes it lifted, possibly none.
	Resubscribe(ctx context.Context, email, actor string) ([]string, error)
	AccountPauser
	// AuditLog returns the newest entries first, at most limit, older than
	// the entry with id before (0: from the newest).
	AuditLog(ctx context.Context, before int64, limit int) ([]AuditEntry, error)
}

// AccountPauser pauses and resumes accounts, audited: the API, the undo
// routes and the digest's pause link all go through it.
type AccountPauser interface {
	// SetAccountPause sets (until != nil) or clears (nil) the account's
	// paused_until and returns the account, or ENOTFOUND. Setting keeps a
	// pause that already reaches further only when extendOnly is true (the
	// digest's "pause for 14 days" link never shortens a longer pause).
	SetAccountPause(ctx context.Context, externalID string, until *time.Time, extendOnly bool, actor string) (*Account, error)
}

// PausedAt returns when the account's pause ends if it is paused at now,
// else nil: a paused_until in the past is no pause. Everything that shows or
// applies a pause asks this one question.
func (a *Account) PausedAt(now time.Time) *time.Time {
	if a == nil || a.PausedUntil == nil || !a.PausedUntil.After(now) {
		return nil
	}
	return a.PausedUntil
}
